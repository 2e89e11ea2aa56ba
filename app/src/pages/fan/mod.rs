//! Fan pages: server-rendered HTML with inline CSS, no WASM and no module script. They are Dropday's hot path, so
//! they render to a finished `FanPage` (HTML plus its Content-Security-Policy) that the server can cache.
pub mod ads;
mod document;
mod hub;
mod icons;
pub mod presave;
mod release;
pub mod seo;
pub mod theme;

pub use document::FanPage;
pub use hub::{render_artist_hub, HubInput, RenderedHub};
pub use release::{render_release_page, PresaveSetup, ReleasePageInput, RenderedRelease};
pub use theme::Theme;

/// Theme keys and labels, for the editors' pickers.
pub fn theme_options() -> Vec<(String, String)> {
    Theme::ALL
        .iter()
        .map(|theme| (theme.key().to_owned(), theme.label().to_owned()))
        .collect()
}

/// The page for an unknown or unpublished link. Same look as fan pages, no details, no hint whether a draft exists.
pub fn render_not_found() -> FanPage {
    use leptos::prelude::*;
    let document = document::Document {
        title: "Link not found · Dropday",
        meta: None,
        theme: theme::Theme::Midnight,
        json_ld: None,
        script: false,
        style: document::Style::Fan,
        ads: None,
    };
    document::render(document, || {
        view! {
            <main class="card">
                <h1>"This link does not exist (yet)"</h1>
                <p class="meta">"Check the address, or ask the artist for their current link."</p>
            </main>
        }
    })
}
