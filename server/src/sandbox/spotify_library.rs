//! The fake Spotify's Web API for fans: `GET /me`, the unified `PUT`/`DELETE /me/library` and
//! `GET /me/library/contains` of 2026 development-mode apps, and the type-specific save and follow endpoints
//! extended-quota apps still have (`PUT /me/albums`, `/me/tracks`, `/me/following`,
//! `/playlists/{id}/followers`). Contract: ../shared/reference/external-apis.md §1.3–1.5 and §7.
//!
//! A call needs a fan's token: an app token (client credentials) gets 403 "Insufficient client scope", which is
//! what Spotify answers (spotify/web-api-examples#44), as does a fan's token without the scope the endpoint
//! needs.
use super::control::lock;
use super::spotify::{api_error_body, Caller, SpotifyState};
use super::spotify_accounts::{display_name, user_id};
use axum::body::Bytes;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use serde_json::{json, Value};
use std::collections::HashMap;
use std::sync::Arc;

/// `/me/library` and `/me/library/contains` take at most this many URIs.
const MAX_LIBRARY_URIS: usize = 40;
/// The type-specific endpoints take at most this many ids.
const MAX_IDS: usize = 50;

type Answer = Result<Response, Refusal>;

/// A Web API error, answered in one of its two documented bodies.
#[derive(Debug)]
pub(super) struct Refusal {
    status: StatusCode,
    message: String,
    /// `{"status","message"}` (documented for `/me/library`'s 400s) instead of `{"error":{"status","message"}}`.
    bare: bool,
}

impl IntoResponse for Refusal {
    fn into_response(self) -> Response {
        let body = if self.bare {
            json!({"status": self.status.as_u16(), "message": self.message})
        } else {
            api_error_body(self.status, &self.message)
        };
        (self.status, Json(body)).into_response()
    }
}

/// `{"error":{"status","message"}}`.
fn api_error(status: StatusCode, message: &str) -> Refusal {
    Refusal {
        status,
        message: message.to_owned(),
        bare: false,
    }
}

/// `{"status","message"}`.
fn bare_error(status: StatusCode, message: &str) -> Refusal {
    Refusal {
        status,
        message: message.to_owned(),
        bare: true,
    }
}

fn insufficient_scope() -> Refusal {
    api_error(StatusCode::FORBIDDEN, "Insufficient client scope")
}

/// The fan behind the token, if it carries one of `any_of` (or any scope at all when `any_of` is empty).
fn fan(caller: &Caller, any_of: &[&str]) -> Result<Arc<str>, Refusal> {
    match caller {
        Caller::App => Err(insufficient_scope()),
        Caller::User { account, scopes } => {
            if any_of.is_empty() || any_of.iter().any(|scope| scopes.has(scope)) {
                Ok(account.clone())
            } else {
                Err(insufficient_scope())
            }
        }
    }
}

/// What `/me/library` accepts. The spec's list for `PUT` omits `artist`, but the migration guide says
/// `PUT /me/following` moved here and `contains` lists `spotify:artist:`, so artists are accepted.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Kind {
    Track,
    Album,
    Episode,
    Show,
    Audiobook,
    User,
    Playlist,
    Artist,
}

impl Kind {
    fn parse(kind: &str) -> Option<Kind> {
        Some(match kind {
            "track" => Kind::Track,
            "album" => Kind::Album,
            "episode" => Kind::Episode,
            "show" => Kind::Show,
            "audiobook" => Kind::Audiobook,
            "user" => Kind::User,
            "playlist" => Kind::Playlist,
            "artist" => Kind::Artist,
            _ => return None,
        })
    }
}

fn is_base62_id(id: &str) -> bool {
    id.len() == 22 && id.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// User ids are not base-62: old accounts have their chosen user names.
fn is_user_id(id: &str) -> bool {
    (1..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'.' | b'_' | b'-'))
}

/// `uris=spotify:album:…,spotify:artist:…` → `(kind, id)` pairs, or the 400 Spotify documents.
fn parse_uris(query: &HashMap<String, String>) -> Result<Vec<(Kind, String)>, Refusal> {
    let bad = |message: &str| bare_error(StatusCode::BAD_REQUEST, message);
    let uris = query
        .get("uris")
        .map(|uris| uris.trim())
        .filter(|uris| !uris.is_empty())
        .ok_or_else(|| bad("Missing required parameter: uris"))?;
    let uris: Vec<&str> = uris.split(',').map(str::trim).collect();
    if uris.len() > MAX_LIBRARY_URIS {
        return Err(bad(&format!(
            "Too many URIs requested: at most {MAX_LIBRARY_URIS}"
        )));
    }
    uris.into_iter()
        .map(|uri| {
            let mut parts = uri.split(':');
            let (Some("spotify"), Some(kind), Some(id), None) =
                (parts.next(), parts.next(), parts.next(), parts.next())
            else {
                return Err(bad(&format!("Invalid Spotify URI: {uri}")));
            };
            let kind =
                Kind::parse(kind).ok_or_else(|| bad(&format!("Unsupported URI type: {kind}")))?;
            let id_ok = match kind {
                Kind::User => is_user_id(id),
                _ => is_base62_id(id),
            };
            if !id_ok {
                return Err(bad(&format!("Invalid Spotify URI: {uri}")));
            }
            Ok((kind, id.to_owned()))
        })
        .collect()
}

fn uri_of(kind: Kind, id: &str) -> String {
    let kind = match kind {
        Kind::Track => "track",
        Kind::Album => "album",
        Kind::Episode => "episode",
        Kind::Show => "show",
        Kind::Audiobook => "audiobook",
        Kind::User => "user",
        Kind::Playlist => "playlist",
        Kind::Artist => "artist",
    };
    format!("spotify:{kind}:{id}")
}

/// The catalog's albums, tracks, artists and playlists must exist. What Spotify answers for an unknown one is not
/// documented; a 404 in the usual error shape is the likeliest and lets callers tell "not on Spotify (yet)".
/// Episodes, shows, audiobooks and users are not in the fake catalog and are taken as they come.
fn check_exists(state: &SpotifyState, kind: Kind, id: &str) -> Result<(), Refusal> {
    let catalog = &state.catalog;
    let exists = match kind {
        Kind::Album => catalog.album(id).is_some(),
        Kind::Track => catalog.track(id).is_some(),
        Kind::Artist => catalog.artist(id).is_some(),
        Kind::Playlist => catalog.playlist(id).is_some(),
        Kind::Episode | Kind::Show | Kind::Audiobook | Kind::User => true,
    };
    if exists {
        Ok(())
    } else {
        Err(api_error(StatusCode::NOT_FOUND, "Resource not found"))
    }
}

/// `GET /me`: the development-mode profile (no `email`, `country`, `product`, `followers`), with the immutable
/// `account_id` next to `id`.
pub(super) async fn me(
    State(state): State<Arc<SpotifyState>>,
    Extension(caller): Extension<Caller>,
) -> Answer {
    let account = fan(&caller, &[])?;
    let id = user_id(&account);
    Ok(Json(json!({
        "account_id": &*account,
        "display_name": display_name(&account),
        "external_urls": {"spotify": format!("https://open.spotify.com/user/{id}")},
        "href": format!("{}/v1/users/{id}", state.base_url),
        "id": id,
        "images": [],
        "type": "user",
        "uri": format!("spotify:user:{id}"),
    }))
    .into_response())
}

/// `PUT /me/library?uris=…`: 200 with an empty body. The spec lists three scopes without saying which type needs
/// which; this fake asks for `user-library-modify` whatever the types.
pub(super) async fn save_library(
    State(state): State<Arc<SpotifyState>>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let account = fan(&caller, &["user-library-modify"])?;
    let items = parse_uris(&query)?;
    for (kind, id) in &items {
        check_exists(&state, *kind, id)?;
    }
    let uris: Vec<String> = items.iter().map(|(kind, id)| uri_of(*kind, id)).collect();
    lock(&state.accounts).save(&account, &uris);
    Ok(StatusCode::OK.into_response())
}

/// `DELETE /me/library?uris=…`: 200; the write counts stay.
pub(super) async fn remove_library(
    State(state): State<Arc<SpotifyState>>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let account = fan(&caller, &["user-library-modify"])?;
    let items = parse_uris(&query)?;
    let uris: Vec<String> = items.iter().map(|(kind, id)| uri_of(*kind, id)).collect();
    lock(&state.accounts).remove(&account, &uris);
    Ok(StatusCode::OK.into_response())
}

/// `GET /me/library/contains?uris=…`: booleans in the order asked.
pub(super) async fn library_contains(
    State(state): State<Arc<SpotifyState>>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<HashMap<String, String>>,
) -> Answer {
    let account = fan(&caller, &["user-library-read"])?;
    let items = parse_uris(&query)?;
    let accounts = lock(&state.accounts);
    let answer: Vec<bool> = items
        .iter()
        .map(|(kind, id)| accounts.contains(&account, &uri_of(*kind, id)))
        .collect();
    Ok(Json(answer).into_response())
}

/// The ids of a type-specific call: the `ids` query parameter wins over a JSON body's `ids` (for `/me/tracks`,
/// a body's `timestamped_ids` wins over its `ids`).
fn request_ids(
    query: &HashMap<String, String>,
    body: &Bytes,
    timestamped: bool,
    valid: fn(&str) -> bool,
) -> Result<Vec<String>, Refusal> {
    let bad = |message: &str| api_error(StatusCode::BAD_REQUEST, message);
    let ids: Vec<String> = if let Some(ids) = query.get("ids") {
        ids.split(',').map(|id| id.trim().to_owned()).collect()
    } else {
        let json: Value = if body.iter().all(u8::is_ascii_whitespace) {
            Value::Null
        } else {
            serde_json::from_slice(body).map_err(|_| bad("Error parsing JSON."))?
        };
        let from_list = |list: &Value, key: Option<&str>| -> Option<Vec<String>> {
            list.as_array()?
                .iter()
                .map(|item| {
                    let value = match key {
                        Some(key) => item.get(key)?,
                        None => item,
                    };
                    value.as_str().map(str::to_owned)
                })
                .collect()
        };
        let listed = match json.get("timestamped_ids") {
            Some(list) if timestamped => from_list(list, Some("id")),
            _ => json.get("ids").and_then(|list| from_list(list, None)),
        };
        listed.ok_or_else(|| bad("Missing required field: ids"))?
    };
    if ids.is_empty() || ids.iter().all(String::is_empty) {
        return Err(bad("Missing required field: ids"));
    }
    if ids.len() > MAX_IDS {
        return Err(bad("Too many ids requested"));
    }
    if !ids.iter().all(|id| valid(id)) {
        return Err(bad("Invalid base62 id"));
    }
    Ok(ids)
}

/// Checks the ids exist and records the write.
fn save_ids(
    state: &SpotifyState,
    account: &str,
    kind: Kind,
    ids: &[String],
) -> Result<(), Refusal> {
    for id in ids {
        check_exists(state, kind, id)?;
    }
    let uris: Vec<String> = ids.iter().map(|id| uri_of(kind, id)).collect();
    lock(&state.accounts).save(account, &uris);
    Ok(())
}

/// `PUT /me/albums` (deprecated; extended-quota apps): 200.
pub(super) async fn save_albums(
    State(state): State<Arc<SpotifyState>>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Answer {
    let account = fan(&caller, &["user-library-modify"])?;
    let ids = request_ids(&query, &body, false, is_base62_id)?;
    save_ids(&state, &account, Kind::Album, &ids)?;
    Ok(StatusCode::OK.into_response())
}

/// `PUT /me/tracks` (deprecated; extended-quota apps): 200.
pub(super) async fn save_tracks(
    State(state): State<Arc<SpotifyState>>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Answer {
    let account = fan(&caller, &["user-library-modify"])?;
    let ids = request_ids(&query, &body, true, is_base62_id)?;
    save_ids(&state, &account, Kind::Track, &ids)?;
    Ok(StatusCode::OK.into_response())
}

/// `PUT /me/following?type=artist|user` (deprecated; extended-quota apps): 204.
pub(super) async fn follow(
    State(state): State<Arc<SpotifyState>>,
    Extension(caller): Extension<Caller>,
    Query(query): Query<HashMap<String, String>>,
    body: Bytes,
) -> Answer {
    let account = fan(&caller, &["user-follow-modify"])?;
    let (kind, valid): (Kind, fn(&str) -> bool) = match query.get("type").map(String::as_str) {
        Some("artist") => (Kind::Artist, is_base62_id),
        Some("user") => (Kind::User, is_user_id),
        _ => {
            return Err(api_error(
                StatusCode::BAD_REQUEST,
                "type must be artist or user",
            ))
        }
    };
    let ids = request_ids(&query, &body, false, valid)?;
    save_ids(&state, &account, kind, &ids)?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

/// `PUT /playlists/{id}/followers` with an optional `{"public": bool}` (default true) (deprecated;
/// extended-quota apps): 200. A public follow needs `playlist-modify-public`, a private one
/// `playlist-modify-private`.
pub(super) async fn follow_playlist(
    State(state): State<Arc<SpotifyState>>,
    Extension(caller): Extension<Caller>,
    Path(id): Path<String>,
    body: Bytes,
) -> Answer {
    let public = if body.iter().all(u8::is_ascii_whitespace) {
        true
    } else {
        let json: Value = serde_json::from_slice(&body)
            .map_err(|_| api_error(StatusCode::BAD_REQUEST, "Error parsing JSON."))?;
        match json.get("public") {
            None | Some(Value::Null) => true,
            Some(Value::Bool(public)) => *public,
            Some(_) => {
                return Err(api_error(
                    StatusCode::BAD_REQUEST,
                    "public must be a boolean",
                ))
            }
        }
    };
    let scope = if public {
        "playlist-modify-public"
    } else {
        "playlist-modify-private"
    };
    let account = fan(&caller, &[scope])?;
    if !is_base62_id(&id) {
        return Err(api_error(StatusCode::BAD_REQUEST, "Invalid base62 id"));
    }
    save_ids(&state, &account, Kind::Playlist, &[id])?;
    Ok(StatusCode::OK.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn uris(value: &str) -> HashMap<String, String> {
        HashMap::from([("uris".to_owned(), value.to_owned())])
    }

    #[test]
    fn library_uris_are_checked_like_spotify_documents() {
        let parsed = parse_uris(&uris(
            "spotify:album:0AfterglowAtlasAlbum00,spotify:artist:0NovaLightsDemoArtist0,spotify:user:some.fan",
        ))
        .expect("valid URIs");
        assert_eq!(
            parsed,
            vec![
                (Kind::Album, "0AfterglowAtlasAlbum00".to_owned()),
                (Kind::Artist, "0NovaLightsDemoArtist0".to_owned()),
                (Kind::User, "some.fan".to_owned()),
            ]
        );
        for bad in [
            "",
            "spotify:album:short",
            "spotify:chapter:0AfterglowAtlasAlbum00",
            "album:0AfterglowAtlasAlbum00",
            "spotify:album:0AfterglowAtlasAlbum00:extra",
        ] {
            let refused = parse_uris(&uris(bad)).expect_err(bad);
            assert_eq!(refused.status, StatusCode::BAD_REQUEST, "{bad}");
            assert!(refused.bare, "{bad}");
        }
        let forty_one = vec!["spotify:album:0AfterglowAtlasAlbum00"; 41].join(",");
        assert!(parse_uris(&uris(&forty_one)).is_err());
        let forty = vec!["spotify:album:0AfterglowAtlasAlbum00"; 40].join(",");
        assert_eq!(parse_uris(&uris(&forty)).map(|v| v.len()).ok(), Some(40));
        assert!(parse_uris(&HashMap::new()).is_err());
    }

    #[test]
    fn type_specific_ids_come_from_the_query_or_the_body() {
        let id = "0AfterglowAtlasAlbum00";
        let query = HashMap::from([("ids".to_owned(), id.to_owned())]);
        let body = Bytes::from_static(br#"{"ids":["0MidnightSignalTrack00"]}"#);
        assert_eq!(
            request_ids(&query, &body, false, is_base62_id).ok(),
            Some(vec![id.to_owned()])
        );
        assert_eq!(
            request_ids(&HashMap::new(), &body, false, is_base62_id).ok(),
            Some(vec!["0MidnightSignalTrack00".to_owned()])
        );
        let timestamped = Bytes::from_static(
            br#"{"ids":["0MidnightSignalTrack00"],"timestamped_ids":[{"id":"0AfterglowAtlasAlbum00","added_at":"2026-01-01T00:00:00Z"}]}"#,
        );
        assert_eq!(
            request_ids(&HashMap::new(), &timestamped, true, is_base62_id).ok(),
            Some(vec![id.to_owned()])
        );
        assert!(request_ids(&HashMap::new(), &Bytes::new(), false, is_base62_id).is_err());
        assert!(request_ids(
            &HashMap::new(),
            &Bytes::from_static(b"{"),
            false,
            is_base62_id
        )
        .is_err());
        let too_many = HashMap::from([("ids".to_owned(), vec![id; 51].join(","))]);
        assert!(request_ids(&too_many, &Bytes::new(), false, is_base62_id).is_err());
    }
}
