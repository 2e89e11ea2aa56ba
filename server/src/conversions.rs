//! Conversion events from fan requests: which of a release's pixels may send for this fan (their consent, or
//! their organization's decision), the ad platforms' ids from cookies and the URL, and the queued rows, sealed.
//! Handlers call this only for releases with pixels; the rows go out with the analytics batch, so no fan waits.
use crate::analytics::user_agent;
use crate::fan::cookie;
use crate::sandbox::Sandbox;
use app::server::conversions::clients::{
    ConversionClients, ConversionClientsConfig, ConversionKind, FanContext, OutgoingEvent, Platform,
};
use app::server::conversions::consent::{self, CONSENT_COOKIE};
use app::server::conversions::queue::{self, Subject};
use app::server::conversions::settings::ReleasePixels;
use app::server::conversions::{Conversions, PixelScripts};
use app::server::entities::conversion_events;
use app::server::sealed::TokenKeys;
use axum::http::{header, HeaderMap};
use chrono::{DateTime, Utc};
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

/// Conversion tracking from the configuration: the sandbox's fake platforms when it runs, the real ones otherwise.
pub fn conversions(
    config: &crate::config::Config,
    sandbox: Option<&Sandbox>,
    keys: Arc<TokenKeys>,
) -> anyhow::Result<Conversions> {
    let timeout = Duration::from_secs(config.ads_timeout_secs.max(1));
    let (clients_config, scripts) = match sandbox {
        Some(sandbox) => (
            sandbox.ads.clients_config(timeout),
            PixelScripts {
                meta: sandbox.ads.meta_script_url(),
                tiktok: sandbox.ads.tiktok_script_url(),
                ga4: sandbox.ads.ga4_script_url(),
            },
        ),
        None => (
            ConversionClientsConfig {
                meta_base_url: config.meta_api_url.trim_end_matches('/').to_owned(),
                meta_api_version: config.meta_api_version.clone(),
                tiktok_base_url: config.tiktok_api_url.trim_end_matches('/').to_owned(),
                ga4_base_url: config.ga4_api_url.trim_end_matches('/').to_owned(),
                timeout,
            },
            PixelScripts {
                meta: config.meta_pixel_script.clone(),
                tiktok: config.tiktok_pixel_script.clone(),
                ga4: config.ga4_script.clone(),
            },
        ),
    };
    let clients = ConversionClients::new(clients_config)
        .map_err(|error| anyhow::anyhow!("ad platform clients: {error}"))?;
    Ok(Conversions {
        clients,
        keys,
        scripts,
        sandbox: sandbox.is_some(),
    })
}

/// A query parameter of `query` (a URL's query string), decoded.
pub fn query_param(query: &str, name: &str) -> Option<String> {
    serde_urlencoded::from_str::<Vec<(String, String)>>(query)
        .ok()?
        .into_iter()
        .find(|(key, _)| key == name)
        .map(|(_, value)| value)
}

/// What the platforms may know about this fan, from their request. `click_query` is the query string of the
/// page the fan landed on (where `fbclid` and `ttclid` arrive).
pub fn fan_context(
    headers: &HeaderMap,
    ip: IpAddr,
    click_query: &str,
    now: DateTime<Utc>,
    ga_measurement_id: Option<&str>,
) -> FanContext {
    let user_agent = headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .map(|ua| ua.chars().take(512).collect::<String>());
    let fbc = consent::cookie_id(cookie(headers, "_fbc")).or_else(|| {
        query_param(click_query, "fbclid")
            .and_then(|id| consent::fbc_from_click_id(&id, now.timestamp_millis()))
    });
    let ttclid = query_param(click_query, "ttclid")
        .as_deref()
        .and_then(|id| consent::cookie_id(Some(id)))
        .or_else(|| consent::cookie_id(cookie(headers, "ttclid")));
    let ga_session_cookie = ga_measurement_id
        .and_then(|id| id.strip_prefix("G-"))
        .and_then(|container| cookie(headers, &format!("_ga_{container}")));
    FanContext {
        ip: Some(ip.to_string()),
        user_agent,
        fbc,
        fbp: consent::cookie_id(cookie(headers, "_fbp")),
        ttclid,
        ttp: consent::cookie_id(cookie(headers, "_ttp")),
        ga_client_id: consent::ga_client_id(cookie(headers, "_ga"))
            .or_else(|| Some(consent::new_ga_client_id(now.timestamp()))),
        ga_session_id: consent::ga_session_id(ga_session_cookie),
        external_id: None,
    }
}

/// One conversion as a fan request saw it.
pub struct FanConversion<'a> {
    pub kind: ConversionKind,
    pub event_id: &'a str,
    pub now: DateTime<Utc>,
    pub source_url: String,
    pub referrer_url: Option<String>,
    pub service: Option<String>,
    pub click_query: &'a str,
    pub headers: &'a HeaderMap,
    pub ip: IpAddr,
}

/// Whether a conversion for `platform` goes out server-side. GA4 has no deduplication, so its page views come
/// only from the browser's gtag (which needs them for sessions); its click-outs and pre-saves only from here.
fn sent_server_side(platform: Platform, kind: ConversionKind) -> bool {
    !(platform == Platform::Ga4 && kind == ConversionKind::PageView)
}

/// The queued rows for `conversion`, one per pixel with server events that this fan's consent allows. None for
/// bots and link scanners.
pub fn rows(
    conversions: &Conversions,
    pixels: &ReleasePixels,
    conversion: &FanConversion,
) -> Vec<conversion_events::ActiveModel> {
    let consent_cookie = cookie(conversion.headers, CONSENT_COOKIE);
    let eligible: Vec<_> = pixels
        .pixels
        .iter()
        .filter(|pixel| pixel.server_events && sent_server_side(pixel.platform, conversion.kind))
        .filter(|pixel| consent::permitted(pixels.consent_required, consent_cookie, pixel.platform))
        .collect();
    if eligible.is_empty() {
        return Vec::new();
    }
    let user_agent = conversion
        .headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default();
    if user_agent::classify(user_agent).is_bot {
        return Vec::new();
    }
    let ga_id = pixels.pixel(Platform::Ga4).map(|p| p.pixel_id.as_str());
    let event = OutgoingEvent {
        kind: conversion.kind,
        event_id: conversion.event_id.to_owned(),
        event_time: conversion.now,
        source_url: conversion.source_url.clone(),
        referrer_url: conversion.referrer_url.clone(),
        service: conversion.service.clone(),
        content_name: Some(pixels.content_name.clone()),
        fan: fan_context(
            conversion.headers,
            conversion.ip,
            conversion.click_query,
            conversion.now,
            ga_id,
        ),
    };
    let subject = Subject {
        artist_id: pixels.artist_id,
        release_id: Some(pixels.release_id),
    };
    eligible
        .into_iter()
        .map(|pixel| queue::queued_row(&conversions.keys, subject, pixel, &event, conversion.now))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    #[test]
    fn click_ids_come_from_the_url_and_cookies() {
        let mut headers = HeaderMap::new();
        headers.insert(
            header::COOKIE,
            HeaderValue::from_static("_fbp=fb.1.1700000000000.123456789; _ga=GA1.1.111222333.1700000000; _ga_ABC123=GS1.1.1700000500.2.1.1700000600.0.0.0"),
        );
        headers.insert(header::USER_AGENT, HeaderValue::from_static("Mozilla/5.0"));
        let now = DateTime::from_timestamp(1_700_000_000, 0).unwrap();
        let fan = fan_context(
            &headers,
            "203.0.113.9".parse().unwrap(),
            "utm_source=ig&fbclid=AbC-123_xyz&ttclid=E.C.P.xyz",
            now,
            Some("G-ABC123"),
        );
        assert_eq!(fan.fbc.as_deref(), Some("fb.1.1700000000000.AbC-123_xyz"));
        assert_eq!(fan.fbp.as_deref(), Some("fb.1.1700000000000.123456789"));
        assert_eq!(fan.ttclid.as_deref(), Some("E.C.P.xyz"));
        assert_eq!(fan.ga_client_id.as_deref(), Some("111222333.1700000000"));
        assert_eq!(fan.ga_session_id.as_deref(), Some("1700000500"));
        assert_eq!(fan.ip.as_deref(), Some("203.0.113.9"));
        assert_eq!(fan.user_agent.as_deref(), Some("Mozilla/5.0"));
    }

    #[test]
    fn ga4_page_views_stay_in_the_browser() {
        assert!(!sent_server_side(Platform::Ga4, ConversionKind::PageView));
        assert!(sent_server_side(Platform::Ga4, ConversionKind::ClickOut));
        assert!(sent_server_side(Platform::Meta, ConversionKind::PageView));
    }
}
