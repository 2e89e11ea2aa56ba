//! The HTML document around a fan page: inline CSS (one request in total), strict CSP by hash. The head is
//! written by hand (Open Graph needs `property` attributes); the body is a Leptos view, escaped by Leptos.
use super::theme::{self, Theme};
use crate::server::csp::inline_hash;
use leptos::prelude::*;
use leptos::tachys::view::RenderHtml;
use std::fmt::Write as _;
use std::sync::LazyLock;

const FAN_CSS: &str = include_str!("../../../../style/fan.css");
/// The one inline script: countdown, share, video facade, "remember my service". Allowed by hash.
pub const FAN_JS: &str = include_str!("fan.js");

/// Theme variables followed by the stylesheet: the page's whole `<style>` element content.
static STYLE: LazyLock<String> = LazyLock::new(|| format!("{}{FAN_CSS}", theme::css_variables()));
static STYLE_HASH: LazyLock<String> = LazyLock::new(|| inline_hash(&STYLE));
/// The fan's own pre-save pages add a few rules; the hot-path pages stay small.
const FAN_ACCOUNT_CSS: &str = include_str!("../../../../style/fan-account.css");
static ACCOUNT_STYLE: LazyLock<String> = LazyLock::new(|| format!("{}{FAN_ACCOUNT_CSS}", *STYLE));
static ACCOUNT_STYLE_HASH: LazyLock<String> = LazyLock::new(|| inline_hash(&ACCOUNT_STYLE));

/// Which stylesheet a page gets.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Style {
    /// Release pages, hubs, not found: fan.css.
    Fan,
    /// "My pre-saves", the in-app browser hand-off, continuing a login: fan.css and fan-account.css.
    FanAccount,
}
static SCRIPT_HASH: LazyLock<String> = LazyLock::new(|| inline_hash(FAN_JS));

/// A rendered fan page.
#[derive(Debug, Clone)]
pub struct FanPage {
    pub html: String,
    /// The page's own policy: its script and style by hash, nothing third-party but the video after a click.
    pub content_security_policy: String,
}

impl FanPage {
    /// A server without TLS (development, where the sandbox's fakes serve artwork over loopback http) shows http
    /// images too. Over https nothing changes: browsers block such images as mixed content anyway.
    pub fn allow_http_images_on(&mut self, public_url: &str) {
        if public_url.starts_with("http://") {
            self.content_security_policy = self.content_security_policy.replace(
                "img-src 'self' https: data:",
                "img-src 'self' https: http: data:",
            );
        }
    }
}

impl FanPage {
    /// Lets the page's forms lead on to `origin` (Spotify's login page, reached by a redirect after the pre-save
    /// form: browsers check `form-action` along the redirect chain).
    pub fn allow_form_action(&mut self, origin: &str) {
        let origin: String = origin
            .chars()
            .filter(|c| !c.is_whitespace() && *c != ';' && *c != '\'')
            .collect();
        self.content_security_policy = self.content_security_policy.replace(
            "form-action 'self'",
            &format!("form-action 'self' {origin}"),
        );
    }
}

/// Metadata for link previews and search engines.
pub struct PageMeta {
    pub description: String,
    pub canonical_url: String,
    pub image_url: Option<String>,
    /// Open Graph type, e.g. `music.song`, `music.album`, `profile`.
    pub og_type: &'static str,
}

/// What goes around a page body.
pub struct Document<'a> {
    pub title: &'a str,
    pub meta: Option<PageMeta>,
    pub theme: Theme,
    /// A complete `<script type="application/ld+json">` element (already escaped by `seo`).
    pub json_ld: Option<String>,
    /// Include the enhancement script (countdown, share, video, remember).
    pub script: bool,
    pub style: Style,
    /// Ad pixels, consent banner and their script (pages with pixels only).
    pub ads: Option<super::ads::AdsMarkup>,
}

pub fn render<V: IntoView + 'static>(
    document: Document,
    body: impl FnOnce() -> V + 'static,
) -> FanPage {
    let body_html = Owner::new().with(move || body().into_view().to_html());
    let title = document.title;

    let mut html = String::with_capacity(body_html.len() + STYLE.len() + FAN_JS.len() + 2048);
    html.push_str("<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\">");
    html.push_str("<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">");
    let _ = write!(html, "<title>{}</title>", escape(title));
    if let Some(meta) = &document.meta {
        let _ = write!(
            html,
            "<meta name=\"description\" content=\"{description}\"><link rel=\"canonical\" href=\"{url}\">\
             <meta property=\"og:type\" content=\"{og_type}\"><meta property=\"og:title\" content=\"{title}\">\
             <meta property=\"og:description\" content=\"{description}\"><meta property=\"og:url\" content=\"{url}\">\
             <meta name=\"twitter:title\" content=\"{title}\"><meta name=\"twitter:description\" content=\"{description}\">",
            description = escape(&meta.description),
            url = escape(&meta.canonical_url),
            og_type = meta.og_type,
            title = escape(title),
        );
        match &meta.image_url {
            Some(image) => {
                let _ = write!(
                    html,
                    "<meta property=\"og:image\" content=\"{image}\"><meta name=\"twitter:card\" \
                     content=\"summary_large_image\"><meta name=\"twitter:image\" content=\"{image}\">",
                    image = escape(image)
                );
            }
            None => html.push_str("<meta name=\"twitter:card\" content=\"summary\">"),
        }
    }
    if let Some(json_ld) = &document.json_ld {
        html.push_str(json_ld);
    }
    let (style, style_hash) = match document.style {
        Style::Fan => (&*STYLE, &*STYLE_HASH),
        Style::FanAccount => (&*ACCOUNT_STYLE, &*ACCOUNT_STYLE_HASH),
    };
    html.push_str("<link rel=\"icon\" href=\"/favicon.svg\" type=\"image/svg+xml\"><style>");
    html.push_str(style);
    let _ = write!(
        html,
        "</style></head><body class=\"{}\">",
        document.theme.class_name()
    );
    html.push_str(&body_html);
    if document.script {
        html.push_str("<script>");
        html.push_str(FAN_JS);
        html.push_str("</script>");
    }
    if let Some(ads) = &document.ads {
        html.push_str(&ads.html);
    }
    html.push_str("</body></html>");

    let mut scripts = Vec::new();
    let mut connect = vec!["'self'"];
    let mut styles = vec![style_hash.as_str()];
    if document.script {
        scripts.push(SCRIPT_HASH.as_str());
    }
    if let Some(ads) = &document.ads {
        scripts.push(&ads.script_sources);
        connect.push(&ads.connect_sources);
        if !ads.style_hash.is_empty() {
            styles.push(&ads.style_hash);
        }
    }
    let script_policy = if scripts.is_empty() {
        String::new()
    } else {
        format!(
            "script-src {}; connect-src {}; frame-src https://www.youtube-nocookie.com; ",
            scripts.join(" "),
            connect.join(" ")
        )
    };
    FanPage {
        html,
        content_security_policy: format!(
            "default-src 'none'; {script_policy}style-src {}; img-src 'self' https: data:; base-uri 'none'; \
             form-action 'self'; frame-ancestors 'none'",
            styles.join(" ")
        ),
    }
}

/// Escapes text for HTML text and double-quoted attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hostile_text_cannot_break_out_of_the_head() {
        let page = render(
            Document {
                title: "</title><script>alert(1)</script>",
                theme: Theme::Midnight,
                json_ld: None,
                script: false,
                style: Style::Fan,
                ads: None,
                meta: Some(PageMeta {
                    description: "\"><script>alert(2)</script>".into(),
                    canonical_url: "https://x.example/a\"b".into(),
                    image_url: Some("https://img.example/'onerror='x".into()),
                    og_type: "music.song",
                }),
            },
            || view! { <p>{"<b>not bold</b>"}</p> },
        );
        assert!(!page.html.contains("<script"), "{}", page.html);
        assert!(page.html.contains("&lt;/title&gt;&lt;script&gt;"));
        assert!(page.html.contains("&lt;b&gt;not bold&lt;/b&gt;"));
        assert!(page.html.contains("a&quot;b"));
        assert!(page.html.contains("&#39;onerror=&#39;x"));
    }

    #[test]
    fn the_policy_allows_exactly_the_inline_stylesheet() {
        let plain = Document {
            title: "t",
            meta: None,
            theme: Theme::Mono,
            json_ld: None,
            script: false,
            style: Style::Fan,
            ads: None,
        };
        let page = render(plain, || view! { <p>"x"</p> });
        assert!(page.content_security_policy.contains(&inline_hash(&STYLE)));
        assert!(!page.content_security_policy.contains("script-src"));
        assert!(!page.content_security_policy.contains("unsafe-inline"));
        assert!(page.html.contains("<body class=\"theme-mono\">"));
        let scripted = Document {
            title: "t",
            meta: None,
            theme: Theme::Mono,
            json_ld: None,
            script: true,
            style: Style::Fan,
            ads: None,
        };
        let page = render(scripted, || view! { <p>"x"</p> });
        assert!(page
            .content_security_policy
            .contains(&format!("script-src {}", inline_hash(FAN_JS))));
        assert!(page.html.contains(FAN_JS));
    }
}
