//! Dropday's application crate: shared types, the dashboard (hydrated Leptos), SSR-only fan pages, and, under the
//! `ssr` feature, everything that touches the database.
#![forbid(unsafe_code)]

pub mod components;
pub mod pages;
pub mod types;

#[cfg(feature = "ssr")]
pub mod server;

use leptos::prelude::*;
use leptos_meta::{provide_meta_context, HashedStylesheet, MetaTags, Title};
use leptos_router::{
    components::{ParentRoute, Redirect, Route, Router, Routes},
    path, Lazy, SsrMode,
};

use pages::auth::{AcceptInvitationPage, SignInPage, SignUpPage};
use pages::dashboard::{
    AccountRoute, ActivityLogRoute, AnalyticsRoute, ArtistAdsRoute, ArtistEditor, ArtistsPage,
    DashboardHome, DashboardLayout, DefinitionsRoute, MembersRoute, NotFound, OrganizationRoute,
    PublishingRoute, ReleaseAdsRoute, ReleaseEditor,
};

/// The HTML document around every Leptos-rendered (dashboard) page. Fan pages do not use it: they are rendered
/// by `pages::fan` without any WASM.
pub fn shell(options: LeptosOptions) -> impl IntoView {
    #[cfg(feature = "ssr")]
    server::csp::provide_request_nonce();
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8" />
                <meta name="viewport" content="width=device-width, initial-scale=1" />
                <meta name="robots" content="noindex" />
                <link rel="icon" href="/favicon.svg" type="image/svg+xml" />
                <HashedStylesheet options=options.clone() id="leptos" />
                <AutoReload options=options.clone() />
                <HydrationScripts options />
                <MetaTags />
            </head>
            <body>
                <App />
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Effects run only in the browser, after hydration: the marker tells people and browser tests that the page is
    // live, not just server-rendered.
    Effect::new(|_| {
        if let Some(body) = document().body() {
            let _ = body.set_attribute("data-hydrated", "true");
        }
    });
    view! {
        <Title text="Dropday" />
        <Router>
            <Routes fallback=NotFound>
                <Route path=path!("/") view=|| view! { <Redirect path="/dashboard" /> } />
                <Route path=path!("/sign-in") view=SignInPage />
                <Route path=path!("/sign-up") view=SignUpPage />
                <Route path=path!("/invite/:token") view=AcceptInvitationPage />
                // Async: the session is checked before the first byte, so a visitor gets a real 302 to sign-in.
                <ParentRoute path=path!("/dashboard") view=DashboardLayout ssr=SsrMode::Async>
                    <Route path=path!("") view=DashboardHome />
                    <Route path=path!("releases/:id") view=ReleaseEditor />
                    <Route path=path!("releases/:id/ads") view={Lazy::<ReleaseAdsRoute>::new()} />
                    <Route path=path!("artists") view=ArtistsPage />
                    <Route path=path!("artists/:id") view=ArtistEditor />
                    <Route path=path!("artists/:id/ads") view={Lazy::<ArtistAdsRoute>::new()} />
                    <Route path=path!("artists/:id/publishing") view={Lazy::<PublishingRoute>::new()} />
                    <Route path=path!("organization") view={Lazy::<OrganizationRoute>::new()} />
                    <Route path=path!("members") view={Lazy::<MembersRoute>::new()} />
                    <Route path=path!("activity") view={Lazy::<ActivityLogRoute>::new()} />
                    <Route path=path!("analytics") view={Lazy::<AnalyticsRoute>::new()} />
                    <Route path=path!("analytics/definitions") view={Lazy::<DefinitionsRoute>::new()} />
                    <Route path=path!("account") view={Lazy::<AccountRoute>::new()} />
                </ParentRoute>
            </Routes>
        </Router>
    }
}
