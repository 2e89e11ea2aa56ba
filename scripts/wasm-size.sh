#!/usr/bin/env bash
# Builds the dashboard's release WASM (the size-optimised `wasm-release` profile, wasm-opt from binaryen@132) and
# reports its size raw, gzip -9 and brotli -q 11. Budget: 400 KB brotli for the whole dashboard.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh build
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
command -v brotli >/dev/null || { echo "needs brotli (apt-get install brotli)" >&2; exit 1; }
cargo leptos build --release --frontend-only >/dev/null
budget=$((400 * 1024))
status=0
for file in target/site/pkg/*.wasm target/site/pkg/*.js target/site/pkg/*.css; do
  raw=$(stat -c %s "$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  br=$(brotli -q 11 -c "$file" | wc -c)
  printf '%-52s raw %8d B   gzip %7d B   brotli %7d B\n' "$(basename "$file")" "$raw" "$gz" "$br"
  if [[ "$file" == *.wasm ]] && [ "$br" -gt "$budget" ]; then
    echo "over budget: $br B brotli > $budget B" >&2
    status=1
  fi
done
exit $status
