#!/usr/bin/env bash
# Benchmark, not a test: the dashboard's analytics report at millions of events, on SQLite and on PostgreSQL.
# Sizes default to 1,000,000 and 10,000,000 events (`scripts/bench-dashboard.sh 1000000` for one). Each size gets a
# fresh database, a year of synthetic traffic and the real rollup job; then the report is timed (see
# app/benches/dashboard_queries.rs). The 10M runs take about half an hour per backend on 2 cores.
set -euo pipefail
cd "$(dirname "$0")/.."
SIZES=("$@")
[ ${#SIZES[@]} -eq 0 ] && SIZES=(1000000 10000000)
RUN=$(mktemp -d /tmp/dropday-bench-db.XXXXXX)
chmod 755 "$RUN"
trap 'scripts/postgres.sh stop "$RUN/pg" >/dev/null 2>&1 || true; rm -rf "$RUN"' EXIT
cargo bench -p app --features ssr --bench dashboard_queries --no-run >/dev/null 2>&1
echo "| backend | events | report | visits in range | p50 | p95 | max |"
echo "|---|---|---|---|---|---|---|"
TMPDIR="$RUN" cargo bench -q -p app --features ssr --bench dashboard_queries -- "${SIZES[@]}"
PG_URL=$(scripts/postgres.sh start "$RUN/pg")
DROPDAY_TEST_DATABASE_URL="$PG_URL" cargo bench -q -p app --features ssr --bench dashboard_queries -- "${SIZES[@]}"
