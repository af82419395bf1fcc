"""The webhook receiver is down, then up: the event arrives once, same event id, after retries
spaced by the capped doubling backoff.

Each drill has its own cluster and database (cluster/webhook_outage.py). The short drill runs by
default; the drill of minutes (``LONG_DRILL``) runs only with ``pytest -m long``.
"""

from __future__ import annotations

import json
import time
from collections.abc import Iterator

import pytest

from cluster.pg_cluster import PostgresCluster
from cluster.webhook_outage import LONG_DRILL, SHORT_DRILL, Drill, Drills
from reelforge.standard_webhooks import verify
from support import WEBHOOK_SECRET

GAP_SLACK_S = 2.0  # a busy CI machine may run a retry late, never early


@pytest.fixture(scope="module")
def webhook_drills(tmp_path_factory: pytest.TempPathFactory, pg_cluster: PostgresCluster) -> Iterator[Drills]:
    """Drills started on first use, kept running across this module's tests, stopped at its end."""
    drills = Drills(tmp_path_factory.mktemp("webhook"), pg_cluster)
    try:
        yield drills
    finally:
        drills.stop()


def test_webhook_receiver_down_at_first(webhook_drills: Drills) -> None:
    attempts = webhook_drills.get(SHORT_DRILL).wait_failed_attempts(2, timeout=60)
    # The receiver is down: no status, and an error that says so without echoing connection details.
    assert all(code is None and "could not be fetched" in (err or "") for code, err in attempts), attempts


@pytest.mark.parametrize(
    "drill", [pytest.param(SHORT_DRILL, id="short"), pytest.param(LONG_DRILL, id="long", marks=pytest.mark.long)]
)
def test_webhook_event_arrives_after_outage_with_same_event_id(webhook_drills: Drills, drill: Drill) -> None:
    outage = webhook_drills.get(drill)
    headers, body = outage.finish()
    rid = outage.request_id
    assert verify(WEBHOOK_SECRET, body, headers)
    assert json.loads(body)["request_id"] == rid and json.loads(body)["status"] == "COMPLETED"
    attempts = outage.attempts()
    assert len({event for event, _, _ in attempts}) == 1
    assert headers["webhook-id"] == attempts[0][0] == f"evt_{rid}_completed"
    codes = [code for _, code, _ in attempts]
    assert codes[-1] == 200 and all(code is None for code in codes[:-1]), attempts
    assert outage.outage_s >= drill.outage_s and len(attempts) >= 5
    assert time.time() - outage.submitted_at >= drill.outage_s
    # Retries back off: each delay doubles from the first up to the cap, and stays there.
    gaps, expected = outage.gaps(), drill.expected_gaps(len(attempts))
    assert all(want - 0.05 <= got <= want + GAP_SLACK_S for got, want in zip(gaps, expected, strict=True)), (
        gaps,
        expected,
    )
    assert expected[-1] == drill.max_backoff_s  # the outage was long enough to reach the cap
