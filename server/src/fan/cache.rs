//! Published pages are rendered once and served from memory (HTML and gzip), until an edit clears the cache, the
//! page's next release moment passes, or a short TTL ends (so several instances converge after an edit on one).
use app::server::conversions::settings::ReleasePixels;
use axum::body::Bytes;
use axum::http::HeaderValue;
use chrono::{DateTime, Duration, Utc};
use std::collections::HashMap;
use std::io::Write as _;
use std::sync::{Arc, RwLock};

/// Keys are lower-cased URL slugs plus the country the page was ordered for.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct PageKey {
    pub path: String,
    pub country: Option<app::types::CountryCode>,
}

#[derive(Debug)]
pub struct CachedPage {
    pub html: Bytes,
    pub gzip: Bytes,
    /// Parsed once, sent with every response.
    pub content_security_policy: HeaderValue,
    pub artist_id: i32,
    pub release_id: Option<i32>,
    /// Smart-link services in page order (key, URL), for returning fans who asked to be remembered.
    pub services: Vec<(String, String)>,
    pub expires_at: DateTime<Utc>,
    /// The release's ad pixels, for its page views' conversion events.
    pub pixels: Option<Arc<ReleasePixels>>,
}

impl CachedPage {
    pub fn new(
        page: app::pages::fan::FanPage,
        artist_id: i32,
        release_id: Option<i32>,
        services: Vec<(String, String)>,
        expires_at: DateTime<Utc>,
    ) -> Self {
        let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
        // Writing to a Vec cannot fail.
        let _ = encoder.write_all(page.html.as_bytes());
        let gzip = encoder.finish().unwrap_or_default();
        CachedPage {
            html: Bytes::from(page.html),
            gzip: Bytes::from(gzip),
            content_security_policy: HeaderValue::from_str(&page.content_security_policy)
                .unwrap_or_else(|_| HeaderValue::from_static("default-src 'none'")),
            artist_id,
            release_id,
            services,
            expires_at,
            pixels: None,
        }
    }

    /// The page with its release's ad pixels.
    pub fn with_pixels(mut self, pixels: Option<Arc<ReleasePixels>>) -> Self {
        self.pixels = pixels;
        self
    }
}

/// Where a click-out leads, cached like pages so a click costs no database round trip.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ClickTarget {
    pub artist_id: i32,
    pub release_id: i32,
    pub url: String,
    pub expires_at: DateTime<Utc>,
    /// The release's ad pixels, for click-outs' conversion events.
    pub pixels: Option<Arc<ReleasePixels>>,
}

type TargetKey = (
    i32,
    app::types::StreamingService,
    Option<app::types::CountryCode>,
);

pub struct PageCache {
    entries: RwLock<HashMap<PageKey, Arc<CachedPage>>>,
    /// Per country: a service's link can differ by storefront.
    targets: RwLock<HashMap<TargetKey, Arc<ClickTarget>>>,
    ttl: Duration,
    max_entries: usize,
}

impl PageCache {
    pub fn new(ttl: Duration, max_entries: usize) -> Self {
        PageCache {
            entries: RwLock::new(HashMap::new()),
            targets: RwLock::new(HashMap::new()),
            ttl,
            max_entries,
        }
    }

    /// The cached page, if it is still valid at `now`.
    pub fn get(&self, key: &PageKey, now: DateTime<Utc>) -> Option<Arc<CachedPage>> {
        let entries = self
            .entries
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        entries
            .get(key)
            .filter(|page| now < page.expires_at)
            .cloned()
    }

    /// How long a page rendered at `now` may live: the TTL, cut short by its next release moment.
    pub fn expiry(&self, now: DateTime<Utc>, next_change: Option<DateTime<Utc>>) -> DateTime<Utc> {
        let ttl_end = now + self.ttl;
        match next_change {
            Some(change) if change > now => change.min(ttl_end),
            _ => ttl_end,
        }
    }

    pub fn insert(&self, key: PageKey, page: Arc<CachedPage>) {
        let mut entries = self
            .entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        // A crawler walking many URLs must not grow memory without bound: start over when full.
        if entries.len() >= self.max_entries {
            entries.clear();
        }
        entries.insert(key, page);
    }

    /// After any edit or publish: every page renders again and every click target is read again.
    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
        self.targets
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .clear();
    }

    pub fn target(
        &self,
        release_id: i32,
        service: app::types::StreamingService,
        country: Option<app::types::CountryCode>,
        now: DateTime<Utc>,
    ) -> Option<Arc<ClickTarget>> {
        let targets = self
            .targets
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        targets
            .get(&(release_id, service, country))
            .filter(|target| now < target.expires_at)
            .cloned()
    }

    /// Caches a click target for the TTL.
    pub fn insert_target(
        &self,
        (service, country): (
            app::types::StreamingService,
            Option<app::types::CountryCode>,
        ),
        artist_id: i32,
        release_id: i32,
        url: String,
        pixels: Option<Arc<ReleasePixels>>,
        now: DateTime<Utc>,
    ) -> Arc<ClickTarget> {
        let target = Arc::new(ClickTarget {
            artist_id,
            release_id,
            url,
            expires_at: now + self.ttl,
            pixels,
        });
        let mut targets = self
            .targets
            .write()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if targets.len() >= self.max_entries {
            targets.clear();
        }
        targets.insert((release_id, service, country), target.clone());
        target
    }

    pub fn len(&self) -> usize {
        self.entries
            .read()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
            .len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    fn page(expires_at: DateTime<Utc>) -> Arc<CachedPage> {
        let fan_page = app::pages::fan::FanPage {
            html: "<p>hi</p>".repeat(100),
            content_security_policy: "default-src 'none'".into(),
        };
        Arc::new(CachedPage::new(fan_page, 1, Some(2), vec![], expires_at))
    }

    #[test]
    fn pages_expire_at_their_release_moment() {
        let now = Utc.with_ymd_and_hms(2026, 11, 21, 12, 0, 0).unwrap();
        let cache = PageCache::new(Duration::seconds(60), 100);
        let moment = now + Duration::seconds(10);
        let expires = cache.expiry(now, Some(moment));
        assert_eq!(expires, moment);
        assert_eq!(
            cache.expiry(now, Some(now - Duration::days(1))),
            now + Duration::seconds(60)
        );
        let key = PageKey {
            path: "/a/b".into(),
            country: None,
        };
        cache.insert(key.clone(), page(expires));
        assert!(cache.get(&key, now + Duration::seconds(9)).is_some());
        assert!(
            cache.get(&key, moment).is_none(),
            "no cached page outlives the moment"
        );
    }

    #[test]
    fn gzip_is_smaller_and_clear_empties() {
        let now = Utc::now();
        let cache = PageCache::new(Duration::seconds(60), 2);
        let cached = page(now + Duration::seconds(60));
        assert!(cached.gzip.len() < cached.html.len() / 4);
        for path in ["/a", "/b", "/c"] {
            cache.insert(
                PageKey {
                    path: path.into(),
                    country: None,
                },
                cached.clone(),
            );
        }
        assert!(cache.len() <= 2, "bounded");
        cache.clear();
        assert!(cache.is_empty());
    }
}
