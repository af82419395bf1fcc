"""The webhook receiver is down, then up: the event arrives once, same event id, after retries
spaced by the capped doubling backoff.

The short drill started with the first cluster test (fixture ``webhook_drills`` in conftest.py) and
ran in the background while the others ran; collected last, this test only waits out the rest.
The drill of minutes (``LONG_DRILL``) runs only with ``pytest -m long``.
"""

from __future__ import annotations

import json
import time

import pytest

from cluster.webhook_outage import LONG_DRILL, SHORT_DRILL, Drill, Drills
from reelforge.core.webhooks import verify
from support import WEBHOOK_SECRET

GAP_SLACK_S = 2.0  # a busy CI machine may run a retry late, never early


@pytest.mark.xdist_group("webhook_outage")
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
