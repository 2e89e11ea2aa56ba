//! Benchmark, not a test: how long the dashboard's analytics report takes at millions of events.
//!
//! For each size given (default 1,000,000 and 10,000,000), a fresh database (SQLite, or PostgreSQL when
//! `DROPDAY_TEST_DATABASE_URL` is set) gets an organization of 20 artists with 10 releases each and a year of
//! synthetic traffic: visits from 200,000 returning fans, most releases quiet and a few busy, each visit followed
//! now and then by a click-out, a custom button, a share, a video play or a pre-save, 5% bots. The real rollup job
//! then rolls the year up, and the report the dashboard, the JSON API and the CSV export share (`stats::report`:
//! cards and the previous period, the daily series, every breakdown, the per-release or per-link table, the live
//! counter) is timed for one release and for the whole organization, over 28 days and a year, with the last
//! hour still raw as it is in production.
//!
//! Run: `scripts/bench-dashboard.sh` (both backends), or
//! `cargo bench -p app --features ssr --bench dashboard_queries -- 1000000`.
use app::server::analytics::{rollups, stats};
use app::server::entities::{events, releases as release_rows};
use app::server::models::{
    artists::{self, NewArtist},
    organizations,
    releases::{self, NewRelease, NewServiceLink},
};
use app::server::testing::TestDb;
use app::types::{ReleaseKind, ReleaseMode, ReleaseStatus, StreamingService};
use chrono::{DateTime, Duration, TimeZone, Utc};
use sea_orm::{ActiveValue::Set, ConnectionTrait, DatabaseConnection, EntityTrait, QueryOrder};
use std::time::Instant;

const ARTISTS: usize = 20;
const RELEASES_PER_ARTIST: usize = 10;
const FANS: u64 = 200_000;
const RUNS: usize = 15;
const INSERT_BATCH: usize = 1_000;

/// splitmix64: reproducible without a dependency.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n
    }

    fn chance(&mut self, percent: u64) -> bool {
        self.below(100) < percent
    }

    /// Skewed towards 0: a few values get most of the traffic.
    fn skewed(&mut self, n: u64) -> u64 {
        let u = (self.next() >> 11) as f64 / (1u64 << 53) as f64;
        ((u * u * u) * n as f64) as u64
    }

    fn pick<'a>(&mut self, values: &[&'a str]) -> &'a str {
        values[self.below(values.len() as u64) as usize]
    }
}

const SERVICES: [StreamingService; 8] = [
    StreamingService::Spotify,
    StreamingService::AppleMusic,
    StreamingService::YoutubeMusic,
    StreamingService::AmazonMusic,
    StreamingService::Deezer,
    StreamingService::Tidal,
    StreamingService::Soundcloud,
    StreamingService::Bandcamp,
];

async fn catalog(db: &DatabaseConnection, now: DateTime<Utc>) -> Vec<(i32, i32)> {
    let organization = organizations::create(db, "Bench Records", "bench-records", now)
        .await
        .expect("organization");
    let mut releases = Vec::new();
    for a in 0..ARTISTS {
        let artist = artists::create(
            db,
            NewArtist {
                organization_id: organization.id,
                slug: format!("artist-{a}"),
                name: format!("Artist {a}"),
                image_url: None,
                profile_links: vec![],
                spotify_artist_id: None,
            },
            now,
        )
        .await
        .expect("artist");
        for r in 0..RELEASES_PER_ARTIST {
            let release = releases::create(
                db,
                NewRelease {
                    artist_id: artist.id,
                    slug: format!("release-{r}"),
                    kind: ReleaseKind::Single,
                    title: format!("Release {a}-{r}"),
                    artwork_url: None,
                    upc: None,
                    isrc: None,
                    spotify_id: None,
                    release_at: Some(now - Duration::days(400)),
                    time_zone: "UTC".into(),
                    status: ReleaseStatus::Published,
                    release_mode: ReleaseMode::Fixed,
                    theme: None,
                    video_url: None,
                    links: SERVICES
                        .iter()
                        .map(|service| NewServiceLink {
                            service: *service,
                            url: format!("https://example.com/{}/{a}-{r}", service.key()),
                            hidden: false,
                            show_before_release: false,
                        })
                        .collect(),
                    custom_links: vec![],
                },
                now,
            )
            .await
            .expect("release");
            releases.push((artist.id, release.id));
        }
    }
    releases
}

/// A year of traffic ending at `end`, `total` events in all, written in batches.
async fn traffic(db: &DatabaseConnection, releases: &[(i32, i32)], total: u64, end: DateTime<Utc>) {
    let start = end - Duration::days(365);
    let span_ms = (end - start).num_milliseconds() as u64;
    let mut rng = Rng(42);
    let mut batch = Vec::with_capacity(INSERT_BATCH);
    let mut written = 0u64;
    let referrers = [
        "",
        "",
        "l.instagram.com",
        "www.tiktok.com",
        "t.co",
        "www.google.com",
        "m.facebook.com",
        "www.youtube.com",
    ];
    let campaigns = ["", "", "", "launch", "tour", "playlist-push", "newsletter"];
    let countries = [
        "US", "GB", "DE", "FR", "BR", "MX", "JP", "NG", "IN", "AU", "CA", "SE",
    ];
    let locales = [
        "en-US", "en-GB", "de-DE", "fr-FR", "pt-BR", "es-MX", "ja-JP", "sv-SE",
    ];
    let browsers = ["Safari", "Chrome", "Instagram", "TikTok", "Firefox"];
    let systems = ["iOS", "Android", "Windows", "macOS"];
    while written < total {
        // One visit: a page view, sometimes followed within a minute by what the fan did next.
        let at = start + Duration::milliseconds((written * span_ms / total) as i64);
        let (artist_id, release_id) = releases[rng.skewed(releases.len() as u64) as usize];
        let fan = rng.skewed(FANS);
        let day = at.format("%Y%m%d").to_string();
        let visitor = format!(
            "{:032x}",
            (u128::from(fan) << 32) ^ day.parse::<u128>().unwrap_or(0)
        );
        let is_bot = rng.chance(5);
        let referrer = rng.pick(&referrers);
        let campaign = rng.pick(&campaigns);
        let country = rng.pick(&countries);
        let locale = rng.pick(&locales);
        let browser = rng.pick(&browsers);
        let os = rng.pick(&systems);
        let mut kinds = vec![("page_view", None)];
        if !is_bot {
            if rng.chance(45) {
                kinds.push((
                    "click_out",
                    Some(SERVICES[rng.skewed(8) as usize].key().to_owned()),
                ));
            }
            for (kind, percent) in [
                ("custom_click", 3),
                ("share", 3),
                ("video_play", 2),
                ("pre_save", 2),
            ] {
                if rng.chance(percent) {
                    kinds.push((kind, None));
                }
            }
        }
        for (step, (kind, service)) in kinds.into_iter().enumerate() {
            if written == total {
                break;
            }
            batch.push(events::ActiveModel {
                occurred_at: Set(at + Duration::seconds(step as i64 * 20)),
                kind: Set(kind.to_owned()),
                artist_id: Set(Some(artist_id)),
                release_id: Set(Some(release_id)),
                service: Set(service),
                referrer_domain: Set(Some(referrer.to_owned()).filter(|r| !r.is_empty())),
                utm_source: Set(Some("instagram".to_owned()).filter(|_| !campaign.is_empty())),
                utm_medium: Set(Some("social".to_owned()).filter(|_| !campaign.is_empty())),
                utm_campaign: Set(Some(campaign.to_owned()).filter(|c| !c.is_empty())),
                utm_content: Set(None),
                utm_term: Set(None),
                device_class: Set(Some(
                    if os == "iOS" || os == "Android" {
                        "mobile"
                    } else {
                        "desktop"
                    }
                    .to_owned(),
                )),
                browser: Set(Some(browser.to_owned())),
                os: Set(Some(os.to_owned())),
                country: Set(Some(country.to_owned())),
                locale: Set(Some(locale.to_owned())),
                visitor_hash: Set(Some(visitor.clone())),
                is_bot: Set(is_bot),
                ..Default::default()
            });
            written += 1;
        }
        if batch.len() >= INSERT_BATCH || written == total {
            events::Entity::insert_many(std::mem::take(&mut batch))
                .exec(db)
                .await
                .expect("insert events");
        }
    }
}

/// Where a report's time goes, part by part (`BENCH_DETAIL=1`).
async fn detail(
    db: &DatabaseConnection,
    target: &stats::Target,
    range: stats::Days,
    now: DateTime<Utc>,
) {
    let mut line = String::new();
    macro_rules! time {
        ($name:expr, $call:expr) => {{
            let started = Instant::now();
            $call.await.expect($name);
            line.push_str(&format!(
                " {} {:.1} ms;",
                $name,
                started.elapsed().as_secs_f64() * 1000.0
            ));
        }};
    }
    time!("cards", stats::cards(db, target, range, now));
    time!("series", stats::series(db, target, range, now));
    time!(
        "referrer",
        stats::breakdown(db, target, range, app::types::Dimension::Referrer, now, 10)
    );
    time!("releases", stats::releases_table(db, target, range, now));
    time!("links", stats::links_table(db, target, range, 0, now));
    time!("live", stats::live_visits(db, target, now));
    eprintln!("   {line}");
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[tokio::main]
async fn main() {
    let sizes: Vec<u64> = std::env::args()
        .skip(1)
        .filter(|arg| !arg.starts_with('-'))
        .filter_map(|arg| arg.replace('_', "").parse().ok())
        .collect();
    let sizes = if sizes.is_empty() {
        vec![1_000_000, 10_000_000]
    } else {
        sizes
    };
    // The data ends 20 minutes into an hour: that hour is still raw, as it would be between rollup runs.
    let now = Utc.with_ymd_and_hms(2026, 11, 21, 12, 20, 0).unwrap();
    for total in sizes {
        // `BENCH_REUSE=sqlite:///tmp/x.db?mode=rwc` keeps the data between runs (for working on the queries).
        let (db, test_db) = match std::env::var("BENCH_REUSE") {
            Ok(url) => (
                app::server::db::connect_and_migrate(&url)
                    .await
                    .expect("database"),
                None,
            ),
            Err(_) => {
                let test_db = TestDb::new().await;
                (test_db.db.clone(), Some(test_db))
            }
        };
        let db = &db;
        let backend = format!("{:?}", db.get_database_backend());
        let existing = release_rows::Entity::find()
            .order_by_asc(release_rows::Column::Id)
            .all(db)
            .await
            .expect("releases");
        let releases = if existing.is_empty() {
            let releases = catalog(db, now).await;
            let started = Instant::now();
            traffic(db, &releases, total, now).await;
            let insert_secs = started.elapsed().as_secs_f64();

            let started = Instant::now();
            let mut hours = 0;
            loop {
                let run = rollups::run_once(db, "bench", now).await.expect("rollup");
                if run.hours == 0 {
                    break;
                }
                hours += run.hours;
            }
            let rollup_secs = started.elapsed().as_secs_f64();
            eprintln!(
                "{backend} {total} events: inserted in {insert_secs:.0} s, {hours} hours rolled up in {rollup_secs:.0} s"
            );
            releases
        } else {
            existing
                .iter()
                .map(|release| (release.artist_id, release.id))
                .collect()
        };

        // Planner statistics as a running instance has them: the rollup job refreshes SQLite's after each day,
        // PostgreSQL's autovacuum analyzes after bulk changes.
        let refresh = match db.get_database_backend() {
            sea_orm::DatabaseBackend::Sqlite => "PRAGMA optimize",
            _ => "ANALYZE",
        };
        db.execute_unprepared(refresh)
            .await
            .expect("planner statistics");

        let all_artists = {
            let mut ids: Vec<i32> = releases.iter().map(|(artist, _)| *artist).collect();
            ids.dedup();
            ids
        };
        // The busiest release (the skew favours the first).
        let (artist_id, release_id) = releases[0];
        let today = now.date_naive();
        let scenarios = [
            (
                "one release, 28 days",
                stats::Target::Release {
                    artist_id,
                    release_id,
                },
                28,
            ),
            (
                "one release, 365 days",
                stats::Target::Release {
                    artist_id,
                    release_id,
                },
                365,
            ),
            (
                "organization, 28 days",
                stats::Target::Artists(all_artists.clone()),
                28,
            ),
            (
                "organization, 365 days",
                stats::Target::Artists(all_artists.clone()),
                365,
            ),
        ];
        for (name, target, days) in scenarios {
            let range = stats::Days {
                from: today - Duration::days(days - 1),
                to: today,
            };
            let mut times = Vec::with_capacity(RUNS);
            let mut visits = 0;
            for run in 0..=RUNS {
                let started = Instant::now();
                let report = stats::report(db, &target, String::new(), range, now, 10)
                    .await
                    .expect("report");
                let ms = started.elapsed().as_secs_f64() * 1000.0;
                visits = report.cards.visits;
                if run > 0 {
                    times.push(ms); // the first run warms caches
                }
            }
            if std::env::var_os("BENCH_DETAIL").is_some() {
                detail(db, &target, range, now).await;
            }
            times.sort_by(f64::total_cmp);
            println!(
                "| {backend} | {total} | {name} | {visits} visits | p50 {:.1} ms | p95 {:.1} ms | max {:.1} ms |",
                percentile(&times, 50.0),
                percentile(&times, 95.0),
                times[times.len() - 1],
            );
        }
        drop(test_db);
    }
}
