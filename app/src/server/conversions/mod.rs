//! Conversion tracking for ad platforms: Meta (Pixel + Conversions API), TikTok (Pixel + Events API) and GA4
//! (gtag + Measurement Protocol). Contracts: ../shared/reference/external-apis.md §5.
//!
//! The browser pixel and the server event of one page view, click-out or pre-save carry the same event id, so
//! Meta and TikTok count them once. Nothing third-party loads and nothing is sent for a fan before their consent,
//! unless their organization decided consent is not required.
pub mod clients;
pub mod consent;
pub mod queue;
pub mod settings;

use crate::server::sealed::TokenKeys;
use std::sync::Arc;

/// Where fans' browsers load each platform's pixel script from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PixelScripts {
    pub meta: String,
    pub tiktok: String,
    pub ga4: String,
}

impl PixelScripts {
    pub fn production() -> PixelScripts {
        PixelScripts {
            meta: "https://connect.facebook.net/en_US/fbevents.js".to_owned(),
            tiktok: "https://analytics.tiktok.com/i18n/pixel/events.js".to_owned(),
            ga4: "https://www.googletagmanager.com/gtag/js".to_owned(),
        }
    }
}

/// Everything conversion tracking needs at run time.
#[derive(Clone)]
pub struct Conversions {
    pub clients: clients::ConversionClients,
    /// Seals pixel secrets and the fans' details in queued events.
    pub keys: Arc<TokenKeys>,
    pub scripts: PixelScripts,
    /// The platforms are the sandbox's local fake (the dashboard says so).
    pub sandbox: bool,
}

impl std::fmt::Debug for Conversions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Conversions")
            .field("scripts", &self.scripts)
            .field("sandbox", &self.sandbox)
            .finish()
    }
}
