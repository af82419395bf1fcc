"""The shape every kind of work has.

A :class:`JobKind` turns a validated request body into a typed, storable input (:meth:`prepare`,
which fetches and stages the body's media through a :class:`MediaSource`), says which stages run
(:meth:`plan`) and what it costs (:meth:`price`). Stages are :class:`StageDef` s: a public name
(what ``/status`` shows), a queue and a function of a :class:`StageContext` that carries the
kind's typed input and the typed outputs of earlier stages.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar, Generic, Literal, Protocol, TypeVar, get_args

from pydantic import BaseModel, ConfigDict

from reelforge.core.errors import BadRequest
from reelforge.core.pricing import PriceTable
from reelforge.core.principals import Owner
from reelforge.db.models import Request
from reelforge.runtime import Runtime
from reelforge.stages.context import StageEnv
from reelforge.stages.outputs import StageOutput


class JobInput(BaseModel):
    """What a request stores and its stages read: blob keys, never URLs to fetch again."""

    model_config = ConfigDict(extra="forbid")


class ServedInput(JobInput):
    """An input served by a configurable provider, fixed when the request is accepted (``JobKind.provider``)."""

    provider: str


InputT = TypeVar("InputT", bound=JobInput)
BodyT = TypeVar("BodyT", bound=BaseModel)
OutT = TypeVar("OutT", bound=StageOutput)


@dataclass
class StageContext(Generic[InputT]):
    env: StageEnv
    job: InputT
    outputs: dict[str, dict[str, Any]] = field(default_factory=dict)

    def output(self, model: type[OutT]) -> OutT:
        """The output of the earlier stage that produces ``model``."""
        return model.model_validate(self.outputs[model.STAGE])

    def maybe_output(self, model: type[OutT]) -> OutT | None:
        raw = self.outputs.get(model.STAGE)
        return None if raw is None else model.model_validate(raw)


@dataclass(frozen=True)
class StageDef(Generic[InputT]):
    name: str  # public: the key in ``expressGenerationStatus``
    fn: Callable[[StageContext[InputT]], StageOutput]
    queue: str = "cpu"
    # Everything the output depends on: an earlier run of the stage for the same account with the
    # same key is reused instead of recomputed.
    cache_key: Callable[[StageContext[InputT]], Any] | None = None


Plan = Sequence[Sequence[StageDef[InputT]]]


def flatten(plan: Plan[InputT]) -> list[StageDef[InputT]]:
    return [stage for group in plan for stage in group]


@dataclass(frozen=True)
class StoredImage:
    key: str  # blob key the bytes are stored under (owned by the request once it is accepted)
    size: tuple[int, int]  # width, height: what prepare may need of the pixels, which are not kept

    @property
    def width(self) -> int:
        return self.size[0]

    @property
    def height(self) -> int:
        return self.size[1]


@dataclass(frozen=True)
class StoredMedia:
    """A stored audio or video file and what prepare learned by probing it."""

    key: str
    duration_s: float
    size: tuple[int, int] | None  # width, height of its video stream; None for audio
    has_audio: bool


    def at_most(self, seconds: float, field: str) -> StoredMedia:
        """This file, when it lasts at most ``seconds``; else 400 naming ``field``."""
        if self.duration_s > seconds:
            raise BadRequest(f"{field} is {self.duration_s:.0f} s long; at most {seconds:.0f} s.", field=field)
        return self


class MediaSource(Protocol):
    """Fetches client media while a request is prepared and stores it; a refused request's media is deleted."""

    def image(self, url: str, field: str) -> StoredImage: ...

    def media(self, url: str, field: str, need: Literal["audio", "video"]) -> StoredMedia: ...

    def upload(self, data: bytes, field: str) -> StoredImage: ...


@dataclass
class PrepareEnv:
    """What :meth:`JobKind.prepare` may use: the runtime (sessions, prices, settings), the caller's
    account, and the media source."""

    rt: Runtime
    account_id: str
    media: MediaSource
    external_user_id: str | None = None  # the request is made for this external user of the account

    @property
    def owner(self) -> Owner:
        return Owner(self.account_id, self.external_user_id)


@dataclass
class Prepared(Generic[InputT]):
    job: InputT
    response_extra: dict[str, Any] = field(default_factory=dict)
    request_id: str | None = None  # set when the kind names outputs by the request id up front
    # Stages the engine holds until the client says ``process_next`` (v2 step mode); None: the
    # request is not a step request at all, [] a step request that runs straight through.
    pause_before: list[str] | None = None


# Keys the engine stores beside a kind's input on the request row (submit.py); not the kind's own.
ENGINE_INPUT_KEYS = ("plan", "pause_before")


class JobKind(ABC, Generic[BodyT, InputT]):
    case_type: ClassVar[str]
    media_type: ClassVar[Literal["image", "video", "embedding", "audio"]]  # the request row's type
    id_prefix: ClassVar[str]
    input_model: type[InputT]
    # The stage pause_render may hold a queued or running request before (None: not pausable).
    hold_stage: ClassVar[str | None] = None

    def __init_subclass__(
        cls,
        case_type: str | None = None,
        media_type: Literal["image", "video", "embedding", "audio"] | None = None,
        id_prefix: str | None = None,
        **kwargs: Any,
    ) -> None:
        """``class Enhance(JobKind[...], case_type="image_enhance", media_type="image", id_prefix="img_enh")``."""
        super().__init_subclass__(**kwargs)
        if "input_model" not in cls.__dict__:  # the stored input is the kind's second type argument
            for base in getattr(cls, "__orig_bases__", ()):
                args = get_args(base)
                if len(args) == 2 and isinstance(args[1], type) and issubclass(args[1], JobInput):
                    cls.input_model = args[1]  # type: ignore[assignment]  # InputT, bound here
        if case_type is not None:
            cls.case_type = case_type
        if media_type is not None:
            cls.media_type = media_type
        if id_prefix is not None:
            cls.id_prefix = id_prefix

    @abstractmethod
    def prepare(self, body: BodyT, env: PrepareEnv) -> Prepared[InputT]:
        """Check what needs the deployment or stored state and fetch the body's media (4xx naming the field)."""

    @abstractmethod
    def plan(self, job: InputT) -> Plan[InputT]: ...

    @abstractmethod
    def price(self, job: InputT, prices: PriceTable) -> int: ...

    def price_breakdown(self, job: InputT, prices: PriceTable) -> list[dict[str, Any]]:
        """What a quote (``quote_only``) itemises; its credits add up to :meth:`price`."""
        return [{"item": self.case_type, "credits": self.price(job, prices)}]

    def provider(self, job: InputT) -> str:
        """Who serves the job, recorded on the request: the provider fixed at acceptance, else this server."""
        return job.provider if isinstance(job, ServedInput) else "LOCAL"

    @abstractmethod
    def stage_defs(self) -> Sequence[StageDef[InputT]]:
        """Every stage this kind may plan (plans of some kinds depend on the input)."""

    def stage(self, name: str) -> StageDef[InputT]:
        """The engine's lookup: this kind's stage of that public name."""
        for stage in self.stage_defs():
            if stage.name == name:
                return stage
        raise KeyError(f"{self.case_type} has no stage {name!r}")

    def load_input(self, request: Request) -> InputT:
        stored = {k: v for k, v in request.input.items() if k not in ENGINE_INPUT_KEYS}
        return self.input_model.model_validate(stored)


class SingleStageKind(JobKind[BodyT, InputT]):
    """A kind whose whole plan is one stage (``only_stage``)."""

    only_stage: StageDef[InputT]

    def plan(self, job: InputT) -> Plan[InputT]:
        return [[self.only_stage]]

    def stage_defs(self) -> Sequence[StageDef[InputT]]:
        return [self.only_stage]


class ImageStageKind(SingleStageKind[BodyT, InputT], media_type="image"):
    """A one-stage kind whose requests are image requests (``/v1/image/status``, ``/v1/image/list``)."""

