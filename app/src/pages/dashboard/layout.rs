//! The dashboard's frame: who is signed in, the navigation their role allows, the organization switcher and
//! sign-out. Pages inside it read the signed-in user from context.
use crate::pages::auth::go_to;
use crate::types::{AppError, Me, Role};
use leptos::prelude::*;
use leptos_router::components::{Outlet, Redirect};
use leptos_router::hooks::use_location;

/// The signed-in user, or `None` for a visitor.
#[server(endpoint = "current_user")]
pub async fn current_user() -> Result<Option<Me>, AppError> {
    use crate::server::{auth::caller, models::accounts, ServerCtx};
    let ctx = ServerCtx::current()?;
    match caller::current(&ctx).await? {
        Some(caller) => Ok(Some(accounts::me(&ctx.db, &caller).await?)),
        None => Ok(None),
    }
}

/// Shows another of the caller's organizations.
#[server(endpoint = "switch_organization")]
pub async fn switch_organization(organization_id: i32) -> Result<(), AppError> {
    use crate::server::auth::{self, caller, session};
    let (ctx, caller) = auth::signed_in().await?;
    if caller::membership_in(&ctx.db, caller.user.id, organization_id)
        .await?
        .is_none()
    {
        return Err(AppError::NotFound);
    }
    session::set_organization(&ctx.db, &caller.session_id, Some(organization_id)).await
}

/// Ends this session and clears its cookie.
#[server(endpoint = "sign_out")]
pub async fn sign_out() -> Result<(), AppError> {
    use crate::server::auth::{self, caller, session};
    use crate::server::ServerCtx;
    let ctx = ServerCtx::current()?;
    if let Some(caller) = caller::current(&ctx).await? {
        session::delete(&ctx.db, &caller.session_id).await?;
    }
    auth::set_cookie(&session::clearing_cookie(ctx.secure_cookies()))
}

#[component]
pub fn DashboardLayout() -> impl IntoView {
    let me = crate::components::data(|| (), |_| current_user());
    view! {
        <Suspense fallback=|| view! { <p class="muted page">"Loading…"</p> }>
            {move || {
                me.get()
                    .map(|result| match result {
                        Ok(Some(me)) => {
                            provide_context(me.clone());
                            view! {
                                <TopBar me />
                                <Outlet />
                            }
                                .into_any()
                        }
                        Ok(None) => view! { <ToSignIn /> }.into_any(),
                        Err(error) => {
                            view! { <p class="error page" role="alert">{error.to_string()}</p> }.into_any()
                        }
                    })
            }}
        </Suspense>
    }
    .into_any()
}

#[component]
fn ToSignIn() -> impl IntoView {
    let location = use_location();
    let path = location.pathname.get_untracked();
    let next: String = url_escape(&path);
    view! { <Redirect path=format!("/sign-in?next={next}") /> }
}

/// Percent-encodes a path for a query parameter.
fn url_escape(text: &str) -> String {
    text.bytes()
        .map(|byte| match byte {
            b'a'..=b'z' | b'A'..=b'Z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'/' => {
                (byte as char).to_string()
            }
            other => format!("%{other:02X}"),
        })
        .collect()
}

#[component]
fn TopBar(me: Me) -> impl IntoView {
    let sign_out_action = ServerAction::<SignOut>::new();
    let switch = Action::new(|id: &i32| switch_organization(*id));
    Effect::new(move |_| {
        if let Some(Ok(())) = sign_out_action.value().get() {
            go_to("/sign-in");
        }
    });
    Effect::new(move |_| {
        if let Some(Ok(())) = switch.value().get() {
            go_to("/dashboard");
        }
    });
    let is_admin = me.is_admin();
    let shows_members = is_admin || me.role == Some(Role::Artist);
    let current_org = me.organization.as_ref().map(|o| o.id);
    let switcher = (me.organizations.len() > 1).then(|| {
        let options = me
            .organizations
            .iter()
            .map(|organization| {
                view! {
                    <option value=organization.id.to_string() selected=Some(organization.id) == current_org>
                        {organization.name.clone()}
                    </option>
                }
            })
            .collect_view();
        view! {
            <label class="switcher">
                <span class="visually-hidden">"Organization"</span>
                <select on:change=move |event| {
                    if let Ok(id) = event_target_value(&event).parse::<i32>() {
                        switch.dispatch(id);
                    }
                }>{options}</select>
            </label>
        }
    });
    let organization_name = me
        .organization
        .as_ref()
        .map(|organization| organization.name.clone())
        .unwrap_or_else(|| "No organization".into());
    view! {
        <header class="topbar">
            <a class="brand" href="/dashboard">
                <img src="/favicon.svg" alt="" width="24" height="24" />
                "Dropday"
            </a>
            <nav class="nav" aria-label="Dashboard">
                <a href="/dashboard">"Releases"</a>
                <a href="/dashboard/artists">"Artists"</a>
                <a href="/dashboard/analytics">"Analytics"</a>
                {shows_members.then(|| view! { <a href="/dashboard/members">"Members"</a> })}
                {is_admin.then(|| view! { <a href="/dashboard/organization">"Organization"</a> })}
                {is_admin.then(|| view! { <a href="/dashboard/activity">"Activity"</a> })}
            </nav>
            <span class="spacer"></span>
            {match switcher {
                Some(switcher) => switcher.into_any(),
                None => {
                    view! { <span class="muted org-name" data-testid="organization-name">{organization_name}</span> }
                        .into_any()
                }
            }}
            <a href="/dashboard/account" class="account-link" data-testid="account-link">{me.display_name.clone()}</a>
            <ActionForm action=sign_out_action attr:class="inline">
                <button type="submit" class="link-button">"Sign out"</button>
            </ActionForm>
        </header>
    }
    .into_any()
}

/// The signed-in user, inside `DashboardLayout`.
pub fn use_me() -> Me {
    use_context::<Me>().expect("rendered inside DashboardLayout")
}
