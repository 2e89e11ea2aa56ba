//! Catalog lookups on other services: the Spotify Web API (client credentials) for release metadata and an
//! artist's discography, and Odesli (song.link) for the same release's links on every other service. Both are
//! real HTTP clients with configurable base URLs; tests and the sandbox point them at local fakes.
pub mod odesli;
pub mod spotify;

use std::time::Duration;

/// Why a catalog call failed, in terms the caller can act on.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CatalogError {
    /// The service has no such album, track, playlist or artist (404, or Odesli's "could not resolve").
    #[error("not found on {service}")]
    NotFound { service: &'static str },
    /// Still rate limited after the retries the client allows itself; try again after `retry_after`.
    #[error("{service} is rate limiting us; try again in {} s", retry_after.as_secs().max(1))]
    RateLimited {
        service: &'static str,
        retry_after: Duration,
    },
    /// Our credentials were refused (bad client id or secret, key revoked).
    #[error("{service} refused our credentials: {message}")]
    Unauthorized {
        service: &'static str,
        message: String,
    },
    /// The service answered, but not with the documented shape.
    #[error("{service} sent an answer we could not read: {message}")]
    Malformed {
        service: &'static str,
        message: String,
    },
    /// Timeouts, refused connections and 5xx answers, after retries with backoff.
    #[error("{service} is unavailable: {message}")]
    Unavailable {
        service: &'static str,
        message: String,
    },
    /// Any other 4xx: a request the service will not serve.
    #[error("{service} rejected the request ({status}): {message}")]
    Rejected {
        service: &'static str,
        status: u16,
        message: String,
    },
}

impl CatalogError {
    /// Worth trying again later (a queue keeps the work): rate limits and outages.
    pub fn is_transient(&self) -> bool {
        matches!(
            self,
            CatalogError::RateLimited { .. } | CatalogError::Unavailable { .. }
        )
    }
}

// What both clients share: how long to back off, how to read `Retry-After`, and how to find the message in an
// error body (Spotify's two JSON shapes, OAuth errors, Odesli's `code`, or plain text).

/// Attempts for one call when the service times out, drops the connection or answers 5xx.
const TRANSIENT_ATTEMPTS: u32 = 3;
const BACKOFF_BASE: Duration = Duration::from_millis(200);
/// Error text kept from a body; plain-text answers can be whole HTML pages.
const MAX_MESSAGE_CHARS: usize = 300;

/// The wait before transient attempt `attempt + 1` (1-based): 200 ms, 400 ms, … plus up to half the base again,
/// so that many callers failing together do not come back in lockstep.
fn backoff(attempt: u32) -> Duration {
    let base = BACKOFF_BASE * 2u32.saturating_pow(attempt.saturating_sub(1));
    let jitter_ms = rand::random_range(0..=BACKOFF_BASE.as_millis() as u64 / 2);
    base + Duration::from_millis(jitter_ms)
}

/// `Retry-After` in seconds (both services send seconds, not HTTP dates).
pub(crate) fn retry_after(headers: &reqwest::header::HeaderMap) -> Option<Duration> {
    let value = headers.get(reqwest::header::RETRY_AFTER)?.to_str().ok()?;
    let seconds: f64 = value.trim().parse().ok()?;
    (seconds.is_finite() && seconds >= 0.0).then(|| Duration::from_secs_f64(seconds.min(86_400.0)))
}

/// A readable message from an error body of any shape; `fallback` (the status's reason) when there is none.
pub(crate) fn error_message(body: &[u8], fallback: &str) -> String {
    let text = String::from_utf8_lossy(body);
    let text = text.trim();
    let message = match serde_json::from_str::<serde_json::Value>(text) {
        Ok(json) => json_error_message(&json),
        // Not JSON: dev-mode 403s and proxies answer in plain text.
        Err(_) if !text.is_empty() => Some(text.to_owned()),
        Err(_) => None,
    };
    let message = message
        .map(|m| m.trim().to_owned())
        .filter(|m| !m.is_empty())
        .unwrap_or_else(|| fallback.to_owned());
    truncate_chars(&message, MAX_MESSAGE_CHARS)
}

fn json_error_message(json: &serde_json::Value) -> Option<String> {
    let text =
        |value: Option<&serde_json::Value>| value.and_then(|v| v.as_str()).map(str::to_owned);
    match json.get("error") {
        // `{"error":{"status":404,"message":"…"}}`: the Web API's documented shape.
        Some(serde_json::Value::Object(error)) => text(error.get("message")),
        // `{"error":"invalid_client","error_description":"Invalid client"}`: the accounts service (OAuth).
        Some(serde_json::Value::String(error)) => {
            text(json.get("error_description")).or_else(|| Some(error.clone()))
        }
        // `{"status":400,"message":"…"}` (documented for `/me/library`) or Odesli's `{"statusCode","code"}`.
        _ => text(json.get("message")).or_else(|| text(json.get("code"))),
    }
}

fn truncate_chars(text: &str, max: usize) -> String {
    match text.char_indices().nth(max) {
        Some((end, _)) => format!("{}…", &text[..end]),
        None => text.to_owned(),
    }
}

/// What went wrong on the wire, for `Unavailable`.
/// reqwest's own text for an error, without the request URL it appends.
pub(crate) fn reqwest_error_without_url(error: &reqwest::Error) -> String {
    match error.url() {
        Some(url) => error
            .to_string()
            .replace(&format!(" for url ({url})"), "")
            .replace(url.as_str(), "…"),
        None => error.to_string(),
    }
}

pub(crate) fn transport_message(error: &reqwest::Error) -> String {
    if error.is_timeout() {
        "timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        // The source chain says more than reqwest's top-level text ("error sending request"). The URL is left
        // out: it can carry an API key (Odesli's `key=`), and this text is stored and shown in the dashboard.
        let bare = reqwest_error_without_url(error);
        let mut message = bare;
        let mut source = std::error::Error::source(error);
        while let Some(cause) = source {
            message = format!("{message}: {cause}");
            source = cause.source();
        }
        truncate_chars(&message, MAX_MESSAGE_CHARS)
    }
}

/// The HTTP client both services use: no redirects (neither API redirects, and a redirect must not carry our
/// credentials elsewhere), the per-request timeout, and a User-Agent naming us.
pub(crate) fn http_client(timeout: Duration) -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout)
        .redirect(reqwest::redirect::Policy::none())
        .user_agent(concat!("Dropday/", env!("CARGO_PKG_VERSION")))
        .build()
        // Only fails when the TLS backend cannot initialise, which no request could recover from either.
        .expect("the HTTP client's TLS backend initialises")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn error_messages_are_read_from_every_shape() {
        let cases: [(&str, &str); 7] = [
            (
                r#"{"error":{"status":404,"message":"Resource not found"}}"#,
                "Resource not found",
            ),
            (
                r#"{"status":400,"message":"Too many ids requested"}"#,
                "Too many ids requested",
            ),
            (
                r#"{"error":"invalid_client","error_description":"Invalid client"}"#,
                "Invalid client",
            ),
            (r#"{"error":"invalid_grant"}"#, "invalid_grant"),
            (
                r#"{"statusCode":400,"code":"could_not_resolve_entity"}"#,
                "could_not_resolve_entity",
            ),
            (
                "User not registered in the Developer Dashboard\n",
                "User not registered in the Developer Dashboard",
            ),
            ("", "Forbidden"),
        ];
        for (body, expected) in cases {
            assert_eq!(
                error_message(body.as_bytes(), "Forbidden"),
                expected,
                "{body}"
            );
        }
        assert_eq!(error_message(b"{}", "Bad Request"), "Bad Request");
        let long = "x".repeat(1000);
        assert_eq!(
            error_message(long.as_bytes(), "").chars().count(),
            MAX_MESSAGE_CHARS + 1
        );
    }

    #[test]
    fn backoff_doubles_with_jitter() {
        for attempt in 1..=3u32 {
            let wait = backoff(attempt);
            let base = BACKOFF_BASE * 2u32.pow(attempt - 1);
            assert!(
                wait >= base && wait <= base + BACKOFF_BASE / 2,
                "{attempt}: {wait:?}"
            );
        }
    }

    #[test]
    fn retry_after_is_read_in_seconds() {
        let mut headers = reqwest::header::HeaderMap::new();
        assert_eq!(retry_after(&headers), None);
        headers.insert(reqwest::header::RETRY_AFTER, "7".parse().unwrap());
        assert_eq!(retry_after(&headers), Some(Duration::from_secs(7)));
        headers.insert(reqwest::header::RETRY_AFTER, "soon".parse().unwrap());
        assert_eq!(retry_after(&headers), None);
    }
}
