//! A fan's Spotify authorization, from the button to the callback. The flow lives in the database under the hash
//! of its OAuth `state` (with the PKCE verifier sealed), not in a cookie: a fan who starts in Instagram's in-app
//! browser and finishes in Safari still lands their pre-save. Each flow is single-use and expires.
use super::fans;
use super::spotify_user::{SpotifyUserError, PRESAVE_SCOPES};
use super::{follows_json, origin, release_follows, status, Presaves};
use crate::server::entities::{fan_email_opt_ins, presave_subscriptions, presaves, spotify_logins};
use crate::server::fan::moment::ReleaseMoment;
use crate::server::models::releases::FanRelease;
use crate::types::{AppError, CountryCode, ReleasePhase};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    TransactionTrait,
};

/// Long enough to copy the link into another browser and log in there.
pub const LOGIN_LIFETIME: Duration = Duration::minutes(30);
pub const MAX_EMAIL_CHARS: usize = 254;

/// What the fan asked for on the release page.
#[derive(Debug, Clone, Default)]
pub struct LoginRequest {
    /// Pre-save the artist's future releases too.
    pub forever: bool,
    /// An email for the artist, with the consent box ticked (only when the release asks for it).
    pub email: Option<String>,
    pub email_consent: bool,
    pub country: Option<CountryCode>,
}

/// The words a fan agrees to by ticking the box; stored with the email as shown.
pub fn consent_text(artist_name: &str) -> String {
    format!("Send me news and releases from {artist_name} by email. I can unsubscribe at any time.")
}

pub fn is_upcoming_for(
    release: &FanRelease,
    country: Option<CountryCode>,
    now: DateTime<Utc>,
) -> bool {
    release
        .moment()
        .is_some_and(|moment| moment.phase_for(country, now) == ReleasePhase::Upcoming)
}

// The login's key: the SHA-256 of its `state`, as sessions store their tokens.
use crate::server::auth::session::hash_token as state_hash;

fn verifier_context(hash: &str) -> String {
    format!("pkce:{hash}")
}

/// A started login: where to send the fan, and the state that continues it in another browser.
#[derive(Debug, Clone)]
pub struct StartedLogin {
    pub state: String,
    pub authorize_url: String,
}

/// Checks the page's form and records a new login for `release`.
pub async fn start(
    db: &impl ConnectionTrait,
    presaves: &Presaves,
    release: &FanRelease,
    request: &LoginRequest,
    now: DateTime<Utc>,
) -> Result<StartedLogin, AppError> {
    let email = match request.email.as_deref().map(str::trim) {
        Some(email) if !email.is_empty() && release.release.presave_ask_email => {
            if !request.email_consent {
                return Err(AppError::BadRequest(
                    "Tick the box to agree to emails, or leave the email empty.".to_owned(),
                ));
            }
            Some(clean_email(email)?)
        }
        _ => None,
    };
    let upcoming = is_upcoming_for(release, request.country, now);
    let authorization = presaves.spotify.authorize(PRESAVE_SCOPES);
    let hash = state_hash(&authorization.state);
    let sealed = presaves
        .keys
        .seal(&authorization.pkce_verifier, &verifier_context(&hash));
    spotify_logins::Entity::insert(spotify_logins::ActiveModel {
        state_hash: Set(hash),
        key_id: Set(sealed.key_id),
        pkce_verifier: Set(sealed.value),
        release_id: Set(release.release.id),
        intent: Set(if upcoming {
            origin::PRESAVE
        } else {
            origin::SAVE
        }
        .to_owned()),
        forever: Set(request.forever),
        email: Set(email),
        country: Set(request.country.map(|c| c.as_str().to_owned())),
        created_at: Set(now),
        expires_at: Set(now + LOGIN_LIFETIME),
        finished_at: Set(None),
    })
    .exec_without_returning(db)
    .await?;
    Ok(StartedLogin {
        state: authorization.state,
        authorize_url: authorization.url,
    })
}

fn clean_email(email: &str) -> Result<String, AppError> {
    let valid = email.chars().count() <= MAX_EMAIL_CHARS
        && !email.chars().any(char::is_whitespace)
        && email.split_once('@').is_some_and(|(local, domain)| {
            !local.is_empty()
                && domain.contains('.')
                && !domain.starts_with('.')
                && !domain.ends_with('.')
        });
    if valid {
        Ok(email.to_owned())
    } else {
        Err(AppError::BadRequest(format!(
            "{email:?} does not look like an email address."
        )))
    }
}

/// Why a login did not finish, in words for the fan. Nothing was saved in any of these cases.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum LoginError {
    #[error("You cancelled the Spotify login, so nothing was saved. You can try again whenever you like.")]
    Denied,
    #[error(
        "Spotify reported a problem with the login ({0}). Nothing was saved; please try again."
    )]
    SpotifyError(String),
    #[error(
        "This login link is not valid or was already used. Start again from the release page."
    )]
    UnknownState,
    #[error("This login took too long and expired. Start again from the release page.")]
    Expired,
    #[error(
        "Spotify did not accept this login (the code was invalid or expired). Please try again."
    )]
    CodeRejected,
    #[error("Spotify refused access: {0}")]
    Refused(String),
    #[error(
        "Spotify is not answering right now. Nothing was saved; please try again in a minute."
    )]
    SpotifyUnavailable,
    #[error("Something went wrong on our side. Nothing was saved; please try again.")]
    Internal,
}

impl From<AppError> for LoginError {
    fn from(_: AppError) -> Self {
        LoginError::Internal
    }
}

impl From<sea_orm::DbErr> for LoginError {
    fn from(error: sea_orm::DbErr) -> Self {
        AppError::internal(error);
        LoginError::Internal
    }
}

/// A login that can still be continued: the authorization URL again (same state, same PKCE verifier), for a fan who
/// opens the link in another browser.
pub async fn continue_url(
    db: &impl ConnectionTrait,
    presaves: &Presaves,
    state: &str,
    now: DateTime<Utc>,
) -> Result<String, LoginError> {
    let login = open_login(db, state, now).await?;
    let verifier = presaves
        .keys
        .open(
            &login.key_id,
            &login.pkce_verifier,
            &verifier_context(&login.state_hash),
        )
        .map_err(AppError::internal)?;
    Ok(presaves
        .spotify
        .authorize_url(PRESAVE_SCOPES, state, &verifier))
}

/// What a login that can still be continued was started for, to show before continuing it.
#[derive(Debug, Clone)]
pub struct PendingLogin {
    pub release_title: String,
    pub artist_name: String,
    pub forever: bool,
    pub email: Option<String>,
}

pub async fn pending(
    db: &impl ConnectionTrait,
    state: &str,
    now: DateTime<Utc>,
) -> Result<PendingLogin, LoginError> {
    let login = open_login(db, state, now).await?;
    let release = crate::server::models::releases::fan_release_by_id(db, login.release_id)
        .await?
        .ok_or(LoginError::UnknownState)?;
    Ok(PendingLogin {
        release_title: release.release.title,
        artist_name: release.artist.name,
        forever: login.forever,
        email: login.email,
    })
}

async fn open_login(
    db: &impl ConnectionTrait,
    state: &str,
    now: DateTime<Utc>,
) -> Result<spotify_logins::Model, LoginError> {
    let login = spotify_logins::Entity::find_by_id(state_hash(state))
        .one(db)
        .await?
        .ok_or(LoginError::UnknownState)?;
    if login.finished_at.is_some() {
        return Err(LoginError::UnknownState);
    }
    if login.expires_at <= now {
        return Err(LoginError::Expired);
    }
    Ok(login)
}

/// What Spotify sent to the callback.
#[derive(Debug, Clone, Default)]
pub struct Callback {
    pub state: Option<String>,
    pub code: Option<String>,
    pub error: Option<String>,
}

/// A finished login: the fan, their session, and what was queued.
#[derive(Debug, Clone)]
pub struct FinishedLogin {
    pub fan_id: i32,
    pub release_id: i32,
    pub artist_id: i32,
    pub country: Option<CountryCode>,
    /// The fan pre-saved (or saved) this release before; nothing new was queued.
    pub already: bool,
    /// `presave` before the release, `save` after it.
    pub intent: String,
    pub session_token: String,
}

/// Finishes a login: checks the state (single use, unexpired), exchanges the code with its PKCE verifier, reads the
/// fan's account, and records fan, sealed tokens, pre-save, subscription and email opt-in in one transaction.
pub async fn finish(
    db: &DatabaseConnection,
    presaves: &Presaves,
    callback: &Callback,
    now: DateTime<Utc>,
) -> Result<FinishedLogin, LoginError> {
    let state = callback.state.as_deref().ok_or(LoginError::UnknownState)?;
    let login = open_login(db, state, now).await?;
    // Used up now, whatever happens next: a replayed callback finds it finished.
    let claimed = spotify_logins::Entity::update_many()
        .col_expr(spotify_logins::Column::FinishedAt, Expr::value(now))
        .filter(spotify_logins::Column::StateHash.eq(&login.state_hash))
        .filter(spotify_logins::Column::FinishedAt.is_null())
        .exec(db)
        .await?;
    if claimed.rows_affected != 1 {
        return Err(LoginError::UnknownState);
    }
    if let Some(error) = &callback.error {
        return Err(if error == "access_denied" {
            LoginError::Denied
        } else {
            LoginError::SpotifyError(error.chars().take(100).collect())
        });
    }
    let code = callback.code.as_deref().ok_or(LoginError::CodeRejected)?;
    let verifier = presaves
        .keys
        .open(
            &login.key_id,
            &login.pkce_verifier,
            &verifier_context(&login.state_hash),
        )
        .map_err(AppError::internal)?;
    let tokens = presaves
        .spotify
        .exchange_code(code, &verifier)
        .await
        .map_err(login_error)?;
    let profile = presaves
        .spotify
        .me(&tokens.access_token)
        .await
        .map_err(login_error)?;

    let release = crate::server::models::releases::fan_release_by_id(db, login.release_id)
        .await?
        .ok_or(LoginError::UnknownState)?;
    let country = login.country.as_deref().and_then(CountryCode::parse);
    let deliver_at = if login.intent == origin::SAVE {
        now
    } else {
        release
            .moment()
            .map(|moment| moment.instant_for(country).max(now))
            .unwrap_or(now)
    };
    let follows = release_follows(&release.release, &release.artist);

    let txn = db.begin().await?;
    let fan_id = fans::upsert_fan(&txn, &profile, now).await?;
    fans::store_tokens(&txn, &presaves.keys, fan_id, &tokens, None, now).await?;
    let existing = presaves::Entity::find()
        .filter(presaves::Column::ReleaseId.eq(release.release.id))
        .filter(presaves::Column::FanId.eq(fan_id))
        .one(&txn)
        .await?;
    let already = match existing {
        // Taken back or failed earlier (e.g. a revoked token): this login queues it again.
        Some(row) if row.status == status::CANCELLED || row.status == status::FAILED => {
            presaves::Entity::update_many()
                .col_expr(presaves::Column::Status, Expr::value(status::QUEUED))
                .col_expr(presaves::Column::Origin, Expr::value(login.intent.clone()))
                .col_expr(
                    presaves::Column::Follows,
                    Expr::value(follows_json(&follows)),
                )
                .col_expr(presaves::Column::DeliverAt, Expr::value(deliver_at))
                .col_expr(presaves::Column::NextAttemptAt, Expr::value(deliver_at))
                .col_expr(presaves::Column::Attempts, Expr::value(0))
                .col_expr(presaves::Column::LastError, Expr::cust("NULL"))
                .col_expr(presaves::Column::UpdatedAt, Expr::value(now))
                .filter(presaves::Column::Id.eq(row.id))
                .exec(&txn)
                .await?;
            false
        }
        Some(_) => true,
        None => {
            presaves::Entity::insert(presaves::ActiveModel {
                release_id: Set(release.release.id),
                fan_id: Set(fan_id),
                origin: Set(login.intent.clone()),
                status: Set(status::QUEUED.to_owned()),
                follows: Set(follows_json(&follows)),
                country: Set(login.country.clone()),
                deliver_at: Set(deliver_at),
                next_attempt_at: Set(deliver_at),
                attempts: Set(0),
                last_error: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                delivered_at: Set(None),
                ..Default::default()
            })
            .on_conflict(
                OnConflict::columns([presaves::Column::ReleaseId, presaves::Column::FanId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(&txn)
            .await?;
            false
        }
    };
    if login.forever {
        presave_subscriptions::Entity::insert(presave_subscriptions::ActiveModel {
            fan_id: Set(fan_id),
            artist_id: Set(release.artist.id),
            follows: Set(follows_json(&follows)),
            country: Set(login.country.clone()),
            created_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                presave_subscriptions::Column::ArtistId,
                presave_subscriptions::Column::FanId,
            ])
            .update_columns([
                presave_subscriptions::Column::Follows,
                presave_subscriptions::Column::Country,
            ])
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    if let Some(email) = &login.email {
        fan_email_opt_ins::Entity::insert(fan_email_opt_ins::ActiveModel {
            artist_id: Set(release.artist.id),
            release_id: Set(Some(release.release.id)),
            fan_id: Set(Some(fan_id)),
            email: Set(email.to_lowercase()),
            consent_text: Set(consent_text(&release.artist.name)),
            country: Set(login.country.clone()),
            consented_at: Set(now),
            ..Default::default()
        })
        .on_conflict(
            OnConflict::columns([
                fan_email_opt_ins::Column::ArtistId,
                fan_email_opt_ins::Column::Email,
            ])
            .update_columns([
                fan_email_opt_ins::Column::FanId,
                fan_email_opt_ins::Column::ConsentText,
                fan_email_opt_ins::Column::ConsentedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(&txn)
        .await?;
    }
    let session_token = fans::start_session(&txn, fan_id, now).await?;
    txn.commit().await?;
    Ok(FinishedLogin {
        fan_id,
        release_id: release.release.id,
        artist_id: release.artist.id,
        country,
        already,
        intent: login.intent,
        session_token,
    })
}

fn login_error(error: SpotifyUserError) -> LoginError {
    match error {
        SpotifyUserError::GrantRevoked { .. } => LoginError::CodeRejected,
        SpotifyUserError::Forbidden { message } => LoginError::Refused(message),
        SpotifyUserError::RateLimited { .. } | SpotifyUserError::Unavailable { .. } => {
            LoginError::SpotifyUnavailable
        }
        other => {
            AppError::internal(format!("Spotify login: {other}"));
            LoginError::Internal
        }
    }
}

/// Queues a newly published release for every fan subscribed to its artist's future releases: those who subscribed
/// before its release date (an imported back catalogue is not "future"), skipping fans who pre-saved it already.
/// Returns how many subscriptions it applied to.
pub async fn queue_for_subscribers(
    db: &impl ConnectionTrait,
    release: &FanRelease,
    now: DateTime<Utc>,
) -> Result<usize, AppError> {
    let Some(earliest) = release.moment().map(|m| m.earliest()) else {
        return Ok(0);
    };
    let subscriptions = presave_subscriptions::Entity::find()
        .filter(presave_subscriptions::Column::ArtistId.eq(release.artist.id))
        .filter(presave_subscriptions::Column::CreatedAt.lt(earliest))
        .all(db)
        .await?;
    if subscriptions.is_empty() {
        return Ok(0);
    }
    let moment: Option<ReleaseMoment> = release.moment();
    let rows: Vec<presaves::ActiveModel> = subscriptions
        .iter()
        .map(|subscription| {
            let country = subscription.country.as_deref().and_then(CountryCode::parse);
            let deliver_at = moment
                .as_ref()
                .map(|m| m.instant_for(country).max(now))
                .unwrap_or(now);
            presaves::ActiveModel {
                release_id: Set(release.release.id),
                fan_id: Set(subscription.fan_id),
                origin: Set(origin::FOREVER.to_owned()),
                status: Set(status::QUEUED.to_owned()),
                follows: Set(subscription.follows.clone()),
                country: Set(subscription.country.clone()),
                deliver_at: Set(deliver_at),
                next_attempt_at: Set(deliver_at),
                attempts: Set(0),
                last_error: Set(None),
                created_at: Set(now),
                updated_at: Set(now),
                delivered_at: Set(None),
                ..Default::default()
            }
        })
        .collect();
    let count = rows.len();
    for chunk in rows.chunks(500) {
        presaves::Entity::insert_many(chunk.to_vec())
            .on_conflict(
                OnConflict::columns([presaves::Column::ReleaseId, presaves::Column::FanId])
                    .do_nothing()
                    .to_owned(),
            )
            .exec_without_returning(db)
            .await?;
    }
    Ok(count)
}

/// After a release's date or time changed: moves its waiting pre-saves to the new moment (per fan's country).
pub async fn reschedule(
    db: &impl ConnectionTrait,
    release: &FanRelease,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let Some(moment) = release.moment() else {
        return Ok(());
    };
    let waiting = presaves::Entity::find()
        .filter(presaves::Column::ReleaseId.eq(release.release.id))
        .filter(presaves::Column::Status.eq(status::QUEUED))
        .filter(presaves::Column::Attempts.eq(0))
        .filter(presaves::Column::Origin.ne(origin::SAVE))
        .all(db)
        .await?;
    let mut countries: Vec<Option<String>> = waiting.iter().map(|p| p.country.clone()).collect();
    countries.sort();
    countries.dedup();
    for country in countries {
        let at = moment
            .instant_for(country.as_deref().and_then(CountryCode::parse))
            .max(now);
        let mut update = presaves::Entity::update_many()
            .col_expr(presaves::Column::DeliverAt, Expr::value(at))
            .col_expr(presaves::Column::NextAttemptAt, Expr::value(at))
            .col_expr(presaves::Column::UpdatedAt, Expr::value(now))
            .filter(presaves::Column::ReleaseId.eq(release.release.id))
            .filter(presaves::Column::Status.eq(status::QUEUED))
            .filter(presaves::Column::Attempts.eq(0))
            .filter(presaves::Column::Origin.ne(origin::SAVE));
        update = match &country {
            Some(code) => update.filter(presaves::Column::Country.eq(code.clone())),
            None => update.filter(presaves::Column::Country.is_null()),
        };
        update.exec(db).await?;
    }
    Ok(())
}

/// Forgets logins finished or expired a day ago and fan sessions past their end: housekeeping the delivery worker
/// runs now and then. Returns how many rows went.
pub async fn clean_up(db: &impl ConnectionTrait, now: DateTime<Utc>) -> Result<u64, AppError> {
    let logins = spotify_logins::Entity::delete_many()
        .filter(spotify_logins::Column::ExpiresAt.lt(now - Duration::days(1)))
        .exec(db)
        .await?;
    let sessions = crate::server::entities::fan_sessions::Entity::delete_many()
        .filter(crate::server::entities::fan_sessions::Column::ExpiresAt.lt(now))
        .exec(db)
        .await?;
    Ok(logins.rows_affected + sessions.rows_affected)
}
