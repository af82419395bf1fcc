"""The webhook receiver is down for minutes, then up: the event arrives once, same event id.

The outage started with the first cluster test (fixture ``webhook_outage`` in conftest.py) and
ran in the background while the others ran; collected last, this test only waits out the rest.
Run alone it waits the whole outage (REELFORGE_TEST_WEBHOOK_OUTAGE_S, default 180 s).
"""

from __future__ import annotations

import json
import time

from cluster.webhook_outage import WEBHOOK_OUTAGE_S, WEBHOOK_SECRET, WebhookOutage
from reelforge.standard_webhooks import verify


def test_webhook_event_arrives_after_outage_with_same_event_id(webhook_outage: WebhookOutage) -> None:
    delivered = webhook_outage.finish()
    headers, body = delivered
    rid = webhook_outage.request_id
    assert verify(WEBHOOK_SECRET, body, headers)
    assert json.loads(body)["request_id"] == rid and json.loads(body)["status"] == "COMPLETED"
    attempts = webhook_outage.attempts()
    assert len({event for event, _, _ in attempts}) == 1
    assert headers["webhook-id"] == attempts[0][0] == f"evt_{rid}_completed"
    codes = [code for _, code, _ in attempts]
    assert codes[-1] == 200 and all(code is None for code in codes[:-1]), attempts
    assert webhook_outage.outage_s >= WEBHOOK_OUTAGE_S and len(attempts) >= 5
    assert time.time() - webhook_outage.submitted_at >= WEBHOOK_OUTAGE_S
