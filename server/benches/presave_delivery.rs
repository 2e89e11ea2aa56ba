//! Pre-save delivery at scale: 100,000 fans due at once, delivered by the release-built server binary against the
//! fake Spotify enforcing a Web API rate limit over its rolling 30-second window. Reports the achieved share of
//! the allowed rate and the server's peak memory (VmHWM). Every access token has expired, as days after login, so
//! each delivery also refreshes and stores a rotated refresh token.
//!
//! `make bench-presave` (SQLite); `DROPDAY_TEST_DATABASE_URL=postgres://… make bench-presave` for PostgreSQL.
//! `DROPDAY_BENCH_PRESAVES` and `DROPDAY_BENCH_RATE` (allowed requests a second) change the size.
#[path = "../tests/integration/common/presave_fixture.rs"]
mod presave_fixture;

use app::server::presave::status;
use presave_fixture::{count_with_status, setup, start_server};
use server::sandbox::spotify::FakeSpotifyOptions;
use std::time::{Duration, Instant};

fn env_number(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// A `/proc/{pid}/status` field in KiB: `VmHWM` (peak resident), `RssAnon` (heap and stacks now), `RssFile` (mapped
/// files now: SQLite's memory-mapped database pages).
fn memory_kib(pid: u32, field: &str) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    status
        .lines()
        .find_map(|line| line.strip_prefix(field)?.strip_prefix(':'))
        .and_then(|rest| rest.trim().trim_end_matches("kB").trim().parse().ok())
}

#[tokio::main]
async fn main() {
    let count = env_number("DROPDAY_BENCH_PRESAVES", 100_000) as usize;
    let allowed = env_number("DROPDAY_BENCH_RATE", 500) as u32;
    let options = FakeSpotifyOptions {
        requests_per_30s: Some(allowed * 30),
        ..FakeSpotifyOptions::default()
    };
    let prepared = Instant::now();
    let setup = setup(count, options, true).await;
    let backend = if setup.test_db.url.starts_with("postgres") {
        "PostgreSQL"
    } else {
        "SQLite"
    };
    eprintln!(
        "prepared {count} pre-saves on {backend} in {:.0} s",
        prepared.elapsed().as_secs_f64()
    );
    let api_before = setup.fake.calls("/v1");
    let token_before = setup.fake.calls("/api/token");
    let started = Instant::now();
    let mut server = start_server(env!("CARGO_BIN_EXE_server"), &setup, allowed, 60);
    let pid = server.id();
    let (mut peak_kib, mut peak_anon_kib, mut peak_file_kib) = (0, 0, 0);
    let db = &setup.test_db.db;
    loop {
        tokio::time::sleep(Duration::from_millis(500)).await;
        peak_kib = peak_kib.max(memory_kib(pid, "VmHWM").unwrap_or(0));
        peak_anon_kib = peak_anon_kib.max(memory_kib(pid, "RssAnon").unwrap_or(0));
        peak_file_kib = peak_file_kib.max(memory_kib(pid, "RssFile").unwrap_or(0));
        let delivered = count_with_status(db, status::DELIVERED).await as usize;
        if delivered == count {
            break;
        }
        let failed = count_with_status(db, status::FAILED).await;
        assert_eq!(failed, 0, "pre-saves failed during the benchmark");
        assert!(
            started.elapsed() < Duration::from_secs(3600),
            "not done within an hour: {delivered} of {count}"
        );
    }
    let elapsed = started.elapsed().as_secs_f64();
    peak_kib = peak_kib.max(memory_kib(pid, "VmHWM").unwrap_or(0));
    server.kill().ok();
    server.wait().ok();

    let api_calls = setup.fake.calls("/v1") - api_before;
    let token_calls = setup.fake.calls("/api/token") - token_before;
    let rate = api_calls as f64 / elapsed;
    let share = rate / f64::from(allowed) * 100.0;
    let writes = setup.fake.total_writes();
    println!("pre-save delivery, {backend}, {count} fans, allowed {allowed} requests/s");
    println!("  delivered in {elapsed:.1} s: {api_calls} Web API requests ({rate:.1}/s = {share:.1}% of the allowed rate), {token_calls} token refreshes");
    println!(
        "  429 answers: {}; library writes: {writes} (expected {})",
        setup.fake.responses_with_status(429),
        count * 2
    );
    println!(
        "  server peak memory: {:.1} MB resident (VmHWM); sampled peaks {:.1} MB anonymous (heap, SQLite page caches), {:.1} MB mapped files (the database)",
        peak_kib as f64 / 1024.0,
        peak_anon_kib as f64 / 1024.0,
        peak_file_kib as f64 / 1024.0
    );
    assert_eq!(
        writes,
        count * 2,
        "every album and follow written exactly once"
    );
}
