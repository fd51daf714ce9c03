#!/usr/bin/env bash
# Set up, seed the demo world (first run only) and serve the app on http://127.0.0.1:8501
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh demo
exec .venv/bin/workbench serve "$@"
