//! The organization's activity log, for admins: who changed which release, link, member or setting, and when.
use crate::pages::auth::capitalized;
use crate::types::{ActivityEntry, ActivityPage, AppError};
use leptos::prelude::*;

#[server(endpoint = "list_activity")]
pub async fn list_activity(before: Option<i64>) -> Result<ActivityPage, AppError> {
    use crate::server::{auth, models::activity};
    let (ctx, caller) = auth::signed_in().await?;
    let admin = caller.admin()?;
    activity::page(&ctx.db, admin.organization_id, before).await
}

#[component]
pub fn ActivityLogPage() -> impl IntoView {
    let (before, set_before) = signal(None::<i64>);
    let page = crate::components::data(move || before.get(), list_activity);
    view! {
        <leptos_meta::Title text="Activity · Dropday" />
        <main class="page">
            <h1>"Activity"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading activity…"</p> }>
                {move || {
                    page.get()
                        .map(|result| match result {
                            Ok(page) => {
                                let next = page.next_before;
                                view! {
                                    <ActivityList entries=page.entries />
                                    {next
                                        .map(|next| {
                                            view! {
                                                <button type="button" class="secondary" on:click=move |_| set_before.set(Some(next))>
                                                    "Older"
                                                </button>
                                            }
                                        })}
                                    {before
                                        .get()
                                        .map(|_| {
                                            view! {
                                                <button type="button" class="secondary" on:click=move |_| set_before.set(None)>
                                                    "Newest"
                                                </button>
                                            }
                                        })}
                                }
                                    .into_any()
                            }
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
fn ActivityList(entries: Vec<ActivityEntry>) -> impl IntoView {
    if entries.is_empty() {
        return view! { <p class="muted">"Nothing has happened yet."</p> }.into_any();
    }
    let rows = entries
        .into_iter()
        .map(|entry| {
            // UTC on the server and in the browser alike, so hydration matches.
            let when = entry.created_at.format("%Y-%m-%d %H:%M UTC").to_string();
            view! {
                <li data-action=entry.action.clone()>
                    <time datetime=entry.created_at.to_rfc3339()>{when}</time>
                    <strong>{entry.actor_name}</strong>
                    <span class="summary">{entry.summary}</span>
                </li>
            }
        })
        .collect_view();
    view! { <ol class="activity" data-testid="activity">{rows}</ol> }.into_any()
}
