//! Starts the real server on 127.0.0.1:0 against a fresh, migrated database (SQLite, or PostgreSQL when
//! `DROPDAY_TEST_DATABASE_URL` is set), with the demo data and a clock the test controls.

pub mod api;
pub mod fake_smtp;
pub mod presave_fixture;

use app::server::testing::TestDb;
use app::server::ManualClock;
use chrono::{DateTime, Utc};
use server::config::Config;
use std::sync::Arc;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;

pub const PHONE_USER_AGENT: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";

pub struct TestServer {
    pub base_url: String,
    pub clock: Arc<ManualClock>,
    pub state: server::state::AppState,
    pub client: reqwest::Client,
    stop: Option<oneshot::Sender<()>>,
    handle: Option<JoinHandle<anyhow::Result<()>>>,
    /// Kept until the server is gone; `None` once `shut_down` handed it over.
    test_db: Option<TestDb>,
}

impl TestServer {
    /// A server with the demo data seeded at `now`.
    pub async fn start_at(now: DateTime<Utc>) -> TestServer {
        TestServer::start_with(now, |_| {}).await
    }

    /// A server with the demo data seeded at `now`, configured by `configure` on top of the test defaults.
    pub async fn start_with(now: DateTime<Utc>, configure: impl FnOnce(&mut Config)) -> TestServer {
        let test_db = TestDb::new().await;
        let mut config = Config::for_tests(test_db.url.clone());
        config.demo = true;
        config.site_root = std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../public");
        configure(&mut config);
        let clock = Arc::new(ManualClock::new(now));
        let state = server::prepare_with_clock(&config, clock.clone())
            .await
            .expect("server state");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind port 0");
        let address = listener.local_addr().expect("local address");
        let (stop, stopped) = oneshot::channel::<()>();
        let serve_state = state.clone();
        let handle = tokio::spawn(async move {
            server::serve(serve_state, listener, async move {
                let _ = stopped.await;
            })
            .await
        });
        let client = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            // A phone's browser: requests without a User-Agent are scripts and count as bots.
            .user_agent(PHONE_USER_AGENT)
            .build()
            .expect("HTTP client");
        TestServer {
            base_url: format!("http://{address}"),
            clock,
            state,
            client,
            stop: Some(stop),
            handle: Some(handle),
            test_db: Some(test_db),
        }
    }

    pub async fn start() -> TestServer {
        TestServer::start_at(Utc::now()).await
    }

    /// The test database's URL, for running commands against it.
    pub fn database_url(&self) -> String {
        self.test_db.as_ref().expect("test database").url.clone()
    }

    pub fn url(&self, path: &str) -> String {
        format!("{}{path}", self.base_url)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// The body of `GET path`, whatever its status.
    pub async fn text(&self, path: &str) -> String {
        self.get(path).await.text().await.expect("a text body")
    }

    /// Signals shutdown and waits for `serve` to return.
    pub async fn stop(self) -> anyhow::Result<()> {
        self.shut_down().await.0
    }

    /// Signals shutdown, waits for `serve` to return, and hands over the database to look at what was saved.
    pub async fn shut_down(mut self) -> (anyhow::Result<()>, TestDb) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        let result = match self.handle.take() {
            Some(handle) => handle.await.expect("server task"),
            None => Ok(()),
        };
        (result, self.test_db.take().expect("test database"))
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}
