//! Unique visitors without cookies and bot filtering, through the real server: the visitor hash is stable for one
//! person on one day, differs across people and days, stores no address, and bots and link previews are kept
//! apart. Salts are shared by instances and deleted after 48 hours.
use crate::common;

use app::server::entities::{events, prelude::*};
use app::server::models::visitor_salts;
use chrono::{Duration, TimeZone, Utc};
use common::TestServer;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter};

async fn page_views(server: &TestServer, expected: u64) -> Vec<events::Model> {
    for _ in 0..100 {
        let stored = Events::find()
            .filter(events::Column::Kind.eq("page_view"))
            .count(&server.state.db)
            .await
            .unwrap();
        if stored >= expected {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    Events::find()
        .filter(events::Column::Kind.eq("page_view"))
        .all(&server.state.db)
        .await
        .unwrap()
}

async fn visit(server: &TestServer, user_agent: &str, forwarded_for: &str) {
    let response = server
        .client
        .get(server.url("/nova-lights/midnight-signal"))
        .header("user-agent", user_agent)
        .header("x-forwarded-for", forwarded_for)
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 200);
}

const ANDROID: &str = "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Mobile Safari/537.36";

#[tokio::test]
async fn one_person_one_day_is_one_visitor_and_bots_are_kept_apart() {
    let start = Utc.with_ymd_and_hms(2026, 11, 20, 10, 0, 0).unwrap();
    let server = TestServer::start_with(start, |config| {
        config.client_ip_header = Some("x-forwarded-for".into());
    })
    .await;

    visit(&server, common::PHONE_USER_AGENT, "198.51.100.1").await;
    visit(&server, common::PHONE_USER_AGENT, "198.51.100.1").await;
    visit(&server, ANDROID, "198.51.100.1").await;
    visit(&server, common::PHONE_USER_AGENT, "198.51.100.2").await;
    for bot in [
        "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
        "WhatsApp/2.23.20.0 A",
        "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
    ] {
        visit(&server, bot, "203.0.113.50").await;
    }
    server.clock.advance(Duration::days(1));
    visit(&server, common::PHONE_USER_AGENT, "198.51.100.1").await;

    let views = page_views(&server, 8).await;
    assert_eq!(views.len(), 8);
    let humans: Vec<_> = views.iter().filter(|v| !v.is_bot).collect();
    let bots: Vec<_> = views.iter().filter(|v| v.is_bot).collect();
    assert_eq!((humans.len(), bots.len()), (5, 3));
    assert!(bots.iter().all(|bot| bot.visitor_hash.is_none()));

    let hashes: Vec<&str> = humans
        .iter()
        .map(|v| {
            v.visitor_hash
                .as_deref()
                .expect("humans get a visitor hash")
        })
        .collect();
    assert_eq!(hashes[0], hashes[1], "same person, same day");
    assert_ne!(hashes[0], hashes[2], "another browser on the same address");
    assert_ne!(hashes[0], hashes[3], "another address");
    assert_ne!(hashes[0], hashes[4], "the next day, a new salt");
    let distinct_first_day: std::collections::BTreeSet<_> = hashes[..4].iter().collect();
    assert_eq!(
        distinct_first_day.len(),
        3,
        "three unique visitors on the first day"
    );

    // Nothing stored can be read back as an address or a User-Agent.
    for view in &views {
        let stored = format!("{view:?}");
        assert!(!stored.contains("198.51.100"), "{stored}");
        assert!(!stored.contains("Mozilla"), "{stored}");
    }
    assert_eq!(humans[2].browser.as_deref(), Some("Chrome"));
    assert_eq!(humans[2].os.as_deref(), Some("Android"));
}

#[tokio::test]
async fn salts_are_shared_rotate_daily_and_are_deleted_after_48_hours() {
    let db = app::server::testing::TestDb::new().await;
    let day = |d: u32| chrono::NaiveDate::from_ymd_opt(2026, 11, d).unwrap();
    let at = |d: u32, h: u32| Utc.with_ymd_and_hms(2026, 11, d, h, 0, 0).unwrap();

    let first = visitor_salts::salt_for_day(&db.db, day(20), at(20, 0))
        .await
        .unwrap();
    // A second instance asking for the same day gets the same salt, never a second one.
    let again = visitor_salts::salt_for_day(&db.db, day(20), at(20, 5))
        .await
        .unwrap();
    assert_eq!(first, again);
    let next = visitor_salts::salt_for_day(&db.db, day(21), at(21, 0))
        .await
        .unwrap();
    assert_ne!(first, next);

    assert_eq!(
        visitor_salts::delete_expired(&db.db, at(21, 23))
            .await
            .unwrap(),
        0
    );
    assert_eq!(
        visitor_salts::delete_expired(&db.db, at(22, 1))
            .await
            .unwrap(),
        1
    );
    assert_eq!(VisitorSalts::find().count(&db.db).await.unwrap(), 1);
    // A deleted day's salt is never recreated with the old value.
    let recreated = visitor_salts::salt_for_day(&db.db, day(20), at(22, 2))
        .await
        .unwrap();
    assert_ne!(recreated, first);
}
