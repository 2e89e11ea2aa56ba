//! Analytics end to end: known visits and click-outs from people, bots and prefetches go through the real server,
//! part of them into the hourly and daily rollups and part still raw, and every number the dashboard's server
//! function reports is checked.
use crate::common;

use app::server::analytics::rollups;
use app::server::demo::{DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD};
use app::server::entities::custom_links;
use app::server::entities::prelude::*;
use app::server::Clock as _;
use chrono::{Duration, TimeZone, Utc};
use common::api::Client;
use common::TestServer;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};
use serde_json::{json, Value};

const IPHONE: &str = common::PHONE_USER_AGENT;
const ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36";
const PREVIEW_BOT: &str =
    "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)";

struct Fan<'a> {
    server: &'a TestServer,
    user_agent: &'static str,
    ip: &'static str,
}

impl Fan<'_> {
    async fn get(&self, path: &str, extra: &[(&str, &str)]) -> u16 {
        let mut request = self
            .server
            .client
            .get(self.server.url(path))
            .header("user-agent", self.user_agent)
            .header("x-forwarded-for", self.ip);
        for (name, value) in extra {
            request = request.header(*name, *value);
        }
        request.send().await.unwrap().status().as_u16()
    }

    async fn visit(&self, extra: &[(&str, &str)]) {
        assert_eq!(self.get("/nova-lights/midnight-signal", extra).await, 200);
    }

    async fn click(&self, release_id: i64, service: &str) {
        let path = format!("/go/{release_id}/{service}");
        assert_eq!(self.get(&path, &[]).await, 302);
    }
}

async fn wait_for_events(server: &TestServer, expected: u64) {
    for _ in 0..200 {
        if Events::find().count(&server.state.db).await.unwrap() >= expected {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    panic!("{expected} events were not written");
}

fn stat(report: &Value, key: &str) -> Value {
    report["cards"][key].clone()
}

fn breakdown(report: &Value, dimension: &str) -> Vec<(String, u64, u64)> {
    report["breakdowns"]
        .as_array()
        .unwrap()
        .iter()
        .find(|b| b["dimension"] == dimension)
        .unwrap()["rows"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["value"].as_str().unwrap().to_owned(),
                row["visits"].as_u64().unwrap(),
                row["click_outs"].as_u64().unwrap(),
            )
        })
        .collect()
}

#[tokio::test]
async fn the_dashboard_reports_exactly_what_people_did_and_keeps_bots_apart() {
    let day_one = Utc.with_ymd_and_hms(2026, 11, 10, 10, 0, 0).unwrap();
    let server = TestServer::start_with(day_one, |config| {
        config.client_ip_header = Some("x-forwarded-for".into());
    })
    .await;
    let admin = server.sign_in(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await;
    let releases = server
        .call(&admin, "list_releases", json!({ "filter": "all" }))
        .await;
    let single = releases
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["title"] == "Midnight Signal")
        .unwrap()["id"]
        .as_i64()
        .unwrap();

    let ana = Fan {
        server: &server,
        user_agent: IPHONE,
        ip: "198.51.100.1",
    };
    let ben = Fan {
        server: &server,
        user_agent: ANDROID,
        ip: "198.51.100.2",
    };
    let preview = Fan {
        server: &server,
        user_agent: PREVIEW_BOT,
        ip: "203.0.113.9",
    };

    // Day one: Ana comes twice from Instagram and plays it on Spotify; Ben comes once and clicks two services.
    let from_instagram = [("referer", "https://l.instagram.com/")];
    ana.visit(&from_instagram).await;
    ana.visit(&from_instagram).await;
    ana.click(single, "spotify").await;
    ben.visit(&[]).await;
    ben.click(single, "apple_music").await;
    ben.click(single, "deezer").await;
    // Ben also presses the "Tickets" button.
    let tickets = CustomLinks::find()
        .filter(custom_links::Column::Label.eq("Tickets"))
        .one(&server.state.db)
        .await
        .unwrap()
        .unwrap()
        .id;
    assert_eq!(ben.get(&format!("/go/link/{tickets}"), &[]).await, 302);
    // A link preview and a browser prefetch: seen, never counted as visits.
    preview.visit(&[]).await;
    ana.visit(&[("sec-purpose", "prefetch")]).await;
    wait_for_events(&server, 9).await;

    // Day two: Ana again (a new day, so a new visitor hash), via a tagged link.
    server.clock.set(day_one + Duration::days(1));
    assert_eq!(
        ana.get(
            "/nova-lights/midnight-signal?utm_source=newsletter&utm_campaign=launch",
            &[]
        )
        .await,
        200
    );
    ana.click(single, "spotify").await;
    wait_for_events(&server, 11).await;

    // Day one is rolled up (hours and its unique visitors); day two is still raw.
    let run = rollups::run_once(&server.state.db, "test", server.clock.now())
        .await
        .unwrap();
    assert_eq!(run.days, 1);
    assert_eq!(
        run.hours, 23,
        "10:00 on day one up to the hour before day two's 10:00"
    );
    // Eleven quiet minutes later Ana looks again and leaves: a second session, not engaged.
    server
        .clock
        .set(day_one + Duration::days(1) + Duration::minutes(11));
    ana.visit(&[]).await;
    wait_for_events(&server, 12).await;

    let report = |release: Option<i64>| {
        server.call(
            &admin,
            "load_stats",
            json!({ "release_id": release, "from": "2026-11-10", "to": "2026-11-11" }),
        )
    };
    let release_report = report(Some(single)).await;
    let r = release_report.ok();
    assert_eq!(stat(r, "visits"), 5);
    assert_eq!(
        stat(r, "unique_visitors"),
        3,
        "Ana and Ben on day one, Ana on day two"
    );
    assert_eq!(stat(r, "click_outs"), 4);
    assert_eq!(stat(r, "click_through_rate"), 0.8);
    assert_eq!(stat(r, "custom_clicks"), 1);
    assert_eq!(
        stat(r, "sessions"),
        4,
        "Ana and Ben on day one, Ana twice on day two"
    );
    assert_eq!(stat(r, "engaged_sessions"), 3);
    assert_eq!(stat(r, "engagement_rate"), 0.75);
    assert_eq!(stat(r, "filtered"), 2, "the preview and the prefetch");
    assert_eq!(stat(r, "shares"), 0);
    assert_eq!(r["previous"]["visits"], 0);
    assert_eq!(
        r["series"],
        json!([
            { "day": "2026-11-10", "visits": 3, "click_outs": 3 },
            { "day": "2026-11-11", "visits": 2, "click_outs": 1 },
        ])
    );
    // Every link of the page, busiest first, the custom button among them; links nobody pressed show zero.
    let links: Vec<(String, u64, f64, f64)> = r["links"]
        .as_array()
        .unwrap()
        .iter()
        .map(|row| {
            (
                row["key"].as_str().unwrap().to_owned(),
                row["clicks"].as_u64().unwrap(),
                row["share_of_clicks"].as_f64().unwrap(),
                row["click_through_rate"].as_f64().unwrap(),
            )
        })
        .collect();
    assert_eq!(links[0], ("spotify".to_owned(), 2, 0.4, 0.4));
    assert_eq!(links[1], ("apple_music".to_owned(), 1, 0.2, 0.2));
    assert!(links.contains(&("deezer".to_owned(), 1, 0.2, 0.2)));
    assert!(links.contains(&(format!("custom:{tickets}"), 1, 0.2, 0.2)));
    assert!(links.contains(&("tidal".to_owned(), 0, 0.0, 0.0)));
    assert_eq!(links.len(), 10, "eight services and two custom buttons");
    assert_eq!(r["releases"], json!([]), "one release has no release table");
    assert_eq!(
        breakdown(r, "service"),
        [
            ("spotify".to_owned(), 0, 2),
            ("apple_music".to_owned(), 0, 1),
            ("deezer".to_owned(), 0, 1),
        ]
    );
    assert!(breakdown(r, "referrer").contains(&("l.instagram.com".to_owned(), 2, 0)));
    assert!(breakdown(r, "utm_source").contains(&("newsletter".to_owned(), 1, 0)));
    assert!(breakdown(r, "utm_campaign").contains(&("launch".to_owned(), 1, 0)));
    assert_eq!(breakdown(r, "device")[0].0, "mobile");
    assert_eq!(breakdown(r, "device")[0].1, 5);
    let browsers = breakdown(r, "browser");
    assert!(browsers.contains(&("Safari".to_owned(), 4, 2)));
    assert!(browsers.contains(&("Chrome".to_owned(), 1, 2)));

    // Rolling up again changes nothing; rolling up day two gives the same numbers from the rollups alone.
    server
        .clock
        .set(day_one + Duration::days(2) + Duration::hours(1));
    rollups::run_once(&server.state.db, "test", server.clock.now())
        .await
        .unwrap();
    let again = report(Some(single)).await;
    for key in [
        "visits",
        "unique_visitors",
        "click_outs",
        "sessions",
        "engaged_sessions",
        "custom_clicks",
        "filtered",
    ] {
        assert_eq!(stat(again.ok(), key), stat(r, key), "{key}");
    }
    assert_eq!(again.ok()["series"], r["series"]);
    assert!(EventRollups::find().count(&server.state.db).await.unwrap() > 0);

    // The organization-wide view for the admin adds up the same (only this release had visitors).
    let org = report(None).await;
    assert_eq!(org.ok()["title"], "All releases");
    assert_eq!(stat(org.ok(), "visits"), 5);
    assert_eq!(stat(org.ok(), "engagement_rate"), 0.75);
    let table = org.ok()["releases"].as_array().unwrap();
    assert_eq!(table.len(), 1, "only releases with activity: {table:?}");
    assert_eq!(table[0]["title"], "Midnight Signal");
    assert_eq!(table[0]["release_id"], single);
    assert_eq!(table[0]["visits"], 5);
    assert_eq!(table[0]["unique_visitors"], 3);
    assert_eq!(table[0]["click_outs"], 4);
    assert_eq!(table[0]["click_through_rate"], 0.8);
    assert_eq!(table[0]["engagement_rate"], 0.75);
    assert_eq!(org.ok()["links"], json!([]));

    // Bad ranges are refused with a reason; a visitor gets nothing.
    let backwards = server
        .call(
            &admin,
            "load_stats",
            json!({ "from": "2026-11-11", "to": "2026-11-10" }),
        )
        .await;
    assert_eq!(backwards.status, 400);
    let anonymous = server
        .call(
            &Client::default(),
            "load_stats",
            json!({ "from": "2026-11-10", "to": "2026-11-11" }),
        )
        .await;
    assert_eq!(anonymous.status, 401);
}

/// A report with its timestamp taken out, for comparing two reads of the same numbers.
fn numbers(report: &Value) -> Value {
    let mut report = report.clone();
    report.as_object_mut().unwrap().remove("generated_at");
    report
}

#[tokio::test]
async fn months_days_hours_and_raw_events_add_up_to_the_same_report() {
    let start = Utc.with_ymd_and_hms(2026, 10, 30, 9, 0, 0).unwrap();
    let server = TestServer::start_with(start, |config| {
        config.client_ip_header = Some("x-forwarded-for".into());
    })
    .await;
    let admin = server.sign_in(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await;
    let single = releases_of(&server, &admin).await;
    let fans = [
        Fan {
            server: &server,
            user_agent: IPHONE,
            ip: "198.51.100.1",
        },
        Fan {
            server: &server,
            user_agent: ANDROID,
            ip: "198.51.100.2",
        },
    ];
    // Visits and clicks across the end of October, across midnights and within the current hour.
    let moments = [
        (Duration::zero(), 0, true),
        (Duration::hours(14) + Duration::minutes(50), 1, false),
        (Duration::hours(15) + Duration::minutes(5), 1, true),
        (Duration::days(2) + Duration::hours(1), 0, false),
        (
            Duration::days(2) + Duration::hours(1) + Duration::minutes(5),
            0,
            true,
        ),
        (Duration::days(2) + Duration::hours(22), 1, true),
        (
            Duration::days(2) + Duration::hours(23) + Duration::minutes(30),
            0,
            false,
        ),
    ];
    let mut expected = 0;
    for (offset, fan, click) in moments {
        server.clock.set(start + offset);
        fans[fan].visit(&[]).await;
        expected += 1;
        if click {
            fans[fan].click(single, "spotify").await;
            expected += 1;
        }
    }
    wait_for_events(&server, expected).await;
    let report = |release: Option<i64>| {
        server.call(
            &admin,
            "load_stats",
            json!({ "release_id": release, "from": "2026-10-01", "to": "2026-11-02" }),
        )
    };
    let raw_release = numbers(report(Some(single)).await.ok());
    let raw_org = numbers(report(None).await.ok());
    assert_eq!(raw_release["cards"]["visits"], 7);
    assert_eq!(raw_release["cards"]["click_outs"], 4);

    // Roll up to 08:00 on November 2nd: October becomes a month row (its days stay day rows), November 1st a day
    // row, November 2nd's first hours hour rows, and the last half hour stays raw.
    server
        .clock
        .set(start + Duration::days(2) + Duration::hours(23) + Duration::minutes(35));
    loop {
        let run = rollups::run_once(&server.state.db, "test", server.clock.now())
            .await
            .unwrap();
        if run.hours == 0 {
            break;
        }
    }
    let spans = |span: &'static str| {
        EventRollups::find()
            .filter(app::server::entities::event_rollups::Column::Span.eq(span))
            .count(&server.state.db)
    };
    assert!(
        spans("month").await.unwrap() > 0,
        "October rolled up as a month"
    );
    assert!(spans("day").await.unwrap() > 0);
    assert!(
        spans("hour").await.unwrap() > 0,
        "November 2nd's closed hours"
    );
    assert_eq!(numbers(report(Some(single)).await.ok()), raw_release);
    assert_eq!(numbers(report(None).await.ok()), raw_org);
}

#[tokio::test]
async fn two_instances_never_roll_up_the_same_hours_at_once() {
    let start = Utc.with_ymd_and_hms(2026, 11, 10, 10, 0, 0).unwrap();
    let server = TestServer::start_at(start).await;
    let fan = Fan {
        server: &server,
        user_agent: IPHONE,
        ip: "198.51.100.1",
    };
    fan.visit(&[]).await;
    wait_for_events(&server, 1).await;
    let later = start + Duration::hours(3);
    let first = rollups::run_once(&server.state.db, "instance-a", later)
        .await
        .unwrap();
    assert_eq!((first.hours, first.skipped), (2, false));
    // A holds the lease for a while: B skips instead of redoing A's hours.
    let second = rollups::run_once(&server.state.db, "instance-b", later)
        .await
        .unwrap();
    assert!(second.skipped);
    // Once A's lease has lapsed (A died), B takes over.
    let third = rollups::run_once(
        &server.state.db,
        "instance-b",
        later + Duration::minutes(10),
    )
    .await
    .unwrap();
    assert!(!third.skipped);
}

#[tokio::test]
async fn members_export_the_report_and_raw_events_as_csv() {
    let day = Utc.with_ymd_and_hms(2026, 11, 10, 10, 0, 0).unwrap();
    let server = TestServer::start_at(day).await;
    let admin = server.sign_in(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await;
    let fan = Fan {
        server: &server,
        user_agent: IPHONE,
        ip: "198.51.100.1",
    };
    // A campaign name that a spreadsheet would run as a formula.
    assert_eq!(
        fan.get(
            "/nova-lights/midnight-signal?utm_campaign=%3DHYPERLINK(%22x%22)",
            &[]
        )
        .await,
        200
    );
    Fan {
        server: &server,
        user_agent: PREVIEW_BOT,
        ip: "203.0.113.9",
    }
    .visit(&[])
    .await;
    wait_for_events(&server, 2).await;

    let get = |path: &str, cookie: Option<String>| {
        let mut request = server.client.get(server.url(path));
        if let Some(cookie) = cookie {
            request = request.header("cookie", cookie);
        }
        request.send()
    };
    let range = "from=2026-11-10&to=2026-11-10";
    let events = get(
        &format!("/dashboard/export/events.csv?{range}"),
        admin.cookie.clone(),
    )
    .await
    .unwrap();
    assert_eq!(events.status(), 200);
    assert_eq!(events.headers()["content-type"], "text/csv; charset=utf-8");
    assert!(events.headers()["content-disposition"]
        .to_str()
        .unwrap()
        .starts_with("attachment; filename=\"dropday-events-2026-11-10-2026-11-10.csv\""));
    let text = events.text().await.unwrap();
    let lines: Vec<&str> = text.lines().collect();
    assert_eq!(lines.len(), 3, "a header and two events: {text}");
    assert!(lines[0].starts_with("id,occurred_at,kind"));
    assert!(text.contains("'=HYPERLINK"), "formulas are defused: {text}");
    assert!(
        lines.iter().filter(|l| l.ends_with(",true,1")).count() == 1,
        "the bot row is flagged"
    );
    assert!(!text.contains("198.51.100.1"), "no address is exported");

    let csv = |path: String| {
        let request = get(&path, admin.cookie.clone());
        async move { request.await.unwrap().text().await.unwrap() }
    };
    let report = csv(format!("/dashboard/export/report.csv?{range}")).await;
    assert!(report.contains("total,visits,,,1\r\n"), "{report}");
    assert!(report.contains("total,filtered,,,1\r\n"), "{report}");
    assert!(report.contains("day,2026-11-10,1,0,\r\n"), "{report}");
    assert!(report.contains("total,sessions,,,1\r\n"), "{report}");

    // The per-release and per-link tables have files of their own.
    let releases = csv(format!("/dashboard/export/releases.csv?{range}")).await;
    let release_lines: Vec<&str> = releases.lines().collect();
    assert_eq!(release_lines.len(), 2, "{releases}");
    assert!(release_lines[0].starts_with("artist,release_id,release,visits"));
    assert!(
        release_lines[1].starts_with("Nova Lights,")
            && release_lines[1].contains(",Midnight Signal,1,1,0,"),
        "{releases}"
    );
    let single_id = releases_of(&server, &admin).await;
    let links = csv(format!(
        "/dashboard/export/links.csv?release={single_id}&{range}"
    ))
    .await;
    assert!(links.starts_with("link,label,url,clicks"), "{links}");
    assert!(
        links.contains("spotify,Spotify,https://open.spotify.com/track/0MidnightSignalTrack00,0,"),
        "{links}"
    );

    // Visitors and other organizations get nothing.
    assert_eq!(
        get(&format!("/dashboard/export/events.csv?{range}"), None)
            .await
            .unwrap()
            .status(),
        401
    );
    let boss = rival_admin(&server).await;
    let single = releases_of(&server, &admin).await;
    let denied = get(
        &format!("/dashboard/export/events.csv?release={single}&{range}"),
        boss.cookie.clone(),
    )
    .await
    .unwrap();
    assert_eq!(denied.status(), 404);
    let backwards = get(
        "/dashboard/export/report.csv?from=2026-11-10&to=2026-11-01",
        admin.cookie.clone(),
    )
    .await
    .unwrap();
    assert_eq!(backwards.status(), 400);
}

/// The demo single's id.
async fn releases_of(server: &TestServer, admin: &Client) -> i64 {
    server
        .call(admin, "list_releases", json!({ "filter": "all" }))
        .await
        .ok()
        .as_array()
        .unwrap()
        .iter()
        .find(|release| release["title"] == "Midnight Signal")
        .unwrap()["id"]
        .as_i64()
        .unwrap()
}

#[tokio::test]
async fn campaign_links_are_tagged_with_utm_values_and_come_with_a_qr_code() {
    let server = TestServer::start().await;
    let admin = server.sign_in(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await;
    let release = releases_of(&server, &admin).await;
    let link = server
        .call(
            &admin,
            "build_campaign_link",
            json!({ "release_id": release, "utm_source": " instagram ", "utm_medium": "story",
                    "utm_campaign": "launch week & more", "utm_content": "" }),
        )
        .await;
    let url = link.ok()["url"].as_str().unwrap().to_owned();
    assert!(
        url.starts_with(&format!("{}/nova-lights/", server.state.public_url)),
        "{url}"
    );
    assert!(
        url.ends_with("?utm_source=instagram&utm_medium=story&utm_campaign=launch+week+%26+more"),
        "{url}"
    );
    let svg = link.ok()["qr_svg"].as_str().unwrap();
    assert!(svg.contains("<svg") && svg.contains("</svg>"), "{svg}");

    let missing = server
        .call(
            &admin,
            "build_campaign_link",
            json!({ "release_id": release, "utm_source": "  " }),
        )
        .await;
    assert_eq!(missing.status, 400);
    assert!(missing.body.to_string().contains("source"));

    // A fan following the link is counted under the campaign.
    let path = url.trim_start_matches(&*server.state.public_url).to_owned();
    assert_eq!(server.get(&path).await.status(), 200);
    // The event may still be in the write buffer for a moment.
    let mut campaigns = Vec::new();
    for _ in 0..40 {
        let report = server
            .call(&admin, "load_stats", json!({ "release_id": release }))
            .await;
        campaigns = breakdown(report.ok(), "utm_campaign");
        if !campaigns.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(campaigns, [("launch week & more".to_owned(), 1, 0)]);
}

#[tokio::test]
async fn personal_api_tokens_read_the_same_numbers_and_stop_working_when_revoked() {
    let day = Utc.with_ymd_and_hms(2026, 11, 10, 10, 0, 0).unwrap();
    let server = TestServer::start_at(day).await;
    let admin = server.sign_in(DEMO_ADMIN_EMAIL, DEMO_ADMIN_PASSWORD).await;
    let release = releases_of(&server, &admin).await;
    let fan = Fan {
        server: &server,
        user_agent: IPHONE,
        ip: "198.51.100.1",
    };
    for _ in 0..3 {
        fan.visit(&[]).await;
    }
    wait_for_events(&server, 3).await;

    let created = server
        .call(
            &admin,
            "create_api_token",
            json!({ "name": "weekly report" }),
        )
        .await;
    let secret = created.ok()["secret"].as_str().unwrap().to_owned();
    let token_id = created.ok()["token"]["id"].clone();
    assert!(secret.starts_with("ddt_"));
    let listed = server.call(&admin, "list_api_tokens", json!({})).await;
    assert_eq!(listed.ok()[0]["name"], "weekly report");
    assert!(
        !listed.ok().to_string().contains(&secret),
        "the secret is shown once"
    );

    let api = |path: String, token: Option<String>| {
        let mut request = server.client.get(server.url(&path));
        if let Some(token) = token {
            request = request.header("authorization", format!("Bearer {token}"));
        }
        request.send()
    };
    let range = "from=2026-11-10&to=2026-11-10";
    let stats = api(
        format!("/api/v1/stats?release={release}&{range}"),
        Some(secret.clone()),
    )
    .await
    .unwrap();
    assert_eq!(stats.status(), 200);
    let stats: Value = stats.json().await.unwrap();
    assert_eq!(stats["cards"]["visits"], 3);

    let first = api(
        format!("/api/v1/events?release={release}&{range}&limit=2"),
        Some(secret.clone()),
    )
    .await
    .unwrap()
    .json::<Value>()
    .await
    .unwrap();
    assert_eq!(first["events"].as_array().unwrap().len(), 2);
    let after = first["next_after"].as_i64().unwrap();
    let second = api(
        format!("/api/v1/events?release={release}&{range}&limit=2&after={after}"),
        Some(secret.clone()),
    )
    .await
    .unwrap()
    .json::<Value>()
    .await
    .unwrap();
    assert_eq!(second["events"].as_array().unwrap().len(), 1);
    assert_eq!(second["next_after"], Value::Null);
    assert!(!second.to_string().contains("198.51.100.1"));

    // Without a token, with a wrong one, or after revoking: 401 with a Bearer challenge.
    let none = api(format!("/api/v1/stats?{range}"), None).await.unwrap();
    assert_eq!(none.status(), 401);
    assert_eq!(
        none.headers()["www-authenticate"],
        "Bearer realm=\"dropday\""
    );
    let wrong = api(
        format!("/api/v1/stats?{range}"),
        Some("ddt_not-a-token".into()),
    )
    .await
    .unwrap();
    assert_eq!(wrong.status(), 401);
    server
        .call(&admin, "revoke_api_token", json!({ "token_id": token_id }))
        .await
        .ok();
    let revoked = api(format!("/api/v1/stats?{range}"), Some(secret))
        .await
        .unwrap();
    assert_eq!(revoked.status(), 401);

    // Another organization's token cannot read this release.
    let boss = rival_admin(&server).await;
    let boss_token = server
        .call(&boss, "create_api_token", json!({ "name": "snoop" }))
        .await
        .ok()["secret"]
        .as_str()
        .unwrap()
        .to_owned();
    let snoop = api(
        format!("/api/v1/events?release={release}&{range}"),
        Some(boss_token),
    )
    .await
    .unwrap();
    assert_eq!(snoop.status(), 404);
}

/// The signed-in admin of a second organization, "Rival", with nothing of its own.
async fn rival_admin(server: &TestServer) -> Client {
    app::server::models::accounts::create_organization_with_admin(
        &server.state.db,
        app::server::models::accounts::NewOrganizationAdmin {
            organization_name: "Rival",
            email: "boss@rival.example",
            display_name: "Boss",
            password: "rival boss passphrase",
        },
        server.clock.now(),
    )
    .await
    .expect("the rival organization");
    server
        .sign_in("boss@rival.example", "rival boss passphrase")
        .await
}
