#!/usr/bin/env bash
# Runs every test: Rust unit and integration tests on SQLite, the same again on PostgreSQL, then the browser tests
# in Chromium. Installs what it needs (wasm target, cargo-leptos, Chromium, PostgreSQL) and starts a throwaway
# PostgreSQL cluster on loopback for the run.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
scripts/install-tools.sh test
export PATH="$ROOT/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export CARGO_TERM_COLOR=${CARGO_TERM_COLOR:-never}
# A one-shot run gains nothing from incremental caches, which took 2 GB of disk here.
export CARGO_INCREMENTAL=${CARGO_INCREMENTAL:-0}
step() { printf '\n\033[1m== %s\033[0m\n' "$*" >&2; }

RUN_DIR=$(mktemp -d /tmp/dropday-test.XXXXXX)
# The PostgreSQL cluster inside runs as the postgres user, which must be able to enter this directory.
chmod 755 "$RUN_DIR"
SERVER_PID=""
cleanup() {
  [ -n "$SERVER_PID" ] && kill "$SERVER_PID" 2>/dev/null && wait "$SERVER_PID" 2>/dev/null || true
  scripts/postgres.sh stop "$RUN_DIR/pg" >/dev/null 2>&1 || true
  rm -rf "$RUN_DIR"
}
trap cleanup EXIT
# When a step fails, say how much disk and memory were left: a full disk fails a build with little else to go on.
trap 'echo "--- failed; disk and memory left:" >&2; df -h . /tmp >&2; free -m >&2' ERR

step "Rust tests on SQLite"
cargo test --workspace --exclude frontend --no-fail-fast

step "Rust tests on PostgreSQL"
PG_URL=$(scripts/postgres.sh start "$RUN_DIR/pg")
DROPDAY_TEST_DATABASE_URL="$PG_URL" cargo test --workspace --exclude frontend --no-fail-fast

step "Browser tests (Chromium)"
# The server binary is the one the Rust tests just built and ran (the integration tests start it too); cargo-leptos
# only builds the dashboard's WASM, styles and assets, and writes hash.txt beside that binary. Building the server
# again with cargo-leptos's feature set recompiled every dependency: minutes and gigabytes for nothing. `--split`:
# the seldom-used pages are WASM chunks loaded on demand, as in production, so the tests load them too.
cargo leptos build --frontend-only --split
test -x target/debug/server
PORT=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
DROPDAY_LISTEN_ADDR="127.0.0.1:$PORT" DROPDAY_PUBLIC_URL="http://127.0.0.1:$PORT" \
  DROPDAY_DATA_DIR="$RUN_DIR/data" DROPDAY_SITE_ROOT="$ROOT/target/site" DROPDAY_LOG=warn \
  target/debug/server >"$RUN_DIR/server.log" 2>&1 &
SERVER_PID=$!
for _ in $(seq 1 100); do
  curl -fsS "http://127.0.0.1:$PORT/healthz" >/dev/null 2>&1 && break
  kill -0 "$SERVER_PID" 2>/dev/null || { cat "$RUN_DIR/server.log"; exit 1; }
  sleep 0.2
done
(cd end2end && BASE_URL="http://127.0.0.1:$PORT" DROPDAY_SERVER_BIN="$ROOT/target/debug/server" \
  DROPDAY_DATA_DIR="$RUN_DIR/data" npm test) || { echo "--- server log"; tail -50 "$RUN_DIR/server.log"; exit 1; }
