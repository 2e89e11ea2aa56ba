//! A release's fan page: a pre-save page before the release moment, a smart link after.
use super::document::{self, FanPage, PageMeta};
use crate::server::models::releases::{release_moment_label, FanRelease};
use crate::types::ReleasePhase;
use chrono::{DateTime, Utc};
use leptos::prelude::*;

pub fn render_release_page(page: &FanRelease, now: DateTime<Utc>, public_url: &str) -> FanPage {
    let release = &page.release;
    let artist = &page.artist;
    let phase = ReleasePhase::at(release.release_at, now);
    let title = format!("{} by {}", release.title, artist.name);
    let meta = PageMeta {
        description: match phase {
            ReleasePhase::Upcoming => format!(
                "{} by {} is out {}. Pre-save it now.",
                release.title,
                artist.name,
                release_moment_label(release.release_at, &release.time_zone)
            ),
            ReleasePhase::OutNow => {
                format!(
                    "Listen to {} by {} on your favourite service.",
                    release.title, artist.name
                )
            }
        },
        canonical_url: format!("{public_url}/{}/{}", artist.slug, release.slug),
        image_url: release
            .artwork_url
            .as_ref()
            .map(|url| absolute(public_url, url)),
        og_type: match page.kind {
            crate::types::ReleaseKind::Single => "music.song",
            crate::types::ReleaseKind::Playlist => "music.playlist",
            _ => "music.album",
        },
    };

    let release_title = release.title.clone();
    let artist_name = artist.name.clone();
    let artist_path = format!("/{}", artist.slug);
    let artwork = release.artwork_url.clone();
    let kind = page.kind.label();
    let moment = release_moment_label(release.release_at, &release.time_zone);
    let links: Vec<_> = page
        .links
        .iter()
        .map(|(service, link)| (*service, link.url.clone()))
        .collect();

    document::render(&title, Some(meta), move || {
        let artwork_alt = format!("Artwork of {release_title}");
        let actions = match phase {
            ReleasePhase::Upcoming => view! {
                <p class="moment">"Out " <time>{moment}</time></p>
            }
            .into_any(),
            ReleasePhase::OutNow => view! {
                <ul class="services" aria-label="Listen on">
                    {links
                        .into_iter()
                        .map(|(service, url)| {
                            view! {
                                <li>
                                    <a class="service" href=url rel="noopener">
                                        <img src=service.icon_path() alt="" width="28" height="28" />
                                        <span class="name">{service.name()}</span>
                                        <span class="cta">"Play"</span>
                                    </a>
                                </li>
                            }
                        })
                        .collect_view()}
                </ul>
            }
            .into_any(),
        };
        view! {
            <main class="card">
                {artwork.map(|src| view! { <img class="artwork" src=src alt=artwork_alt width="320" height="320" /> })}
                <h1>{release_title}</h1>
                <p class="meta">
                    <a href=artist_path>{artist_name}</a>
                    " · "
                    {kind}
                </p>
                {actions}
            </main>
        }
    })
}

pub(super) fn absolute(public_url: &str, url: &str) -> String {
    if url.starts_with('/') {
        format!("{public_url}{url}")
    } else {
        url.to_owned()
    }
}
