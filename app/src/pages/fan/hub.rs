//! The artist hub at `/{artist}`: the link-in-bio shape with published releases newest first, custom links and
//! profile links.
use super::document::{self, Document, FanPage, PageMeta, Style};
use super::icons::LINK_ICON;
use super::release::absolute;
use super::seo::{artist_json_ld, JsonLdArtist};
use super::theme::Theme;
use crate::server::entities::{artists, custom_links, releases};
use crate::server::models::artists::profile_links;
use crate::server::models::releases::release_moment;
use crate::types::{CountryCode, ReleasePhase};
use chrono::{DateTime, Utc};
use leptos::prelude::*;

pub struct HubInput<'a> {
    pub artist: &'a artists::Model,
    pub published: &'a [releases::Model],
    pub custom_links: &'a [custom_links::Model],
    pub country: Option<CountryCode>,
    pub now: DateTime<Utc>,
    pub public_url: &'a str,
}

pub struct RenderedHub {
    pub page: FanPage,
    /// The next moment one of the listed releases turns from "Pre-save" into "Listen".
    pub next_change: Option<DateTime<Utc>>,
}

pub fn render_artist_hub(input: HubInput) -> RenderedHub {
    let artist = input.artist;
    let url = format!("{}/{}", input.public_url, artist.slug);
    let image = artist
        .image_url
        .as_ref()
        .map(|image| absolute(input.public_url, image));
    let links = profile_links(artist);
    let same_as: Vec<&str> = links.iter().map(|link| link.url.as_str()).collect();
    let json_ld = artist_json_ld(&JsonLdArtist {
        name: &artist.name,
        url: &url,
        image_url: image.as_deref(),
        same_as: &same_as,
    });
    let meta = PageMeta {
        description: format!("New music and links from {}.", artist.name),
        canonical_url: url,
        image_url: image,
        og_type: "profile",
    };
    let mut next_change: Option<DateTime<Utc>> = None;
    let items: Vec<_> = input
        .published
        .iter()
        .map(|release| {
            let moment = release_moment(release);
            let phase = moment.map_or(ReleasePhase::OutNow, |m| {
                m.phase_for(input.country, input.now)
            });
            if let Some(at) = moment
                .map(|m| m.instant_for(input.country))
                .filter(|at| *at > input.now)
            {
                next_change = Some(next_change.map_or(at, |current| current.min(at)));
            }
            let badge = match phase {
                ReleasePhase::Upcoming => "Pre-save",
                ReleasePhase::OutNow => "Listen",
            };
            (
                format!("/{}/{}", artist.slug, release.slug),
                release.title.clone(),
                release.artwork_url.clone(),
                badge,
            )
        })
        .collect();
    let custom: Vec<_> = input
        .custom_links
        .iter()
        .map(|link| (link.label.clone(), format!("/go/link/{}", link.id)))
        .collect();
    let name = artist.name.clone();
    let avatar = artist.image_url.clone();
    let theme = artist.theme.parse().unwrap_or(Theme::Midnight);

    let page = document::render(
        Document {
            title: &artist.name,
            meta: Some(meta),
            theme,
            json_ld: Some(json_ld),
            script: false,
            style: Style::Fan,
            ads: None,
        },
        move || {
            view! {
                <main class="card">
                    {avatar.map(|src| view! { <img class="avatar" src=src alt="" width="120" height="120" /> })}
                    <h1>{name}</h1>
                    <ul class="releases" aria-label="Releases">
                        {items.into_iter().map(|(href, title, artwork, badge)| view! {
                            <li><a class="release" href=href>
                                {artwork.map(|src| view! { <img src=src alt="" width="56" height="56" /> })}
                                <span class="name">{title}</span>
                                <span class="cta">{badge}</span>
                            </a></li>
                        }).collect_view()}
                    </ul>
                    {(!custom.is_empty()).then(|| view! {
                        <ul class="custom-links" aria-label="Links">
                            {custom.into_iter().map(|(label, href)| view! {
                                <li><a class="custom" href=href rel="nofollow">
                                    <span class="icon" aria-hidden="true" inner_html=LINK_ICON></span>
                                    <span class="name">{label}</span>
                                </a></li>
                            }).collect_view()}
                        </ul>
                    })}
                    <ul class="profile-links" aria-label="Elsewhere">
                        {links.into_iter().map(|link| view! { <li><a href=link.url rel="noopener">{link.label}</a></li> }).collect_view()}
                    </ul>
                </main>
            }
        },
    );
    let mut page = page;
    page.allow_http_images_on(input.public_url);
    RenderedHub { page, next_change }
}
