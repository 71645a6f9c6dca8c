#!/usr/bin/env bash
# Set up, then run the bot: migrations are applied at start-up.
# With no credentials this serves the local web chat on http://127.0.0.1:3978/ with a SQLite file.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/python app.py "$@"
