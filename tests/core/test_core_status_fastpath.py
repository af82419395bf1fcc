"""``requests.owned_status`` (the GET /v1/status hot path) answers exactly as the general path
``authenticate`` + ``get_owned`` + ``status_body`` does, for every status and every error."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from reelforge.core import accounts, requests
from reelforge.core.errors import ApiError
from reelforge.core.principals import Owner
from reelforge.db.database import Database
from reelforge.db.models import Request, StageRun


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path / 'rf.db'}")
    database.migrate()
    yield database
    database.engine.dispose()


def general_path(db: Database, authorization: str | None, request_id: str | None) -> dict[str, Any]:
    account = accounts.authenticate(db, authorization)
    return requests.status_body(db, requests.get_owned(db, Owner(account.id), request_id))


def outcome(fn: Callable[[], dict[str, Any]]) -> Any:
    try:
        return fn()
    except ApiError as err:
        return (type(err).__name__, err.status_code, err.body())


def test_owned_status_matches_the_general_path(db: Database) -> None:
    owner = accounts.create_account(db, "owner", 100)
    other = accounts.create_account(db, "other", 100)
    key = "Bearer " + accounts.create_api_key(db, owner.id).plaintext
    other_key = "Bearer " + accounts.create_api_key(db, other.id).plaintext
    plan = {"prompt_generation": "PENDING", "speech_generation": "PENDING", "video_generation": "PENDING"}
    with db.session() as s:
        s.add_all([
            Request(id="vid_pending", account_id=owner.id, type="video", case_type="image_list_to_video",
                    status="PENDING", stages=plan, input={"big": "x" * 10_000}),
            Request(id="img_done", account_id=owner.id, type="image", case_type="image_enhance",
                    status="COMPLETED", result={"result_url": "http://h/files/images/a.png", "width": 8}),
            Request(id="img_failed", account_id=owner.id, type="image", case_type="image_enhance",
                    status="FAILED", error="boom"),
            Request(id="vid_other", account_id=other.id, type="video", case_type="text_to_video"),
            StageRun(request_id="vid_pending", stage="prompt_generation", status="COMPLETED"),
            StageRun(request_id="vid_pending", stage="speech_generation", status="IN_PROGRESS"),
            StageRun(request_id="vid_pending", stage="speech_generation", status="REUSED"),
        ])

    pending = requests.owned_status(db, key, "vid_pending")
    assert pending["expressGenerationStatus"] == {
        "prompt_generation": "COMPLETED", "speech_generation": "COMPLETED", "video_generation": "PENDING",
    }
    assert requests.owned_status(db, key, "img_done")["result_urls"] == ["http://h/files/images/a.png"]

    cases = [
        (key, "vid_pending"), (key, "img_done"), (key, "img_failed"),
        (key, "vid_other"), (other_key, "vid_pending"), (key, "nope"), (key, None), (key, ""),
        (None, "img_done"), ("", "img_done"), ("Basic abc", "img_done"), ("Bearer rf_live_unknown", "img_done"),
    ]
    for authorization, rid in cases:
        fast = outcome(lambda a=authorization, r=rid: requests.owned_status(db, a, r))
        assert fast == outcome(lambda a=authorization, r=rid: general_path(db, a, r)), (authorization, rid)

    # Reading never writes: the stored plan is untouched by the live overlay.
    with db.session() as s:
        stored = s.get(Request, "vid_pending")
        assert stored is not None and stored.stages == plan
