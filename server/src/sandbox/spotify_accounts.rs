//! The fake Spotify's accounts service for fans: the consent page (`GET`/`POST /authorize`), single-use
//! authorization codes checked with PKCE (S256) and the exact redirect URI, refresh tokens (rotated or not,
//! revocable), and the compact per-fan state the tests read: what each fan saved or followed and how often each
//! item was written. Contract: ../shared/reference/external-apis.md §1.1 and §7.
use super::control::{escape_html, lock};
use super::spotify::{base64_encode, issue_token, oauth_error, Grant, SpotifyState};
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Response};
use axum::Json;
use rand::Rng as _;
use serde_json::json;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

/// An authorization code is good for one exchange within this long (RFC 6749 recommends at most 10 minutes).
const CODE_LIFETIME: Duration = Duration::from_secs(600);
/// Longest account name the consent page accepts.
const MAX_ACCOUNT_CHARS: usize = 64;

/// Every scope Spotify documents. A grant is a bit set over this list, so that the tokens of 100,000 fans stay
/// small, and an unknown scope is refused at `/authorize` as Spotify does (`error=invalid_scope`).
const KNOWN_SCOPES: [&str; 24] = [
    "ugc-image-upload",
    "user-read-playback-state",
    "user-modify-playback-state",
    "user-read-currently-playing",
    "app-remote-control",
    "streaming",
    "playlist-read-private",
    "playlist-read-collaborative",
    "playlist-modify-private",
    "playlist-modify-public",
    "user-follow-modify",
    "user-follow-read",
    "user-read-playback-position",
    "user-top-read",
    "user-read-recently-played",
    "user-library-modify",
    "user-library-read",
    "user-read-email",
    "user-read-private",
    "user-soa-link",
    "user-soa-unlink",
    "soa-manage-entitlements",
    "soa-manage-partner",
    "soa-create-partner",
];

/// The scopes a fan granted, as bits over `KNOWN_SCOPES`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub(super) struct Scopes(u32);

impl Scopes {
    /// A space-separated `scope` parameter; `Err` names the first scope Spotify does not have.
    pub(super) fn parse(text: &str) -> Result<Scopes, String> {
        let mut bits = 0u32;
        for name in text.split_whitespace() {
            let index = KNOWN_SCOPES
                .iter()
                .position(|known| *known == name)
                .ok_or_else(|| name.to_owned())?;
            bits |= 1 << index;
        }
        Ok(Scopes(bits))
    }

    /// The known scopes among `names` (unknown ones are dropped).
    pub(super) fn from_names(names: &[&str]) -> Scopes {
        Scopes(
            names
                .iter()
                .filter_map(|name| KNOWN_SCOPES.iter().position(|known| known == name))
                .fold(0, |bits, index| bits | (1 << index)),
        )
    }

    pub(super) fn has(self, name: &str) -> bool {
        KNOWN_SCOPES
            .iter()
            .position(|known| *known == name)
            .is_some_and(|index| self.0 & (1 << index) != 0)
    }

    fn names(self) -> impl Iterator<Item = &'static str> {
        KNOWN_SCOPES
            .iter()
            .enumerate()
            .filter(move |(index, _)| self.0 & (1 << index) != 0)
            .map(|(_, name)| *name)
    }

    /// The token response's `scope`: space-separated, in Spotify's documentation order.
    fn to_text(self) -> String {
        self.names().collect::<Vec<_>>().join(" ")
    }
}

/// Everything the fake knows about fans, behind one lock (each operation is a few map lookups).
#[derive(Default)]
pub(super) struct Accounts {
    users: HashMap<Arc<str>, FakeUser>,
    codes: HashMap<String, PendingCode>,
    refresh_tokens: HashMap<String, RefreshGrant>,
    total_writes: usize,
    /// How many codes were left after the last sweep of expired ones (abandoned logins leave codes behind).
    codes_after_sweep: usize,
}

/// A fan's account: kept small (a benchmark creates 100,000), so the profile's `id` and `display_name` are
/// derived from the account id instead of stored.
#[derive(Default)]
struct FakeUser {
    /// Bumped by a revocation; tokens issued before carry the old value and are refused.
    epoch: u32,
    /// Every item ever written for this fan, in the order first written.
    items: Vec<SavedItem>,
}

struct SavedItem {
    /// `spotify:<type>:<id>`.
    uri: Box<str>,
    /// How many `PUT`s (to `/me/library` or a type-specific endpoint) included it.
    writes: u32,
    /// In the library (or followed) now: a `DELETE /me/library` clears this, not `writes`.
    saved: bool,
}

struct PendingCode {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    scopes: Scopes,
    account: Arc<str>,
    /// The account's epoch at consent: a revocation in between voids the code too.
    epoch: u32,
    expires_at: Instant,
}

struct RefreshGrant {
    account: Arc<str>,
    scopes: Scopes,
    epoch: u32,
}

impl Accounts {
    /// The fan's account, created on first login.
    fn user(&mut self, account: &str) -> (Arc<str>, &mut FakeUser) {
        let key = match self.users.get_key_value(account) {
            Some((key, _)) => key.clone(),
            None => {
                let key: Arc<str> = Arc::from(account);
                self.users.insert(key.clone(), FakeUser::default());
                key
            }
        };
        let user = self.users.entry(key.clone()).or_default();
        (key, user)
    }

    /// Whether a token issued at `epoch` still speaks for the fan (not revoked since).
    pub(super) fn is_current(&self, account: &str, epoch: u32) -> bool {
        self.users
            .get(account)
            .is_some_and(|user| user.epoch == epoch)
    }

    /// Records a `PUT` of `uris` (normalised `spotify:<type>:<id>`): each is saved and counted once per call.
    pub(super) fn save(&mut self, account: &str, uris: &[String]) {
        let mut written = 0;
        let (_, user) = self.user(account);
        for (index, uri) in uris.iter().enumerate() {
            if uris[..index].contains(uri) {
                continue;
            }
            match user.items.iter_mut().find(|item| *item.uri == **uri) {
                Some(item) => {
                    item.writes += 1;
                    item.saved = true;
                }
                None => user.items.push(SavedItem {
                    uri: uri.as_str().into(),
                    writes: 1,
                    saved: true,
                }),
            }
            written += 1;
        }
        self.total_writes += written;
    }

    /// `DELETE /me/library`: no longer saved; the write count stays.
    pub(super) fn remove(&mut self, account: &str, uris: &[String]) {
        if let Some(user) = self.users.get_mut(account) {
            for item in user
                .items
                .iter_mut()
                .filter(|item| uris.iter().any(|uri| **uri == *item.uri))
            {
                item.saved = false;
            }
        }
    }

    pub(super) fn contains(&self, account: &str, uri: &str) -> bool {
        self.users.get(account).is_some_and(|user| {
            user.items
                .iter()
                .any(|item| item.saved && *item.uri == *uri)
        })
    }

    pub(super) fn library(&self, account: &str) -> Vec<String> {
        self.users
            .get(account)
            .map(|user| {
                user.items
                    .iter()
                    .filter(|item| item.saved)
                    .map(|item| item.uri.to_string())
                    .collect()
            })
            .unwrap_or_default()
    }

    pub(super) fn writes(&self, account: &str, uri: &str) -> usize {
        self.users
            .get(account)
            .and_then(|user| user.items.iter().find(|item| *item.uri == *uri))
            .map_or(0, |item| item.writes as usize)
    }

    pub(super) fn total_writes(&self) -> usize {
        self.total_writes
    }

    pub(super) fn users(&self) -> Vec<String> {
        let mut users: Vec<String> = self.users.keys().map(|key| key.to_string()).collect();
        users.sort();
        users
    }

    /// The fan removed the app: every access and refresh token issued so far stops working.
    pub(super) fn revoke(&mut self, account: &str) {
        if let Some(user) = self.users.get_mut(account) {
            user.epoch = user.epoch.wrapping_add(1);
        }
    }

    /// A fan agreed: a single-use code for `params`, creating the account on first login.
    fn issue_code(&mut self, account: &str, params: &AuthorizeParams) -> String {
        let now = Instant::now();
        if self.codes.len() > 2 * self.codes_after_sweep + 1_000 {
            self.codes.retain(|_, code| code.expires_at > now);
            self.codes_after_sweep = self.codes.len();
        }
        let (account, user) = self.user(account);
        let epoch = user.epoch;
        let code = format!("AQ{}", random_text(100));
        self.codes.insert(
            code.clone(),
            PendingCode {
                client_id: params.client_id.clone(),
                redirect_uri: params.redirect_uri.clone(),
                challenge: params.challenge.clone(),
                scopes: params.scopes,
                account,
                epoch,
                expires_at: now + CODE_LIFETIME,
            },
        );
        code
    }

    fn new_refresh_token(&mut self, account: Arc<str>, scopes: Scopes, epoch: u32) -> String {
        let token = format!("AQ{}", random_text(128));
        self.refresh_tokens.insert(
            token.clone(),
            RefreshGrant {
                account,
                scopes,
                epoch,
            },
        );
        token
    }
}

fn random_text(len: usize) -> String {
    rand::rng()
        .sample_iter(rand::distr::Alphanumeric)
        .take(len)
        .map(char::from)
        .collect()
}

/// `base64url(SHA-256(verifier))` without padding: the S256 code challenge (RFC 7636 §4.2).
pub(super) fn s256_challenge(verifier: &str) -> String {
    base64_encode(&Sha256::digest(verifier.as_bytes()))
        .trim_end_matches('=')
        .replace('+', "-")
        .replace('/', "_")
}

/// The profile's `id`, stable for an account and distinct from it, shaped like a modern Spotify user id.
pub(super) fn user_id(account: &str) -> String {
    let digest = Sha256::digest(format!("spotify-user/{account}").as_bytes());
    let hex = hex::encode(digest);
    format!("31{}", &hex[..26])
}

/// `sandbox-fan-123456` → `Sandbox Fan 123456`.
pub(super) fn display_name(account: &str) -> String {
    account
        .split(['-', '_', '.', ' '])
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            match chars.next() {
                Some(first) => first.to_uppercase().chain(chars).collect::<String>(),
                None => String::new(),
            }
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// What a valid `/authorize` request asks for.
struct AuthorizeParams {
    client_id: String,
    redirect_uri: String,
    challenge: String,
    scopes: Scopes,
    state: Option<String>,
}

/// Why an `/authorize` request is refused.
enum Refusal {
    /// Client or redirect URI problems: the accounts service cannot trust the redirect URI, so it shows a page.
    Page(&'static str),
    /// Anything else goes back to the (valid) redirect URI as `error=…` (RFC 6749 §4.1.2.1).
    Redirect {
        redirect_uri: String,
        error: &'static str,
        description: String,
        state: Option<String>,
    },
}

impl Refusal {
    fn into_response(self) -> Response {
        match self {
            Refusal::Page(message) => error_page(message),
            Refusal::Redirect {
                redirect_uri,
                error,
                description,
                state,
            } => {
                let mut params = vec![("error", error), ("error_description", &description)];
                if let Some(state) = &state {
                    params.push(("state", state));
                }
                redirect_to(&redirect_uri, &params)
            }
        }
    }
}

fn check_authorize(
    state: &SpotifyState,
    params: &HashMap<String, String>,
) -> Result<AuthorizeParams, Refusal> {
    let options = &state.options;
    let client_id = params.get("client_id").cloned().unwrap_or_default();
    if client_id != options.client_id {
        return Err(Refusal::Page("INVALID_CLIENT: Invalid client"));
    }
    let redirect_uri = params.get("redirect_uri").cloned().unwrap_or_default();
    let registered =
        options.redirect_uris.is_empty() || options.redirect_uris.contains(&redirect_uri);
    if !is_redirect_uri(&redirect_uri) || !registered {
        return Err(Refusal::Page("INVALID_CLIENT: Invalid redirect URI"));
    }
    let state_param = params.get("state").cloned();
    let refuse = |error: &'static str, description: &str| Refusal::Redirect {
        redirect_uri: redirect_uri.clone(),
        error,
        description: description.to_owned(),
        state: state_param.clone(),
    };
    if params.get("response_type").map(String::as_str) != Some("code") {
        return Err(refuse(
            "unsupported_response_type",
            "response_type must be code",
        ));
    }
    // This fake serves the PKCE flow only: a code without a challenge would need the client secret.
    if params.get("code_challenge_method").map(String::as_str) != Some("S256") {
        return Err(refuse(
            "invalid_request",
            "code_challenge_method must be S256",
        ));
    }
    let challenge = params.get("code_challenge").cloned().unwrap_or_default();
    let challenge_ok = (43..=128).contains(&challenge.len())
        && challenge
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~'));
    if !challenge_ok {
        return Err(refuse("invalid_request", "code_challenge must be supplied"));
    }
    let scopes = Scopes::parse(params.get("scope").map(String::as_str).unwrap_or_default())
        .map_err(|unknown| refuse("invalid_scope", &format!("Invalid scope: {unknown}")))?;
    Ok(AuthorizeParams {
        client_id,
        redirect_uri,
        challenge,
        scopes,
        state: state_param,
    })
}

/// An absolute http(s) URI without a fragment, whitespace or anything a `Location` header cannot carry.
fn is_redirect_uri(uri: &str) -> bool {
    let rest = uri
        .strip_prefix("https://")
        .or_else(|| uri.strip_prefix("http://"));
    rest.is_some_and(|rest| {
        !rest.is_empty()
            && !rest.starts_with('/')
            && !uri.contains('#')
            && uri.bytes().all(|b| b.is_ascii_graphic())
    })
}

/// A 303 to `redirect_uri` with `params` added to whatever query it already has.
fn redirect_to(redirect_uri: &str, params: &[(&str, &str)]) -> Response {
    let query = serde_urlencoded::to_string(params).unwrap_or_default();
    let separator = if !redirect_uri.contains('?') {
        "?"
    } else if redirect_uri.ends_with('?') || redirect_uri.ends_with('&') {
        ""
    } else {
        "&"
    };
    (
        StatusCode::SEE_OTHER,
        [(
            header::LOCATION,
            format!("{redirect_uri}{separator}{query}"),
        )],
    )
        .into_response()
}

/// `GET /authorize`: the consent page, one form posting back here with every parameter.
pub(super) async fn authorize_page(
    State(state): State<Arc<SpotifyState>>,
    Query(params): Query<HashMap<String, String>>,
) -> Response {
    let request = match check_authorize(&state, &params) {
        Ok(request) => request,
        Err(refusal) => return refusal.into_response(),
    };
    let mut hidden: Vec<(&String, &String)> = params
        .iter()
        .filter(|(name, _)| !matches!(name.as_str(), "user" | "decision"))
        .collect();
    hidden.sort();
    let hidden: String = hidden
        .into_iter()
        .map(|(name, value)| {
            format!(
                "<input type=\"hidden\" name=\"{}\" value=\"{}\">\n",
                escape_html(name),
                escape_html(value)
            )
        })
        .collect();
    let scopes: String = if request.scopes == Scopes::default() {
        "<li>See your public profile</li>".to_owned()
    } else {
        request
            .scopes
            .names()
            .map(|scope| {
                format!(
                    "<li>{} <code>{scope}</code></li>\n",
                    escape_html(scope_description(scope))
                )
            })
            .collect()
    };
    let account = format!("sandbox-fan-{}", rand::random_range(100_000..1_000_000));
    Html(format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Log in to Spotify (sandbox)</title>
<link rel="icon" href="data:,">
<style>
body {{ margin: 0; background: #121212; color: #fff; font: 16px/1.5 system-ui, sans-serif; }}
main {{ max-width: 28rem; margin: 3rem auto; padding: 2rem; background: #1f1f1f; border-radius: 8px; }}
h1 {{ font-size: 1.5rem; margin-top: 0; }}
.note {{ color: #b3b3b3; font-size: .875rem; }}
label {{ display: block; font-weight: 600; margin-top: 1rem; }}
input[type=text] {{ box-sizing: border-box; width: 100%; padding: .6rem; margin-top: .25rem; border-radius: 4px;
  border: 1px solid #727272; background: #121212; color: #fff; font: inherit; }}
code {{ color: #b3b3b3; font-size: .75rem; }}
.buttons {{ display: flex; gap: 1rem; margin-top: 1.5rem; }}
button {{ flex: 1; padding: .75rem; border-radius: 999px; border: 1px solid #727272; font: inherit; font-weight: 700;
  cursor: pointer; background: transparent; color: #fff; }}
button[value=accept] {{ background: #1ed760; border-color: #1ed760; color: #000; }}
</style>
</head>
<body>
<main>
<h1>Log in to Spotify (sandbox)</h1>
<p class="note">Dropday's local stand-in for Spotify's login and consent screen. No real Spotify account is involved:
any account name works and is created on first use.</p>
<form method="post" action="/authorize">
{hidden}<label for="user">Sandbox account</label>
<input type="text" id="user" name="user" value="{account}" maxlength="{MAX_ACCOUNT_CHARS}" autocomplete="off">
<p>The app asks to:</p>
<ul>
{scopes}</ul>
<div class="buttons">
<button type="submit" name="decision" value="accept">Agree</button>
<button type="submit" name="decision" value="deny">Cancel</button>
</div>
</form>
</main>
</body>
</html>
"#
    ))
    .into_response()
}

/// `POST /authorize` (the consent form): checks everything again, then sends the browser back to the app with a
/// code or `error=access_denied`.
pub(super) async fn authorize_decision(
    State(state): State<Arc<SpotifyState>>,
    body: Bytes,
) -> Response {
    let form: HashMap<String, String> = serde_urlencoded::from_bytes(&body).unwrap_or_default();
    let request = match check_authorize(&state, &form) {
        Ok(request) => request,
        Err(refusal) => return refusal.into_response(),
    };
    let mut params: Vec<(&str, &str)> = Vec::with_capacity(2);
    let code;
    match form.get("decision").map(String::as_str) {
        Some("accept") => {
            let typed = form.get("user").map(|user| user.trim()).unwrap_or_default();
            let account = if typed.is_empty() {
                format!("sandbox-fan-{}", rand::random_range(100_000..1_000_000))
            } else if typed.chars().count() > MAX_ACCOUNT_CHARS
                || typed.chars().any(char::is_control)
            {
                return error_page("INVALID_REQUEST: Invalid account name");
            } else {
                typed.to_owned()
            };
            code = lock(&state.accounts).issue_code(&account, &request);
            params.push(("code", &code));
        }
        Some("deny") => params.push(("error", "access_denied")),
        _ => return error_page("INVALID_REQUEST: Missing decision"),
    }
    if let Some(state_param) = &request.state {
        params.push(("state", state_param));
    }
    redirect_to(&request.redirect_uri, &params)
}

/// A code for `account` without the consent page, for tests that are not about it.
pub(super) fn authorize_directly(
    state: &SpotifyState,
    account: &str,
    scopes: &[&str],
    redirect_uri: &str,
    challenge: &str,
    client_id: &str,
) -> String {
    let params = AuthorizeParams {
        client_id: client_id.to_owned(),
        redirect_uri: redirect_uri.to_owned(),
        challenge: challenge.to_owned(),
        scopes: Scopes::from_names(scopes),
        state: None,
    };
    lock(&state.accounts).issue_code(account, &params)
}

/// `grant_type=authorization_code` (the client is already authenticated by `client_id` or Basic).
pub(super) fn exchange_code(state: &SpotifyState, form: &HashMap<String, String>) -> Response {
    let options = &state.options;
    let (account, scopes, epoch, refresh_token) = {
        let mut accounts = lock(&state.accounts);
        // Single use: a code is gone after its first exchange, whether that succeeds or not.
        let pending = form
            .get("code")
            .and_then(|code| accounts.codes.remove(code))
            .filter(|pending| pending.expires_at > Instant::now())
            .filter(|pending| accounts.is_current(&pending.account, pending.epoch));
        let Some(pending) = pending else {
            return oauth_error("invalid_grant", "Invalid authorization code");
        };
        if pending.client_id != options.client_id
            || form
                .get("client_id")
                .is_some_and(|id| *id != pending.client_id)
        {
            return oauth_error("invalid_grant", "Invalid authorization code");
        }
        if form.get("redirect_uri") != Some(&pending.redirect_uri) {
            return oauth_error("invalid_grant", "Invalid redirect URI");
        }
        let verifier_ok = form
            .get("code_verifier")
            .is_some_and(|verifier| s256_challenge(verifier) == pending.challenge);
        if !verifier_ok {
            return oauth_error("invalid_grant", "code_verifier was incorrect");
        }
        let epoch = pending.epoch;
        let refresh_token =
            accounts.new_refresh_token(pending.account.clone(), pending.scopes, epoch);
        (pending.account, pending.scopes, epoch, refresh_token)
    };
    user_token_response(state, account, scopes, epoch, Some(refresh_token))
}

/// `grant_type=refresh_token`: a new access token, and a new refresh token replacing the old one when the fake
/// rotates them. Refresh tokens live until revoked here (Spotify's six-month limit is not modelled).
pub(super) fn refresh(state: &SpotifyState, form: &HashMap<String, String>) -> Response {
    let Some(presented) = form.get("refresh_token") else {
        return oauth_error("invalid_request", "refresh_token must be supplied");
    };
    let (account, scopes, epoch, rotated) = {
        let mut accounts = lock(&state.accounts);
        let Some(grant) = accounts.refresh_tokens.get(presented) else {
            return oauth_error("invalid_grant", "Invalid refresh token");
        };
        let (account, scopes, epoch) = (grant.account.clone(), grant.scopes, grant.epoch);
        if !accounts.is_current(&account, epoch) {
            return oauth_error("invalid_grant", "Refresh token revoked");
        }
        let rotated = state.options.rotate_refresh_tokens.then(|| {
            accounts.refresh_tokens.remove(presented);
            accounts.new_refresh_token(account.clone(), scopes, epoch)
        });
        (account, scopes, epoch, rotated)
    };
    user_token_response(state, account, scopes, epoch, rotated)
}

fn user_token_response(
    state: &SpotifyState,
    account: Arc<str>,
    scopes: Scopes,
    epoch: u32,
    refresh_token: Option<String>,
) -> Response {
    let access_token = issue_token(
        state,
        Grant::User {
            account,
            scopes,
            epoch,
        },
    );
    let mut body = json!({
        "access_token": access_token,
        "token_type": "Bearer",
        "scope": scopes.to_text(),
        "expires_in": state.options.token_lifetime.as_secs(),
    });
    if let (Some(refresh_token), Some(object)) = (refresh_token, body.as_object_mut()) {
        object.insert("refresh_token".to_owned(), json!(refresh_token));
    }
    Json(body).into_response()
}

/// The accounts service's answer to a request it cannot send back to the app: a plain page with the error.
fn error_page(message: &str) -> Response {
    let message = escape_html(message);
    (
        StatusCode::BAD_REQUEST,
        Html(format!(
            "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>Error (sandbox)</title></head>\
             <body><h1>Oops! Something went wrong</h1><p>{message}</p></body></html>\n"
        )),
    )
        .into_response()
}

/// Roughly the words Spotify's consent screen uses.
fn scope_description(scope: &str) -> &'static str {
    match scope {
        "user-library-modify" => "Add and remove items in your Library",
        "user-library-read" => "See what is in your Library",
        "user-follow-modify" => "Follow and unfollow artists and users",
        "user-follow-read" => "See the artists and users you follow",
        "playlist-modify-public" => "Follow and change your public playlists",
        "playlist-modify-private" => "Follow and change your private playlists",
        "playlist-read-private" => "See your private playlists",
        "user-read-private" => "Read your profile details",
        "user-read-email" => "See your email address",
        _ => "Access your account",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scopes_round_trip_and_refuse_unknown_ones() {
        let scopes = Scopes::parse("user-library-modify  user-read-private user-follow-modify")
            .expect("known scopes");
        assert!(scopes.has("user-library-modify"));
        assert!(!scopes.has("user-library-read"));
        assert_eq!(
            scopes.to_text(),
            "user-follow-modify user-library-modify user-read-private"
        );
        assert_eq!(
            Scopes::parse("user-library-modify bogus"),
            Err("bogus".to_owned())
        );
        assert_eq!(Scopes::parse(""), Ok(Scopes::default()));
        assert_eq!(
            Scopes::from_names(&["user-follow-modify", "nope"]).to_text(),
            "user-follow-modify"
        );
    }

    #[test]
    fn the_s256_challenge_matches_an_independent_computation() {
        // Computed with Python's hashlib and base64.urlsafe_b64encode, padding stripped.
        assert_eq!(
            s256_challenge("dBjftJeZ4CVP-mJ92K9KVf-RK7QnB6IE3dv4J-yF5TcJdO1ld"),
            "9eHeAsPfSJeWllgdBMr4-RLu1_-Lcmq0wD9JLVTWyMI"
        );
    }

    #[test]
    fn redirects_keep_the_query_the_uri_already_has() {
        let location = |uri: &str| {
            redirect_to(uri, &[("code", "a b"), ("state", "s&t")])
                .headers()
                .get(header::LOCATION)
                .and_then(|value| value.to_str().ok())
                .map(str::to_owned)
        };
        assert_eq!(
            location("https://x.example/cb").as_deref(),
            Some("https://x.example/cb?code=a+b&state=s%26t")
        );
        assert_eq!(
            location("https://x.example/cb?flow=1").as_deref(),
            Some("https://x.example/cb?flow=1&code=a+b&state=s%26t")
        );
        assert_eq!(
            location("https://x.example/cb?").as_deref(),
            Some("https://x.example/cb?code=a+b&state=s%26t")
        );
    }

    #[test]
    fn redirect_uris_must_be_absolute_http_without_fragment() {
        assert!(is_redirect_uri(
            "http://127.0.0.1:3000/oauth/spotify/callback"
        ));
        assert!(is_redirect_uri("https://dropday.example/cb?x=1"));
        assert!(!is_redirect_uri("/oauth/spotify/callback"));
        assert!(!is_redirect_uri("https://dropday.example/cb#frag"));
        assert!(!is_redirect_uri("https://dropday.example/c b"));
        assert!(!is_redirect_uri("javascript:alert(1)"));
        assert!(!is_redirect_uri("https:///path"));
    }

    #[test]
    fn fans_get_stable_ids_and_readable_names() {
        assert_eq!(user_id("fan-a"), user_id("fan-a"));
        assert_ne!(user_id("fan-a"), user_id("fan-b"));
        assert_eq!(user_id("fan-a").len(), 28);
        assert_eq!(display_name("sandbox-fan-123456"), "Sandbox Fan 123456");
        assert_eq!(display_name("maria"), "Maria");
    }

    #[test]
    fn writes_count_each_put_once_and_deletes_keep_the_count() {
        let mut accounts = Accounts::default();
        let album = "spotify:album:0AfterglowAtlasAlbum00".to_owned();
        let artist = "spotify:artist:0NovaLightsDemoArtist0".to_owned();
        accounts.save("fan", &[album.clone(), artist.clone(), album.clone()]);
        accounts.save("fan", std::slice::from_ref(&album));
        assert_eq!(accounts.writes("fan", &album), 2);
        assert_eq!(accounts.writes("fan", &artist), 1);
        assert_eq!(accounts.total_writes(), 3);
        accounts.remove("fan", std::slice::from_ref(&album));
        assert_eq!(accounts.library("fan"), vec![artist.clone()]);
        assert!(!accounts.contains("fan", &album));
        assert_eq!(accounts.writes("fan", &album), 2);
        assert_eq!(accounts.users(), vec!["fan".to_owned()]);
    }

    #[test]
    fn escaping_covers_attribute_values() {
        assert_eq!(escape_html(r#"a"b<c>&'d"#), "a&quot;b&lt;c&gt;&amp;&#39;d");
    }
}
