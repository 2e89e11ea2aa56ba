//! Making a release: from a Spotify album, track or playlist link (its other links are then looked up in the
//! background), or by hand from a title.
use crate::pages::auth::capitalized;
use crate::types::{Access, AppError};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

/// Creates a draft and returns its id. With a Spotify link, its details come from Spotify; else `title` is used.
#[server(endpoint = "create_release", input = Json)]
pub async fn create_release(
    artist_id: i32,
    spotify_link: String,
    title: String,
) -> Result<i32, AppError> {
    use crate::server::auth::{self, access};
    use crate::server::models::{activity, release_edits, releases};
    use crate::server::release_import;
    use crate::types::{ReleaseKind, ReleaseMode, ReleaseStatus};
    let (ctx, caller) = auth::signed_in().await?;
    let (artist, _) =
        access::artist_for(&ctx.db, caller.member()?, artist_id, Access::Edit).await?;
    let now = ctx.clock.now();
    let (release_id, title) = if spotify_link.trim().is_empty() {
        let title = releases::clean_title(&title).map_err(|_| {
            AppError::BadRequest("paste a Spotify link, or give the release a title".into())
        })?;
        let slug = release_edits::free_slug(&ctx.db, artist.id, &title).await?;
        let release = releases::create(
            &ctx.db,
            releases::NewRelease {
                artist_id: artist.id,
                slug,
                kind: ReleaseKind::Single,
                title: title.clone(),
                artwork_url: None,
                upc: None,
                isrc: None,
                spotify_id: None,
                release_at: None,
                time_zone: "UTC".into(),
                status: ReleaseStatus::Draft,
                release_mode: ReleaseMode::Fixed,
                theme: None,
                video_url: None,
                links: Vec::new(),
                custom_links: Vec::new(),
            },
            now,
        )
        .await?;
        (release.id, title)
    } else {
        let created = release_import::create_from_spotify(
            &ctx.db,
            ctx.catalog.clients(),
            &artist,
            &spotify_link,
            now,
        )
        .await?;
        (created.release_id, created.title)
    };
    activity::record(
        &ctx.db,
        activity::Entry::by(
            &caller,
            artist.organization_id,
            "release.created",
            activity::Subject::Release(release_id),
            format!("Created \u{201c}{title}\u{201d} for {}", artist.name),
        ),
        now,
    )
    .await?;
    Ok(release_id)
}

#[component]
pub fn NewReleaseForm() -> impl IntoView {
    let artists = crate::components::data(|| (), |_| super::list_artists());
    let create = Action::new(|input: &(i32, String, String)| {
        let (artist_id, link, title) = input.clone();
        create_release(artist_id, link, title)
    });
    let artist = RwSignal::new(None::<i32>);
    let link = RwSignal::new(String::new());
    let title = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            let navigate = leptos_router::hooks::use_navigate();
            navigate(&format!("/dashboard/releases/{id}"), Default::default());
        }
    });
    view! {
        <Transition fallback=|| ()>
            {move || artists.get().and_then(Result::ok).map(|list| {
                let editable: Vec<_> = list.into_iter().filter(|a| a.access >= Access::Edit).collect();
                if editable.is_empty() {
                    return None;
                }
                if artist.get_untracked().is_none() {
                    artist.set(editable.first().map(|a| a.id));
                }
                let options = editable.iter()
                    .map(|a| view! { <option value=a.id.to_string()>{a.name.clone()}</option> })
                    .collect_view();
                Some(view! {
                    <form class="card stack" data-testid="new-release" on:submit=move |ev| {
                        ev.prevent_default();
                        if let Some(artist_id) = artist.get_untracked() {
                            create.dispatch((artist_id, link.get_untracked(), title.get_untracked()));
                        }
                    }>
                        <h2>"New release"</h2>
                        <label>
                            "Artist"
                            <select on:change=move |ev| artist.set(event_target_value(&ev).parse().ok())>{options}</select>
                        </label>
                        <label>
                            "Spotify link (album, single, track or playlist)"
                            <input type="text" name="spotify_link" placeholder="https://open.spotify.com/album/…"
                                prop:value=move || link.get() on:input=move |ev| link.set(event_target_value(&ev)) />
                        </label>
                        <label>
                            "Or a title, to fill in by hand"
                            <input type="text" name="title" maxlength="200"
                                prop:value=move || title.get() on:input=move |ev| title.set(event_target_value(&ev)) />
                        </label>
                        {move || create.value().with(|v| match v {
                            Some(Err(error)) => Some(view! { <p class="error" role="alert">{capitalized(&error.to_string())}</p> }),
                            _ => None,
                        })}
                        <button type="submit" class="primary" disabled=move || create.pending().get()>
                            {move || if create.pending().get() { "Creating…" } else { "Create release" }}
                        </button>
                    </form>
                })
            })}
        </Transition>
    }
    .into_any()
}
