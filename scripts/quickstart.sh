#!/usr/bin/env bash
# Install everything, then start reelforge on the embedded default (SQLite + local files +
# in-process workers) and print the base URL, a new API key with credits, and curl examples.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/reelforge quickstart "$@"
