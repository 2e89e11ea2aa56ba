//! The fan's side of a Spotify pre-save over HTTP:
//! - `POST /presave/{release}`: the release page's form. Starts a login and sends the fan to Spotify, or, inside an
//!   in-app browser, to a page that helps them continue in their real browser.
//! - `GET /presave/continue/{state}`: that same login, continued in another browser.
//! - `GET /oauth/spotify/callback`: Spotify's answer. Records the pre-save and opens "my pre-saves".
//! - `GET /presaves` and its forms: the fan's pre-saves, cancelling one, stopping "future releases",
//!   disconnecting Spotify.
use crate::analytics::{self, EventKind, NewEvent};
use crate::error::HttpError;
use crate::jobs::presave::CALLBACK_PATH;
use crate::routes::fan::html_response;
use crate::state::AppState;
use app::pages::fan::presave::{
    render_continue, render_handoff, render_my_presaves, render_presave_problem, HandoffPage,
    MyPresavesPage, PresaveRow,
};
use app::server::conversions::clients::ConversionKind;
use app::server::conversions::consent;
use app::server::models::releases;
use app::server::presave::fans::{self, status_label};
use app::server::presave::logins::{self, Callback, LoginError, LoginRequest};
use app::server::presave::{origin, status};
use app::types::{AppError, ReleaseStatus};
use axum::extract::{ConnectInfo, Form, Path, Query, State};
use axum::http::{header, HeaderMap, HeaderValue, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::Router;
use std::net::SocketAddr;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/presave/{release_id}", post(start))
        .route(
            "/presave/continue/{state}",
            get(continue_page).post(continue_login),
        )
        .route(CALLBACK_PATH, get(callback))
        .route("/presaves", get(my_presaves))
        .route("/presaves/{presave_id}/cancel", post(cancel))
        .route(
            "/presaves/subscriptions/{subscription_id}/cancel",
            post(cancel_subscription),
        )
        .route("/presaves/disconnect", post(disconnect))
}

/// The fan's session cookie. `__Host-` (over https) pins it to this host, path `/` and `Secure`.
fn cookie_name(secure: bool) -> &'static str {
    if secure {
        "__Host-dropday_fan"
    } else {
        "dropday_fan"
    }
}

fn session_cookie(state: &AppState, token: &str) -> String {
    let secure = state.secure_cookies();
    app::server::auth::session::http_only_cookie(
        cookie_name(secure),
        token,
        fans::SESSION_LIFETIME,
        secure,
    )
}

fn session_token<'h>(state: &AppState, headers: &'h HeaderMap) -> Option<&'h str> {
    let name = cookie_name(state.secure_cookies());
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .find_map(|value| app::server::auth::session::cookie_value(value, name))
}

/// Which in-app browser a User-Agent belongs to, if one whose web view is known to break Spotify's login.
pub fn in_app_browser(user_agent: &str) -> Option<&'static str> {
    let has = |needle: &str| user_agent.contains(needle);
    if has("Instagram") {
        Some("Instagram")
    } else if has("FBAN") || has("FBAV") || has("FB_IAB") {
        Some("Facebook")
    } else if has("musical_ly") || has("TikTok") || has("BytedanceWebview") || has("trill_") {
        Some("TikTok")
    } else if has("Snapchat") {
        Some("Snapchat")
    } else {
        None
    }
}

fn see_other(location: &str) -> Response {
    match HeaderValue::from_str(location) {
        Ok(value) => (StatusCode::SEE_OTHER, [(header::LOCATION, value)]).into_response(),
        Err(_) => HttpError::Internal(format!("unusable redirect {location:?}")).into_response(),
    }
}

fn problem(status: StatusCode, message: &str, back: Option<&str>) -> Response {
    html_response(status, render_presave_problem(message, back))
}

fn not_configured() -> Response {
    problem(
        StatusCode::NOT_FOUND,
        "Pre-saves are not set up on this server.",
        None,
    )
}

#[derive(Debug, Default, serde::Deserialize)]
struct StartForm {
    #[serde(default)]
    forever: Option<String>,
    #[serde(default)]
    email: Option<String>,
    #[serde(default)]
    email_consent: Option<String>,
}

async fn start(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Path(release_id): Path<i32>,
    headers: HeaderMap,
    Form(form): Form<StartForm>,
) -> Response {
    let Some(presaves) = state.presaves.as_ref() else {
        return not_configured();
    };
    let release = match releases::fan_release_by_id(&state.db, release_id).await {
        Ok(Some(found)) if found.release.status == ReleaseStatus::Published.as_str() => found,
        Ok(_) => return HttpError::NotFound.into_response(),
        Err(error) => return HttpError::from(error).into_response(),
    };
    let back = format!("/{}/{}", release.artist.slug, release.release.slug);
    // An organization that does not allow Spotify on its pages does not take pre-saves through it either.
    match app::server::billing::rules::for_organization(&state.db, release.artist.organization_id)
        .await
    {
        Ok(rules) if rules.admits(app::types::StreamingService::Spotify) => {}
        Ok(_) => return HttpError::NotFound.into_response(),
        Err(error) => return HttpError::from(error).into_response(),
    }
    let request = LoginRequest {
        forever: form.forever.is_some(),
        email: form.email,
        email_consent: form.email_consent.is_some(),
        country: state.country.resolve(&headers, peer.ip()),
    };
    let started =
        match logins::start(&state.db, presaves, &release, &request, state.clock.now()).await {
            Ok(started) => started,
            Err(AppError::BadRequest(message)) => {
                return problem(StatusCode::BAD_REQUEST, &message, Some(&back))
            }
            Err(error) => return HttpError::from(error).into_response(),
        };
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    match in_app_browser(user_agent) {
        None => see_other(&started.authorize_url),
        Some(app_name) => {
            let continue_url = format!("{}/presave/continue/{}", state.public_url, started.state);
            let android_intent = user_agent.contains("Android").then(|| {
                let without_scheme = continue_url
                    .split_once("://")
                    .map_or(continue_url.as_str(), |(_, rest)| rest);
                let scheme = if state.secure_cookies() { "https" } else { "http" };
                format!("intent://{without_scheme}#Intent;scheme={scheme};package=com.android.chrome;end")
            });
            let page = render_handoff(HandoffPage {
                release_title: release.release.title.clone(),
                app_name,
                continue_url,
                authorize_url: started.authorize_url,
                android_intent,
            });
            let mut response = html_response(StatusCode::OK, page);
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
    }
}

/// The link copied out of an in-app browser: says what it continues, and continues only with the fan's click.
async fn continue_page(State(state): State<AppState>, Path(login_state): Path<String>) -> Response {
    let Some(presaves) = state.presaves.as_ref() else {
        return not_configured();
    };
    match logins::pending(&state.db, &login_state, state.clock.now()).await {
        Ok(pending) => {
            let page = render_continue(
                &pending.release_title,
                pending.forever.then_some(pending.artist_name.as_str()),
                pending.email.as_deref(),
                format!("/presave/continue/{login_state}"),
                &presaves.accounts_origin(),
            );
            let mut response = html_response(StatusCode::OK, page);
            response
                .headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            response
        }
        Err(error) => problem(StatusCode::BAD_REQUEST, &error.to_string(), None),
    }
}

async fn continue_login(
    State(state): State<AppState>,
    Path(login_state): Path<String>,
) -> Response {
    let Some(presaves) = state.presaves.as_ref() else {
        return not_configured();
    };
    match logins::continue_url(&state.db, presaves, &login_state, state.clock.now()).await {
        Ok(url) => see_other(&url),
        Err(error) => problem(StatusCode::BAD_REQUEST, &error.to_string(), None),
    }
}

#[derive(Debug, Default, serde::Deserialize)]
struct CallbackQuery {
    state: Option<String>,
    code: Option<String>,
    error: Option<String>,
}

async fn callback(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Query(query): Query<CallbackQuery>,
    method: Method,
    headers: HeaderMap,
) -> Response {
    let Some(presaves) = state.presaves.as_ref() else {
        return not_configured();
    };
    // A link scanner's HEAD (or a prefetch) must not use up the fan's one-time code.
    if method == Method::HEAD {
        return StatusCode::OK.into_response();
    }
    let callback = Callback {
        state: query.state,
        code: query.code,
        error: query.error,
    };
    let now = state.clock.now();
    match logins::finish(&state.db, presaves, &callback, now).await {
        Ok(finished) => {
            // A new pre-save (or save) is a conversion for the release's ad pixels; the "My pre-saves" page fires
            // the browser pixels with the same event id.
            let mut conversions = Vec::new();
            let mut event_id = None;
            if !finished.already {
                if let Some(pixels) = super::fan::release_pixels(&state, finished.release_id)
                    .await
                    .ok()
                    .flatten()
                {
                    let id = consent::new_event_id();
                    conversions = crate::conversions::rows(
                        &state.conversions,
                        &pixels,
                        &crate::conversions::FanConversion {
                            kind: ConversionKind::PreSave,
                            event_id: &id,
                            now,
                            source_url: format!("{}{}", state.public_url, pixels.page_path),
                            referrer_url: None,
                            service: Some("spotify".to_owned()),
                            click_query: "",
                            headers: &headers,
                            ip: state.country.client_ip(&headers, peer.ip()),
                        },
                    );
                    // Also without server events (pixels with no secret): the browser pixels still fire.
                    event_id = Some(id);
                }
            }
            if finished.intent == origin::SAVE {
                state.presave_wake.notify_one();
                if !conversions.is_empty() {
                    state.events.queue_conversions(conversions);
                }
            } else if !finished.already {
                state.events.record(NewEvent {
                    conversions,
                    occurred_at: now,
                    kind: EventKind::PreSave,
                    artist_id: Some(finished.artist_id),
                    release_id: Some(finished.release_id),
                    service: Some("spotify".to_owned()),
                    country: finished.country,
                    locale: analytics::locale(&headers),
                    client: Some(analytics::ClientRequest::from_headers(
                        &headers,
                        state.country.client_ip(&headers, peer.ip()),
                    )),
                    ..Default::default()
                });
            }
            let mut response = see_other(&match event_id {
                Some(id) => format!("/presaves?done={}&eid={id}", finished.release_id),
                None => format!("/presaves?done={}", finished.release_id),
            });
            if let Ok(cookie) =
                HeaderValue::from_str(&session_cookie(&state, &finished.session_token))
            {
                response.headers_mut().insert(header::SET_COOKIE, cookie);
            }
            response
        }
        Err(error) => {
            let status = match error {
                LoginError::Internal => StatusCode::INTERNAL_SERVER_ERROR,
                LoginError::SpotifyUnavailable => StatusCode::BAD_GATEWAY,
                _ => StatusCode::BAD_REQUEST,
            };
            problem(status, &error.to_string(), None)
        }
    }
}

#[derive(Debug, Default, serde::Deserialize)]
struct MyPresavesQuery {
    done: Option<i32>,
    /// The pre-save's conversion event id, for the browser pixels.
    eid: Option<String>,
}

async fn my_presaves(
    State(state): State<AppState>,
    Query(query): Query<MyPresavesQuery>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let now = state.clock.now();
    let fan = match session_token(&state, &headers) {
        Some(token) => fans::session_fan(&state.db, token, now).await?,
        None => None,
    };
    let Some(fan) = fan else {
        return Ok(problem(
            StatusCode::OK,
            "Log in with Spotify from a release page to see your pre-saves here.",
            None,
        ));
    };
    let presaves = fans::list_presaves(&state.db, fan.id).await?;
    let banner = query.done.and_then(|release_id| {
        let row = presaves.iter().find(|p| p.release_id == release_id)?;
        Some(match (row.status.as_str(), row.origin.as_str()) {
            (status::DELIVERED, _) => format!("{} is in your Spotify library.", row.release_title),
            (_, origin::SAVE) => {
                format!("Saving {} to your Spotify library now.", row.release_title)
            }
            _ => format!(
                "Pre-saved! {} will be in your library on {}.",
                row.release_title,
                when(row.deliver_at, None)
            ),
        })
    });
    let rows = presaves
        .into_iter()
        .map(|row| PresaveRow {
            id: row.id,
            cancellable: row.status == status::QUEUED || row.status == status::PENDING_SOURCE,
            status_label: status_label(&row.status, &row.origin),
            when: when(row.deliver_at, row.delivered_at),
            problem: fan_facing_problem(&row.status, row.last_error.as_deref()),
            title: row.release_title,
            artist_name: row.artist_name,
            fan_path: row.fan_path,
        })
        .collect();
    // Just pre-saved a release with ad pixels: its browser pixels fire the pre-save (after consent given earlier).
    let pixels = match (query.done, consent::browser_event_id(query.eid.as_deref())) {
        (Some(release_id), Some(_)) => super::fan::release_pixels(&state, release_id).await?,
        _ => None,
    };
    let ads = pixels.as_deref().map(|pixels| {
        super::fan::ads_setup(
            &state,
            pixels,
            false,
            consent::browser_event_id(query.eid.as_deref()),
        )
    });
    let mut page = render_my_presaves(
        MyPresavesPage {
            banner,
            display_name: fan.display_name.clone(),
            rows,
            subscriptions: fans::list_subscriptions(&state.db, fan.id).await?,
            connected: fans::has_tokens(&state.db, fan.id).await?,
        },
        ads.as_ref(),
    );
    page.allow_http_images_on(&state.public_url);
    let mut response = html_response(StatusCode::OK, page);
    response
        .headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(response)
}

/// What a fan is told about a pre-save that is stuck: Spotify's own reasons, never our internals.
fn fan_facing_problem(row_status: &str, error: Option<&str>) -> Option<String> {
    match row_status {
        status::PENDING_SOURCE => Some("Not on Spotify yet: we keep trying for a week.".to_owned()),
        status::FAILED => Some(match error {
            Some(reason) if reason.starts_with("Spotify") || reason.starts_with("The release") => {
                reason.to_owned()
            }
            _ => "It could not be saved.".to_owned(),
        }),
        _ => None,
    }
}

/// "Fri 11 Dec 2026, 00:00 UTC": delivered, or due.
fn when(
    deliver_at: chrono::DateTime<chrono::Utc>,
    delivered_at: Option<chrono::DateTime<chrono::Utc>>,
) -> String {
    let at = delivered_at.unwrap_or(deliver_at);
    at.format("%a %-d %b %Y, %H:%M UTC").to_string()
}

/// The fan of the request's session, for the forms on "my pre-saves". Cookies are `SameSite=Lax`, so another site's
/// form cannot post with them.
async fn session_fan_id(state: &AppState, headers: &HeaderMap) -> Result<Option<i32>, HttpError> {
    let Some(token) = session_token(state, headers) else {
        return Ok(None);
    };
    Ok(fans::session_fan(&state.db, token, state.clock.now())
        .await?
        .map(|fan| fan.id))
}

fn signed_out() -> Response {
    problem(
        StatusCode::UNAUTHORIZED,
        "Your session on this page ended. Log in with Spotify from a release page again.",
        None,
    )
}

async fn cancel(
    State(state): State<AppState>,
    Path(presave_id): Path<i32>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let Some(fan_id) = session_fan_id(&state, &headers).await? else {
        return Ok(signed_out());
    };
    fans::cancel_presave(&state.db, fan_id, presave_id, state.clock.now()).await?;
    Ok(see_other("/presaves"))
}

async fn cancel_subscription(
    State(state): State<AppState>,
    Path(subscription_id): Path<i32>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let Some(fan_id) = session_fan_id(&state, &headers).await? else {
        return Ok(signed_out());
    };
    fans::cancel_subscription(&state.db, fan_id, subscription_id).await?;
    Ok(see_other("/presaves"))
}

async fn disconnect(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Response, HttpError> {
    let Some(fan_id) = session_fan_id(&state, &headers).await? else {
        return Ok(signed_out());
    };
    fans::disconnect(&state.db, fan_id, state.clock.now()).await?;
    Ok(see_other("/presaves"))
}

#[cfg(test)]
mod tests {
    use super::in_app_browser;

    #[test]
    fn recognises_in_app_browsers() {
        let instagram = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Instagram 334.0.4.32.98 (iPhone14,5; iOS 17_5; en_US; en; scale=3.00; 1170x2532; 612762312)";
        let tiktok = "Mozilla/5.0 (Linux; Android 13; SM-S911B Build/TP1A.220624.014; wv) AppleWebKit/537.36 (KHTML, like Gecko) Version/4.0 Chrome/120.0.6099.230 Mobile Safari/537.36 trill_330104 JsSdk/1.0 NetType/WIFI Channel/googleplay AppName/musical_ly app_version/33.1.4 ByteLocale/en ByteFullLocale/en Region/US BytedanceWebview/d8a21c6";
        let facebook = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 [FBAN/FBIOS;FBAV/457.0.0.38.103;FBBV/583349839;FBDV/iPhone15,2;FBMD/iPhone;FBSN/iOS;FBSV/17.4;FBSS/3;FBID/phone;FBLC/en_US;FBOP/5]";
        let snapchat = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 Snapchat/13.1.0.36 (like Safari/8617.2.4.10.8, panda)";
        let safari = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1";
        assert_eq!(in_app_browser(instagram), Some("Instagram"));
        assert_eq!(in_app_browser(tiktok), Some("TikTok"));
        assert_eq!(in_app_browser(facebook), Some("Facebook"));
        assert_eq!(in_app_browser(snapchat), Some("Snapchat"));
        assert_eq!(in_app_browser(safari), None);
    }
}
