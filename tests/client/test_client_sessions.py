"""Session operations through the SDK, on a video rendered for real by the shared server.

One video is made (and cloned once, for join); each operation's happy path is accepted and
then cancelled so the shared render queue is not kept busy."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import cv2
import pytest

from reelforge.client import Client, to_data_url
from support import ReelforgeServer
from support.client import Api
from support.media import assert_decodes_cleanly, png_bytes

PHOTOS = [to_data_url(png_bytes(320, 240, seed=s)) for s in (11, 12)]


@pytest.fixture(scope="module")
def account(server: ReelforgeServer) -> str:
    return server.new_key(credits=100_000)


@pytest.fixture(scope="module")
def sessions(server: ReelforgeServer, account: str) -> tuple[str, str]:
    """A completed image-list video and a completed clone of it."""
    with Client(account, base_url=server.base_url, timeout=120) as client:
        made = client.create_video_from_image_list(
            image_urls=[PHOTOS[0], {"image_url": PHOTOS[1], "title": "Packs flat"}],
            prompt="Linen travel shirt teaser",
            metadata={"product": "linen travel shirt"},
            language="en",
        )
        client.wait(made.data.request_id, timeout=300, poll_interval=0.5)
        clone = client.clone_video(video_session_id=made.data.request_id)
        assert clone.credits_charged == 0
        client.wait(clone.data.request_id, timeout=300, poll_interval=0.5)
        return made.data.request_id, clone.data.request_id


def test_completed_video_latest_listing_and_download(
    server: ReelforgeServer, account: str, sessions: tuple[str, str], mode: str, tmp_path: Path
) -> None:
    api = Api(mode, account, server.base_url)
    source, clone = sessions
    latest = api("video.fetch_latest_version", source)
    assert latest.status == 200 and latest.data.status == "COMPLETED" and latest.data.result_url
    assert latest.data.has_subtitles is True and latest.data.result_language == "en"
    listed = {s.session_id: s for s in api("list_completed_video_sessions").data.sessions}
    assert {source, clone} <= listed.keys() and listed[source].result_url == latest.data.result_url

    video = api("download", latest.data.result_url, tmp_path / "source.mp4")
    capture = cv2.VideoCapture(str(video))
    try:
        assert capture.get(cv2.CAP_PROP_FRAME_COUNT) > 24
        assert (capture.get(cv2.CAP_PROP_FRAME_WIDTH), capture.get(cv2.CAP_PROP_FRAME_HEIGHT)) == (1792, 1024)
    finally:
        capture.release()
    assert_decodes_cleanly(video)


def _operations(source: str, clone: str) -> list[tuple[str, dict[str, Any]]]:
    return [
        ("update_video_outro_image", {"video_session_id": source, "cta_url": "https://example.com/book"}),
        (
            "video.update_footer_image",
            {"video_session_id": source, "cta_url": "https://example.com/f", "cta_text": "Shop"},
        ),
        ("add_video_outro_image", {"video_session_id": source, "outro_image_url": PHOTOS[0]}),
        ("translate_video", {"video_session_id": source, "language": "es"}),
        ("video.clone", {"video_session_id": source}),
        ("remove_subtitles", {"video_session_id": source}),
        ("video.add_subtitles", {"video_session_id": source}),
        ("join_videos", {"session_ids": [source, clone]}),
    ]


def test_session_operations_are_accepted(
    server: ReelforgeServer, account: str, sessions: tuple[str, str], mode: str
) -> None:
    api = Api(mode, account, server.base_url)
    for method, body in _operations(*sessions):
        accepted = api(method, body)
        new_id = accepted.data.request_id
        assert accepted.status == 200 and new_id and new_id not in sessions, method
        assert accepted.credits_charged is not None and accepted.credits_remaining is not None, method
        cancelled = api("cancel_render", video_session_id=new_id)
        assert cancelled.data.cancelled is True, method
