//! Content-Security-Policy for Leptos-rendered pages. A middleware mints one nonce per request and puts it in the
//! request's extensions; the shell hands it to Leptos so the hydration script carries it.
use base64::Engine as _;
use leptos::prelude::*;
use rand::RngCore as _;

/// The per-request CSP nonce, stored in the request extensions.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CspNonce(pub String);

impl CspNonce {
    pub fn generate() -> Self {
        let mut bytes = [0u8; 16];
        rand::rng().fill_bytes(&mut bytes);
        CspNonce(base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(bytes))
    }

    /// The policy for the dashboard: its own scripts with this nonce, WASM compilation, nothing third-party.
    pub fn dashboard_policy(&self) -> String {
        let nonce = &self.0;
        format!(
            "default-src 'self'; script-src 'self' 'nonce-{nonce}' 'wasm-unsafe-eval'; \
             style-src 'self' 'nonce-{nonce}'; img-src 'self' https: data:; connect-src 'self'; \
             font-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
        )
    }
}

/// The request's nonce, minted on first use: fan pages never need one, so they never pay for it.
#[derive(Debug, Clone, Default)]
pub struct RequestNonce(std::sync::Arc<std::sync::OnceLock<CspNonce>>);

impl RequestNonce {
    pub fn get(&self) -> &CspNonce {
        self.0.get_or_init(CspNonce::generate)
    }
}

/// Reads the nonce the middleware stored for this request and provides it to Leptos.
pub fn provide_request_nonce() {
    let nonce = use_context::<http::request::Parts>().and_then(|parts| {
        parts
            .extensions
            .get::<RequestNonce>()
            .map(|n| n.get().clone())
    });
    if let Some(CspNonce(value)) = nonce {
        provide_context(leptos::nonce::Nonce::from_value(value));
    }
}

/// `sha256-…` source expression for an inline `<style>` or `<script>` body, for pages cached without a nonce.
pub fn inline_hash(body: &str) -> String {
    use sha2::{Digest, Sha256};
    let digest = Sha256::digest(body.as_bytes());
    format!(
        "'sha256-{}'",
        base64::engine::general_purpose::STANDARD.encode(digest)
    )
}
