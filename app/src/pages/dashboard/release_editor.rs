//! One release in the dashboard: its details, and the edits the caller's access allows (the server checks again).
use crate::pages::auth::{capitalized, FormError};
use crate::types::{Access, AppError, ReleaseDetail};
use leptos::prelude::*;
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

/// Renames a release (its link stays the same). Needs edit access; the change goes into the activity log.
#[server(endpoint = "rename_release")]
pub async fn rename_release(release_id: i32, title: String) -> Result<(), AppError> {
    use crate::server::auth::{self, access};
    use crate::server::models::{activity, releases};
    let (ctx, caller) = auth::signed_in().await?;
    let membership = caller.member()?;
    let (release, artist, _) =
        access::release_for(&ctx.db, membership, release_id, Access::Edit).await?;
    let now = ctx.clock.now();
    let old_title = release.title.clone();
    let txn = crate::server::db::begin_write(&ctx.db).await?;
    let new_title = releases::rename(&txn, release, &title, now).await?;
    if new_title != old_title {
        activity::record(
            &txn,
            activity::Entry::by(
                &caller,
                artist.organization_id,
                "release.updated",
                activity::Subject::Release(release_id),
                format!("Renamed the release \u{201c}{old_title}\u{201d} to \u{201c}{new_title}\u{201d}"),
            ),
            now,
        )
        .await?;
    }
    txn.commit().await?;
    ctx.fan_pages_changed.call();
    Ok(())
}

#[component]
pub fn ReleaseEditor() -> impl IntoView {
    let params = use_params_map();
    let release_id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i32>().ok()));
    let rename = ServerAction::<RenameRelease>::new();
    let detail = Resource::new(
        move || (release_id(), rename.version().get()),
        |(id, _)| async move {
            match id {
                Some(id) => load_release(id).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <main class="page">
            <p><a href="/dashboard">"← Releases"</a></p>
            <Transition fallback=|| view! { <p class="muted">"Loading the release…"</p> }>
                {move || {
                    detail
                        .get()
                        .map(|result| match result {
                            Ok(release) => view! { <ReleaseForm release rename /> }.into_any(),
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

#[component]
fn ReleaseForm(release: ReleaseDetail, rename: ServerAction<RenameRelease>) -> impl IntoView {
    let can_edit = release.access >= Access::Edit;
    view! {
        <leptos_meta::Title text=format!("{} · Dropday", release.title) />
        <h1 data-testid="release-title">{release.title.clone()}</h1>
        <p class="muted">
            {release.artist_name.clone()} " · " <a href=release.fan_path.clone()>{release.fan_path.clone()}</a>
            " · " <span data-testid="release-access">{release.access.label()}</span>
            " · " <a href=format!("/dashboard/analytics?release={}", release.id)>"Analytics"</a>
        </p>
        {if can_edit {
            view! {
                <ActionForm action=rename attr:class="stack card">
                    <input type="hidden" name="release_id" value=release.id.to_string() />
                    <label>
                        "Title"
                        <input type="text" name="title" value=release.title.clone() required maxlength="200" />
                    </label>
                    <FormError value=rename.value() />
                    {move || {
                        matches!(rename.value().get(), Some(Ok(())))
                            .then(|| view! { <p class="ok" role="status">"Saved."</p> })
                    }}
                    <button type="submit" class="primary" disabled=move || rename.pending().get()>"Save"</button>
                </ActionForm>
            }
                .into_any()
        } else {
            view! { <p class="muted" data-testid="view-only">"You can view this release but not change it."</p> }
                .into_any()
        }}
        <super::CampaignLinkBuilder release_id=release.id />
    }
    .into_any()
}
