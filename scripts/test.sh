#!/usr/bin/env bash
# Install everything, then lint, type-check and run the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
echo "== ruff"; .venv/bin/ruff check src tests bench
echo "== mypy"; .venv/bin/mypy
echo "== mypy --strict (jobs, stages)"; .venv/bin/mypy --strict src/reelforge/jobs src/reelforge/stages
echo "== pytest"
# Byte-compile the package and the test helpers once: the suite starts some 40 Python processes that
# import them, and where PYTHONDONTWRITEBYTECODE is set (as on this CI image) each one would compile
# them again from source (0.5 s of CPU per server process). Reading .pyc files is not affected by it.
.venv/bin/python -m compileall -q -j 0 src tests >/dev/null
set +e
.venv/bin/python -m pytest "$@"
rc=$?
set -e
# pytest exits 5 when it collected nothing: that is a broken suite, not a pass.
if [ "$rc" -eq 5 ]; then echo "pytest collected no tests" >&2; exit 1; fi
exit "$rc"
