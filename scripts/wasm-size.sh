#!/usr/bin/env bash
# Builds the dashboard's release WASM (the size-optimised `wasm-release` profile, wasm-opt from binaryen@132) and
# reports its size raw, gzip -9 and brotli -q 11. Budget: 400 KB brotli for the dashboard's first download (the main
# WASM); pages loaded on demand (`--split`) are reported beside it.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/install-tools.sh build
export PATH="$PWD/.tools/node_modules/.bin:$HOME/.cargo/bin:$PATH"
command -v brotli >/dev/null || { echo "needs brotli (apt-get install brotli)" >&2; exit 1; }
cargo leptos build --release --frontend-only --split >/dev/null
budget=$((400 * 1024))
status=0
report() {
  local file=$1 raw gz br
  raw=$(stat -c %s "$file")
  gz=$(gzip -9 -c "$file" | wc -c)
  br=$(brotli -q 11 -c "$file" | wc -c)
  printf '%-60s raw %8d B   gzip %7d B   brotli %7d B\n' "$(basename "$file")" "$raw" "$gz" "$br"
}
# What every dashboard visit downloads first: the main WASM, its JS glue, the split loader and the stylesheet.
echo "first download:"
for file in target/site/pkg/dropday.*.wasm target/site/pkg/dropday.*.js target/site/pkg/__wasm_split.*.js \
  target/site/pkg/*.css; do
  report "$file"
done
main_br=$(brotli -q 11 -c target/site/pkg/dropday.*.wasm | wc -c)
if [ "$main_br" -gt "$budget" ]; then
  echo "over budget: main WASM $main_br B brotli > $budget B" >&2
  status=1
fi
# Loaded when a seldom-used page is first opened: its own module and the chunks it shares with others.
echo "on demand (split___* per page; chunk_* shared between them):"
for file in target/site/pkg/split___*.wasm; do report "$file"; done
printf 'all chunks together: brotli %d B\n' "$(cat target/site/pkg/split___*.wasm target/site/pkg/chunk_*.wasm | brotli -q 11 -c | wc -c)"
exit $status
