//! Documents for search engines: schema.org JSON-LD for a fan page's `<head>`, `sitemap.xml` and `robots.txt`.
//! Pure functions over plain data (the caller maps database entities), so every escaping rule is unit-tested here.
//!
//! The JSON-LD is a data block (`type="application/ld+json"`), which browsers never execute: the fan pages' CSP
//! (`default-src 'none'`, no `script-src`) does not need to allow it. Its content is still attacker-influenced text
//! inside `<script>`, so it is serialized with `serde_json` and then made safe for the HTML parser, see
//! [`script_safe`].
use crate::types::ReleaseKind;
use chrono::{DateTime, SecondsFormat, Utc};
use serde_json::{json, Map, Value};
use std::fmt::Write as _;

/// A release as the JSON-LD of its fan page describes it. URLs should be absolute.
pub struct JsonLdRelease<'a> {
    pub kind: ReleaseKind,
    pub title: &'a str,
    pub artist_name: &'a str,
    /// The artist hub's URL.
    pub artist_url: &'a str,
    /// The fan page's canonical URL.
    pub url: &'a str,
    pub image_url: Option<&'a str>,
    /// Published as the UTC calendar date (`datePublished`).
    pub release_at: Option<DateTime<Utc>>,
    /// Only used for albums, EPs and compilations, and only when it is 12 or 13 digits (`gtin12` / `gtin13`).
    pub upc: Option<&'a str>,
    /// Only used for singles (`isrcCode`).
    pub isrc: Option<&'a str>,
    /// The release on streaming services.
    pub same_as: &'a [&'a str],
}

/// An artist hub as its JSON-LD describes it (a schema.org `MusicGroup`).
pub struct JsonLdArtist<'a> {
    pub name: &'a str,
    pub url: &'a str,
    pub image_url: Option<&'a str>,
    /// The artist's profiles on streaming services and elsewhere.
    pub same_as: &'a [&'a str],
}

/// One `<url>` of the sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapEntry {
    /// Absolute URL of the page.
    pub url: String,
    pub last_modified: DateTime<Utc>,
}

const SCRIPT_OPEN: &str = "<script type=\"application/ld+json\">";
const SCRIPT_CLOSE: &str = "</script>";

/// The complete `<script type="application/ld+json">…</script>` element for a release's fan page:
/// `MusicRecording` for a single, `MusicPlaylist` for a playlist, `MusicAlbum` otherwise.
pub fn release_json_ld(release: &JsonLdRelease) -> String {
    let mut object = Map::new();
    object.insert("@context".into(), json!("https://schema.org"));
    let schema_type = match release.kind {
        ReleaseKind::Single => "MusicRecording",
        ReleaseKind::Playlist => "MusicPlaylist",
        ReleaseKind::Album | ReleaseKind::Ep | ReleaseKind::Compilation => "MusicAlbum",
    };
    object.insert("@type".into(), json!(schema_type));
    object.insert("name".into(), json!(release.title));
    insert_str(&mut object, "url", Some(release.url));
    insert_str(&mut object, "image", release.image_url);
    insert_same_as(&mut object, release.same_as);

    if release.kind != ReleaseKind::Playlist {
        let mut artist = Map::new();
        artist.insert("@type".into(), json!("MusicGroup"));
        artist.insert("name".into(), json!(release.artist_name));
        insert_str(&mut artist, "url", Some(release.artist_url));
        object.insert("byArtist".into(), Value::Object(artist));
        if let Some(moment) = release.release_at {
            let date = moment.date_naive().format("%Y-%m-%d").to_string();
            object.insert("datePublished".into(), json!(date));
        }
    }

    match release.kind {
        ReleaseKind::Single => insert_str(&mut object, "isrcCode", release.isrc),
        ReleaseKind::Album | ReleaseKind::Ep | ReleaseKind::Compilation => {
            let release_type = match release.kind {
                ReleaseKind::Ep => "https://schema.org/EPRelease",
                _ => "https://schema.org/AlbumRelease",
            };
            object.insert("albumReleaseType".into(), json!(release_type));
            if release.kind == ReleaseKind::Compilation {
                object.insert(
                    "albumProductionType".into(),
                    json!("https://schema.org/CompilationAlbum"),
                );
            }
            if let Some((property, code)) = release.upc.and_then(gtin) {
                object.insert(property.into(), json!(code));
            }
        }
        ReleaseKind::Playlist => {}
    }

    script_element(&Value::Object(object))
}

/// The complete `<script type="application/ld+json">…</script>` element for an artist hub (`MusicGroup`).
pub fn artist_json_ld(artist: &JsonLdArtist) -> String {
    let mut object = Map::new();
    object.insert("@context".into(), json!("https://schema.org"));
    object.insert("@type".into(), json!("MusicGroup"));
    object.insert("name".into(), json!(artist.name));
    insert_str(&mut object, "url", Some(artist.url));
    insert_str(&mut object, "image", artist.image_url);
    insert_same_as(&mut object, artist.same_as);
    script_element(&Value::Object(object))
}

/// `sitemap.xml` for the given pages. The protocol allows at most 50,000 URLs (and 50 MB) per file: a caller
/// with more must split them and serve a sitemap index.
pub fn sitemap_xml(entries: &[SitemapEntry]) -> String {
    let mut xml = String::with_capacity(128 + entries.len() * 128);
    xml.push_str("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    xml.push_str("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n");
    for entry in entries.iter().filter(|entry| !entry.url.trim().is_empty()) {
        let _ = writeln!(
            xml,
            "<url><loc>{}</loc><lastmod>{}</lastmod></url>",
            xml_escape(entry.url.trim()),
            entry
                .last_modified
                .to_rfc3339_opts(SecondsFormat::Secs, true)
        );
    }
    xml.push_str("</urlset>\n");
    xml
}

/// `robots.txt`: fan pages are crawlable; the dashboard, the API and the tracking and redirect endpoints are not.
/// `/dashboard` is matched exactly or as a folder (`$` is RFC 9309 syntax), so an artist slug that merely starts
/// with "dashboard" stays crawlable.
pub fn robots_txt(public_url: &str) -> String {
    // Configuration, but a line break in it would inject directives.
    let public_url: String = public_url.chars().filter(|ch| !ch.is_control()).collect();
    let public_url = public_url.trim().trim_end_matches('/');
    format!(
        "User-agent: *\n\
         Allow: /\n\
         Disallow: /dashboard$\n\
         Disallow: /dashboard/\n\
         Disallow: /api/\n\
         Disallow: /go/\n\
         Disallow: /t/\n\
         \n\
         Sitemap: {public_url}/sitemap.xml\n"
    )
}

/// Inserts a string property unless the value is absent or blank.
fn insert_str(object: &mut Map<String, Value>, key: &str, value: Option<&str>) {
    if let Some(value) = value.filter(|value| !value.trim().is_empty()) {
        object.insert(key.into(), json!(value));
    }
}

fn insert_same_as(object: &mut Map<String, Value>, urls: &[&str]) {
    let urls: Vec<&str> = urls
        .iter()
        .copied()
        .filter(|url| !url.trim().is_empty())
        .collect();
    if !urls.is_empty() {
        object.insert("sameAs".into(), json!(urls));
    }
}

/// A UPC (12 digits) or EAN (13 digits) as its schema.org property; anything else is not published.
fn gtin(upc: &str) -> Option<(&'static str, &str)> {
    let code = upc.trim();
    if !code.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    match code.len() {
        12 => Some(("gtin12", code)),
        13 => Some(("gtin13", code)),
        _ => None,
    }
}

fn script_element(value: &Value) -> String {
    let json = script_safe(&value.to_string());
    let mut html = String::with_capacity(SCRIPT_OPEN.len() + json.len() + SCRIPT_CLOSE.len());
    html.push_str(SCRIPT_OPEN);
    html.push_str(&json);
    html.push_str(SCRIPT_CLOSE);
    html
}

/// Makes serialized JSON safe as `<script>` content: `<`, `>`, `&`, U+2028 and U+2029 become `\uXXXX` escapes.
/// In serialized JSON those characters only occur inside strings, where the escapes mean the same, so the JSON is
/// unchanged for a parser while the HTML parser never sees `</script`, `<!--` or `<script`.
fn script_safe(json: &str) -> String {
    let mut out = String::with_capacity(json.len() + 16);
    for ch in json.chars() {
        match ch {
            '<' => out.push_str("\\u003c"),
            '>' => out.push_str("\\u003e"),
            '&' => out.push_str("\\u0026"),
            '\u{2028}' => out.push_str("\\u2028"),
            '\u{2029}' => out.push_str("\\u2029"),
            other => out.push(other),
        }
    }
    out
}

/// Escapes text for XML content and attributes. Characters XML 1.0 cannot carry at all (most C0 controls,
/// U+FFFE, U+FFFF) are dropped: not even a character reference may name them.
fn xml_escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            '\u{0}'..='\u{1f}' | '\u{fffe}' | '\u{ffff}' => {}
            other => out.push(other),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    const HOSTILE: &str =
        "</script><script>alert(1)</script> </SCRIPT > <!-- --> ]]> \"quoted\" 'single' \
                           back\\slash \\u003c \u{2028}line\u{2029}para &amp; & <b> \u{1F3B5}";

    fn moment() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2025, 3, 14, 23, 30, 0).unwrap()
    }

    /// Checks the element's shape and the HTML-safety of its content, and returns the parsed JSON.
    fn parse_element(html: &str) -> Value {
        let inner = html
            .strip_prefix(SCRIPT_OPEN)
            .and_then(|rest| rest.strip_suffix(SCRIPT_CLOSE))
            .unwrap_or_else(|| panic!("not one JSON-LD element: {html}"));
        let lower = html.to_ascii_lowercase();
        assert_eq!(lower.matches("</script").count(), 1, "{html}");
        assert_eq!(lower.matches("<script").count(), 1, "{html}");
        assert!(!html.contains("<!--"), "{html}");
        for forbidden in ['<', '>', '&', '\u{2028}', '\u{2029}'] {
            assert!(!inner.contains(forbidden), "{forbidden:?} in {inner}");
        }
        serde_json::from_str(inner).unwrap_or_else(|err| panic!("{err}: {inner}"))
    }

    fn hostile(field: &str) -> String {
        format!("{field} {HOSTILE}")
    }

    #[test]
    fn hostile_release_fields_round_trip_and_cannot_break_out() {
        let (title, artist, artist_url, url, image, isrc) = (
            hostile("title"),
            hostile("artist"),
            hostile("artist_url"),
            hostile("url"),
            hostile("image"),
            hostile("isrc"),
        );
        let (same_a, same_b) = (hostile("same_a"), hostile("same_b"));
        let same_as = [same_a.as_str(), same_b.as_str()];
        for kind in ReleaseKind::ALL {
            let upc = hostile("upc");
            let html = release_json_ld(&JsonLdRelease {
                kind,
                title: &title,
                artist_name: &artist,
                artist_url: &artist_url,
                url: &url,
                image_url: Some(&image),
                release_at: Some(moment()),
                upc: Some(&upc),
                isrc: Some(&isrc),
                same_as: &same_as,
            });
            let json = parse_element(&html);
            assert_eq!(json["name"], title.as_str(), "{kind:?}");
            assert_eq!(json["url"], url.as_str());
            assert_eq!(json["image"], image.as_str());
            assert_eq!(json["sameAs"], json!(same_as));
            if kind != ReleaseKind::Playlist {
                assert_eq!(json["byArtist"]["name"], artist.as_str());
                assert_eq!(json["byArtist"]["url"], artist_url.as_str());
            }
            if kind == ReleaseKind::Single {
                assert_eq!(json["isrcCode"], isrc.as_str());
            }
            // A UPC that is not 12 or 13 digits is never published, hostile or not.
            assert!(json.get("gtin12").is_none() && json.get("gtin13").is_none());
            assert!(!json.to_string().contains("upc"));
        }
    }

    #[test]
    fn hostile_artist_fields_round_trip_and_cannot_break_out() {
        let (name, url, image, same) = (
            hostile("name"),
            hostile("url"),
            hostile("image"),
            hostile("same"),
        );
        let same_as = [same.as_str()];
        let html = artist_json_ld(&JsonLdArtist {
            name: &name,
            url: &url,
            image_url: Some(&image),
            same_as: &same_as,
        });
        let json = parse_element(&html);
        assert_eq!(json["@context"], "https://schema.org");
        assert_eq!(json["@type"], "MusicGroup");
        assert_eq!(json["name"], name.as_str());
        assert_eq!(json["url"], url.as_str());
        assert_eq!(json["image"], image.as_str());
        assert_eq!(json["sameAs"], json!([same]));
    }

    #[test]
    fn script_safe_escapes_are_valid_json_for_the_same_string() {
        for text in [
            "<",
            ">",
            "&",
            "\u{2028}",
            "\u{2029}",
            "\\<",
            "\\\\&",
            "</script>",
        ] {
            let escaped = script_safe(&json!(text).to_string());
            assert_eq!(serde_json::from_str::<String>(&escaped).unwrap(), text);
        }
        assert_eq!(
            script_safe(&json!("</script><!--").to_string()),
            "\"\\u003c/script\\u003e\\u003c!--\""
        );
    }

    fn release(kind: ReleaseKind) -> JsonLdRelease<'static> {
        JsonLdRelease {
            kind,
            title: "Midnight Signal",
            artist_name: "Ada Lux",
            artist_url: "https://drop.example/ada-lux",
            url: "https://drop.example/ada-lux/midnight-signal",
            image_url: Some("https://drop.example/art.jpg"),
            release_at: Some(moment()),
            upc: Some("012345678905"),
            isrc: Some("USRC17607839"),
            same_as: &[
                "https://open.spotify.com/album/x",
                "https://music.apple.com/album/y",
            ],
        }
    }

    #[test]
    fn a_single_is_a_music_recording() {
        let json = parse_element(&release_json_ld(&release(ReleaseKind::Single)));
        assert_eq!(json["@context"], "https://schema.org");
        assert_eq!(json["@type"], "MusicRecording");
        assert_eq!(json["name"], "Midnight Signal");
        assert_eq!(json["isrcCode"], "USRC17607839");
        assert_eq!(json["datePublished"], "2025-03-14");
        assert_eq!(
            json["byArtist"],
            json!({"@type": "MusicGroup", "name": "Ada Lux", "url": "https://drop.example/ada-lux"})
        );
        assert_eq!(json["sameAs"].as_array().unwrap().len(), 2);
        assert!(json.get("albumReleaseType").is_none());
        assert!(json.get("gtin12").is_none());
    }

    #[test]
    fn albums_eps_and_compilations_are_music_albums() {
        let album = parse_element(&release_json_ld(&release(ReleaseKind::Album)));
        assert_eq!(album["@type"], "MusicAlbum");
        assert_eq!(album["albumReleaseType"], "https://schema.org/AlbumRelease");
        assert!(album.get("albumProductionType").is_none());
        assert_eq!(album["gtin12"], "012345678905");
        assert_eq!(album["datePublished"], "2025-03-14");
        assert_eq!(album["image"], "https://drop.example/art.jpg");
        assert_eq!(album["url"], "https://drop.example/ada-lux/midnight-signal");
        assert_eq!(album["byArtist"]["name"], "Ada Lux");
        assert!(album.get("isrcCode").is_none());

        let ep = parse_element(&release_json_ld(&release(ReleaseKind::Ep)));
        assert_eq!(ep["@type"], "MusicAlbum");
        assert_eq!(ep["albumReleaseType"], "https://schema.org/EPRelease");

        let compilation = JsonLdRelease {
            upc: Some(" 4006381333931 "),
            ..release(ReleaseKind::Compilation)
        };
        let compilation = parse_element(&release_json_ld(&compilation));
        assert_eq!(compilation["@type"], "MusicAlbum");
        assert_eq!(
            compilation["albumReleaseType"],
            "https://schema.org/AlbumRelease"
        );
        assert_eq!(
            compilation["albumProductionType"],
            "https://schema.org/CompilationAlbum"
        );
        assert_eq!(compilation["gtin13"], "4006381333931");
        assert!(compilation.get("gtin12").is_none());
    }

    #[test]
    fn a_playlist_is_a_music_playlist() {
        let json = parse_element(&release_json_ld(&release(ReleaseKind::Playlist)));
        assert_eq!(json["@type"], "MusicPlaylist");
        assert_eq!(json["name"], "Midnight Signal");
        assert_eq!(json["url"], "https://drop.example/ada-lux/midnight-signal");
        assert_eq!(json["image"], "https://drop.example/art.jpg");
        for absent in [
            "numTracks",
            "byArtist",
            "isrcCode",
            "gtin12",
            "albumReleaseType",
        ] {
            assert!(json.get(absent).is_none(), "{absent}");
        }
    }

    #[test]
    fn absent_and_blank_optional_fields_are_omitted() {
        let bare = JsonLdRelease {
            image_url: Some(" "),
            release_at: None,
            upc: Some("12345"),
            isrc: Some(""),
            same_as: &["", "  "],
            ..release(ReleaseKind::Single)
        };
        let json = parse_element(&release_json_ld(&bare));
        for absent in [
            "image",
            "datePublished",
            "isrcCode",
            "sameAs",
            "gtin12",
            "gtin13",
        ] {
            assert!(json.get(absent).is_none(), "{absent}");
        }
        let album = JsonLdRelease {
            upc: Some("01234567890a"),
            ..release(ReleaseKind::Album)
        };
        let album = parse_element(&release_json_ld(&album));
        assert!(album.get("gtin12").is_none());

        let artist = parse_element(&artist_json_ld(&JsonLdArtist {
            name: "Ada Lux",
            url: "https://drop.example/ada-lux",
            image_url: None,
            same_as: &[],
        }));
        assert!(artist.get("image").is_none() && artist.get("sameAs").is_none());
    }

    /// A small well-formedness check for the sitemap: balanced, properly nested tags, and text in which `<` never
    /// appears and `&` only starts a predefined entity. Returns the (unescaped) text of every `<loc>`.
    fn check_xml(xml: &str) -> Vec<String> {
        let body = xml
            .strip_prefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n")
            .expect("XML declaration");
        let mut stack: Vec<String> = Vec::new();
        let mut locs = Vec::new();
        let mut rest = body;
        while let Some(start) = rest.find('<') {
            let text = &rest[..start];
            let unescaped = check_text(text);
            if stack.last().map(String::as_str) == Some("loc") {
                locs.push(unescaped);
            } else {
                assert!(
                    text.trim().is_empty() || stack.last().map(String::as_str) == Some("lastmod")
                );
            }
            let end = rest[start..].find('>').expect("unclosed tag") + start;
            let tag = &rest[start + 1..end];
            assert!(!tag.contains('<'), "{tag}");
            if let Some(name) = tag.strip_prefix('/') {
                assert_eq!(stack.pop().as_deref(), Some(name), "mismatched </{name}>");
            } else {
                let name = tag.split_whitespace().next().expect("tag name");
                stack.push(name.to_owned());
            }
            rest = &rest[end + 1..];
        }
        assert!(stack.is_empty(), "unclosed: {stack:?}");
        assert!(rest.trim().is_empty());
        locs
    }

    fn check_text(text: &str) -> String {
        assert!(!text.contains('>'), "raw > in {text:?}");
        let mut out = String::new();
        let mut rest = text;
        while let Some(amp) = rest.find('&') {
            out.push_str(&rest[..amp]);
            let semi = rest[amp..].find(';').expect("unterminated entity") + amp;
            out.push_str(match &rest[amp..=semi] {
                "&amp;" => "&",
                "&lt;" => "<",
                "&gt;" => ">",
                "&quot;" => "\"",
                "&apos;" => "'",
                other => panic!("unknown entity {other}"),
            });
            rest = &rest[semi + 1..];
        }
        out.push_str(rest);
        out
    }

    #[test]
    fn sitemap_is_well_formed_and_escapes_urls() {
        let hostile_url = "https://drop.example/a?x=1&y=<2>&z=\"3\"&w='4'</loc></url><!--";
        let entries = [
            SitemapEntry {
                url: "https://drop.example/ada-lux".into(),
                last_modified: moment(),
            },
            SitemapEntry {
                url: hostile_url.into(),
                last_modified: Utc.with_ymd_and_hms(2024, 1, 2, 3, 4, 5).unwrap(),
            },
            SitemapEntry {
                url: "https://drop.example/ctl\u{0}\u{1b}".into(),
                last_modified: moment(),
            },
            SitemapEntry {
                url: "  ".into(),
                last_modified: moment(),
            },
        ];
        let xml = sitemap_xml(&entries);
        assert!(xml.contains("<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">"));
        assert!(xml.contains(
            "<loc>https://drop.example/a?x=1&amp;y=&lt;2&gt;&amp;z=&quot;3&quot;&amp;w=&apos;4&apos;&lt;/loc&gt;\
             &lt;/url&gt;&lt;!--</loc>"
        ));
        assert!(xml.contains("<lastmod>2024-01-02T03:04:05Z</lastmod>"));
        assert!(xml.contains("<lastmod>2025-03-14T23:30:00Z</lastmod>"));
        assert!(!xml.contains("<!--") && !xml.contains('\u{0}') && !xml.contains('\u{1b}'));
        assert_eq!(
            check_xml(&xml),
            [
                "https://drop.example/ada-lux",
                hostile_url,
                "https://drop.example/ctl"
            ]
        );
        assert_eq!(xml.matches("<url>").count(), 3);
        assert_eq!(xml.matches("</url>").count(), 3);
    }

    #[test]
    fn an_empty_sitemap_is_still_a_urlset() {
        let xml = sitemap_xml(&[]);
        assert!(check_xml(&xml).is_empty());
        assert!(xml.ends_with(
            "<urlset xmlns=\"http://www.sitemaps.org/schemas/sitemap/0.9\">\n</urlset>\n"
        ));
    }

    #[test]
    fn robots_allows_fan_pages_and_points_to_the_sitemap() {
        let robots = robots_txt("https://drop.example/");
        assert_eq!(
            robots,
            "User-agent: *\nAllow: /\nDisallow: /dashboard$\nDisallow: /dashboard/\nDisallow: /api/\n\
             Disallow: /go/\nDisallow: /t/\n\nSitemap: https://drop.example/sitemap.xml\n"
        );
        assert_eq!(robots, robots_txt("https://drop.example"));
        // Fan pages, including an artist whose slug begins with "dashboard", match no Disallow rule.
        let disallowed: Vec<&str> = robots
            .lines()
            .filter_map(|line| line.strip_prefix("Disallow: "))
            .collect();
        for path in [
            "/ada-lux",
            "/ada-lux/midnight-signal",
            "/dashboard-confessional",
        ] {
            let blocked = disallowed.iter().any(|rule| match rule.strip_suffix('$') {
                Some(exact) => path == exact,
                None => path.starts_with(rule),
            });
            assert!(!blocked, "{path}");
        }
        // A line break in the configured URL cannot add directives.
        let injected = robots_txt("https://drop.example\nDisallow: /");
        assert!(!injected.contains("\nDisallow: /\n"), "{injected}");
    }
}
