#!/usr/bin/env bash
# Set up, then lint, type-check and run the whole test suite.
# PostgreSQL tests run when TEST_POSTGRES_URL is set (scripts/with-postgres.sh sets it).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy .
.venv/bin/python -m pytest "$@"
