//! The dashboard: a hydrated Leptos app talking to the server through server functions, inside a frame that
//! requires a signed-in member.
mod account;
mod activity;
mod ad_tracking;
mod analytics;
mod artists;
mod campaign_link;
mod layout;
mod members;
mod new_release;
mod organization;
mod presaves;
mod publishing;
mod release_editor;
mod releases;

pub use account::{
    change_password, create_api_token, list_api_tokens, revoke_api_token, update_profile,
    AccountPage,
};
pub use activity::{list_activity, ActivityLogPage};
pub use ad_tracking::{ad_tracking, AdRequest, ArtistAdsPage, ReleaseAdsPage};
pub use analytics::{load_stats, AnalyticsPage, DefinitionsPage};
pub use artists::{
    create_artist, import_artist_releases, list_artists, load_artist_editor, load_import_progress,
    save_artist, ArtistEditor, ArtistsPage,
};
pub use campaign_link::{build_campaign_link, CampaignLinkBuilder};
pub use layout::{current_user, sign_out, switch_organization, use_me, DashboardLayout};
pub use members::{
    change_member_role, grant_options, invite_member, list_invitations, list_members,
    remove_member, revoke_invitation, MembersPage,
};
pub use new_release::{create_release, NewReleaseForm};
pub use organization::{manage_organization, OrganizationPage};
pub use presaves::PresavePanel;
pub use publishing::{publishing, PublishingPage};
pub use release_editor::{
    load_release, load_release_editor, publish_release, refresh_release_links, save_release,
    ReleaseEditor,
};
pub use releases::{list_releases, ReleaseList};

use leptos::prelude::*;
use leptos_meta::Title;

/// Pages most sessions never open, each loaded as a WASM chunk of its own (`cargo leptos build --split`) when first
/// visited or hydrated, so the dashboard's first download carries only the releases and the editors. Each type
/// is one split point: the route renders `$page` once its code is loaded.
macro_rules! on_demand {
    ($($route:ident => $page:ident),* $(,)?) => {$(
        pub struct $route;

        #[leptos_router::lazy_route]
        impl leptos_router::LazyRoute for $route {
            fn data() -> Self {
                Self
            }

            fn view(_this: Self) -> AnyView {
                view! { <$page /> }.into_any()
            }
        }
    )*};
}

on_demand! {
    OrganizationRoute => OrganizationPage,
    PublishingRoute => PublishingPage,
    ReleaseAdsRoute => ReleaseAdsPage,
    ArtistAdsRoute => ArtistAdsPage,
    AnalyticsRoute => AnalyticsPage,
    DefinitionsRoute => DefinitionsPage,
    ActivityLogRoute => ActivityLogPage,
    MembersRoute => MembersPage,
    AccountRoute => AccountPage,
}

#[component]
pub fn DashboardHome() -> impl IntoView {
    let me = use_me();
    let heading = me
        .organization
        .as_ref()
        .map(|organization| format!("{} releases", organization.name))
        .unwrap_or_else(|| "Releases".into());
    view! {
        <Title text="Releases · Dropday" />
        <main class="page">
            <h1>{heading}</h1>
            <p class="lede">
                "Every release has one link for its whole life: a pre-save page before the release moment, a smart link after."
            </p>
            <NewReleaseForm />
            <ReleaseList />
        </main>
    }
    .into_any()
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
    .into_any()
}
