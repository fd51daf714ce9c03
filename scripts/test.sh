#!/usr/bin/env bash
# Set up and run the whole test suite: unit, database (SQLite and PostgreSQL), app pages,
# a real browser, the CLI and the notebooks. PostgreSQL is required: the run fails without it.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh test

export WORKBENCH_TEST_POSTGRES_URL="${WORKBENCH_TEST_POSTGRES_URL:-postgresql+psycopg://postgres@127.0.0.1:5432/test}"
export WORKBENCH_REQUIRE_POSTGRES="${WORKBENCH_REQUIRE_POSTGRES:-1}"
if ! .venv/bin/python - <<'PY' 2>/dev/null
import os, sqlalchemy
sqlalchemy.create_engine(os.environ["WORKBENCH_TEST_POSTGRES_URL"]).connect().close()
PY
then
  if command -v pg_ctlcluster >/dev/null 2>&1; then
    echo "test: starting the local PostgreSQL cluster"
    pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql | head -n 1)" main start || true
  fi
fi

# pytest exits non-zero when a test fails and with 5 when it collected nothing: both fail the run.
# It ends with the 15 slowest steps and the total, so a test that grew slow shows in every run.
exec .venv/bin/python -m pytest -n "${WORKBENCH_TEST_WORKERS:-2}" --dist loadgroup --durations=15 "$@"
