//! The release list with its filter tabs, and the server function behind it.
use crate::components::PhaseBadge;
use crate::types::{Access, AppError, ReleaseFilter, ReleaseSummary};
use leptos::prelude::*;

/// Lists the releases the caller may see: all of the organization's for admins, the granted ones for artists
/// and team members, each with the caller's access.
#[server(endpoint = "list_releases")]
pub async fn list_releases(filter: ReleaseFilter) -> Result<Vec<ReleaseSummary>, AppError> {
    use crate::server::auth::{self, access};
    use crate::server::models::releases;
    let (ctx, caller) = auth::signed_in().await?;
    let membership = caller.member()?;
    let scope = access::scope_of(&ctx.db, membership).await?;
    let all = releases::list_summaries(
        &ctx.db,
        releases::Visibility::Organization(membership.organization_id),
        filter,
        ctx.clock.now(),
    )
    .await?;
    Ok(all
        .into_iter()
        .filter_map(|mut release| {
            release.access = scope.release_access(release.artist_id, release.id);
            release.access.map(|_| release)
        })
        .collect())
}

const FILTERS: [(ReleaseFilter, &str); 3] = [
    (ReleaseFilter::All, "All"),
    (ReleaseFilter::Upcoming, "Upcoming"),
    (ReleaseFilter::OutNow, "Out now"),
];

#[component]
pub fn ReleaseList() -> impl IntoView {
    let (filter, set_filter) = signal(ReleaseFilter::All);
    let releases = crate::components::data(move || filter.get(), list_releases);

    let tabs = FILTERS
        .into_iter()
        .map(|(value, label)| {
            view! {
                <button
                    type="button"
                    role="tab"
                    class="tab"
                    aria-selected=move || (filter.get() == value).to_string()
                    on:click=move |_| set_filter.set(value)
                >
                    {label}
                </button>
            }
        })
        .collect_view();

    view! {
        <div class="tabs" role="tablist" aria-label="Show releases">
            {tabs}
        </div>
        <Transition fallback=|| view! { <p class="muted">"Loading releases…"</p> }>
            {move || {
                releases
                    .get()
                    .map(|result| match result {
                        Ok(list) => view! { <ReleaseTable releases=list /> }.into_any(),
                        Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                    })
            }}
        </Transition>
    }
    .into_any()
}

#[component]
fn ReleaseTable(releases: Vec<ReleaseSummary>) -> impl IntoView {
    if releases.is_empty() {
        return view! { <p class="muted" data-testid="release-count">"No releases here yet."</p> }
            .into_any();
    }
    let count = match releases.len() {
        1 => "1 release".to_owned(),
        n => format!("{n} releases"),
    };
    let rows = releases
        .into_iter()
        .map(|release| {
            view! {
                <tr>
                    <td>
                        <a href=format!("/dashboard/releases/{}", release.id) class="release-title">
                            {release.title}
                        </a>
                        {(release.access == Some(Access::View))
                            .then(|| view! { <span class="badge badge-muted">"View only"</span> })}
                        <div class="muted">{release.artist_name}" · "{release.kind.label()}</div>
                    </td>
                    <td><PhaseBadge phase=release.phase /></td>
                    <td>{release.release_label}</td>
                    <td class="num">{release.service_count}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <p class="muted" data-testid="release-count">{count}</p>
        <table class="releases">
            <thead>
                <tr>
                    <th scope="col">"Release"</th>
                    <th scope="col">"Status"</th>
                    <th scope="col">"Release moment"</th>
                    <th scope="col" class="num">"Services"</th>
                </tr>
            </thead>
            <tbody>{rows}</tbody>
        </table>
    }
    .into_any()
}
