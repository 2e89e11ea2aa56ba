//! The artist hub at `/{artist}`: the link-in-bio shape with published releases, newest first.
use super::document::{self, FanPage, PageMeta};
use super::release::absolute;
use crate::server::entities::{artists, releases};
use crate::server::models::artists::profile_links;
use crate::types::ReleasePhase;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

pub fn render_artist_hub(
    artist: &artists::Model,
    published: &[releases::Model],
    now: DateTime<Utc>,
    public_url: &str,
) -> FanPage {
    let meta = PageMeta {
        description: format!("New music and links from {}.", artist.name),
        canonical_url: format!("{public_url}/{}", artist.slug),
        image_url: artist
            .image_url
            .as_ref()
            .map(|url| absolute(public_url, url)),
        og_type: "profile",
    };
    let name = artist.name.clone();
    let image = artist.image_url.clone();
    let links = profile_links(artist);
    let items: Vec<_> = published
        .iter()
        .map(|release| {
            let badge = match ReleasePhase::at(release.release_at, now) {
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

    document::render(&name.clone(), Some(meta), move || {
        view! {
            <main class="card">
                {image.map(|src| view! { <img class="avatar" src=src alt="" width="120" height="120" /> })}
                <h1>{name}</h1>
                <ul class="releases" aria-label="Releases">
                    {items
                        .into_iter()
                        .map(|(href, title, artwork, badge)| {
                            view! {
                                <li>
                                    <a class="release" href=href>
                                        {artwork.map(|src| view! { <img src=src alt="" width="56" height="56" /> })}
                                        <span class="name">{title}</span>
                                        <span class="cta">{badge}</span>
                                    </a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
                <ul class="profile-links" aria-label="Elsewhere">
                    {links
                        .into_iter()
                        .map(|link| view! { <li><a href=link.url rel="noopener">{link.label}</a></li> })
                        .collect_view()}
                </ul>
            </main>
        }
    })
}
