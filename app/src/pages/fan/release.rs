//! A release's fan page: a pre-save page before the release moment, a smart link after. Every button is a plain
//! link to Dropday's redirect endpoint, so the page works without JavaScript and every click is counted.
use super::document::{self, Document, FanPage, PageMeta, Style};
use super::icons::{service_icon, LINK_ICON, SHARE_ICON};
use super::seo::{release_json_ld, JsonLdRelease};
use super::theme::Theme;
use crate::server::fan::moment::country_time_zone;
use crate::server::fan::ordering::{order_services, PlatformRules, ServiceOrder};
use crate::server::models::releases::FanRelease;
use crate::types::{CountryCode, ReleaseKind, ReleasePhase, StreamingService};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

pub struct ReleasePageInput<'a> {
    pub release: &'a FanRelease,
    pub country: Option<CountryCode>,
    pub now: DateTime<Utc>,
    pub public_url: &'a str,
    pub rules: &'a PlatformRules,
    /// Set when Spotify pre-saves are configured: the origin of Spotify's login page (the form's redirect target).
    pub presave: Option<PresaveSetup<'a>>,
    /// The release's ad pixels, when it has any.
    pub ads: Option<super::ads::AdsSetup<'a>>,
}

/// What a pre-save form needs to know about the Spotify in use.
pub struct PresaveSetup<'a> {
    /// `https://accounts.spotify.com`, or the sandbox's fake.
    pub accounts_origin: &'a str,
}

pub struct RenderedRelease {
    pub page: FanPage,
    /// Smart-link services as shown, in order: (service key, URL).
    pub services: Vec<(String, String)>,
    /// When this page turns into something else (the release moment for this fan's country), if still ahead.
    pub next_change: Option<DateTime<Utc>>,
}

pub fn render_release_page(input: ReleasePageInput) -> RenderedRelease {
    let page = input.release;
    let release = &page.release;
    let artist = &page.artist;
    let moment = page.moment();
    let instant = moment.map(|m| m.instant_for(input.country));
    let phase = moment.map_or(ReleasePhase::OutNow, |m| {
        m.phase_for(input.country, input.now)
    });
    let order = artist
        .service_order
        .parse()
        .unwrap_or(ServiceOrder::ByCountry);
    let theme = release
        .theme
        .as_deref()
        .unwrap_or(&artist.theme)
        .parse()
        .unwrap_or(Theme::Midnight);
    let canonical = format!("{}/{}/{}", input.public_url, artist.slug, release.slug);
    let artist_url = format!("{}/{}", input.public_url, artist.slug);
    let image = release
        .artwork_url
        .as_ref()
        .map(|url| absolute(input.public_url, url));
    let moment_label = instant.map(|at| moment_label(at, input.country, &release.time_zone));

    let ordered = order_services(
        page.links
            .iter()
            .map(|(service, link)| {
                let mut link = link.clone();
                if let Some(url) = page.url_in(*service, input.country) {
                    link.url = url.to_owned();
                }
                (*service, link)
            })
            .collect(),
        input.country,
        order,
        input.rules,
    );
    let services: Vec<(String, String)> = ordered
        .iter()
        .map(|(service, link)| (service.key().to_owned(), link.url.clone()))
        .collect();
    let same_as: Vec<&str> = services.iter().map(|(_, url)| url.as_str()).collect();
    let json_ld = release_json_ld(&JsonLdRelease {
        kind: page.kind,
        title: &release.title,
        artist_name: &artist.name,
        artist_url: &artist_url,
        url: &canonical,
        image_url: image.as_deref(),
        release_at: instant,
        upc: release.upc.as_deref(),
        isrc: release.isrc.as_deref(),
        same_as: &same_as,
    });
    let title = format!("{} by {}", release.title, artist.name);
    let meta = PageMeta {
        description: match (phase, &moment_label) {
            (ReleasePhase::Upcoming, Some(label)) => {
                format!(
                    "{} by {} is out {label}. Pre-save it now.",
                    release.title, artist.name
                )
            }
            _ => format!(
                "Listen to {} by {} on your favourite service.",
                release.title, artist.name
            ),
        },
        canonical_url: canonical.clone(),
        image_url: image.clone(),
        og_type: match page.kind {
            ReleaseKind::Single => "music.song",
            ReleaseKind::Playlist => "music.playlist",
            _ => "music.album",
        },
    };

    let release_id = release.id;
    let go = move |service: StreamingService| format!("/go/{release_id}/{}", service.key());
    let body = ReleaseBody {
        title: release.title.clone(),
        artist_name: artist.name.clone(),
        artist_path: format!("/{}", artist.slug),
        kind: page.kind.label(),
        artwork: release.artwork_url.clone(),
        share_text: release
            .share_text
            .clone()
            .unwrap_or_else(|| format!("{} by {}", release.title, artist.name)),
        canonical,
        release_id,
        phase,
        instant,
        moment_label,
        presave_href: (input.rules.admits(StreamingService::Spotify)
            && page
                .links
                .iter()
                .any(|(service, _)| *service == StreamingService::Spotify))
        .then(|| go(StreamingService::Spotify)),
        presave_form: presave_form(page, input.presave.is_some()),
        preorders: ordered
            .iter()
            .filter(|(_, link)| link.show_before_release)
            .map(|(service, _)| (*service, go(*service)))
            .collect(),
        services: ordered
            .iter()
            .map(|(service, _)| (*service, go(*service)))
            .collect(),
        custom: page
            .custom_links
            .iter()
            .map(|link| (link.label.clone(), format!("/go/link/{}", link.id)))
            .collect(),
        video: release.video_url.as_deref().and_then(youtube_video),
    };
    let page = document::render(
        Document {
            title: &title,
            meta: Some(meta),
            theme,
            json_ld: Some(json_ld),
            script: true,
            style: Style::Fan,
            ads: input.ads.as_ref().map(super::ads::markup),
        },
        move || body.view(),
    );
    let mut page = page;
    page.allow_http_images_on(input.public_url);
    if let Some(setup) = &input.presave {
        page.allow_form_action(setup.accounts_origin);
    }
    RenderedRelease {
        page,
        services,
        next_change: instant.filter(|at| *at > input.now),
    }
}

struct ReleaseBody {
    title: String,
    artist_name: String,
    artist_path: String,
    kind: &'static str,
    artwork: Option<String>,
    /// What the share sheet offers with the link: the artist's words, or "<title> by <artist>".
    share_text: String,
    canonical: String,
    release_id: i32,
    phase: ReleasePhase,
    instant: Option<DateTime<Utc>>,
    moment_label: Option<String>,
    presave_href: Option<String>,
    presave_form: Option<PresaveForm>,
    preorders: Vec<(StreamingService, String)>,
    services: Vec<(StreamingService, String)>,
    custom: Vec<(String, String)>,
    video: Option<YoutubeVideo>,
}

impl ReleaseBody {
    fn view(self) -> impl IntoView {
        let artwork_alt = format!("Artwork of {}", self.title);
        let track = |kind: &str| format!("/t/{}/{kind}", self.release_id);
        let (presave_form_upcoming, save_form) = match self.phase {
            ReleasePhase::Upcoming => (self.presave_form, None),
            ReleasePhase::OutNow => (None, self.presave_form),
        };
        let main_block = match self.phase {
            ReleasePhase::Upcoming => {
                let iso = self.instant.map(|at| at.to_rfc3339()).unwrap_or_default();
                let countdown_target = iso.clone();
                view! {
                    <div data-countdown=countdown_target>
                        <p class="moment">"Out " <time datetime=iso>{self.moment_label.clone()}</time></p>
                        <div class="countdown" role="timer" hidden aria-label="Time until release">
                            <span><b>"00"</b>"Days"</span>
                            <span><b>"00"</b>"Hours"</span>
                            <span><b>"00"</b>"Mins"</span>
                            <span><b>"00"</b>"Secs"</span>
                        </div>
                    </div>
                    {match (presave_form_upcoming, self.presave_href) {
                        (Some(form), _) => Some(form.view("Pre-save on Spotify", true).into_any()),
                        (None, Some(href)) => Some(view! {
                            <a class="presave" href=href data-clickout rel="nofollow">
                                <span class="icon" aria-hidden="true" inner_html=service_icon(StreamingService::Spotify)></span>
                                "Pre-save on Spotify"
                            </a>
                        }.into_any()),
                        (None, None) => None,
                    }}
                    {(!self.preorders.is_empty()).then(|| view! {
                        <ul class="preorder" aria-label="Pre-order and pre-add">
                            {self.preorders.into_iter().map(|(service, href)| view! {
                                <li><a class="service" href=href data-clickout rel="nofollow">
                                    <span class="icon" aria-hidden="true" inner_html=service_icon(service)></span>
                                    <span class="name">{service.name()}</span>
                                    <span class="cta">{preorder_verb(service)}</span>
                                </a></li>
                            }).collect_view()}
                        </ul>
                    })}
                }
                .into_any()
            }
            ReleasePhase::OutNow => view! {
                <ul class="services" aria-label="Listen on">
                    {self.services.into_iter().map(|(service, href)| view! {
                        <li><a class="service" href=href data-clickout rel="nofollow">
                            <span class="icon" aria-hidden="true" inner_html=service_icon(service)></span>
                            <span class="name">{service.name()}</span>
                            <span class="cta">{play_verb(service)}</span>
                        </a></li>
                    }).collect_view()}
                </ul>
                <label class="remember" hidden>
                    <input type="checkbox" data-remember />
                    " Remember my choice and open it directly next time"
                </label>
                {save_form.map(|form| form.view("Save on Spotify", false))}
            }
            .into_any(),
        };
        view! {
            <main class="card">
                {self.artwork.map(|src| view! {
                    <img class="artwork" src=src alt=artwork_alt width="320" height="320" />
                })}
                <h1>{self.title.clone()}</h1>
                <p class="meta"><a href=self.artist_path>{self.artist_name}</a>" · "{self.kind}</p>
                {self.video.map(|video| view! {
                    <a class="video" href=video.watch_url data-video-embed=video.embed_url
                        data-video-title=format!("Video: {}", self.title) data-track=track("video_play")>
                        <span class="video-play">"Watch the video"</span>
                    </a>
                })}
                {main_block}
                {(!self.custom.is_empty()).then(|| view! {
                    <ul class="custom-links" aria-label="More">
                        {self.custom.into_iter().map(|(label, href)| view! {
                            <li><a class="custom" href=href data-clickout rel="nofollow">
                                <span class="icon" aria-hidden="true" inner_html=LINK_ICON></span>
                                <span class="name">{label}</span>
                            </a></li>
                        }).collect_view()}
                    </ul>
                })}
                <button class="share" type="button" hidden data-share data-share-url=self.canonical
                    data-share-title=self.title data-share-text=self.share_text data-track=track("share")>
                    <span class="icon" aria-hidden="true" inner_html=SHARE_ICON></span>
                    "Share"
                </button>
                <p class="notice" data-share-status aria-live="polite"></p>
            </main>
        }
    }
}

/// The pre-save (or, after the release, "Save on Spotify") form: a plain POST, so it works without JavaScript.
struct PresaveForm {
    action: String,
    artist_name: String,
    ask_email: bool,
    /// The artist on Spotify is followed too.
    follows_artist: bool,
    extra_follows: usize,
}

fn presave_form(page: &FanRelease, configured: bool) -> Option<PresaveForm> {
    use crate::server::presave::{parse_follows, release_item};
    if !configured {
        return None;
    }
    let spotify_link = page
        .links
        .iter()
        .find(|(service, _)| *service == StreamingService::Spotify)
        .map(|(_, link)| link.url.as_str());
    release_item(&page.release, spotify_link)?;
    Some(PresaveForm {
        action: format!("/presave/{}", page.release.id),
        artist_name: page.artist.name.clone(),
        ask_email: page.release.presave_ask_email,
        follows_artist: page.release.presave_follow_artist
            && page.artist.spotify_artist_id.is_some(),
        extra_follows: parse_follows(&page.release.presave_follows).len(),
    })
}

impl PresaveForm {
    fn view(self, label: &'static str, before_release: bool) -> impl IntoView {
        let follows = match (self.follows_artist, self.extra_follows) {
            (false, 0) => String::new(),
            (true, 0) => format!(" and you follow {}", self.artist_name),
            (true, n) => format!(" and you follow {} and {n} more", self.artist_name),
            (false, n) => format!(" and you follow {n} more on Spotify"),
        };
        let note = if before_release {
            format!("Log in with Spotify: on release day it lands in your library{follows}.")
        } else {
            format!("Log in with Spotify: it is added to your library now{follows}.")
        };
        let consent = crate::server::presave::logins::consent_text(&self.artist_name);
        view! {
            <form class="presave-form" method="post" action=self.action>
                {self.ask_email.then(|| view! {
                    <label class="field">"Email (optional) "
                        <input type="email" name="email" autocomplete="email" maxlength="254" />
                    </label>
                    <label class="check"><input type="checkbox" name="email_consent" value="1" />" "{consent}</label>
                })}
                {before_release.then(|| view! {
                    <label class="check"><input type="checkbox" name="forever" value="1" />
                        {format!(" Pre-save {}'s future releases too", self.artist_name)}
                    </label>
                })}
                <button class="presave" type="submit">
                    <span class="icon" aria-hidden="true" inner_html=service_icon(StreamingService::Spotify)></span>
                    {label}
                </button>
                <p class="meta small">{note}</p>
            </form>
        }
    }
}

fn play_verb(service: StreamingService) -> &'static str {
    match service {
        StreamingService::ItunesStore | StreamingService::Beatport | StreamingService::Bandcamp => {
            "Buy"
        }
        StreamingService::Youtube => "Watch",
        _ => "Play",
    }
}

fn preorder_verb(service: StreamingService) -> &'static str {
    match service {
        StreamingService::ItunesStore | StreamingService::Beatport | StreamingService::Bandcamp => {
            "Pre-order"
        }
        StreamingService::AppleMusic => "Pre-add",
        _ => "Pre-save",
    }
}

/// "Fri 11 Dec 2026, 00:00 CET" in the fan's country's zone where known, else the release's own zone.
fn moment_label(at: DateTime<Utc>, country: Option<CountryCode>, release_zone: &str) -> String {
    let zone = country
        .and_then(country_time_zone)
        .or_else(|| release_zone.parse::<chrono_tz::Tz>().ok())
        .unwrap_or(chrono_tz::UTC);
    at.with_timezone(&zone)
        .format("%a %-d %b %Y, %H:%M %Z")
        .to_string()
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct YoutubeVideo {
    watch_url: String,
    embed_url: String,
}

/// Accepts youtube.com/watch?v=, youtu.be/, /shorts/ and /embed/ URLs; anything else shows no video.
fn youtube_video(url: &str) -> Option<YoutubeVideo> {
    let rest = url
        .strip_prefix("https://")
        .or_else(|| url.strip_prefix("http://"))?;
    let (host, path) = rest.split_once('/')?;
    let host = host.trim_start_matches("www.").trim_start_matches("m.");
    let id = match host {
        "youtu.be" => path.split(['?', '#', '/']).next(),
        "youtube.com" | "music.youtube.com" => {
            if let Some(query) = path.strip_prefix("watch?") {
                query.split('&').find_map(|pair| pair.strip_prefix("v="))
            } else {
                path.strip_prefix("shorts/")
                    .or_else(|| path.strip_prefix("embed/"))
                    .and_then(|id| id.split(['?', '#', '/']).next())
            }
        }
        _ => None,
    }?;
    let valid = (6..=20).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    valid.then(|| YoutubeVideo {
        watch_url: format!("https://www.youtube.com/watch?v={id}"),
        embed_url: format!("https://www.youtube-nocookie.com/embed/{id}"),
    })
}

pub(super) fn absolute(public_url: &str, url: &str) -> String {
    if url.starts_with('/') {
        format!("{public_url}{url}")
    } else {
        url.to_owned()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn youtube_urls() {
        let id = |url: &str| youtube_video(url).map(|v| v.embed_url);
        let embed = Some("https://www.youtube-nocookie.com/embed/dQw4w9WgXcQ".to_owned());
        assert_eq!(id("https://www.youtube.com/watch?v=dQw4w9WgXcQ&t=3"), embed);
        assert_eq!(id("https://youtu.be/dQw4w9WgXcQ?si=x"), embed);
        assert_eq!(id("https://youtube.com/shorts/dQw4w9WgXcQ"), embed);
        assert_eq!(id("https://m.youtube.com/embed/dQw4w9WgXcQ"), embed);
        assert_eq!(id("https://evil.example/watch?v=dQw4w9WgXcQ"), None);
        assert_eq!(id("https://youtu.be/a\"onload=x"), None);
    }
}
