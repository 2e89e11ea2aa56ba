//! Email delivery through the durable outbox: the worker against a fake SMTP server, on the test run's database
//! backend (SQLite, or PostgreSQL with `DROPDAY_TEST_DATABASE_URL`).
use crate::common;

use app::server::entities::email_outbox;
use app::server::models::outbox::{claim_email, enqueue_email, OutgoingEmail};
use app::server::testing::TestDb;
use app::server::{Clock as _, ManualClock, SharedClock};
use chrono::{DateTime, Duration as Minutes, TimeZone, Utc};
use common::fake_smtp::FakeSmtp;
use sea_orm::{ActiveModelTrait, DatabaseConnection, EntityTrait, IntoActiveModel, Set};
use server::jobs::outbox::{backoff, Outbox, OutboxWorker, Pass, WorkerSettings, MAX_ATTEMPTS};
use server::jobs::BackgroundTasks;
use server::mail::Mailer;
use std::collections::BTreeMap;
use std::sync::Arc;
use std::time::Duration;
use tokio_util::sync::CancellationToken;

const FROM: &str = "Dropday Test <no-reply@dropday.test>";
const WAIT: Duration = Duration::from_secs(10);

fn start_time() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 3, 1, 12, 0, 0).unwrap()
}

struct Setup {
    test_db: TestDb,
    fake: FakeSmtp,
    clock: Arc<ManualClock>,
}

impl Setup {
    async fn new() -> Setup {
        Setup {
            test_db: TestDb::new().await,
            fake: FakeSmtp::start().await,
            clock: Arc::new(ManualClock::new(start_time())),
        }
    }

    fn db(&self) -> &DatabaseConnection {
        &self.test_db.db
    }

    fn mailer(&self) -> Arc<Mailer> {
        let url = self.fake.url().parse().expect("the fake's URL parses");
        Arc::new(Mailer::new(url, FROM, Some("dropday.test")).expect("mailer"))
    }

    /// A worker on this database and clock; its poll is an hour, so only a wake-up (or `run_once`) makes it work.
    fn worker_on(&self, db: DatabaseConnection, outbox: Outbox) -> OutboxWorker {
        let clock: SharedClock = self.clock.clone();
        OutboxWorker::new(db, clock, self.mailer(), outbox).with_settings(WorkerSettings {
            poll_interval: Duration::from_secs(3600),
            ..WorkerSettings::default()
        })
    }

    fn worker(&self) -> OutboxWorker {
        self.worker_on(self.db().clone(), Outbox::new())
    }

    async fn enqueue(&self, to: &str, subject: &str, body: &str) -> i64 {
        enqueue_email(
            self.db(),
            OutgoingEmail {
                to: to.into(),
                subject: subject.into(),
                body_text: body.into(),
            },
            self.clock.now(),
        )
        .await
        .expect("enqueue")
    }

    async fn row(&self, id: i64) -> email_outbox::Model {
        email_outbox::Entity::find_by_id(id)
            .one(self.db())
            .await
            .unwrap()
            .expect("outbox row")
    }

    /// Polls the row until `done` holds (the worker records a result just after the fake answered).
    async fn wait_for_row(
        &self,
        id: i64,
        done: impl Fn(&email_outbox::Model) -> bool,
    ) -> email_outbox::Model {
        let deadline = tokio::time::Instant::now() + WAIT;
        loop {
            let row = self.row(id).await;
            if done(&row) {
                return row;
            }
            assert!(
                tokio::time::Instant::now() < deadline,
                "row {id} never reached the expected state: {row:?}"
            );
            tokio::time::sleep(Duration::from_millis(20)).await;
        }
    }
}

fn never_cancelled() -> CancellationToken {
    CancellationToken::new()
}

fn normalized(text: &str) -> String {
    text.replace("\r\n", "\n").trim_end().to_owned()
}

#[tokio::test]
async fn an_enqueued_email_is_delivered_and_marked_sent() {
    let setup = Setup::new().await;
    let body = "Hi Sam,\n\nYou're invited to Nova Lights on Dropday.\n.A line that starts with a dot\n..and two\n\nSee you!";
    let id = setup
        .enqueue("sam@example.com", "You're invited to Nova Lights", body)
        .await;

    let tasks = BackgroundTasks::new();
    let outbox = Outbox::new();
    setup
        .worker_on(setup.db().clone(), outbox.clone())
        .start(&tasks);
    outbox.notify();

    let messages = setup.fake.wait_for_messages(1, WAIT).await;
    assert_eq!(messages.len(), 1);
    let message = &messages[0];
    assert_eq!(message.mail_from, "no-reply@dropday.test");
    assert_eq!(message.rcpt_to, ["sam@example.com"]);
    assert_eq!(message.header("To").as_deref(), Some("sam@example.com"));
    assert_eq!(
        message.header("Subject").as_deref(),
        Some("You're invited to Nova Lights")
    );
    assert_eq!(
        message.header("From").as_deref(),
        Some("\"Dropday Test\" <no-reply@dropday.test>")
    );
    let message_id = message.header("Message-ID").expect("a Message-ID");
    assert!(
        message_id.starts_with(&format!("<outbox.{id}.")) && message_id.ends_with("@dropday.test>"),
        "{message_id}"
    );
    assert!(message
        .header("Content-Type")
        .is_some_and(|value| value.starts_with("text/plain")));
    assert_eq!(normalized(message.body()), normalized(body));

    let row = setup.wait_for_row(id, |row| row.sent_at.is_some()).await;
    assert_eq!(row.sent_at, Some(start_time()));
    assert_eq!(row.attempts, 1);
    assert_eq!(row.locked_until, None);
    assert_eq!(row.failed_at, None);
    assert_eq!(row.last_error, None);

    assert!(
        tasks.shutdown(Duration::from_secs(5)).await,
        "the worker stops on cancellation"
    );
    assert_eq!(setup.fake.messages().len(), 1, "sent exactly once");
}

#[tokio::test]
async fn a_transient_refusal_is_retried_after_the_backoff() {
    let setup = Setup::new().await;
    let id = setup
        .enqueue("kim@example.com", "Invitation", "Hello Kim")
        .await;
    setup.fake.fail_next(1, 451);

    let worker = setup.worker();
    let pass = worker.run_once(&never_cancelled()).await.unwrap();
    assert_eq!(
        pass,
        Pass {
            sent: 0,
            retrying: 1,
            failed: 0
        }
    );
    assert_eq!(setup.fake.transactions(), 1);
    assert!(setup.fake.messages().is_empty());

    let row = setup.row(id).await;
    assert_eq!(row.attempts, 1);
    assert_eq!(row.run_at, start_time() + backoff(1));
    assert_eq!(backoff(1), Minutes::seconds(30));
    assert!(
        row.last_error.as_deref().unwrap().contains("451"),
        "{:?}",
        row.last_error
    );
    assert_eq!(
        (row.sent_at, row.failed_at, row.locked_until),
        (None, None, None)
    );

    // Not due yet: nothing is attempted, however often the worker looks.
    setup.clock.advance(Minutes::seconds(29));
    assert_eq!(
        worker.run_once(&never_cancelled()).await.unwrap(),
        Pass::default()
    );
    assert_eq!(setup.fake.transactions(), 1);

    // The running worker, woken after the backoff has passed, delivers it (its own poll is an hour away).
    let tasks = BackgroundTasks::new();
    let outbox = Outbox::new();
    setup
        .worker_on(setup.db().clone(), outbox.clone())
        .start(&tasks);
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert!(setup.fake.messages().is_empty(), "still not due");
    setup.clock.advance(Minutes::seconds(2));
    (outbox.wake_fn())();

    let messages = setup.fake.wait_for_messages(1, WAIT).await;
    assert_eq!(messages[0].rcpt_to, ["kim@example.com"]);
    let row = setup.wait_for_row(id, |row| row.sent_at.is_some()).await;
    assert_eq!(row.sent_at, Some(start_time() + Minutes::seconds(31)));
    assert_eq!(row.attempts, 2);
    assert_eq!(row.failed_at, None);
    assert!(tasks.shutdown(Duration::from_secs(5)).await);
    assert_eq!(setup.fake.transactions(), 2);
}

#[tokio::test]
async fn a_permanent_refusal_fails_the_email_for_good() {
    let setup = Setup::new().await;
    let id = setup
        .enqueue("nobody@example.com", "Invitation", "Hello")
        .await;
    setup.fake.fail_next(1, 550);

    let worker = setup.worker();
    let pass = worker.run_once(&never_cancelled()).await.unwrap();
    assert_eq!(
        pass,
        Pass {
            sent: 0,
            retrying: 0,
            failed: 1
        }
    );
    let row = setup.row(id).await;
    assert_eq!(row.failed_at, Some(start_time()));
    assert_eq!(row.attempts, 1);
    assert_eq!(row.sent_at, None);
    assert_eq!(row.locked_until, None);
    assert!(
        row.last_error.as_deref().unwrap().contains("550"),
        "{:?}",
        row.last_error
    );

    // Never retried, however much time passes.
    setup.clock.advance(Minutes::days(2));
    assert_eq!(
        worker.run_once(&never_cancelled()).await.unwrap(),
        Pass::default()
    );
    assert_eq!(setup.fake.transactions(), 1);
    assert!(setup.fake.messages().is_empty());
    assert_eq!(setup.row(id).await, row);
}

#[tokio::test]
async fn transient_failures_give_up_after_the_last_attempt() {
    let setup = Setup::new().await;
    let id = setup
        .enqueue("flaky@example.com", "Invitation", "Hello")
        .await;
    setup.fake.fail_next(MAX_ATTEMPTS as usize, 421);

    let worker = setup.worker();
    let mut expected_run_at = start_time();
    for attempt in 1..MAX_ATTEMPTS {
        let pass = worker.run_once(&never_cancelled()).await.unwrap();
        assert_eq!(pass.retrying, 1, "attempt {attempt}");
        let row = setup.row(id).await;
        expected_run_at = setup.clock.now() + backoff(attempt);
        assert_eq!((row.attempts, row.run_at), (attempt, expected_run_at));
        setup.clock.set(expected_run_at);
    }
    let pass = worker.run_once(&never_cancelled()).await.unwrap();
    assert_eq!(
        pass,
        Pass {
            sent: 0,
            retrying: 0,
            failed: 1
        }
    );
    let row = setup.row(id).await;
    assert_eq!(row.attempts, MAX_ATTEMPTS);
    assert_eq!(row.failed_at, Some(expected_run_at));
    assert_eq!(setup.fake.transactions(), MAX_ATTEMPTS as usize);

    setup.clock.advance(Minutes::days(1));
    assert_eq!(
        worker.run_once(&never_cancelled()).await.unwrap(),
        Pass::default()
    );
    assert!(setup.fake.messages().is_empty());
}

#[tokio::test]
async fn a_lapsed_lease_is_taken_over_and_a_live_one_is_left_alone() {
    let setup = Setup::new().await;
    let now = start_time();
    let crashed = setup
        .enqueue(
            "crashed@example.com",
            "Left behind",
            "by a worker that died",
        )
        .await;
    let busy = setup
        .enqueue("busy@example.com", "In flight", "at another instance")
        .await;

    // A worker claimed `crashed` and died: its lease ran out a second ago. Another instance holds `busy` for 5 min.
    let mut row = setup.row(crashed).await.into_active_model();
    row.locked_until = Set(Some(now - Minutes::seconds(1)));
    row.update(setup.db()).await.unwrap();
    let mut row = setup.row(busy).await.into_active_model();
    row.locked_until = Set(Some(now + Minutes::minutes(5)));
    row.update(setup.db()).await.unwrap();
    let busy_before = setup.row(busy).await;

    let worker = setup.worker();
    assert_eq!(worker.run_once(&never_cancelled()).await.unwrap().sent, 1);
    assert_eq!(
        worker.run_once(&never_cancelled()).await.unwrap(),
        Pass::default()
    );
    let messages = setup.fake.messages();
    assert_eq!(messages.len(), 1, "the lapsed row is sent exactly once");
    assert_eq!(messages[0].rcpt_to, ["crashed@example.com"]);
    assert_eq!(setup.row(crashed).await.sent_at, Some(now));
    assert_eq!(
        setup.row(busy).await,
        busy_before,
        "a live lease is not touched"
    );

    // Once the other instance's lease lapses too (it died as well), the row is picked up.
    setup
        .clock
        .advance(Minutes::minutes(5) + Minutes::seconds(1));
    assert_eq!(worker.run_once(&never_cancelled()).await.unwrap().sent, 1);
    let recipients: Vec<_> = setup
        .fake
        .messages()
        .into_iter()
        .flat_map(|message| message.rcpt_to)
        .collect();
    assert_eq!(recipients, ["crashed@example.com", "busy@example.com"]);
}

#[tokio::test]
async fn a_claim_is_won_once() {
    let setup = Setup::new().await;
    let id = setup.enqueue("one@example.com", "Once", "only").await;
    let now = start_time();
    let lease = now + Minutes::minutes(5);
    assert!(claim_email(setup.db(), id, now, lease)
        .await
        .unwrap()
        .is_some());
    assert!(claim_email(setup.db(), id, now, lease)
        .await
        .unwrap()
        .is_none());
    assert!(claim_email(
        setup.db(),
        id,
        lease - Minutes::seconds(1),
        lease + Minutes::minutes(5)
    )
    .await
    .unwrap()
    .is_none());
    // The lease has lapsed: another worker may take it.
    assert!(claim_email(
        setup.db(),
        id,
        lease + Minutes::seconds(1),
        lease + Minutes::minutes(6)
    )
    .await
    .unwrap()
    .is_some());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_workers_deliver_each_email_exactly_once() {
    let setup = Setup::new().await;
    let mut ids = Vec::new();
    for n in 0..20 {
        ids.push(
            setup
                .enqueue(
                    &format!("fan{n}@example.com"),
                    &format!("Invitation {n}"),
                    "Hello",
                )
                .await,
        );
    }
    // Two instances: separate connection pools to the same database, separate mailers, one shared clock.
    let other_db = app::server::db::connect(&setup.test_db.url).await.unwrap();
    let first = setup.worker();
    let second = setup.worker_on(other_db.clone(), Outbox::new());
    let cancel = never_cancelled();
    let (a, b) = tokio::join!(first.run_once(&cancel), second.run_once(&cancel));
    let (a, b) = (a.unwrap(), b.unwrap());
    assert_eq!(a.sent + b.sent, 20, "{a:?} {b:?}");
    assert_eq!(a.retrying + b.retrying + a.failed + b.failed, 0);

    let messages = setup.fake.messages();
    assert_eq!(messages.len(), 20);
    assert_eq!(
        setup.fake.transactions(),
        20,
        "no row was even attempted twice"
    );
    let mut per_recipient = BTreeMap::<String, usize>::new();
    for message in &messages {
        for to in &message.rcpt_to {
            *per_recipient.entry(to.clone()).or_default() += 1;
        }
    }
    assert_eq!(per_recipient.len(), 20);
    assert!(
        per_recipient.values().all(|count| *count == 1),
        "{per_recipient:?}"
    );
    for id in ids {
        let row = setup.row(id).await;
        assert_eq!((row.sent_at.is_some(), row.attempts), (true, 1), "{row:?}");
    }
    other_db.close().await.ok();
}

#[tokio::test]
async fn the_server_starts_the_worker_only_with_smtp_configured() {
    let test_db = TestDb::new().await;
    let fake = FakeSmtp::start().await;

    let config = server::config::Config::for_tests(test_db.url.clone());
    let without = server::prepare(&config).await.expect("state without SMTP");
    assert!(without.outbox.is_none());
    let running_without = without.tasks.running();
    assert!(without.tasks.shutdown(Duration::from_secs(5)).await);

    let mut config = server::config::Config::for_tests(test_db.url.clone());
    config.smtp_url = Some(fake.url());
    config.mail_from = FROM.into();
    let state = server::prepare(&config).await.expect("state with SMTP");
    assert_eq!(
        state.tasks.running(),
        running_without + 1,
        "one more task: the outbox worker"
    );
    let outbox = state
        .outbox
        .clone()
        .expect("an outbox handle when SMTP is configured");

    enqueue_email(
        &state.db,
        OutgoingEmail {
            to: "lee@example.com".into(),
            subject: "Welcome".into(),
            body_text: "Hello Lee".into(),
        },
        state.clock.now(),
    )
    .await
    .unwrap();
    outbox.notify();
    let messages = fake.wait_for_messages(1, WAIT).await;
    assert_eq!(messages[0].header("Subject").as_deref(), Some("Welcome"));
    assert!(state.tasks.shutdown(Duration::from_secs(5)).await);

    // A misconfiguration stops the start with a clear message.
    let mut config = server::config::Config::for_tests(test_db.url.clone());
    config.smtp_url = Some("smtp://mail.example.com:25?tls=none".into());
    let error = format!(
        "{:#}",
        server::prepare(&config).await.err().expect("refused")
    );
    assert!(
        error.contains("tls=none") && error.contains("loopback"),
        "{error}"
    );
}
