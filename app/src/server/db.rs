//! Opening the database (SQLite by default, PostgreSQL in production) and bringing its schema up to date.
use migrations::{Migrator, MigratorTrait};
use sea_orm::{ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DbErr};
use std::time::Duration;

/// Connects and applies pending migrations.
pub async fn connect_and_migrate(url: &str) -> Result<DatabaseConnection, DbErr> {
    let db = connect(url).await?;
    Migrator::up(&db, None).await?;
    Ok(db)
}

pub async fn connect(url: &str) -> Result<DatabaseConnection, DbErr> {
    let is_sqlite = url.starts_with("sqlite:");
    let mut options = ConnectOptions::new(url.to_owned());
    options
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(10))
        .sqlx_logging(false);
    if is_sqlite {
        // SQLite allows one writer at a time; a small pool avoids lock contention, WAL lets readers run meanwhile.
        options
            .max_connections(8)
            .min_connections(1)
            .map_sqlx_sqlite_opts(|opts| {
                use sea_orm::sqlx::sqlite::{SqliteJournalMode, SqliteSynchronous};
                opts.journal_mode(SqliteJournalMode::Wal)
                    .synchronous(SqliteSynchronous::Normal)
                    .busy_timeout(Duration::from_secs(10))
                    // Reports read many index pages: 32 MB of page cache per connection instead of 2 MB, and the
                    // file mapped so reads skip a copy.
                    .pragma("cache_size", "-32768")
                    .pragma("mmap_size", "268435456")
                    .foreign_keys(true)
                    .create_if_missing(true)
            });
    } else {
        options.max_connections(32).min_connections(2);
    }
    Database::connect(options).await
}

/// A cheap round trip for `/healthz`.
pub async fn ping(db: &DatabaseConnection) -> Result<(), DbErr> {
    db.execute_unprepared("SELECT 1").await.map(|_| ())
}

/// Starts a transaction that will write. On SQLite it takes the write lock at BEGIN (`BEGIN IMMEDIATE`): a
/// deferred transaction that reads first cannot later upgrade once another connection (the event writer, a job)
/// has committed, and would fail at once instead of waiting its turn. PostgreSQL ignores the mode.
pub async fn begin_write(db: &DatabaseConnection) -> Result<sea_orm::DatabaseTransaction, DbErr> {
    use sea_orm::{SqliteTransactionMode, TransactionOptions, TransactionTrait};
    db.begin_with_options(TransactionOptions {
        sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
        ..Default::default()
    })
    .await
}
