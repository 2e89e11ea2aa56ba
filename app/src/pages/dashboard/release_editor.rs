//! One release in the dashboard: every field a fan page shows, its services in order, a live preview for any
//! country before and after the release moment, and publishing. The editor saves the whole draft at once; the
//! server refuses a save made on top of someone else's.
use crate::pages::auth::capitalized;
use crate::types::{
    Access, AppError, DraftCustomLink, DraftLink, ReleaseDetail, ReleaseDraft, ReleaseEditorData,
    ReleaseKind, ReleaseMode, ReleaseStatus, StreamingService,
};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_router::hooks::use_params_map;

#[server(endpoint = "load_release")]
pub async fn load_release(release_id: i32) -> Result<ReleaseDetail, AppError> {
    use crate::server::auth::{self, access};
    let (ctx, caller) = auth::signed_in().await?;
    let (release, artist, access) =
        access::release_for(&ctx.db, caller.member()?, release_id, Access::View).await?;
    Ok(ReleaseDetail {
        id: release.id,
        fan_path: format!("/{}/{}", artist.slug, release.slug),
        title: release.title,
        artist_name: artist.name,
        access,
    })
}

#[server(endpoint = "load_release_editor")]
pub async fn load_release_editor(release_id: i32) -> Result<ReleaseEditorData, AppError> {
    use crate::server::auth::{self, access};
    use crate::server::models::release_edits;
    use crate::server::release_import;
    let (ctx, caller) = auth::signed_in().await?;
    use crate::server::billing;
    let (release, artist, access) =
        access::release_for(&ctx.db, caller.member()?, release_id, Access::View).await?;
    let organization =
        crate::server::models::organizations::find_by_id(&ctx.db, artist.organization_id)
            .await?
            .ok_or(AppError::NotFound)?;
    let now = ctx.clock.now();
    Ok(ReleaseEditorData {
        rules: billing::rules::form_of(&organization),
        publishing: {
            let mut check =
                billing::access::publish_check(&ctx.db, &organization, artist.id, release.id, now)
                    .await?;
            // Nothing can be bought without Stripe, nor by someone who may not spend for the artist.
            if !check.allowed && (ctx.stripe.is_none() || access < Access::Owner) {
                check.fee = None;
                check.packages_for_sale = false;
                check.ask_admin = true;
            }
            check
        },
        draft: release_edits::load_draft(&ctx.db, &release).await?,
        status: release.status.parse().map_err(AppError::internal)?,
        artist_id: artist.id,
        fan_path: format!("/{}/{}", artist.slug, release.slug),
        artist_name: artist.name,
        artist_slug: artist.slug,
        access,
        last_saved: release_edits::last_saved_label(&ctx.db, &release).await?,
        themes: crate::pages::fan::theme_options(),
        lookups: release_import::link_progress(&ctx.db, release.id).await?,
        lookup_errors: release_import::recent_lookup_errors(&ctx.db, release.id).await?,
        presaves: super::presaves::presave_report(&ctx, release.id).await?,
    })
}

/// Saves the whole draft; returns the new version. Refused (409) when the release changed since `draft.version`.
#[server(endpoint = "save_release", input = Json)]
pub async fn save_release(draft: ReleaseDraft) -> Result<i32, AppError> {
    use crate::server::auth::{self, access};
    use crate::server::models::{activity, release_edits};
    let (ctx, caller) = auth::signed_in().await?;
    let (release, artist, _) =
        access::release_for(&ctx.db, caller.member()?, draft.id, Access::Edit).await?;
    let now = ctx.clock.now();
    let old_title = release.title.clone();
    let themes: Vec<&str> = crate::pages::fan::Theme::ALL
        .iter()
        .map(|t| t.key())
        .collect();
    let rules =
        crate::server::billing::rules::for_organization(&ctx.db, artist.organization_id).await?;
    let txn = crate::server::db::begin_write(&ctx.db).await?;
    release_edits::check_platform_rules(&txn, &release, &draft, &rules).await?;
    let saved = release_edits::save(&txn, release, &draft, &themes, caller.user.id, now).await?;
    // Pre-saves waiting for the release follow its moment when the date or time changed.
    if let Some(found) = crate::server::models::releases::fan_release_by_id(&txn, saved.id).await? {
        crate::server::presave::logins::reschedule(&txn, &found, now).await?;
    }
    let summary = if saved.title == old_title {
        format!("Edited \u{201c}{}\u{201d}", saved.title)
    } else {
        format!(
            "Renamed the release \u{201c}{old_title}\u{201d} to \u{201c}{}\u{201d}",
            saved.title
        )
    };
    activity::record(
        &txn,
        activity::Entry::by(
            &caller,
            artist.organization_id,
            "release.updated",
            activity::Subject::Release(saved.id),
            summary,
        ),
        now,
    )
    .await?;
    txn.commit().await?;
    ctx.fan_pages_changed.call();
    Ok(saved.version)
}

/// Publishes (the link goes live at once) or unpublishes (fans get "not found"; the slug stays reserved).
#[server(endpoint = "publish_release", input = Json)]
pub async fn publish_release(release_id: i32, publish: bool) -> Result<i32, AppError> {
    use crate::server::auth::{self, access};
    use crate::server::models::{activity, release_edits};
    use sea_orm::EntityTrait;
    let (ctx, caller) = auth::signed_in().await?;
    let (release, artist, _) =
        access::release_for(&ctx.db, caller.member()?, release_id, Access::Edit).await?;
    let now = ctx.clock.now();
    let title = release.title.clone();
    let status = if publish {
        ReleaseStatus::Published
    } else {
        ReleaseStatus::Draft
    };
    let txn = crate::server::db::begin_write(&ctx.db).await?;
    if release_edits::set_status(&txn, release, status, caller.user.id, now).await? {
        if publish {
            // The organization's access mode: refused, the transaction (and the status change) is dropped.
            let organization =
                crate::server::models::organizations::find_by_id(&txn, artist.organization_id)
                    .await?
                    .ok_or(AppError::NotFound)?;
            if !release_edits::shows_a_service(
                &txn,
                release_id,
                &crate::server::billing::rules::of(&organization),
            )
            .await?
            {
                return Err(AppError::BadRequest(
                    "every visible link goes to a service your organization does not allow: add another first"
                        .into(),
                ));
            }
            let admin = caller.admin().ok().map(|_| caller.user.id);
            crate::server::billing::access::claim(
                &txn,
                &organization,
                artist.id,
                release_id,
                admin,
                now,
            )
            .await?;
            // Fans who pre-save every release of this artist get this one queued.
            if let Some(found) =
                crate::server::models::releases::fan_release_by_id(&txn, release_id).await?
            {
                crate::server::presave::logins::queue_for_subscribers(&txn, &found, now).await?;
            }
        }
        let (action, verb) = if publish {
            ("release.published", "Published")
        } else {
            ("release.unpublished", "Unpublished")
        };
        activity::record(
            &txn,
            activity::Entry::by(
                &caller,
                artist.organization_id,
                action,
                activity::Subject::Release(release_id),
                format!("{verb} \u{201c}{title}\u{201d}"),
            ),
            now,
        )
        .await?;
    }
    let version = crate::server::entities::releases::Entity::find_by_id(release_id)
        .one(&txn)
        .await?
        .map_or(0, |release| release.version);
    txn.commit().await?;
    ctx.fan_pages_changed.call();
    // The editor keeps working on top of this version.
    Ok(version)
}

/// Looks the release's links up again on every service (after a correction, or when a service was missing).
#[server(endpoint = "refresh_release_links", input = Json)]
pub async fn refresh_release_links(release_id: i32) -> Result<(), AppError> {
    use crate::server::auth::{self, access};
    use crate::server::release_import;
    let (ctx, caller) = auth::signed_in().await?;
    let (release, artist, _) =
        access::release_for(&ctx.db, caller.member()?, release_id, Access::Edit).await?;
    let Some(clients) = ctx.catalog.clients().filter(|c| c.odesli.is_some()) else {
        return Err(AppError::BadRequest(
            "link lookups are not configured on this server".into(),
        ));
    };
    // One round at a time per release: the lookups share one rate limit with every other release.
    if release_import::link_progress(&ctx.db, release.id)
        .await?
        .running()
    {
        return Err(AppError::Conflict(
            "this release's links are being looked up already".into(),
        ));
    }
    release_import::enqueue_link_lookups(
        &ctx.db,
        artist.id,
        release.id,
        None,
        &clients.countries,
        ctx.clock.now(),
    )
    .await
}

#[component]
pub fn ReleaseEditor() -> impl IntoView {
    let params = use_params_map();
    let release_id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i32>().ok()));
    let reload = RwSignal::new(0_u32);
    let data = crate::components::data(
        move || (release_id(), reload.get()),
        |(id, _)| async move {
            match id {
                Some(id) => load_release_editor(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <main class="page editor">
            <p><a href="/dashboard">"← Releases"</a></p>
            <Transition fallback=|| view! { <p class="muted">"Loading the release…"</p> }>
                {move || {
                    data.get()
                        .map(|result| match result {
                            Ok(data) => view! { <ReleaseForm data reload /> }.into_any(),
                            Err(error) => {
                                view! { <p class="error" role="alert">{capitalized(&error.to_string())}</p> }.into_any()
                            }
                        })
                }}
            </Transition>
        </main>
    }
    .into_any()
}

/// The editor's draft and what it knows about unsaved edits; rows of the form share it.
#[derive(Clone, Copy)]
struct DraftEditor {
    draft: RwSignal<ReleaseDraft>,
    /// Something changed since the last save (a reload would lose it).
    dirty: RwSignal<bool>,
    /// Counts edits, so a save can tell whether more came while it was on its way.
    edits: RwSignal<u32>,
}

impl DraftEditor {
    fn apply(self, change: Box<dyn FnOnce(&mut ReleaseDraft)>) {
        self.draft.update(|d| change(d));
        self.touch();
    }

    fn touch(self) {
        self.edits.update(|n| *n += 1);
        self.dirty.set(true);
    }
}

/// Moves element `index` of `items` by `delta` places, if it stays inside.
fn shift<T>(items: &mut [T], index: usize, delta: isize) {
    let Some(target) = index.checked_add_signed(delta) else {
        return;
    };
    if target < items.len() && index < items.len() {
        items.swap(index, target);
    }
}

#[component]
fn ReleaseForm(data: ReleaseEditorData, reload: RwSignal<u32>) -> impl IntoView {
    let can_edit = data.access >= Access::Edit;
    let release_id = data.draft.id;
    let draft = RwSignal::new(data.draft.clone());
    let saved_version = RwSignal::new(data.draft.version);
    let dirty = RwSignal::new(false);
    let save = Action::new(move |draft: &ReleaseDraft| save_release(draft.clone()));
    let publish = Action::new(move |publish: &bool| publish_release(release_id, *publish));
    let refresh = Action::new(move |_: &()| refresh_release_links(release_id));
    let status = RwSignal::new(data.status);

    // Edits made while a save was on its way stay unsaved (and keep the page from reloading over them).
    let edits = RwSignal::new(0_u32);
    let edits_at_save = RwSignal::new(0_u32);
    Effect::new(move |_| {
        if let Some(Ok(version)) = save.value().get() {
            saved_version.set(version);
            draft.update(|d| {
                d.version = version;
                d.removed_services.clear();
            });
            dirty.set(edits.get_untracked() != edits_at_save.get_untracked());
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(version)) = publish.value().get() {
            saved_version.set(version);
            draft.update(|d| d.version = version);
            status.update(|s| {
                *s = if *s == ReleaseStatus::Published {
                    ReleaseStatus::Draft
                } else {
                    ReleaseStatus::Published
                }
            });
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = refresh.value().get() {
            reload.update(|n| *n += 1);
        }
    });
    // While lookups run or pre-saves are being delivered, the page re-reads the release every few seconds (only if
    // nothing is being edited). (In an effect: timers exist only in the browser.)
    let lookups_running = data.lookups.running() || data.presaves.in_progress();
    Effect::new(move |_| {
        if !lookups_running {
            return;
        }
        let handle = set_interval_with_handle(
            move || {
                if !dirty.get_untracked() {
                    reload.update(|n| *n += 1);
                }
            },
            std::time::Duration::from_secs(2),
        );
        if let Ok(handle) = handle {
            on_cleanup(move || handle.clear());
        }
    });

    let editor = DraftEditor {
        draft,
        dirty,
        edits,
    };
    let edit = move |change| editor.apply(change);
    // Typing counts as editing at once (the draft itself is updated when the field is left).
    let typing = move |_| editor.touch();
    let text_field = move |label: &'static str,
                           testid: &'static str,
                           get: fn(&ReleaseDraft) -> String,
                           set: fn(&mut ReleaseDraft, String)| {
        view! {
            <label>
                {label}
                <input
                    type="text"
                    data-testid=testid
                    prop:value=move || draft.with(get)
                    disabled=!can_edit
                    on:change=move |ev| {
                        let value = event_target_value(&ev);
                        edit(Box::new(move |d| set(d, value)));
                    }
                />
            </label>
        }
    };

    // `selected` on the options (not `prop:value` on the select): built in the browser, a select gets its value
    // before its options exist.
    let kinds = ReleaseKind::ALL
        .into_iter()
        .map(|kind| {
            view! {
                <option value=kind.as_str() selected=move || draft.with(|d| d.kind == kind)>{kind.label()}</option>
            }
        })
        .collect_view();
    let theme_options = data
        .themes
        .iter()
        .map(|(key, label)| {
            let key = key.clone();
            let chosen = key.clone();
            view! {
                <option value=key selected=move || draft.with(|d| d.theme == chosen)>{label.clone()}</option>
            }
        })
        .collect_view();

    let rules = StoredValue::new(data.rules.clone());
    let rules = move || rules.get_value();
    let services = move || {
        let rules = rules();
        let links = draft.with(|d| d.links.clone());
        let count = links.len();
        links
            .into_iter()
            .enumerate()
            .map(|(index, link)| {
                let admitted = rules.admits(link.service);
                view! { <ServiceRow index count link editor can_edit admitted /> }
            })
            .collect_view()
    };
    let add_options = move || {
        let present: Vec<StreamingService> =
            draft.with(|d| d.links.iter().map(|l| l.service).collect());
        StreamingService::ALL
            .iter()
            .filter(|s| !present.contains(s) && rules().admits(**s))
            .map(|s| view! { <option value=s.key()>{s.name()}</option> })
            .collect_view()
    };
    let buttons = move || {
        draft
            .with(|d| d.custom_links.clone())
            .into_iter()
            .enumerate()
            .map(|(index, link)| view! { <ButtonRow index link editor can_edit /> })
            .collect_view()
    };

    // The preview: the fan page as rendered by the server, for a chosen country and side of the release moment.
    let preview_country = RwSignal::new(String::new());
    let preview_moment = RwSignal::new("now".to_owned());
    let show_preview = RwSignal::new(false);
    let preview_src = move || {
        format!(
            "/dashboard/releases/{release_id}/preview?country={}&moment={}&v={}",
            preview_country.get(),
            preview_moment.get(),
            saved_version.get()
        )
    };

    let lookups = data.lookups;
    let lookup_errors = data.lookup_errors.clone();
    let publishing = data.publishing.clone();
    let artist_id = data.artist_id;
    view! {
        <leptos_meta::Title text=format!("{} · Dropday", data.draft.title) />
        <h1 data-testid="release-title">{move || draft.with(|d| d.title.clone())}</h1>
        <p class="muted">
            {data.artist_name.clone()} " · " <a href=data.fan_path.clone()>{data.fan_path.clone()}</a>
            " · " <span data-testid="release-access">{data.access.label()}</span>
            " · " <a href=format!("/dashboard/analytics?release={release_id}")>"Analytics"</a>
            " · " <span data-testid="last-saved">{data.last_saved.clone()}</span>
        </p>
        <p>
            <span data-testid="release-status" class="badge">
                {move || if status.get() == ReleaseStatus::Published { "Published" } else { "Draft" }}
            </span>
            {can_edit.then(|| view! {
                " "
                <button
                    type="button"
                    data-testid="publish"
                    disabled=move || publish.pending().get() || dirty.get()
                    title=move || if dirty.get() { "Save your changes first" } else { "" }
                    on:click=move |_| { publish.dispatch(status.get_untracked() != ReleaseStatus::Published); }
                >
                    {move || if status.get() == ReleaseStatus::Published { "Unpublish" } else { "Publish" }}
                </button>
            })}
        </p>
        {move || publish.value().with(|v| match v {
            Some(Err(error)) => Some(view! { <p class="error" role="alert">{capitalized(&error.to_string())}</p> }),
            _ => None,
        })}
        {move || (can_edit && !publishing.allowed && status.get() != ReleaseStatus::Published).then(|| view! {
            <super::publishing::PublishBlocked check=publishing.clone() release_id artist_id />
        })}
        {(lookups.total > 0).then(|| {
            let percent = (lookups.done + lookups.failed) * 100 / lookups.total.max(1);
            view! {
                <div class="card" data-testid="link-lookups">
                    <label>
                        {if lookups.running() { "Finding this release on other services…" } else { "Links looked up on other services" }}
                        <progress max="100" value=percent.to_string()>{format!("{percent}%")}</progress>
                    </label>
                    <p class="muted">
                        {format!("{} of {} lookups done", lookups.done, lookups.total)}
                        {(lookups.failed > 0).then(|| format!(", {} gave up", lookups.failed))}
                    </p>
                    <ul class="muted">
                        {lookup_errors.iter().map(|e| view! { <li>{e.clone()}</li> }).collect_view()}
                    </ul>
                </div>
            }
        })}
        {if can_edit {
            view! {
                <form class="stack card" on:input=typing on:submit=move |ev| {
                    ev.prevent_default();
                    edits_at_save.set(edits.get_untracked());
                    save.dispatch(draft.get_untracked());
                }>
                    <h2>"Details"</h2>
                    {text_field("Title", "title", |d| d.title.clone(), |d, v| d.title = v)}
                    {text_field("Link", "slug", |d| d.slug.clone(), |d, v| d.slug = v)}
                    <label>
                        "Kind"
                        <select
                            on:change=move |ev| {
                                if let Ok(kind) = event_target_value(&ev).parse::<ReleaseKind>() {
                                    edit(Box::new(move |d| d.kind = kind));
                                }
                            }
                        >
                            {kinds}
                        </select>
                    </label>
                    {text_field("Artwork URL", "artwork", |d| d.artwork_url.clone(), |d, v| d.artwork_url = v)}
                    <fieldset>
                        <legend>"Release moment"</legend>
                        <label>
                            "Date"
                            <input type="date" data-testid="release-date"
                                prop:value=move || draft.with(|d| d.release_date.clone())
                                on:change=move |ev| { let v = event_target_value(&ev); edit(Box::new(move |d| d.release_date = v)); } />
                        </label>
                        <label>
                            "Time"
                            <input type="time" data-testid="release-time"
                                prop:value=move || draft.with(|d| d.release_time.clone())
                                on:change=move |ev| { let v = event_target_value(&ev); edit(Box::new(move |d| d.release_time = v)); } />
                        </label>
                        {text_field("Time zone", "time-zone", |d| d.time_zone.clone(), |d, v| d.time_zone = v)}
                        <label>
                            <input type="checkbox"
                                prop:checked=move || draft.with(|d| d.release_mode == ReleaseMode::LocalMidnight)
                                on:change=move |ev| {
                                    let on = event_target_checked(&ev);
                                    edit(Box::new(move |d| d.release_mode = if on { ReleaseMode::LocalMidnight } else { ReleaseMode::Fixed }));
                                } />
                            " Release at midnight in each fan's own country (as Spotify does)"
                        </label>
                    </fieldset>
                    <h2>"Look and sharing"</h2>
                    <label>
                        "Theme"
                        <select
                            on:change=move |ev| { let v = event_target_value(&ev); edit(Box::new(move |d| d.theme = v)); }
                        >
                            <option value="" selected=move || draft.with(|d| d.theme.is_empty())>"The artist's theme"</option>
                            {theme_options}
                        </select>
                    </label>
                    {text_field("YouTube video", "video", |d| d.video_url.clone(), |d, v| d.video_url = v)}
                    <label>
                        "Share text"
                        <textarea maxlength="280" data-testid="share-text"
                            prop:value=move || draft.with(|d| d.share_text.clone())
                            on:change=move |ev| { let v = event_target_value(&ev); edit(Box::new(move |d| d.share_text = v)); }
                        ></textarea>
                    </label>
                    <h2>"Services"</h2>
                    <p class="muted">"Fans see them in this order where the artist chose a fixed order; hidden ones are not shown."</p>
                    <ol class="service-list" data-testid="services">{services}</ol>
                    <label>
                        "Add a service"
                        <select data-testid="add-service" prop:value="" on:change=move |ev| {
                            if let Ok(service) = event_target_value(&ev).parse::<StreamingService>() {
                                edit(Box::new(move |d| d.links.push(DraftLink {
                                    service, url: String::new(), hidden: false, show_before_release: false, country_variants: 0,
                                })));
                            }
                        }>
                            <option value="">"Choose…"</option>
                            {add_options}
                        </select>
                    </label>
                    <button type="button" on:click=move |_| { refresh.dispatch(()); } disabled=move || refresh.pending().get()>
                        "Find links on other services again"
                    </button>
                    <h2>"Buttons"</h2>
                    <ol class="service-list">{buttons}</ol>
                    <button type="button" on:click=move |_| edit(Box::new(|d| d.custom_links.push(DraftCustomLink {
                        id: None, label: String::new(), url: String::new(),
                    })))>"Add a button"</button>
                    <h2>"Pre-save on Spotify"</h2>
                    <label>
                        <input type="checkbox" data-testid="presave-follow-artist"
                            prop:checked=move || draft.with(|d| d.presave_follow_artist)
                            on:change=move |ev| { let on = event_target_checked(&ev); edit(Box::new(move |d| d.presave_follow_artist = on)); } />
                        " Fans who pre-save also follow the artist"
                    </label>
                    <label>
                        "Also follow (up to 3 Spotify artist, user or playlist links, one per line)"
                        <textarea rows="3" data-testid="presave-follows"
                            prop:value=move || draft.with(|d| d.presave_follows.join("\n"))
                            on:change=move |ev| {
                                let v = event_target_value(&ev);
                                edit(Box::new(move |d| d.presave_follows = v.lines().map(str::to_owned).collect()));
                            }
                        ></textarea>
                    </label>
                    <label>
                        <input type="checkbox" data-testid="presave-ask-email"
                            prop:checked=move || draft.with(|d| d.presave_ask_email)
                            on:change=move |ev| { let on = event_target_checked(&ev); edit(Box::new(move |d| d.presave_ask_email = on)); } />
                        " Ask fans for their email (with a consent box)"
                    </label>
                    {move || save.value().with(|v| match v {
                        Some(Err(error)) => Some(view! { <p class="error" role="alert" data-testid="save-error">{capitalized(&error.to_string())}</p> }.into_any()),
                        Some(Ok(_)) if !dirty.get() => Some(view! { <p class="ok" role="status">"Saved."</p> }.into_any()),
                        _ => None,
                    })}
                    <button type="submit" class="primary" disabled=move || save.pending().get()>"Save"</button>
                </form>
            }
                .into_any()
        } else {
            view! { <p class="muted" data-testid="view-only">"You can view this release but not change it."</p> }
                .into_any()
        }}
        <section class="card preview">
            <h2>"Preview"</h2>
            <div class="row">
                <label>
                    "Country"
                    <input type="text" maxlength="2" size="3" placeholder="US" data-testid="preview-country"
                        on:change=move |ev| preview_country.set(event_target_value(&ev).to_ascii_uppercase()) />
                </label>
                <label>
                    "Moment"
                    <select data-testid="preview-moment" on:change=move |ev| preview_moment.set(event_target_value(&ev))>
                        <option value="now">"Now"</option>
                        <option value="before">"Before the release moment"</option>
                        <option value="after">"After the release moment"</option>
                    </select>
                </label>
                <a href=preview_src target="_blank" rel="noopener">"Open the preview"</a>
            </div>
            <p class="muted">"What a fan sees once saved; unsaved changes are not in it."</p>
            // Loaded on request: most visits to the editor do not need a second page rendered.
            {move || if show_preview.get() {
                view! { <iframe title="Fan page preview" class="preview-frame" data-testid="preview" src=preview_src></iframe> }.into_any()
            } else {
                view! { <button type="button" data-testid="show-preview" on:click=move |_| show_preview.set(true)>"Show the preview"</button> }.into_any()
            }}
        </section>
        <super::PresavePanel release_id=release_id report=data.presaves.clone() />
        <super::CampaignLinkBuilder release_id=release_id />
        <section class="card">
            <h2>"Ad tracking"</h2>
            <p><a href=format!("/dashboard/releases/{release_id}/ads") data-testid="ads-link">"Meta, TikTok and GA4 pixels, consent and the delivery log"</a></p>
        </section>
    }
    .into_any()
}

#[component]
fn ServiceRow(
    index: usize,
    count: usize,
    link: DraftLink,
    editor: DraftEditor,
    can_edit: bool,
    admitted: bool,
) -> impl IntoView {
    let edit = move |change| editor.apply(change);
    let name = link.service.name();
    // A service the organization does not admit can only be removed.
    let editable = can_edit && admitted;
    view! {
        <li data-service=link.service.key() class:hidden-service=link.hidden || !admitted>
            <strong>{name}</strong>
            {(!admitted).then(|| view! { <span class="badge" data-testid="not-allowed">" Not allowed by your organization"</span> })}
            <input type="url" aria-label=format!("{name} link") value=link.url.clone() disabled=!editable
                on:change=move |ev| { let v = event_target_value(&ev); edit(Box::new(move |d| d.links[index].url = v)); } />
            <label>
                <input type="checkbox" prop:checked=link.hidden disabled=!editable
                    on:change=move |ev| { let on = event_target_checked(&ev); edit(Box::new(move |d| d.links[index].hidden = on)); } />
                " Hide"
            </label>
            <label>
                <input type="checkbox" prop:checked=link.show_before_release disabled=!editable
                    on:change=move |ev| { let on = event_target_checked(&ev); edit(Box::new(move |d| d.links[index].show_before_release = on)); } />
                " Before release"
            </label>
            {(link.country_variants > 0).then(|| view! {
                <span class="muted">{format!(" {} other country links", link.country_variants)}</span>
            })}
            <button type="button" aria-label=format!("Move {name} up") disabled=!editable || index == 0
                on:click=move |_| edit(Box::new(move |d| shift(&mut d.links, index, -1)))>"↑"</button>
            <button type="button" aria-label=format!("Move {name} down") disabled=!editable || index + 1 == count
                on:click=move |_| edit(Box::new(move |d| shift(&mut d.links, index, 1)))>"↓"</button>
            <button type="button" aria-label=format!("Remove {name}") disabled=!can_edit
                on:click=move |_| edit(Box::new(move |d| {
                    let removed = d.links.remove(index);
                    d.removed_services.push(removed.service);
                }))>"Remove"</button>
        </li>
    }
    .into_any()
}

#[component]
fn ButtonRow(
    index: usize,
    link: DraftCustomLink,
    editor: DraftEditor,
    can_edit: bool,
) -> impl IntoView {
    let edit = move |change| editor.apply(change);
    view! {
        <li>
            <input type="text" aria-label="Button label" placeholder="Tickets" maxlength="40" value=link.label.clone()
                disabled=!can_edit
                on:change=move |ev| { let v = event_target_value(&ev); edit(Box::new(move |d| d.custom_links[index].label = v)); } />
            <input type="url" aria-label="Button link" placeholder="https://" value=link.url.clone() disabled=!can_edit
                on:change=move |ev| { let v = event_target_value(&ev); edit(Box::new(move |d| d.custom_links[index].url = v)); } />
            <button type="button" disabled=!can_edit
                on:click=move |_| edit(Box::new(move |d| { d.custom_links.remove(index); }))>"Remove"</button>
        </li>
    }
    .into_any()
}

#[cfg(test)]
mod tests {
    #[test]
    fn shifting_stays_inside() {
        let mut items = vec![1, 2, 3];
        super::shift(&mut items, 0, -1);
        assert_eq!(items, [1, 2, 3]);
        super::shift(&mut items, 0, 1);
        assert_eq!(items, [2, 1, 3]);
        super::shift(&mut items, 2, 1);
        assert_eq!(items, [2, 1, 3]);
        super::shift(&mut items, 2, -1);
        assert_eq!(items, [2, 3, 1]);
    }
}
