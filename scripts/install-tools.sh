#!/usr/bin/env bash
# Installs the build and test tools Dropday needs on a fresh Debian machine with Rust.
# Idempotent: every step checks first, so a warm machine spends seconds here.
#   scripts/install-tools.sh build   -> wasm target, wasm-bindgen-cli, wasm-opt (binaryen@132), cargo-leptos
#   scripts/install-tools.sh test    -> the above plus Chromium, PostgreSQL, brotli, nginx, wrk, playwright-core
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$(pwd)
TOOLS="$ROOT/.tools"
mode=${1:-build}

CARGO_LEPTOS_VERSION=0.3.10
BINARYEN_VERSION=132
log() { printf '\033[1m[install]\033[0m %s\n' "$*" >&2; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

apt_install() {
  local missing=()
  for pkg in "$@"; do dpkg -s "$pkg" >/dev/null 2>&1 || missing+=("$pkg"); done
  [ ${#missing[@]} -eq 0 ] && return 0
  log "apt-get install ${missing[*]}"
  as_root apt-get update -qq
  DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq "${missing[@]}" >/dev/null
}

# The wasm-bindgen CLI must equal the wasm-bindgen crate version in Cargo.lock.
wasm_bindgen_version() {
  awk '/^name = "wasm-bindgen"$/ {getline; gsub(/version = |"/, ""); print; exit}' "$ROOT/Cargo.lock" 2>/dev/null || true
}

install_build_tools() {
  if ! rustup target list --installed | grep -q wasm32-unknown-unknown; then
    log "rustup target add wasm32-unknown-unknown"
    rustup target add wasm32-unknown-unknown
  fi
  # wasm-opt from npm: Debian's binaryen 108 produces WASM that fails in Chromium.
  if [ ! -x "$TOOLS/node_modules/.bin/wasm-opt" ]; then
    log "npm install binaryen@$BINARYEN_VERSION (wasm-opt)"
    mkdir -p "$TOOLS"
    (cd "$TOOLS" && [ -f package.json ] || echo '{"private":true}' > package.json)
    (cd "$TOOLS" && npm install --no-audit --no-fund --silent "binaryen@$BINARYEN_VERSION")
  fi
  local wbv; wbv=$(wasm_bindgen_version)
  if [ -n "$wbv" ] && ! (command -v wasm-bindgen >/dev/null && wasm-bindgen --version | grep -q "$wbv"); then
    log "cargo install wasm-bindgen-cli $wbv (about 3 minutes)"
    cargo install wasm-bindgen-cli --version "$wbv" --force
  fi
  if ! (command -v cargo-leptos >/dev/null && cargo-leptos --version | grep -q "$CARGO_LEPTOS_VERSION"); then
    log "cargo install cargo-leptos $CARGO_LEPTOS_VERSION (about 17 minutes, once per machine)"
    cargo install cargo-leptos --locked --version "$CARGO_LEPTOS_VERSION"
  fi
}

install_test_tools() {
  apt_install chromium postgresql brotli nginx-light wrk
  if [ ! -d "$ROOT/end2end/node_modules/playwright-core" ]; then
    log "npm ci (end2end: playwright-core)"
    (cd "$ROOT/end2end" && npm ci --no-audit --no-fund --silent)
  fi
}

case "$mode" in
  build) install_build_tools ;;
  test) install_build_tools; install_test_tools ;;
  *) echo "usage: $0 build|test" >&2; exit 2 ;;
esac
