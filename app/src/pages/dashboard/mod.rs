//! The dashboard: a hydrated Leptos app talking to the server through server functions.
mod releases;

pub use releases::{list_releases, ReleaseList};

use leptos::prelude::*;
use leptos_meta::Title;

#[component]
pub fn DashboardHome() -> impl IntoView {
    view! {
        <Title text="Releases · Dropday" />
        <header class="topbar">
            <a class="brand" href="/dashboard">
                <img src="/favicon.svg" alt="" width="24" height="24" />
                "Dropday"
            </a>
        </header>
        <main class="page">
            <h1>"Releases"</h1>
            <p class="lede">
                "Every release has one link for its whole life: a pre-save page before the release moment, a smart link after."
            </p>
            <ReleaseList />
        </main>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · Dropday" />
        <main class="page">
            <h1>"Page not found"</h1>
            <p>
                <a href="/dashboard">"Back to your releases"</a>
            </p>
        </main>
    }
}
