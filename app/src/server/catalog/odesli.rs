//! Odesli (song.link): one release's links on every service, per country. Contract:
//! ../shared/reference/external-apis.md §4. The free tier allows 10 requests a minute (60 with a key); the
//! client queues calls so that they never exceed the configured rate, rather than failing.
use super::CatalogError;
use crate::types::{CountryCode, StreamingService};
use reqwest::StatusCode;
use serde::de::{Deserializer, MapAccess, Visitor};
use serde::Deserialize;
use std::collections::HashMap;
use std::fmt;
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

pub const SERVICE: &str = "Odesli";

#[derive(Debug, Clone)]
pub struct OdesliConfig {
    /// `https://api.song.link` (requests go to `{base_url}/v1-alpha.1/links`).
    pub base_url: String,
    pub api_key: Option<String>,
    /// Requests per minute this client allows itself (10 without a key, 60 with one).
    pub requests_per_minute: u32,
    pub timeout: Duration,
    /// The longest `Retry-After` (or back-off after a 429 without one) waited out before returning
    /// `RateLimited`.
    pub max_retry_wait: Duration,
}

/// What Odesli knows about one release, for one country.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct OdesliLinks {
    /// The song.link page, if any.
    pub page_url: Option<String>,
    /// One URL per service Dropday knows, in Odesli's order; platforms Dropday does not know are skipped, and so
    /// are store duplicates (`amazonStore`, `googleStore`, `google`).
    pub links: Vec<(StreamingService, String)>,
    pub title: Option<String>,
    pub artist_name: Option<String>,
    pub thumbnail_url: Option<String>,
}

/// Odesli's platform key (`appleMusic`, `youtubeMusic`, `amazonMusic`, `itunes`, …) as a Dropday service.
pub fn service_for_platform(platform: &str) -> Option<StreamingService> {
    Some(match platform {
        "spotify" => StreamingService::Spotify,
        "appleMusic" => StreamingService::AppleMusic,
        "itunes" => StreamingService::ItunesStore,
        "youtubeMusic" => StreamingService::YoutubeMusic,
        "youtube" => StreamingService::Youtube,
        "amazonMusic" => StreamingService::AmazonMusic,
        "deezer" => StreamingService::Deezer,
        "tidal" => StreamingService::Tidal,
        "soundcloud" => StreamingService::Soundcloud,
        "bandcamp" => StreamingService::Bandcamp,
        "audiomack" => StreamingService::Audiomack,
        "pandora" => StreamingService::Pandora,
        "anghami" => StreamingService::Anghami,
        "boomplay" => StreamingService::Boomplay,
        "napster" => StreamingService::Napster,
        "audius" => StreamingService::Audius,
        // Not in any Odesli list we have seen, but cheap to accept should they appear under these names.
        "qobuz" => StreamingService::Qobuz,
        "beatport" => StreamingService::Beatport,
        // `amazonStore`, `google`, `googleStore` (store duplicates and dead services), `yandex`, `spinrilla` and
        // whatever Odesli adds next.
        _ => return None,
    })
}

/// Cheap to clone; clones share one queue, so the rate holds across every caller in this process.
#[derive(Clone)]
pub struct Odesli {
    inner: Arc<Inner>,
}

struct Inner {
    config: OdesliConfig,
    http: reqwest::Client,
    /// tokio's Mutex is fair, so callers take their slots in the order they asked.
    queue: tokio::sync::Mutex<Queue>,
}

struct Queue {
    /// The earliest instant the next request may start; each request moves it one slot on.
    next_slot: Instant,
    /// Set by a 429: nobody sends before this, whatever slot they hold.
    paused_until: Option<Instant>,
}

impl Odesli {
    pub fn new(config: OdesliConfig) -> Self {
        let http = super::http_client(config.timeout);
        Odesli {
            inner: Arc::new(Inner {
                config,
                http,
                queue: tokio::sync::Mutex::new(Queue {
                    next_slot: Instant::now(),
                    paused_until: None,
                }),
            }),
        }
    }

    /// Links for a service URL (`https://open.spotify.com/album/…`) as seen from `country`. Waits for its turn in
    /// the rate queue; retries 429 (with `Retry-After`, else a minute's share) and 5xx/timeouts with backoff.
    pub async fn links(
        &self,
        url: &str,
        country: CountryCode,
    ) -> Result<OdesliLinks, CatalogError> {
        let config = &self.inner.config;
        let endpoint = format!("{}/v1-alpha.1/links", config.base_url.trim_end_matches('/'));
        let mut query = vec![("url", url), ("userCountry", country.as_str())];
        if let Some(key) = config.api_key.as_deref().filter(|key| !key.is_empty()) {
            query.push(("key", key));
        }
        query.push(("songIfSingle", "true"));

        let mut waited = Duration::ZERO;
        let mut rate_limited: u32 = 0;
        let mut attempts = 0;
        loop {
            self.wait_for_turn().await?;
            let failure = match self.inner.http.get(&endpoint).query(&query).send().await {
                Ok(response) => {
                    let status = response.status();
                    let retry_after = super::retry_after(response.headers());
                    match response.bytes().await {
                        Ok(_) if status == StatusCode::TOO_MANY_REQUESTS => {
                            rate_limited += 1;
                            // Without `Retry-After`, a minute's share of our rate, doubling each time.
                            let wait = retry_after.unwrap_or_else(|| {
                                self.spacing() * 2u32.saturating_pow(rate_limited - 1)
                            });
                            tracing::info!(wait_ms = wait.as_millis() as u64, "Odesli rate limit");
                            self.pause_for(wait).await;
                            if waited + wait > config.max_retry_wait {
                                return Err(CatalogError::RateLimited {
                                    service: SERVICE,
                                    retry_after: wait,
                                });
                            }
                            waited += wait;
                            continue;
                        }
                        Ok(body) if status.is_server_error() => format!(
                            "{status}: {}",
                            super::error_message(&body, status.canonical_reason().unwrap_or(""))
                        ),
                        Ok(body) => return answer(status, &body),
                        Err(error) => super::transport_message(&error),
                    }
                }
                Err(error) => super::transport_message(&error),
            };
            attempts += 1;
            if attempts >= super::TRANSIENT_ATTEMPTS {
                return Err(CatalogError::Unavailable {
                    service: SERVICE,
                    message: failure,
                });
            }
            tracing::debug!(attempts, %failure, "Odesli request failed; retrying");
            tokio::time::sleep(super::backoff(attempts)).await;
        }
    }

    /// A minute's share of the configured rate: the gap between two requests.
    fn spacing(&self) -> Duration {
        Duration::from_secs(60) / self.inner.config.requests_per_minute.max(1)
    }

    /// Takes the next slot in the queue and sleeps until it. A slot that a 429's pause overtook while we slept
    /// is given up for a new one after the pause; a pause longer than `max_retry_wait` fails at once, since
    /// every request before its end would be refused too.
    async fn wait_for_turn(&self) -> Result<(), CatalogError> {
        loop {
            let slot = {
                let mut queue = self.inner.queue.lock().await;
                let now = Instant::now();
                if let Some(until) = queue.paused_until.filter(|until| *until > now) {
                    let pause = until - now;
                    if pause > self.inner.config.max_retry_wait {
                        return Err(CatalogError::RateLimited {
                            service: SERVICE,
                            retry_after: pause,
                        });
                    }
                }
                let slot = queue.next_slot.max(now);
                queue.next_slot = slot + self.spacing();
                slot
            };
            tokio::time::sleep_until(slot).await;
            let queue = self.inner.queue.lock().await;
            if queue.paused_until.is_none_or(|until| until <= slot) {
                return Ok(());
            }
        }
    }

    /// Holds every caller back for `wait` from now: the pause, and the queue's next slot behind it.
    async fn pause_for(&self, wait: Duration) {
        let until = Instant::now() + wait;
        let mut queue = self.inner.queue.lock().await;
        queue.paused_until = Some(
            queue
                .paused_until
                .map_or(until, |current| current.max(until)),
        );
        queue.next_slot = queue.next_slot.max(until);
    }
}

/// An answer that is neither a 429 nor a 5xx.
fn answer(status: StatusCode, body: &[u8]) -> Result<OdesliLinks, CatalogError> {
    if status.is_success() {
        return parse_links(body).map_err(|message| CatalogError::Malformed {
            service: SERVICE,
            message,
        });
    }
    let message = super::error_message(body, status.canonical_reason().unwrap_or(""));
    let lowered = message.to_ascii_lowercase();
    // Odesli answers a URL it cannot match with a 400 or 404 (`{"statusCode":400,"code":"could_not_resolve_entity"}`);
    // both mean "no such release" to us, while other 400s are our mistake.
    let unresolved = ["resolve", "not found", "not_found", "no match"]
        .iter()
        .any(|needle| lowered.contains(needle));
    match status {
        StatusCode::NOT_FOUND => Err(CatalogError::NotFound { service: SERVICE }),
        StatusCode::BAD_REQUEST if unresolved => Err(CatalogError::NotFound { service: SERVICE }),
        StatusCode::UNAUTHORIZED | StatusCode::FORBIDDEN => Err(CatalogError::Unauthorized {
            service: SERVICE,
            message,
        }),
        status => Err(CatalogError::Rejected {
            service: SERVICE,
            status: status.as_u16(),
            message,
        }),
    }
}

/// Reads a 200 answer. Only `linksByPlatform` is required; each platform is read on its own, so a new platform
/// with a different shape cannot spoil the others.
fn parse_links(body: &[u8]) -> Result<OdesliLinks, String> {
    let raw: RawLinks = serde_json::from_slice(body).map_err(|error| error.to_string())?;
    let mut links: Vec<(StreamingService, String)> = Vec::new();
    for (platform, link) in raw.links_by_platform.0 {
        let Some(service) = service_for_platform(&platform) else {
            continue;
        };
        let Some(url) = link
            .get("url")
            .and_then(|url| url.as_str())
            .and_then(web_url)
        else {
            continue;
        };
        if links.iter().all(|(known, _)| *known != service) {
            links.push((service, url));
        }
    }
    let entity = raw
        .entity_unique_id
        .as_deref()
        .and_then(|id| raw.entities_by_unique_id.get(id));
    let field = |name: &str| {
        entity
            .and_then(|entity| entity.get(name))
            .and_then(|value| value.as_str())
            .map(str::trim)
            .filter(|value| !value.is_empty())
            .map(str::to_owned)
    };
    Ok(OdesliLinks {
        page_url: raw.page_url.as_deref().and_then(web_url),
        links,
        title: field("title"),
        artist_name: field("artistName"),
        thumbnail_url: field("thumbnailUrl").as_deref().and_then(web_url),
    })
}

/// The URL if it is an absolute http(s) URL: these end up as links on fan pages, where `javascript:` must never.
fn web_url(url: &str) -> Option<String> {
    let parsed = url::Url::parse(url.trim()).ok()?;
    matches!(parsed.scheme(), "http" | "https").then(|| parsed.to_string())
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct RawLinks {
    entity_unique_id: Option<String>,
    page_url: Option<String>,
    links_by_platform: OrderedObject,
    #[serde(default)]
    entities_by_unique_id: HashMap<String, serde_json::Value>,
}

/// A JSON object's entries in the order they were sent (serde_json's own map sorts them), since Odesli's order
/// is the order links are offered in.
struct OrderedObject(Vec<(String, serde_json::Value)>);

impl<'de> Deserialize<'de> for OrderedObject {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct EntriesVisitor;
        impl<'de> Visitor<'de> for EntriesVisitor {
            type Value = OrderedObject;
            fn expecting(&self, formatter: &mut fmt::Formatter) -> fmt::Result {
                formatter.write_str("an object")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut entries = Vec::with_capacity(map.size_hint().unwrap_or(0));
                while let Some(entry) = map.next_entry()? {
                    entries.push(entry);
                }
                Ok(OrderedObject(entries))
            }
        }
        deserializer.deserialize_map(EntriesVisitor)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn platforms_map_to_services() {
        let known = [
            ("spotify", StreamingService::Spotify),
            ("appleMusic", StreamingService::AppleMusic),
            ("itunes", StreamingService::ItunesStore),
            ("youtubeMusic", StreamingService::YoutubeMusic),
            ("youtube", StreamingService::Youtube),
            ("amazonMusic", StreamingService::AmazonMusic),
            ("deezer", StreamingService::Deezer),
            ("tidal", StreamingService::Tidal),
            ("soundcloud", StreamingService::Soundcloud),
            ("bandcamp", StreamingService::Bandcamp),
            ("audiomack", StreamingService::Audiomack),
            ("pandora", StreamingService::Pandora),
            ("anghami", StreamingService::Anghami),
            ("boomplay", StreamingService::Boomplay),
            ("napster", StreamingService::Napster),
            ("audius", StreamingService::Audius),
        ];
        for (platform, service) in known {
            assert_eq!(service_for_platform(platform), Some(service), "{platform}");
        }
        for skipped in [
            "amazonStore",
            "google",
            "googleStore",
            "yandex",
            "spinrilla",
            "newPlatform2026",
            "Spotify",
            "",
        ] {
            assert_eq!(service_for_platform(skipped), None, "{skipped}");
        }
    }

    #[test]
    fn answers_keep_odesli_order_and_skip_what_dropday_does_not_know() {
        let body = r#"{
            "entityUniqueId": "SPOTIFY_ALBUM::4aawyAB9vmqN3uQ7FjRGTy",
            "userCountry": "DE",
            "pageUrl": "https://album.link/s/4aawyAB9vmqN3uQ7FjRGTy",
            "linksByPlatform": {
                "tidal": {"url": "https://listen.tidal.com/album/1", "entityUniqueId": "TIDAL_ALBUM::1"},
                "amazonStore": {"url": "https://www.amazon.de/dp/B0X", "entityUniqueId": "AMAZON_ALBUM::B0X"},
                "amazonMusic": {"url": "https://music.amazon.de/albums/B0X", "entityUniqueId": "AMAZON_ALBUM::B0X"},
                "newPlatform2026": {"link": ["a different shape"]},
                "deezer": {"url": "javascript:alert(1)"},
                "spotify": {"url": "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy", "country": "DE"}
            },
            "entitiesByUniqueId": {
                "SPOTIFY_ALBUM::4aawyAB9vmqN3uQ7FjRGTy": {
                    "id": "4aawyAB9vmqN3uQ7FjRGTy", "type": "album", "title": "Afterglow Atlas",
                    "artistName": "Nova Lights", "thumbnailUrl": "https://i.scdn.co/image/x", "apiProvider": "spotify"
                },
                "TIDAL_ALBUM::1": {"id": "1", "type": "album", "title": "Wrong entity"}
            }
        }"#;
        let links = parse_links(body.as_bytes()).unwrap();
        assert_eq!(
            links.links,
            vec![
                (
                    StreamingService::Tidal,
                    "https://listen.tidal.com/album/1".to_owned()
                ),
                (
                    StreamingService::AmazonMusic,
                    "https://music.amazon.de/albums/B0X".to_owned()
                ),
                (
                    StreamingService::Spotify,
                    "https://open.spotify.com/album/4aawyAB9vmqN3uQ7FjRGTy".to_owned()
                ),
            ]
        );
        assert_eq!(links.title.as_deref(), Some("Afterglow Atlas"));
        assert_eq!(links.artist_name.as_deref(), Some("Nova Lights"));
        assert_eq!(
            links.thumbnail_url.as_deref(),
            Some("https://i.scdn.co/image/x")
        );
        assert_eq!(
            links.page_url.as_deref(),
            Some("https://album.link/s/4aawyAB9vmqN3uQ7FjRGTy")
        );

        assert!(parse_links(br#"{"entityUniqueId": "x"}"#).is_err());
        assert!(parse_links(b"<html></html>").is_err());
    }

    #[test]
    fn unresolvable_urls_are_not_found_and_other_errors_keep_their_status() {
        let not_found = |status: u16, body: &str| {
            answer(StatusCode::from_u16(status).unwrap(), body.as_bytes())
        };
        assert_eq!(
            not_found(
                400,
                r#"{"statusCode":400,"code":"could_not_resolve_entity"}"#
            ),
            Err(CatalogError::NotFound { service: SERVICE })
        );
        assert_eq!(
            not_found(404, ""),
            Err(CatalogError::NotFound { service: SERVICE })
        );
        assert!(matches!(
            not_found(400, r#"{"statusCode":400,"code":"missing_url_param"}"#),
            Err(CatalogError::Rejected { status: 400, .. })
        ));
        assert!(matches!(
            not_found(401, "bad key"),
            Err(CatalogError::Unauthorized { .. })
        ));
    }
}
