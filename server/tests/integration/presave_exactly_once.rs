//! Exactly-once delivery, proved against a fake Spotify that counts every write: the real server binary is killed
//! with SIGKILL in the middle of a delivery run and started again, and two server processes deliver from one
//! database at once. Either way every pre-save is delivered, and no album or follow is written twice.
//!
//! Runs on SQLite, and on PostgreSQL when `DROPDAY_TEST_DATABASE_URL` is set.
use crate::common;

use app::server::entities::{events, fans};
use app::server::presave::status;
use common::presave_fixture::{
    album_uri, artist_uri, count_with_status, setup, start_server as start, Setup,
};
use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, PaginatorTrait, QueryFilter};
use server::sandbox::spotify::FakeSpotifyOptions;
use std::process::Child;

fn start_server(setup: &Setup, rate: u32) -> Child {
    start(env!("CARGO_BIN_EXE_server"), setup, rate, 4)
}

async fn wait_until_all_delivered(db: &DatabaseConnection, total: u64) {
    for _ in 0..1200 {
        if count_with_status(db, status::DELIVERED).await == total {
            return;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!(
        "not all delivered: {} of {total}; failed {}",
        count_with_status(db, status::DELIVERED).await,
        count_with_status(db, status::FAILED).await
    );
}

/// Every fan's album and artist follow written exactly once; one library add and one follow event each.
async fn assert_exactly_once(setup: &Setup) {
    let db = &setup.test_db.db;
    for account in &setup.accounts {
        assert_eq!(setup.fake.writes(account, &album_uri()), 1, "{account}");
        assert_eq!(setup.fake.writes(account, &artist_uri()), 1, "{account}");
    }
    let total = setup.accounts.len() as u64;
    assert_eq!(setup.fake.total_writes() as u64, total * 2);
    for kind in ["library_add", "follow"] {
        let recorded = events::Entity::find()
            .filter(events::Column::Kind.eq(kind))
            .count(db)
            .await
            .unwrap();
        assert_eq!(recorded, total, "{kind} events");
    }
    assert_eq!(fans::Entity::find().count(db).await.unwrap(), total);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_sigkill_mid_run_then_a_restart_loses_nothing_and_saves_nothing_twice() {
    let setup = setup(300, FakeSpotifyOptions::default(), false).await;
    let db = &setup.test_db.db;
    let mut first = start_server(&setup, 60);
    // Killed once about a third of the fans have their album.
    let mut waited = 0;
    while setup.fake.total_writes() < 200 {
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
        waited += 1;
        assert!(waited < 3000, "the first server never got going");
    }
    first.kill().expect("SIGKILL");
    first.wait().unwrap();
    let writes_at_kill = setup.fake.total_writes();
    let sending_at_kill = count_with_status(db, status::SENDING).await;
    let delivered_at_kill = count_with_status(db, status::DELIVERED).await;
    assert!(
        (delivered_at_kill as usize) < setup.accounts.len(),
        "the kill came after the run"
    );
    eprintln!(
        "killed with {writes_at_kill} writes, {delivered_at_kill} delivered, {sending_at_kill} sending"
    );
    let contains_before = setup.fake.calls("/v1/me/library/contains");

    let mut second = start_server(&setup, 60);
    wait_until_all_delivered(db, setup.accounts.len() as u64).await;
    second.kill().ok();
    second.wait().unwrap();
    assert_exactly_once(&setup).await;
    if sending_at_kill > 0 {
        // The pre-saves caught mid-request were checked against the library, not sent blindly.
        assert!(setup.fake.calls("/v1/me/library/contains") > contains_before);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_instances_on_one_database_never_deliver_a_presave_twice() {
    let setup = setup(300, FakeSpotifyOptions::default(), false).await;
    let db = &setup.test_db.db;
    let mut one = start_server(&setup, 100);
    let mut two = start_server(&setup, 100);
    // Both took part: each signed in as a live worker.
    let mut both_live = false;
    for _ in 0..200 {
        let workers = app::server::entities::job_leases::Entity::find()
            .filter(app::server::entities::job_leases::Column::Name.starts_with("presave-worker:"))
            .count(db)
            .await
            .unwrap();
        if workers == 2 {
            both_live = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(both_live, "two workers never ran at once");
    wait_until_all_delivered(db, setup.accounts.len() as u64).await;
    for child in [&mut one, &mut two] {
        child.kill().ok();
        child.wait().unwrap();
    }
    assert_exactly_once(&setup).await;
}
