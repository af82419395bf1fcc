"""``endpoint``: one ``Call`` builder becomes a method of both the sync and the async client.

Accessed on a sync client (or a resource group of one) it is a plain method returning an
``APIResult``; on an async client it is a coroutine function. The builder's signature and
docstring carry over, and type checkers see both forms (overloaded ``__get__``).
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any, Generic, ParamSpec, TypeVar, overload

from reelforge.client._call import Call
from reelforge.client._transport import AsyncCore, SyncCore
from reelforge.client.models import ApiModel
from reelforge.client.result import APIResult

P = ParamSpec("P")
T = TypeVar("T", bound=ApiModel)
CoreT = TypeVar("CoreT", SyncCore, AsyncCore, covariant=True)


class Resource(Generic[CoreT]):
    """A group of related methods (``client.video``, ``client.image`` …) sharing the client's connection."""

    def __init__(self, core: CoreT) -> None:
        self._core: CoreT = core


class endpoint(Generic[P, T]):  # noqa: N801 - used like a decorator/descriptor, named like one
    def __init__(self, build: Callable[P, Call[T]]) -> None:
        self.build = build
        self.__doc__ = build.__doc__

    @overload
    def __get__(self, obj: None, owner: type | None = None) -> endpoint[P, T]: ...

    @overload
    def __get__(self, obj: SyncCore | Resource[SyncCore], owner: type | None = None) -> Callable[P, APIResult[T]]: ...

    @overload
    def __get__(
        self, obj: AsyncCore | Resource[AsyncCore], owner: type | None = None
    ) -> Callable[P, Awaitable[APIResult[T]]]: ...

    def __get__(self, obj: Any, owner: type | None = None) -> Any:
        if obj is None:
            return self
        core = obj._core if isinstance(obj, Resource) else obj
        build = self.build
        if isinstance(core, SyncCore):

            @functools.wraps(build)
            def call(*args: Any, **kwargs: Any) -> Any:
                return core._run(build(*args, **kwargs))

            return call

        @functools.wraps(build)
        async def acall(*args: Any, **kwargs: Any) -> Any:
            return await core._arun(build(*args, **kwargs))

        return acall
