# The two commands a newcomer needs: `make run` and `make test`. The rest are for development.
.PHONY: run test fmt lint wasm-size bench-presave

run:  ## Build and serve Dropday on http://127.0.0.1:3000 (SQLite, demo data)
	scripts/run.sh

test:  ## Every test: Rust on SQLite and PostgreSQL, then the browser tests in Chromium
	scripts/test.sh

fmt:
	cargo fmt --all

lint:
	cargo fmt --all --check
	cargo clippy --workspace --exclude frontend --all-targets -- -D warnings
	cargo clippy -p frontend --target wasm32-unknown-unknown -- -D warnings

wasm-size:  ## Release-build the dashboard and report its WASM size (raw, gzip, brotli)
	scripts/wasm-size.sh

bench-presave:  ## Deliver 100,000 pre-saves against the rate-limited fake Spotify; report rate share and peak memory
	cargo bench -p server --bench presave_delivery
