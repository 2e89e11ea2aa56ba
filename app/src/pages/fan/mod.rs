//! Fan pages: server-rendered HTML with inline CSS, no WASM and no module script. They are Dropday's hot path, so
//! they render to a finished `FanPage` (HTML plus its Content-Security-Policy) that the server can cache.
mod document;
mod hub;
mod release;

pub use document::FanPage;
pub use hub::render_artist_hub;
pub use release::render_release_page;

/// The page for an unknown or unpublished link. Same look as fan pages, no details, no hint whether a draft exists.
pub fn render_not_found() -> FanPage {
    use leptos::prelude::*;
    document::render("Link not found · Dropday", None, || {
        view! {
            <main class="card">
                <h1>"This link does not exist (yet)"</h1>
                <p class="meta">"Check the address, or ask the artist for their current link."</p>
            </main>
        }
    })
}
