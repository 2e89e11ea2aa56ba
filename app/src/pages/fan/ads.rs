//! The ad pixels' part of a fan page: a consent banner (shown by the script only while a platform on the page is
//! unanswered), the page's public pixel ids as JSON, and `ads.js`, which loads the platforms' scripts only after
//! consent. Pages without pixels carry none of it.
use super::document::escape;
use crate::server::conversions::clients::Platform;
use crate::server::conversions::consent;
use crate::server::conversions::PixelScripts;
use crate::server::csp::inline_hash;
use std::fmt::Write as _;
use std::sync::LazyLock;

/// Allowed by hash, like the page's own script.
pub const ADS_JS: &str = include_str!("ads.js");
const ADS_CSS: &str = include_str!("../../../../style/fan-ads.css");
static ADS_JS_HASH: LazyLock<String> = LazyLock::new(|| inline_hash(ADS_JS));
static ADS_CSS_HASH: LazyLock<String> = LazyLock::new(|| inline_hash(ADS_CSS));

/// What a page needs to run its pixels.
#[derive(Debug, Clone)]
pub struct AdsSetup<'a> {
    pub release_id: i32,
    pub consent_required: bool,
    /// Public ids only (pixel id, pixel code, measurement id); secrets never reach a page.
    pub pixels: Vec<(Platform, String)>,
    pub scripts: &'a PixelScripts,
    /// A release page: fire a page view, and ask for consent.
    pub page_view: bool,
    /// Some pixel sends page views server-side too (so consent given on the page needs a beacon).
    pub server_page_views: bool,
    /// The event id of a pre-save the fan just finished (the "My pre-saves" page after the Spotify login).
    pub pre_save_event_id: Option<String>,
}

/// The markup, and what the page's policy must add for it.
pub struct AdsMarkup {
    pub html: String,
    pub script_sources: String,
    pub connect_sources: String,
    pub style_hash: String,
}

/// Where each platform's script, and the requests it makes, may go.
fn platform_sources(platform: Platform, script_url: &str) -> (String, &'static str) {
    let script_origin = origin(script_url);
    let connect = match platform {
        Platform::Meta => "https://connect.facebook.net https://www.facebook.com",
        Platform::Tiktok => "https://analytics.tiktok.com https://*.tiktok.com https://*.tiktokw.us",
        Platform::Ga4 => {
            "https://*.google-analytics.com https://*.analytics.google.com https://*.googletagmanager.com"
        }
    };
    (script_origin, connect)
}

/// `https://host:port` of a URL, without anything a policy could be broken with.
fn origin(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("https", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let clean = |s: &str| {
        s.chars()
            .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '[' | ']'))
            .collect::<String>()
    };
    format!("{}://{}", clean(scheme), clean(host))
}

fn json_string(value: &str) -> String {
    // `<` escaped so the JSON cannot close its script element.
    serde_json::to_string(value)
        .unwrap_or_else(|_| "\"\"".to_owned())
        .replace('<', "\\u003c")
}

pub fn markup(setup: &AdsSetup) -> AdsMarkup {
    let mut pixels = String::new();
    let mut scripts = String::new();
    let mut script_sources = Vec::new();
    let mut connect_sources = Vec::new();
    let mut names = Vec::new();
    for (platform, pixel_id) in &setup.pixels {
        let letter = consent::letter(*platform);
        let url = match platform {
            Platform::Meta => &setup.scripts.meta,
            Platform::Tiktok => &setup.scripts.tiktok,
            Platform::Ga4 => &setup.scripts.ga4,
        };
        let sep = if pixels.is_empty() { "" } else { "," };
        let _ = write!(pixels, "{sep}\"{letter}\":{}", json_string(pixel_id));
        let _ = write!(scripts, "{sep}\"{letter}\":{}", json_string(url));
        let (script_origin, connect) = platform_sources(*platform, url);
        connect_sources.push(script_origin.clone());
        connect_sources.push(connect.to_owned());
        script_sources.push(script_origin);
        names.push(match platform {
            Platform::Meta => "Meta",
            Platform::Tiktok => "TikTok",
            Platform::Ga4 => "Google",
        });
    }
    let config = format!(
        "{{\"r\":{},\"q\":{},\"a\":{},\"v\":{},\"b\":{},\"e\":{},\"p\":{{{pixels}}},\"s\":{{{scripts}}}}}",
        setup.release_id,
        setup.consent_required,
        setup.page_view,
        setup.page_view,
        setup.server_page_views,
        setup
            .pre_save_event_id
            .as_deref()
            .map_or_else(|| "null".to_owned(), json_string),
    );
    let listed = match names.as_slice() {
        [] => String::new(),
        [one] => (*one).to_owned(),
        [init @ .., last] => format!("{} and {last}", init.join(", ")),
    };
    let mut html = String::new();
    if setup.consent_required && setup.page_view {
        let _ = write!(
            html,
            "<style>{ADS_CSS}</style><section class=\"consent\" id=\"dd-consent\" role=\"region\" \
             aria-label=\"Ad measurement\" hidden><p>May {} measure that you came here from an ad? Nothing is \
             loaded or sent to them unless you allow it; you can change your mind by clearing this site's cookies.</p>\
             <div><button type=\"button\" data-consent=\"1\">Allow</button><button type=\"button\" \
             data-consent=\"0\">No, thanks</button></div></section>",
            escape(&listed)
        );
    }
    let _ = write!(
        html,
        "<script type=\"application/json\" id=\"dd-ads\">{config}</script><script>{ADS_JS}</script>"
    );
    script_sources.dedup();
    connect_sources.dedup();
    AdsMarkup {
        html,
        script_sources: format!("{} {}", *ADS_JS_HASH, script_sources.join(" ")),
        connect_sources: connect_sources.join(" "),
        style_hash: if setup.consent_required && setup.page_view {
            ADS_CSS_HASH.clone()
        } else {
            String::new()
        },
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_config_carries_public_ids_and_cannot_close_its_element() {
        let scripts = PixelScripts::production();
        let ads = markup(&AdsSetup {
            release_id: 7,
            consent_required: true,
            pixels: vec![
                (Platform::Meta, "1234567890".into()),
                (Platform::Ga4, "G-AB12</script>".into()),
            ],
            scripts: &scripts,
            page_view: true,
            server_page_views: true,
            pre_save_event_id: None,
        });
        assert!(ads.html.contains("\"m\":\"1234567890\""));
        assert!(ads.html.contains("G-AB12\\u003c/script>"));
        assert_eq!(ads.html.matches("</script>").count(), 2, "{}", ads.html);
        assert!(ads.html.contains("May Meta and Google measure"));
        assert!(ads.script_sources.contains("https://connect.facebook.net"));
        assert!(ads
            .script_sources
            .contains("https://www.googletagmanager.com"));
        assert!(!ads.script_sources.contains("tiktok"));
        assert!(ads
            .connect_sources
            .contains("https://*.google-analytics.com"));
        assert!(!ads.style_hash.is_empty());
    }

    #[test]
    fn origins_are_clean() {
        assert_eq!(
            origin("http://127.0.0.1:4100/en_US/fbevents.js"),
            "http://127.0.0.1:4100"
        );
        assert_eq!(
            origin("https://x.example;script-src *"),
            "https://x.examplescript-src"
        );
    }
}
