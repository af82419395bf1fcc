"""The submission crash drill, 5 rounds: SIGKILL a real server during bursts of 40 charging requests.

    .venv/bin/python bench/submit_crash_drill.py [rounds] [burst]

Round 1 crashes from inside right after a commit (the fault point ``submit:committed``), later
rounds SIGKILL the server's process group from outside once a quarter of the burst has been
answered; each round restarts it on the same data. Prints, per round, the requests left charged
but never enqueued at the kill, then the final statuses and any bookkeeping problem (none
expected: every request COMPLETED or refunded, ledger balanced, nothing PENDING without a workflow).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "tests"))

from submit_drill import run_drill  # noqa: E402


def main() -> int:
    rounds = int(sys.argv[1]) if len(sys.argv) > 1 else 5
    burst = int(sys.argv[2]) if len(sys.argv) > 2 else 40
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="reelforge-drill-") as tmp:
        report = run_drill(Path(tmp), rounds=rounds, burst=burst)
    print(f"rounds={rounds} burst={burst} wall={time.monotonic() - started:.1f}s")
    print(f"stranded at each kill (charged, not enqueued): {report.stranded_per_round}")
    print(f"answered 200: {len(report.accepted)}, connections cut: {report.lost_answers}")
    print(f"final statuses: {report.statuses}")
    print("problems:", report.problems or "none")
    return 1 if report.problems else 0


if __name__ == "__main__":
    raise SystemExit(main())
