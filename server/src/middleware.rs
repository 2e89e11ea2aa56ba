//! Layers every response passes through: security headers and request spans.
use app::server::csp::RequestNonce;
use axum::extract::{MatchedPath, Request};
use axum::http::{header, HeaderName, HeaderValue};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::sync::Arc;

/// Mints the CSP nonce for this request (the Leptos shell reads it) and sets the security headers. A handler that
/// set its own Content-Security-Policy (fan pages) keeps it.
pub async fn security_headers(hsts: bool, mut request: Request, next: Next) -> Response {
    let nonce = RequestNonce::default();
    request.extensions_mut().insert(nonce.clone());
    let mut response = next.run(request).await;
    let headers = response.headers_mut();
    if !headers.contains_key(header::CONTENT_SECURITY_POLICY) {
        if let Ok(value) = HeaderValue::from_str(&nonce.get().dashboard_policy()) {
            headers.insert(header::CONTENT_SECURITY_POLICY, value);
        }
    }
    headers.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    headers.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("strict-origin-when-cross-origin"),
    );
    // The editor's preview allows its own origin to frame it; everything else may not be framed.
    headers
        .entry(header::X_FRAME_OPTIONS)
        .or_insert(HeaderValue::from_static("DENY"));
    headers.insert(
        HeaderName::from_static("permissions-policy"),
        HeaderValue::from_static("camera=(), microphone=(), geolocation=(), payment=()"),
    );
    headers.insert(
        HeaderName::from_static("cross-origin-opener-policy"),
        HeaderValue::from_static("same-origin"),
    );
    if hsts {
        headers.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    response
}

/// The span of one request: method, matched route and path (never the query string, which can carry codes).
pub fn request_span(request: &Request) -> tracing::Span {
    let route = request
        .extensions()
        .get::<MatchedPath>()
        .map(MatchedPath::as_str)
        .unwrap_or("-");
    tracing::info_span!("request", method = %request.method(), route, path = %request.uri().path())
}

/// server_fn answers every error with 500; this gives an `AppError` its own status (400, 401, 403, 404, 409), so
/// logs, monitoring and API clients see a client error as one. The body is unchanged: the browser decodes any
/// 4xx/5xx body as the error.
pub async fn server_fn_error_status(request: Request, next: Next) -> Response {
    let response = next.run(request).await;
    if response.status() != axum::http::StatusCode::INTERNAL_SERVER_ERROR
        || !response.headers().contains_key("serverfnerror")
    {
        return response;
    }
    let (mut parts, body) = response.into_parts();
    // Error bodies are small JSON objects; anything larger is passed on as a 500.
    let Ok(bytes) = axum::body::to_bytes(body, 64 * 1024).await else {
        return Response::from_parts(parts, axum::body::Body::empty());
    };
    if let Ok(error) = serde_json::from_slice::<app::types::AppError>(&bytes) {
        if let Ok(status) = axum::http::StatusCode::from_u16(error.status_code()) {
            parts.status = status;
        }
    }
    Response::from_parts(parts, axum::body::Body::from(bytes))
}

/// Refuses state-changing requests that a browser says come from another site, on top of SameSite=Lax cookies:
/// `Sec-Fetch-Site` when the browser sends it, else `Origin` against our public URL and the Host header. Requests
/// with neither (API clients, webhooks) carry no browser cookies to abuse and pass.
pub async fn refuse_cross_site(public_origin: Arc<str>, request: Request, next: Next) -> Response {
    if is_cross_site(&request, &public_origin) {
        tracing::warn!(path = %request.uri().path(), "refused a cross-site request");
        return (
            axum::http::StatusCode::FORBIDDEN,
            "Cross-site request refused: submit the form from Dropday itself.",
        )
            .into_response();
    }
    next.run(request).await
}

fn is_cross_site(request: &Request, public_origin: &str) -> bool {
    use axum::http::Method;
    if matches!(
        *request.method(),
        Method::GET | Method::HEAD | Method::OPTIONS | Method::TRACE
    ) {
        return false;
    }
    let headers = request.headers();
    if let Some(site) = headers.get("sec-fetch-site") {
        return !matches!(site.as_bytes(), b"same-origin" | b"none");
    }
    let Some(origin) = headers.get(header::ORIGIN) else {
        return false;
    };
    let Ok(origin) = origin.to_str() else {
        return true;
    };
    if origin.eq_ignore_ascii_case(public_origin) {
        return false;
    }
    // Same host as the request itself (a deployment reached by another name than its public URL).
    let host = headers.get(header::HOST).and_then(|h| h.to_str().ok());
    let origin_host = origin
        .strip_prefix("https://")
        .or_else(|| origin.strip_prefix("http://"));
    !matches!((origin_host, host), (Some(o), Some(h)) if o.eq_ignore_ascii_case(h))
}

/// The origin (`scheme://host[:port]`) of a public URL.
pub fn origin_of(public_url: &str) -> String {
    let (scheme, rest) = public_url.split_once("://").unwrap_or(("http", public_url));
    let host = rest.split('/').next().unwrap_or(rest);
    format!("{scheme}://{host}")
}

/// Gives server functions the client's address (through a trusted proxy's header when configured), for sign-in
/// throttling.
pub async fn client_ip(
    resolver: Arc<crate::fan::country::CountryResolver>,
    mut request: Request,
    next: Next,
) -> Response {
    let peer = request
        .extensions()
        .get::<axum::extract::ConnectInfo<std::net::SocketAddr>>()
        .map(|info| info.0.ip());
    if let Some(peer) = peer {
        let ip = resolver.client_ip(request.headers(), peer);
        request
            .extensions_mut()
            .insert(app::server::auth::ClientIp(ip));
    }
    next.run(request).await
}

#[cfg(test)]
mod tests {
    use super::*;

    fn post(headers: &[(&str, &str)]) -> Request {
        let mut builder = axum::http::Request::builder()
            .method("POST")
            .uri("/api/sign_in");
        for (name, value) in headers {
            builder = builder.header(*name, *value);
        }
        builder.body(axum::body::Body::empty()).unwrap()
    }

    #[test]
    fn cross_site_requests_are_recognized() {
        let public = "https://links.example.com";
        assert!(is_cross_site(
            &post(&[("sec-fetch-site", "cross-site")]),
            public
        ));
        assert!(is_cross_site(
            &post(&[("sec-fetch-site", "same-site")]),
            public
        ));
        assert!(!is_cross_site(
            &post(&[("sec-fetch-site", "same-origin")]),
            public
        ));
        assert!(is_cross_site(
            &post(&[("origin", "https://evil.example")]),
            public
        ));
        assert!(is_cross_site(&post(&[("origin", "null")]), public));
        assert!(!is_cross_site(
            &post(&[("origin", "https://links.example.com")]),
            public
        ));
        assert!(!is_cross_site(
            &post(&[
                ("origin", "http://10.0.0.5:3000"),
                ("host", "10.0.0.5:3000")
            ]),
            public
        ));
        assert!(
            !is_cross_site(&post(&[]), public),
            "no browser headers: not a browser"
        );
        let get = axum::http::Request::builder()
            .uri("/dashboard")
            .header("sec-fetch-site", "cross-site")
            .body(axum::body::Body::empty())
            .unwrap();
        assert!(
            !is_cross_site(&get, public),
            "links from other sites still open pages"
        );
        assert_eq!(
            origin_of("https://links.example.com/"),
            "https://links.example.com"
        );
    }
}
