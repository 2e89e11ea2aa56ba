//! Artists: the list, and each artist's profile and hub editor with the Spotify connection that imports their
//! discography in the background (with a progress bar that follows it).
use crate::pages::auth::capitalized;
use crate::types::{
    Access, AppError, ArtistDraft, ArtistEditorData, ArtistSummary, ImportProgress,
    ProfileLinkDraft,
};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_router::hooks::use_params_map;

/// The artists the caller may see, with their access.
#[server(endpoint = "list_artists")]
pub async fn list_artists() -> Result<Vec<ArtistSummary>, AppError> {
    use crate::server::auth::{self, access};
    use crate::server::entities::{artists, releases};
    use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder};
    let (ctx, caller) = auth::signed_in().await?;
    let membership = caller.member()?;
    let scope = access::scope_of(&ctx.db, membership).await?;
    let all = artists::Entity::find()
        .filter(artists::Column::OrganizationId.eq(membership.organization_id))
        .order_by_asc(artists::Column::Name)
        .all(&ctx.db)
        .await?;
    let ids: Vec<i32> = all.iter().map(|a| a.id).collect();
    let releases = releases::Entity::find()
        .filter(releases::Column::ArtistId.is_in(ids))
        .all(&ctx.db)
        .await?;
    Ok(all
        .into_iter()
        .filter_map(|artist| {
            let access = scope.artist_access(artist.id)?;
            Some(ArtistSummary {
                releases: releases
                    .iter()
                    .filter(|r| r.artist_id == artist.id)
                    .count()
                    .try_into()
                    .unwrap_or(u32::MAX),
                id: artist.id,
                name: artist.name,
                slug: artist.slug,
                access,
            })
        })
        .collect())
}

/// Adds an artist to the organization (admins), and with a Spotify link starts importing their releases.
#[server(endpoint = "create_artist", input = Json)]
pub async fn create_artist(name: String, spotify_link: String) -> Result<i32, AppError> {
    use crate::server::auth;
    use crate::server::models::{activity, artists};
    use crate::server::release_import;
    let (ctx, caller) = auth::signed_in().await?;
    let membership = caller.admin()?;
    let now = ctx.clock.now();
    let name = name.trim();
    if name.is_empty() || name.chars().count() > 100 {
        return Err(AppError::BadRequest(
            "the artist's name needs 1 to 100 characters".into(),
        ));
    }
    let link = spotify_link.trim();
    if !link.is_empty() {
        // Checked before anything is made, so a bad link leaves no half-made artist.
        release_import::spotify_artist_id(ctx.catalog.clients(), link).await?;
    }
    let slug = artists::free_slug(&ctx.db, name).await?;
    let artist = artists::create(
        &ctx.db,
        artists::NewArtist {
            organization_id: membership.organization_id,
            slug,
            name: name.to_owned(),
            image_url: None,
            profile_links: Vec::new(),
            spotify_artist_id: None,
        },
        now,
    )
    .await?;
    activity::record(
        &ctx.db,
        activity::Entry::by(
            &caller,
            membership.organization_id,
            "artist.created",
            activity::Subject::Artist(artist.id),
            format!("Added the artist {name}"),
        ),
        now,
    )
    .await?;
    let artist_id = artist.id;
    if !link.is_empty() {
        release_import::start_artist_import(
            &ctx.db,
            ctx.catalog.clients(),
            artist,
            link,
            caller.user.id,
            now,
        )
        .await?;
    }
    Ok(artist_id)
}

#[server(endpoint = "load_artist_editor")]
pub async fn load_artist_editor(artist_id: i32) -> Result<ArtistEditorData, AppError> {
    use crate::server::auth::{self, access};
    use crate::server::models::artists;
    use crate::server::release_import;
    let (ctx, caller) = auth::signed_in().await?;
    let (artist, access) =
        access::artist_for(&ctx.db, caller.member()?, artist_id, Access::View).await?;
    Ok(ArtistEditorData {
        draft: ArtistDraft {
            id: artist.id,
            profile_links: artists::profile_links(&artist)
                .into_iter()
                .map(|l| ProfileLinkDraft {
                    label: l.label,
                    url: l.url,
                })
                .collect(),
            spotify_artist: artist
                .spotify_artist_id
                .as_deref()
                .map(|id| format!("https://open.spotify.com/artist/{id}"))
                .unwrap_or_default(),
            name: artist.name,
            slug: artist.slug.clone(),
            image_url: artist.image_url.unwrap_or_default(),
            theme: artist.theme,
            service_order: artist.service_order,
            auto_publish_imports: artist.auto_publish_imports,
        },
        access,
        hub_path: format!("/{}", artist.slug),
        themes: crate::pages::fan::theme_options(),
        import: release_import::import_progress(&ctx.db, artist_id).await?,
        spotify_configured: ctx.catalog.spotify().is_some(),
        spotify_mode: ctx.catalog.mode().to_owned(),
    })
}

#[server(endpoint = "save_artist", input = Json)]
pub async fn save_artist(draft: ArtistDraft) -> Result<(), AppError> {
    use crate::server::auth::{self, access};
    use crate::server::models::{activity, artists};
    let (ctx, caller) = auth::signed_in().await?;
    let (artist, _) = access::artist_for(&ctx.db, caller.member()?, draft.id, Access::Edit).await?;
    let organization_id = artist.organization_id;
    let themes: Vec<&str> = crate::pages::fan::Theme::ALL
        .iter()
        .map(|t| t.key())
        .collect();
    let now = ctx.clock.now();
    let saved = artists::update_profile(
        &ctx.db,
        artist,
        artists::ProfileEdit {
            name: &draft.name,
            slug: &draft.slug,
            image_url: &draft.image_url,
            profile_links: draft
                .profile_links
                .iter()
                .map(|l| artists::ProfileLink {
                    label: l.label.clone(),
                    url: l.url.clone(),
                })
                .collect(),
            theme: &draft.theme,
            service_order: &draft.service_order,
            auto_publish_imports: draft.auto_publish_imports,
            themes: &themes,
        },
        now,
    )
    .await?;
    activity::record(
        &ctx.db,
        activity::Entry::by(
            &caller,
            organization_id,
            "artist.updated",
            activity::Subject::Artist(saved.id),
            format!("Edited the artist profile of {}", saved.name),
        ),
        now,
    )
    .await?;
    ctx.fan_pages_changed.call();
    Ok(())
}

/// Connects the artist to their Spotify profile and imports their releases in the background.
#[server(endpoint = "import_artist_releases", input = Json)]
pub async fn import_artist_releases(artist_id: i32, spotify_link: String) -> Result<i32, AppError> {
    use crate::server::auth::{self, access};
    use crate::server::models::activity;
    use crate::server::release_import;
    let (ctx, caller) = auth::signed_in().await?;
    let (artist, _) =
        access::artist_for(&ctx.db, caller.member()?, artist_id, Access::Edit).await?;
    let (organization_id, name) = (artist.organization_id, artist.name.clone());
    let now = ctx.clock.now();
    let import_id = release_import::start_artist_import(
        &ctx.db,
        ctx.catalog.clients(),
        artist,
        &spotify_link,
        caller.user.id,
        now,
    )
    .await?;
    activity::record(
        &ctx.db,
        activity::Entry::by(
            &caller,
            organization_id,
            "artist.import_started",
            activity::Subject::Artist(artist_id),
            format!("Started importing {name}'s releases from Spotify"),
        ),
        now,
    )
    .await?;
    Ok(import_id)
}

#[server(endpoint = "load_import_progress")]
pub async fn load_import_progress(artist_id: i32) -> Result<Option<ImportProgress>, AppError> {
    use crate::server::auth::{self, access};
    let (ctx, caller) = auth::signed_in().await?;
    access::artist_for(&ctx.db, caller.member()?, artist_id, Access::View).await?;
    crate::server::release_import::import_progress(&ctx.db, artist_id).await
}

#[component]
pub fn ArtistsPage() -> impl IntoView {
    let artists = crate::components::data(|| (), |_| list_artists());
    let is_admin = super::use_me().role == Some(crate::types::Role::Admin);
    view! {
        <leptos_meta::Title text="Artists · Dropday" />
        <main class="page">
            <h1>"Artists"</h1>
            {is_admin.then(|| view! { <NewArtistForm /> })}
            <Transition fallback=|| view! { <p class="muted">"Loading artists…"</p> }>
                {move || artists.get().map(|result| match result {
                    Ok(list) if list.is_empty() => view! { <p class="muted">"No artists you can see yet."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="artist-list">
                            {list.into_iter().map(|artist| view! {
                                <li>
                                    <a href=format!("/dashboard/artists/{}", artist.id)>{artist.name}</a>
                                    <span class="muted">{format!(" · /{} · {} releases · {}", artist.slug, artist.releases, artist.access.label())}</span>
                                </li>
                            }).collect_view()}
                        </ul>
                    }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{capitalized(&error.to_string())}</p> }.into_any(),
                })}
            </Transition>
        </main>
    }
    .into_any()
}

#[component]
pub fn ArtistEditor() -> impl IntoView {
    let params = use_params_map();
    let artist_id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i32>().ok()));
    let data = crate::components::data(artist_id, |id| async move {
        match id {
            Some(id) => load_artist_editor(id).await,
            None => Err(AppError::NotFound),
        }
    });
    view! {
        <main class="page editor">
            <p><a href="/dashboard/artists">"← Artists"</a></p>
            <Transition fallback=|| view! { <p class="muted">"Loading the artist…"</p> }>
                {move || data.get().map(|result| match result {
                    Ok(data) => view! { <ArtistForm data /> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{capitalized(&error.to_string())}</p> }.into_any(),
                })}
            </Transition>
        </main>
    }
    .into_any()
}

#[component]
fn ArtistForm(data: ArtistEditorData) -> impl IntoView {
    let can_edit = data.access >= Access::Edit;
    let artist_id = data.draft.id;
    let draft = RwSignal::new(data.draft.clone());
    let save = Action::new(move |draft: &ArtistDraft| save_artist(draft.clone()));
    let spotify_link = RwSignal::new(data.draft.spotify_artist.clone());
    let import = Action::new(move |link: &String| import_artist_releases(artist_id, link.clone()));
    let progress = RwSignal::new(data.import.clone());

    // Follows a running import until it finishes.
    let poll = move || async move {
        if let Ok(latest) = load_import_progress(artist_id).await {
            progress.set(latest);
        }
    };
    // (In an effect: timers exist only in the browser.)
    Effect::new(move |_| {
        if let Ok(handle) = set_interval_with_handle(
            move || {
                let running =
                    progress.with_untracked(|p| p.as_ref().is_some_and(|p| !p.finished()));
                if running || import.pending().get_untracked() {
                    leptos::task::spawn_local(poll());
                }
            },
            std::time::Duration::from_millis(1000),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(_)) = import.value().get() {
            leptos::task::spawn_local(poll());
        }
    });

    let field = move |label: &'static str,
                      get: fn(&ArtistDraft) -> String,
                      set: fn(&mut ArtistDraft, String)| {
        view! {
            <label>
                {label}
                <input type="text" disabled=!can_edit prop:value=move || draft.with(get)
                    on:change=move |ev| { let v = event_target_value(&ev); draft.update(|d| set(d, v)); } />
            </label>
        }
    };
    // `selected` on the options: built in the browser, a select gets `prop:value` before its options exist.
    let themes = data
        .themes
        .iter()
        .map(|(key, label)| {
            let chosen = key.clone();
            view! {
                <option value=key.clone() selected=move || draft.with(|d| d.theme == chosen)>{label.clone()}</option>
            }
        })
        .collect_view();
    let order_option = move |value: &'static str, label: &'static str| {
        view! { <option value=value selected=move || draft.with(|d| d.service_order == value)>{label}</option> }
    };
    let links = move || {
        draft
            .with(|d| d.profile_links.clone())
            .into_iter()
            .enumerate()
            .map(|(index, link)| {
                view! {
                    <li>
                        <input type="text" aria-label="Profile link label" placeholder="Instagram" value=link.label disabled=!can_edit
                            on:change=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.profile_links[index].label = v); } />
                        <input type="url" aria-label="Profile link" placeholder="https://" value=link.url disabled=!can_edit
                            on:change=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.profile_links[index].url = v); } />
                        <button type="button" disabled=!can_edit on:click=move |_| draft.update(|d| { d.profile_links.remove(index); })>"Remove"</button>
                    </li>
                }
            })
            .collect_view()
    };
    let sandbox = data.spotify_mode == "sandbox";
    view! {
        <leptos_meta::Title text=format!("{} · Dropday", data.draft.name) />
        <h1>{move || draft.with(|d| d.name.clone())}</h1>
        <p class="muted">
            <a href=data.hub_path.clone()>{data.hub_path.clone()}</a> " · " {data.access.label()} " · "
            <a href=format!("/dashboard/artists/{artist_id}/ads") data-testid="ads-link">"Ad tracking"</a> " · "
            <a href=format!("/dashboard/artists/{artist_id}/publishing") data-testid="publishing-link">"Publishing"</a>
        </p>
        <form class="stack card" on:submit=move |ev| { ev.prevent_default(); save.dispatch(draft.get_untracked()); }>
            <h2>"Profile"</h2>
            {field("Name", |d| d.name.clone(), |d, v| d.name = v)}
            {field("Link", |d| d.slug.clone(), |d, v| d.slug = v)}
            {field("Image URL", |d| d.image_url.clone(), |d, v| d.image_url = v)}
            <h3>"Profile links"</h3>
            <ol class="service-list">{links}</ol>
            <button type="button" disabled=!can_edit
                on:click=move |_| draft.update(|d| d.profile_links.push(ProfileLinkDraft { label: String::new(), url: String::new() }))>
                "Add a profile link"
            </button>
            <h2>"Fan pages"</h2>
            <label>
                "Default theme"
                <select disabled=!can_edit
                    on:change=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.theme = v); }>
                    {themes}
                </select>
            </label>
            <label>
                "Service order"
                <select disabled=!can_edit data-testid="service-order"
                    on:change=move |ev| { let v = event_target_value(&ev); draft.update(|d| d.service_order = v); }>
                    {order_option("by_country", "Automatic: most popular in the fan's country first")}
                    {order_option("fixed", "Fixed: each release's own order, everywhere")}
                </select>
            </label>
            <label>
                <input type="checkbox" disabled=!can_edit prop:checked=move || draft.with(|d| d.auto_publish_imports)
                    on:change=move |ev| { let on = event_target_checked(&ev); draft.update(|d| d.auto_publish_imports = on); } />
                " Publish releases found on Spotify at once (otherwise they wait as drafts)"
            </label>
            {move || save.value().with(|v| match v {
                Some(Err(error)) => Some(view! { <p class="error" role="alert">{capitalized(&error.to_string())}</p> }.into_any()),
                Some(Ok(())) => Some(view! { <p class="ok" role="status">"Saved."</p> }.into_any()),
                None => None,
            })}
            {can_edit.then(|| view! { <button type="submit" class="primary" disabled=move || save.pending().get()>"Save"</button> })}
        </form>
        <section class="card stack">
            <h2>"Spotify"</h2>
            {if data.spotify_configured {
                view! {
                    <p class="muted">
                        {if sandbox { "Sandbox: Spotify and Odesli are local fakes with demo data." } else { "Connected to Spotify's catalog." }}
                    </p>
                }.into_any()
            } else {
                view! { <p class="muted">"This server has no Spotify credentials, so releases are made by hand."</p> }.into_any()
            }}
            <label>
                "The artist's Spotify link"
                <input type="url" data-testid="spotify-artist" placeholder="https://open.spotify.com/artist/…"
                    disabled=!can_edit || !data.spotify_configured
                    prop:value=move || spotify_link.get()
                    on:input=move |ev| spotify_link.set(event_target_value(&ev)) />
            </label>
            {(can_edit && data.spotify_configured).then(|| view! {
                <button type="button" data-testid="import" disabled=move || import.pending().get()
                    on:click=move |_| { import.dispatch(spotify_link.get_untracked()); }>
                    "Import releases from Spotify"
                </button>
            })}
            {move || import.value().with(|v| match v {
                Some(Err(error)) => Some(view! { <p class="error" role="alert">{capitalized(&error.to_string())}</p> }),
                _ => None,
            })}
            {move || progress.get().map(|p| view! { <ImportBar progress=p /> })}
        </section>
    }
    .into_any()
}

#[component]
fn ImportBar(progress: ImportProgress) -> impl IntoView {
    let percent = progress.percent();
    let summary = match progress.status.as_str() {
        "queued" => "Waiting to start…".to_owned(),
        "failed" => format!(
            "The import stopped: {}",
            progress.error.clone().unwrap_or_default()
        ),
        _ => format!(
            "{} found on Spotify: {} new, {} already here. Links: {} of {} looked up{}.",
            progress.found,
            progress.added,
            progress.existing,
            progress.lookups.done,
            progress.lookups.total,
            if progress.lookups.failed > 0 {
                format!(", {} gave up", progress.lookups.failed)
            } else {
                String::new()
            }
        ),
    };
    view! {
        <div data-testid="import-progress" data-status=progress.status.clone() data-finished=progress.finished().to_string()>
            <progress max="100" value=percent.to_string() aria-label="Import progress">{format!("{percent}%")}</progress>
            <p class="muted">{summary}</p>
        </div>
    }
    .into_any()
}

#[component]
fn NewArtistForm() -> impl IntoView {
    let create = Action::new(|input: &(String, String)| {
        let (name, link) = input.clone();
        create_artist(name, link)
    });
    let name = RwSignal::new(String::new());
    let link = RwSignal::new(String::new());
    Effect::new(move |_| {
        if let Some(Ok(id)) = create.value().get() {
            let navigate = leptos_router::hooks::use_navigate();
            navigate(&format!("/dashboard/artists/{id}"), Default::default());
        }
    });
    view! {
        <form class="card stack" data-testid="new-artist" on:submit=move |ev| {
            ev.prevent_default();
            create.dispatch((name.get_untracked(), link.get_untracked()));
        }>
            <h2>"New artist"</h2>
            <label>
                "Name"
                <input type="text" maxlength="100" required prop:value=move || name.get()
                    on:input=move |ev| name.set(event_target_value(&ev)) />
            </label>
            <label>
                "Spotify artist link (optional: imports their releases)"
                <input type="text" placeholder="https://open.spotify.com/artist/…" prop:value=move || link.get()
                    on:input=move |ev| link.set(event_target_value(&ev)) />
            </label>
            {move || create.value().with(|v| match v {
                Some(Err(error)) => Some(view! { <p class="error" role="alert">{capitalized(&error.to_string())}</p> }),
                _ => None,
            })}
            <button type="submit" class="primary" disabled=move || create.pending().get()>"Add artist"</button>
        </form>
    }
    .into_any()
}
