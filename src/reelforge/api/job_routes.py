"""Job routes declared as data: a path, the kind it submits, the body it validates, and how it
answers. Every job route is the same function — validate the body, hand it to its kind — so the
routers list them in tables instead of repeating that function per route.
"""

from __future__ import annotations

import inspect
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any, Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse

from reelforge.api.deps import ExternalJobCallDep, JobCall, JobCallDep
from reelforge.jobs.base import JobKind
from reelforge.jobs.body import RequestBody

# queued: 200 with the request id to poll; when_done: waits for the result (202 if it takes too long);
# if_done_soon: the result when it is ready within a few seconds, else queued; now: runs in this process.
Answer = Literal["queued", "when_done", "if_done_soon", "now"]

# Synchronous answers: 202 with the request id when no worker finished in time, 500 when the job
# failed for a reason that is not the caller's input (its charge is refunded).
SYNC_JOB_RESPONSES: dict[int | str, dict[str, Any]] = {
    202: {"description": "Accepted but not finished in time: poll GET /v1/status with request_id"},
    500: {"description": "Processing failed (refunded)"},
}


@dataclass(frozen=True)
class JobRoute:
    path: str
    kind: JobKind[Any, Any]
    body: type[RequestBody]
    summary: str
    answer: Answer = "queued"
    aliases: tuple[str, ...] = ()  # more paths answering the same way (alias summaries name the first)
    input_fields: tuple[str, ...] = ("image_url",)  # a failed synchronous job blaming one of these is a 400
    status_code: int = 200  # of an accepted job (legacy routes answer 201)
    reshape: Callable[[JSONResponse], JSONResponse] | None = None  # e.g. /v2's extra id fields
    # The call must act for one external user (/v1/external_users/* routes); every other job route acts
    # for the one the request names, if any (api/deps.acting_principal).
    external: bool = False

    def respond(self, call: JobCall, body: RequestBody) -> JSONResponse:
        if self.answer == "when_done":
            answer = call.submit_and_wait(self.kind, body, input_fields=self.input_fields)
        elif self.answer == "if_done_soon":
            answer = call.submit_and_answer_if_done_soon(self.kind, body)
        elif self.answer == "now":
            answer = call.run_now(self.kind, body)
        else:
            answer = call.submit(self.kind, body)
        if body.quote_only:  # a price (JobCall answered it): no job was created, nothing to reshape
            return answer
        if self.status_code != 200 and answer.status_code == 200:
            answer.status_code = self.status_code
        return self.reshape(answer) if self.reshape else answer


def _endpoint(route: JobRoute) -> Any:
    def endpoint(body: RequestBody, call: JobCall) -> JSONResponse:
        return route.respond(call, body)

    # FastAPI reads the body model and the dependency from the signature: give it the route's own.
    endpoint.__signature__ = inspect.Signature(  # type: ignore[attr-defined]
        [
            inspect.Parameter("body", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=route.body),
            inspect.Parameter(
                "call",
                inspect.Parameter.POSITIONAL_OR_KEYWORD,
                annotation=ExternalJobCallDep if route.external else JobCallDep,
            ),
        ],
        return_annotation=JSONResponse,
    )
    endpoint.__name__ = re.sub(r"\W+", "_", route.path).strip("_")
    return endpoint


def add_job_routes(router: APIRouter, routes: Iterable[JobRoute]) -> None:
    for route in routes:
        endpoint = _endpoint(route)
        responses = SYNC_JOB_RESPONSES if route.answer in ("when_done", "if_done_soon") else None
        for index, path in enumerate((route.path, *route.aliases)):
            summary = route.summary if index == 0 else f"Alias of {router.prefix}{route.path}"
            router.add_api_route(
                path,
                endpoint,
                methods=["POST"],
                summary=summary,
                name=f"{endpoint.__name__}_{index}" if index else endpoint.__name__,
                status_code=route.status_code,
                responses=responses,
            )
