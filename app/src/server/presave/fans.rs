//! Fans (one per Spotify account), their sealed tokens, their sessions on "my pre-saves", and what a fan can do
//! there: see their pre-saves, cancel one, or disconnect Spotify (which deletes their tokens).
use super::spotify_user::{SpotifyProfile, UserTokens};
use super::{origin, status};
use crate::server::auth::session::hash_token as hash;
use crate::server::entities::{
    artists, fan_sessions, fans, presave_subscriptions, presaves, releases, spotify_tokens,
};
use crate::server::sealed::{SealError, TokenKeys};
use crate::types::AppError;
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::{Expr, OnConflict};
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};

/// How long "my pre-saves" stays open in a browser after the last login.
pub const SESSION_LIFETIME: Duration = Duration::days(30);
/// An access token this close to expiry is refreshed first.
const ACCESS_MARGIN: Duration = Duration::seconds(60);

fn refresh_context(fan_id: i32) -> String {
    format!("spotify-refresh:{fan_id}")
}

fn access_context(fan_id: i32) -> String {
    format!("spotify-access:{fan_id}")
}

/// The fan of a Spotify account, created on first login; the display name is kept current.
pub async fn upsert_fan(
    db: &impl ConnectionTrait,
    profile: &SpotifyProfile,
    now: DateTime<Utc>,
) -> Result<i32, AppError> {
    fans::Entity::insert(fans::ActiveModel {
        spotify_account_id: Set(profile.account_id.clone()),
        spotify_user_id: Set(profile.user_id.clone()),
        display_name: Set(profile.display_name.clone()),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(fans::Column::SpotifyAccountId)
            .update_columns([
                fans::Column::SpotifyUserId,
                fans::Column::DisplayName,
                fans::Column::UpdatedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    fans::Entity::find()
        .filter(fans::Column::SpotifyAccountId.eq(&profile.account_id))
        .one(db)
        .await?
        .map(|fan| fan.id)
        .ok_or_else(|| AppError::internal("the fan just written is missing"))
}

/// Stores a fan's tokens, sealed. A response without a refresh token (Spotify did not rotate it) keeps the stored
/// one.
pub async fn store_tokens(
    db: &impl ConnectionTrait,
    keys: &TokenKeys,
    fan_id: i32,
    tokens: &UserTokens,
    kept_refresh_token: Option<&str>,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    let refresh = tokens
        .refresh_token
        .as_deref()
        .or(kept_refresh_token)
        .ok_or_else(|| {
            AppError::internal("Spotify sent no refresh token on first authorization")
        })?;
    let sealed_refresh = keys.seal(refresh, &refresh_context(fan_id));
    let sealed_access = keys.seal(&tokens.access_token, &access_context(fan_id));
    let expires_at =
        now + Duration::from_std(tokens.expires_in).unwrap_or(Duration::hours(1)) - ACCESS_MARGIN;
    spotify_tokens::Entity::insert(spotify_tokens::ActiveModel {
        fan_id: Set(fan_id),
        key_id: Set(sealed_refresh.key_id),
        refresh_token: Set(sealed_refresh.value),
        access_token: Set(Some(sealed_access.value)),
        access_expires_at: Set(Some(expires_at)),
        scopes: Set(tokens.scopes.join(" ")),
        lease_holder: Set(None),
        lease_until: Set(None),
        created_at: Set(now),
        refreshed_at: Set(now),
    })
    .on_conflict(
        OnConflict::column(spotify_tokens::Column::FanId)
            .update_columns([
                spotify_tokens::Column::KeyId,
                spotify_tokens::Column::RefreshToken,
                spotify_tokens::Column::AccessToken,
                spotify_tokens::Column::AccessExpiresAt,
                spotify_tokens::Column::Scopes,
                spotify_tokens::Column::RefreshedAt,
            ])
            .to_owned(),
    )
    .exec_without_returning(db)
    .await?;
    Ok(())
}

/// A fan's tokens, opened.
pub struct FanTokens {
    pub refresh_token: String,
    /// The access token while it is still good for a minute.
    pub access_token: Option<String>,
}

pub fn open_tokens(
    keys: &TokenKeys,
    row: &spotify_tokens::Model,
    now: DateTime<Utc>,
) -> Result<FanTokens, SealError> {
    let refresh_token = keys.open(
        &row.key_id,
        &row.refresh_token,
        &refresh_context(row.fan_id),
    )?;
    let access_token = match (&row.access_token, row.access_expires_at) {
        (Some(sealed), Some(expires_at)) if expires_at > now => {
            Some(keys.open(&row.key_id, sealed, &access_context(row.fan_id))?)
        }
        _ => None,
    };
    Ok(FanTokens {
        refresh_token,
        access_token,
    })
}

/// Opens a session on "my pre-saves" for `fan_id`; returns the cookie value.
pub async fn start_session(
    db: &impl ConnectionTrait,
    fan_id: i32,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let bytes: [u8; 32] = rand::random();
    let token = hex::encode(bytes);
    fan_sessions::Entity::insert(fan_sessions::ActiveModel {
        token_hash: Set(hash(&token)),
        fan_id: Set(fan_id),
        created_at: Set(now),
        expires_at: Set(now + SESSION_LIFETIME),
    })
    .exec_without_returning(db)
    .await?;
    Ok(token)
}

/// The fan a session cookie belongs to, while it lasts.
pub async fn session_fan(
    db: &impl ConnectionTrait,
    token: &str,
    now: DateTime<Utc>,
) -> Result<Option<fans::Model>, AppError> {
    let Some(session) = fan_sessions::Entity::find_by_id(hash(token))
        .one(db)
        .await?
    else {
        return Ok(None);
    };
    if session.expires_at <= now {
        return Ok(None);
    }
    Ok(fans::Entity::find_by_id(session.fan_id).one(db).await?)
}

pub async fn end_session(db: &impl ConnectionTrait, token: &str) -> Result<(), AppError> {
    fan_sessions::Entity::delete_by_id(hash(token))
        .exec(db)
        .await?;
    Ok(())
}

/// One row of "my pre-saves".
#[derive(Debug, Clone)]
pub struct FanPresave {
    pub id: i32,
    pub release_id: i32,
    pub release_title: String,
    pub artist_name: String,
    pub fan_path: String,
    pub status: String,
    pub origin: String,
    pub deliver_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
    pub last_error: Option<String>,
}

/// A fan's pre-saves, newest first.
pub async fn list_presaves(
    db: &impl ConnectionTrait,
    fan_id: i32,
) -> Result<Vec<FanPresave>, AppError> {
    let rows = presaves::Entity::find()
        .filter(presaves::Column::FanId.eq(fan_id))
        .order_by_desc(presaves::Column::CreatedAt)
        .all(db)
        .await?;
    let release_ids: Vec<i32> = rows.iter().map(|r| r.release_id).collect();
    let releases = releases::Entity::find()
        .filter(releases::Column::Id.is_in(release_ids))
        .all(db)
        .await?;
    let artist_ids: Vec<i32> = releases.iter().map(|r| r.artist_id).collect();
    let artists = artists::Entity::find()
        .filter(artists::Column::Id.is_in(artist_ids))
        .all(db)
        .await?;
    Ok(rows
        .into_iter()
        .filter_map(|row| {
            let release = releases.iter().find(|r| r.id == row.release_id)?;
            let artist = artists.iter().find(|a| a.id == release.artist_id)?;
            Some(FanPresave {
                id: row.id,
                release_id: release.id,
                release_title: release.title.clone(),
                artist_name: artist.name.clone(),
                fan_path: format!("/{}/{}", artist.slug, release.slug),
                status: row.status,
                origin: row.origin,
                deliver_at: row.deliver_at,
                delivered_at: row.delivered_at,
                last_error: row.last_error,
            })
        })
        .collect())
}

/// The artists whose future releases a fan pre-saves: (subscription id, artist name).
pub async fn list_subscriptions(
    db: &impl ConnectionTrait,
    fan_id: i32,
) -> Result<Vec<(i32, String)>, AppError> {
    let subscriptions = presave_subscriptions::Entity::find()
        .filter(presave_subscriptions::Column::FanId.eq(fan_id))
        .all(db)
        .await?;
    let artists = artists::Entity::find()
        .filter(
            artists::Column::Id.is_in(
                subscriptions
                    .iter()
                    .map(|s| s.artist_id)
                    .collect::<Vec<_>>(),
            ),
        )
        .all(db)
        .await?;
    Ok(subscriptions
        .iter()
        .filter_map(|s| {
            let artist = artists.iter().find(|a| a.id == s.artist_id)?;
            Some((s.id, artist.name.clone()))
        })
        .collect())
}

/// Cancels one of the fan's pre-saves that is not delivered yet; when nothing else needs them, the fan's tokens are
/// deleted. A pre-save a worker is sending right now cannot be called back: false then, and for one that is not
/// theirs or already done.
pub async fn cancel_presave(
    db: &impl ConnectionTrait,
    fan_id: i32,
    presave_id: i32,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    let result = presaves::Entity::update_many()
        .col_expr(presaves::Column::Status, Expr::value(status::CANCELLED))
        .col_expr(presaves::Column::UpdatedAt, Expr::value(now))
        .filter(presaves::Column::Id.eq(presave_id))
        .filter(presaves::Column::FanId.eq(fan_id))
        .filter(presaves::Column::Status.is_in([status::QUEUED, status::PENDING_SOURCE]))
        .exec(db)
        .await?;
    forget_tokens_if_unused(db, fan_id).await?;
    Ok(result.rows_affected == 1)
}

/// A fan with nothing left to deliver and no "future releases" needs no tokens: they are deleted.
async fn forget_tokens_if_unused(db: &impl ConnectionTrait, fan_id: i32) -> Result<(), AppError> {
    use sea_orm::PaginatorTrait as _;
    let open = presaves::Entity::find()
        .filter(presaves::Column::FanId.eq(fan_id))
        .filter(presaves::Column::Status.is_in(status::OPEN))
        .count(db)
        .await?;
    let subscriptions = presave_subscriptions::Entity::find()
        .filter(presave_subscriptions::Column::FanId.eq(fan_id))
        .count(db)
        .await?;
    if open == 0 && subscriptions == 0 {
        spotify_tokens::Entity::delete_by_id(fan_id)
            .exec(db)
            .await?;
    }
    Ok(())
}

/// Stops a "forever" subscription of the fan's.
pub async fn cancel_subscription(
    db: &impl ConnectionTrait,
    fan_id: i32,
    subscription_id: i32,
) -> Result<bool, AppError> {
    let result = presave_subscriptions::Entity::delete_many()
        .filter(presave_subscriptions::Column::Id.eq(subscription_id))
        .filter(presave_subscriptions::Column::FanId.eq(fan_id))
        .exec(db)
        .await?;
    forget_tokens_if_unused(db, fan_id).await?;
    Ok(result.rows_affected == 1)
}

/// Disconnects Spotify: deletes the fan's tokens and subscriptions, and cancels everything not yet delivered (what a
/// worker may be sending this second fails for lack of a token). Delivered history stays, without any token.
pub async fn disconnect(
    db: &impl ConnectionTrait,
    fan_id: i32,
    now: DateTime<Utc>,
) -> Result<(), AppError> {
    spotify_tokens::Entity::delete_by_id(fan_id)
        .exec(db)
        .await?;
    presave_subscriptions::Entity::delete_many()
        .filter(presave_subscriptions::Column::FanId.eq(fan_id))
        .exec(db)
        .await?;
    presaves::Entity::update_many()
        .col_expr(presaves::Column::Status, Expr::value(status::CANCELLED))
        .col_expr(presaves::Column::UpdatedAt, Expr::value(now))
        .filter(presaves::Column::FanId.eq(fan_id))
        .filter(presaves::Column::Status.is_in([status::QUEUED, status::PENDING_SOURCE]))
        .exec(db)
        .await?;
    Ok(())
}

/// Whether the fan still has Spotify connected.
pub async fn has_tokens(db: &impl ConnectionTrait, fan_id: i32) -> Result<bool, AppError> {
    Ok(spotify_tokens::Entity::find_by_id(fan_id)
        .one(db)
        .await?
        .is_some())
}

/// Labels for a fan-facing status.
pub fn status_label(status: &str, origin: &str) -> &'static str {
    match (status, origin) {
        (status::QUEUED, origin::SAVE) | (status::SENDING, _) => "Saving now",
        (status::QUEUED, _) => "Pre-saved",
        (status::DELIVERED, _) => "In your library",
        (status::PENDING_SOURCE, _) => "Waiting for Spotify to list it",
        (status::FAILED, _) => "Could not be saved",
        (status::CANCELLED, _) => "Cancelled",
        _ => "Pre-saved",
    }
}
