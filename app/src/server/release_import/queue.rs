//! The catalog queue: tasks in `catalog_tasks`, due at `run_after`, retried with backoff when a service is busy
//! or down, failed with a reason after too many tries. One worker at a time holds the lease.
use super::{from_spotify, links, CatalogClients};
use crate::server::catalog::CatalogError;
use crate::server::entities::{catalog_imports, catalog_tasks, job_leases};
use crate::types::{AppError, CountryCode, ImportProgress, LinkLookupProgress};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::ExprTrait;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
};

pub const LEASE_NAME: &str = "catalog";
pub const IMPORT_ARTIST: &str = "import_artist";
pub const RESOLVE_LINKS: &str = "resolve_links";
const QUEUED: &str = "queued";
const DONE: &str = "done";
const FAILED: &str = "failed";
/// Retries of a task hitting rate limits or outages before it fails (spans about a day with the backoff).
const MAX_ATTEMPTS: i32 = 12;

/// Takes or renews the named lease until `now + duration`; false while another holder's lease runs.
pub async fn take_lease(
    db: &impl ConnectionTrait,
    name: &str,
    holder: &str,
    now: DateTime<Utc>,
    duration: Duration,
) -> Result<bool, AppError> {
    job_leases::Entity::insert(job_leases::ActiveModel {
        name: Set(name.to_owned()),
        holder: Set(None),
        lease_until: Set(None),
    })
    .on_conflict_do_nothing()
    .exec_without_returning(db)
    .await?;
    let taken = job_leases::Entity::update_many()
        .col_expr(job_leases::Column::Holder, Expr::value(holder))
        .col_expr(job_leases::Column::LeaseUntil, Expr::value(now + duration))
        .filter(job_leases::Column::Name.eq(name))
        .filter(
            job_leases::Column::LeaseUntil
                .is_null()
                .or(job_leases::Column::LeaseUntil.lt(now))
                .or(job_leases::Column::Holder.eq(holder)),
        )
        .exec(db)
        .await?;
    Ok(taken.rows_affected == 1)
}

/// Queues the link lookups of a release: the default country first (it fills in services), then the others.
pub async fn enqueue_link_lookups(
    db: &impl ConnectionTrait,
    artist_id: i32,
    release_id: i32,
    import_id: Option<i32>,
    countries: &[CountryCode],
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let task = |country: Option<CountryCode>| catalog_tasks::ActiveModel {
        kind: Set(RESOLVE_LINKS.to_owned()),
        artist_id: Set(artist_id),
        release_id: Set(Some(release_id)),
        import_id: Set(import_id),
        country: Set(country.map(|c| c.as_str().to_owned())),
        status: Set(QUEUED.to_owned()),
        attempts: Set(0),
        run_after: Set(now),
        last_error: Set(None),
        created_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    };
    let mut tasks = vec![task(None)];
    tasks.extend(countries.iter().map(|c| task(Some(*c))));
    catalog_tasks::Entity::insert_many(tasks)
        .exec_without_returning(db)
        .await?;
    Ok(())
}

/// A new import of `spotify_artist_id` for the artist, queued for the worker (call inside a transaction: the
/// import and its task are two rows). `requested_by`: `None` when the daily re-check started it.
pub(super) async fn queue_import(
    db: &impl ConnectionTrait,
    artist_id: i32,
    spotify_artist_id: String,
    requested_by: Option<i32>,
    now: DateTime<Utc>,
) -> Result<catalog_imports::Model, AppError> {
    let import = catalog_imports::ActiveModel {
        artist_id: Set(artist_id),
        spotify_artist_id: Set(spotify_artist_id),
        status: Set(QUEUED.into()),
        found: Set(0),
        added: Set(0),
        existing: Set(0),
        error: Set(None),
        requested_by: Set(requested_by),
        created_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    catalog_tasks::ActiveModel {
        kind: Set(IMPORT_ARTIST.to_owned()),
        artist_id: Set(artist_id),
        release_id: Set(None),
        import_id: Set(Some(import.id)),
        country: Set(None),
        status: Set(QUEUED.to_owned()),
        attempts: Set(0),
        run_after: Set(now),
        last_error: Set(None),
        created_at: Set(now),
        finished_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    Ok(import)
}

/// What one turn of the worker did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RunOutcome {
    /// Nothing due.
    Idle,
    /// A task ran (to completion, retry or failure); `pages_changed` when fan pages may show something new.
    Ran { pages_changed: bool },
}

/// Runs the next due task, if any. The caller holds the lease.
pub async fn run_next(
    db: &sea_orm::DatabaseConnection,
    clients: &CatalogClients,
    now: DateTime<Utc>,
) -> Result<RunOutcome, AppError> {
    let Some(task) = catalog_tasks::Entity::find()
        .filter(catalog_tasks::Column::Status.eq(QUEUED))
        .filter(catalog_tasks::Column::RunAfter.lte(now))
        .order_by_asc(catalog_tasks::Column::RunAfter)
        .order_by_asc(catalog_tasks::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(RunOutcome::Idle);
    };

    // A country's lookup compares with the default links, so it waits for the default lookup to finish.
    if task.kind == RESOLVE_LINKS && task.country.is_some() {
        if let Some(default) = catalog_tasks::Entity::find()
            .filter(catalog_tasks::Column::ReleaseId.eq(task.release_id))
            .filter(catalog_tasks::Column::Kind.eq(RESOLVE_LINKS))
            .filter(catalog_tasks::Column::Country.is_null())
            .filter(catalog_tasks::Column::Status.eq(QUEUED))
            .one(db)
            .await?
        {
            defer(
                db,
                task.id,
                std::cmp::max(default.run_after, now) + Duration::seconds(1),
            )
            .await?;
            return Ok(RunOutcome::Ran {
                pages_changed: false,
            });
        }
    }

    let result = match task.kind.as_str() {
        IMPORT_ARTIST => from_spotify::run_import(db, clients, &task, now).await,
        RESOLVE_LINKS => links::run_lookup(db, clients, &task, now).await,
        other => Err(TaskError::Permanent(format!("unknown task kind {other:?}"))),
    };
    // Our own failure (logged where it happened) is retried with backoff like an outage, so one bad task can
    // neither spin nor block the tasks behind it.
    let result = result.map_err(|error| match error {
        TaskError::Database(error) => TaskError::Transient {
            message: error.to_string(),
            after: None,
        },
        other => other,
    });
    let pages_changed = match result {
        Ok(changed) => {
            finish(db, &task, DONE, None, now).await?;
            changed
        }
        Err(TaskError::Transient { message, after }) if task.attempts + 1 < MAX_ATTEMPTS => {
            let backoff = Duration::seconds(30 * 2_i64.pow(task.attempts.clamp(0, 10) as u32))
                .min(Duration::hours(4));
            let after = after.map_or(backoff, |after| after.max(Duration::seconds(1)));
            catalog_tasks::Entity::update_many()
                .col_expr(
                    catalog_tasks::Column::Attempts,
                    Expr::value(task.attempts + 1),
                )
                .col_expr(catalog_tasks::Column::RunAfter, Expr::value(now + after))
                .col_expr(catalog_tasks::Column::LastError, Expr::value(message))
                .filter(catalog_tasks::Column::Id.eq(task.id))
                .exec(db)
                .await?;
            false
        }
        Err(TaskError::Transient { message, .. }) | Err(TaskError::Permanent(message)) => {
            finish(db, &task, FAILED, Some(message.clone()), now).await?;
            if task.kind == IMPORT_ARTIST {
                if let Some(import_id) = task.import_id {
                    set_import_status(db, import_id, FAILED, Some(message), now).await?;
                }
            }
            false
        }
        Err(TaskError::Database(error)) => return Err(error),
    };
    Ok(RunOutcome::Ran { pages_changed })
}

async fn defer(db: &impl ConnectionTrait, id: i32, until: DateTime<Utc>) -> Result<(), AppError> {
    catalog_tasks::Entity::update_many()
        .col_expr(catalog_tasks::Column::RunAfter, Expr::value(until))
        .filter(catalog_tasks::Column::Id.eq(id))
        .exec(db)
        .await?;
    Ok(())
}

async fn finish(
    db: &impl ConnectionTrait,
    task: &catalog_tasks::Model,
    status: &str,
    error: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    catalog_tasks::Entity::update_many()
        .col_expr(catalog_tasks::Column::Status, Expr::value(status))
        .col_expr(
            catalog_tasks::Column::Attempts,
            Expr::value(task.attempts + 1),
        )
        .col_expr(catalog_tasks::Column::LastError, Expr::value(error))
        .col_expr(catalog_tasks::Column::FinishedAt, Expr::value(now))
        .filter(catalog_tasks::Column::Id.eq(task.id))
        .exec(db)
        .await?;
    Ok(())
}

pub(super) async fn set_import_status(
    db: &impl ConnectionTrait,
    import_id: i32,
    status: &str,
    error: Option<String>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    catalog_imports::Entity::update_many()
        .col_expr(catalog_imports::Column::Status, Expr::value(status))
        .col_expr(catalog_imports::Column::Error, Expr::value(error))
        .col_expr(catalog_imports::Column::FinishedAt, Expr::value(now))
        .filter(catalog_imports::Column::Id.eq(import_id))
        .exec(db)
        .await?;
    Ok(())
}

/// How a task ended short of success.
#[derive(Debug)]
pub(super) enum TaskError {
    /// Try again later: after `after` when the service said so, else with backoff.
    Transient {
        message: String,
        after: Option<Duration>,
    },
    /// Will not get better by waiting.
    Permanent(String),
    Database(AppError),
}

impl From<AppError> for TaskError {
    fn from(error: AppError) -> Self {
        TaskError::Database(error)
    }
}

impl From<sea_orm::DbErr> for TaskError {
    fn from(error: sea_orm::DbErr) -> Self {
        TaskError::Database(error.into())
    }
}

impl From<CatalogError> for TaskError {
    fn from(error: CatalogError) -> Self {
        if !error.is_transient() {
            return TaskError::Permanent(error.to_string());
        }
        let after = match &error {
            CatalogError::RateLimited { retry_after, .. } => Duration::from_std(*retry_after).ok(),
            _ => None,
        };
        TaskError::Transient {
            message: error.to_string(),
            after,
        }
    }
}

async fn progress_where(
    db: &impl ConnectionTrait,
    column: catalog_tasks::Column,
    id: i32,
) -> Result<LinkLookupProgress, AppError> {
    let rows: Vec<(String, i64)> = catalog_tasks::Entity::find()
        .select_only()
        .column(catalog_tasks::Column::Status)
        .column_as(catalog_tasks::Column::Id.count(), "n")
        .filter(column.eq(id))
        .filter(catalog_tasks::Column::Kind.eq(RESOLVE_LINKS))
        .group_by(catalog_tasks::Column::Status)
        .into_tuple()
        .all(db)
        .await?;
    let mut progress = LinkLookupProgress::default();
    for (status, count) in rows {
        let count = u32::try_from(count).unwrap_or(u32::MAX);
        progress.total += count;
        match status.as_str() {
            DONE => progress.done += count,
            FAILED => progress.failed += count,
            _ => {}
        }
    }
    Ok(progress)
}

/// The link lookups of one release.
pub async fn link_progress(
    db: &impl ConnectionTrait,
    release_id: i32,
) -> Result<LinkLookupProgress, AppError> {
    progress_where(db, catalog_tasks::Column::ReleaseId, release_id).await
}

/// Why a release's recent lookups failed or are waiting, for the editor: "DE: …".
pub async fn recent_lookup_errors(
    db: &impl ConnectionTrait,
    release_id: i32,
) -> Result<Vec<String>, AppError> {
    Ok(catalog_tasks::Entity::find()
        .filter(catalog_tasks::Column::ReleaseId.eq(release_id))
        .filter(catalog_tasks::Column::LastError.is_not_null())
        .order_by_desc(catalog_tasks::Column::Id)
        .limit(5)
        .all(db)
        .await?
        .into_iter()
        .map(|task| {
            let place = task.country.unwrap_or_else(|| "Default".into());
            let state = if task.status == FAILED {
                "gave up"
            } else if task.status == QUEUED {
                "will retry"
            } else {
                "done"
            };
            format!("{place} ({state}): {}", task.last_error.unwrap_or_default())
        })
        .collect())
}

/// The artist's latest import, with the lookups of the releases it added.
pub async fn import_progress(
    db: &impl ConnectionTrait,
    artist_id: i32,
) -> Result<Option<ImportProgress>, AppError> {
    let Some(import) = catalog_imports::Entity::find()
        .filter(catalog_imports::Column::ArtistId.eq(artist_id))
        .order_by_desc(catalog_imports::Column::Id)
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    let lookups = progress_where(db, catalog_tasks::Column::ImportId, import.id).await?;
    let count = |n: i32| u32::try_from(n).unwrap_or(0);
    Ok(Some(ImportProgress {
        id: import.id,
        status: import.status,
        found: count(import.found),
        added: count(import.added),
        existing: count(import.existing),
        lookups,
        error: import.error,
    }))
}

/// How often a connected artist's discography is looked at again for new releases.
pub const RECHECK_AFTER: Duration = Duration::hours(24);

/// Queues an import for every artist whose last import finished more than a day ago, so new releases are found
/// (and, where the artist asked for it, published) without anyone pressing the button. Artists never imported
/// are left alone: connecting is the artist's choice. Returns how many imports were queued.
pub async fn schedule_rechecks(
    db: &sea_orm::DatabaseConnection,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    use crate::server::entities::artists;
    let connected = artists::Entity::find()
        .filter(artists::Column::SpotifyArtistId.is_not_null())
        .all(db)
        .await?;
    let mut queued = 0;
    for artist in connected {
        let Some(spotify_artist_id) = artist.spotify_artist_id else {
            continue;
        };
        let latest = catalog_imports::Entity::find()
            .filter(catalog_imports::Column::ArtistId.eq(artist.id))
            .order_by_desc(catalog_imports::Column::Id)
            .one(db)
            .await?;
        let due = latest.is_some_and(|import| {
            import
                .finished_at
                .is_some_and(|finished| finished + RECHECK_AFTER <= now)
        });
        if !due {
            continue;
        }
        // The import and its task together, or neither: an import without its task would wait forever.
        let txn = crate::server::db::begin_write(db).await?;
        queue_import(&txn, artist.id, spotify_artist_id, None, now).await?;
        txn.commit().await?;
        queued += 1;
    }
    Ok(queued)
}
