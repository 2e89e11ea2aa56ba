//! Test support: a fresh, migrated database per test, on SQLite or, when `DROPDAY_TEST_DATABASE_URL` names a
//! PostgreSQL server, on a new database there. The test script runs the whole suite once per backend.
use migrations::MigratorTrait as _;
use sea_orm::{ConnectionTrait, DatabaseBackend, DatabaseConnection};
use std::path::PathBuf;
use std::sync::atomic::{AtomicU32, Ordering};

pub const TEST_DATABASE_URL_VAR: &str = "DROPDAY_TEST_DATABASE_URL";

pub struct TestDb {
    pub db: DatabaseConnection,
    /// The URL of this test's own database, for starting a server on it.
    pub url: String,
    sqlite_file: Option<PathBuf>,
}

impl TestDb {
    /// A migrated, empty database of the backend this test run targets.
    pub async fn new() -> TestDb {
        let test = TestDb::unmigrated().await;
        migrations::Migrator::up(&test.db, None)
            .await
            .expect("migrations apply to a fresh database");
        test
    }

    /// A database with no tables yet, for migration tests.
    pub async fn unmigrated() -> TestDb {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let unique = format!(
            "{}_{}_{}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed),
            rand::random::<u32>()
        );
        match std::env::var(TEST_DATABASE_URL_VAR) {
            Ok(server_url) if server_url.starts_with("postgres") => {
                let admin = super::db::connect(&server_url)
                    .await
                    .expect("connect to the test PostgreSQL server");
                let name = format!("dropday_test_{unique}");
                admin
                    .execute_unprepared(&format!("CREATE DATABASE {name}"))
                    .await
                    .expect("create a test database");
                admin.close().await.ok();
                let url = replace_database_name(&server_url, &name);
                let db = super::db::connect(&url)
                    .await
                    .expect("connect to the new test database");
                TestDb {
                    db,
                    url,
                    sqlite_file: None,
                }
            }
            _ => {
                let file = std::env::temp_dir().join(format!("dropday_test_{unique}.db"));
                let url = format!("sqlite://{}?mode=rwc", file.display());
                let db = super::db::connect(&url)
                    .await
                    .expect("open a SQLite test database");
                TestDb {
                    db,
                    url,
                    sqlite_file: Some(file),
                }
            }
        }
    }

    pub fn backend(&self) -> DatabaseBackend {
        self.db.get_database_backend()
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some(file) = &self.sqlite_file {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
            }
        }
    }
}

/// `postgres://u@h:5432/postgres?x=y` with the database `name` instead.
fn replace_database_name(url: &str, name: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((base, query)) => (base, Some(query)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map(|i| i + 3).unwrap_or(0);
    let without_db = match base[scheme_end..].find('/') {
        Some(slash) => &base[..scheme_end + slash],
        None => base,
    };
    match query {
        Some(query) => format!("{without_db}/{name}?{query}"),
        None => format!("{without_db}/{name}"),
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn replaces_the_database_name() {
        assert_eq!(
            super::replace_database_name(
                "postgres://pg@127.0.0.1:5433/postgres?sslmode=disable",
                "t1"
            ),
            "postgres://pg@127.0.0.1:5433/t1?sslmode=disable"
        );
        assert_eq!(
            super::replace_database_name("postgres://pg@localhost", "t2"),
            "postgres://pg@localhost/t2"
        );
    }
}
