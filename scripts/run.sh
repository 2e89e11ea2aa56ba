#!/usr/bin/env bash
# Runs Dropday on http://127.0.0.1:3000 with SQLite and demo data. Installs the build tools it needs first.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh build
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
export DROPDAY_LOG="${DROPDAY_LOG:-info}"
echo "Dropday: building (the first build takes several minutes), then serving http://127.0.0.1:3000" >&2
echo "  demo pages: /dashboard  /nova-lights  /nova-lights/midnight-signal  /nova-lights/afterglow-atlas" >&2
echo "  demo sign-in (development data only):" >&2
echo "    admin   admin@dropday.test  / dropday-demo-admin" >&2
echo "    artist  artist@dropday.test / dropday-demo-artist" >&2
# --split: the seldom-used dashboard pages are WASM chunks loaded on demand (README, performance).
exec cargo leptos serve --split "$@"
