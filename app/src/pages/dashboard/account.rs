//! My account: name, password (changing it signs out every other device).
use super::layout::use_me;
use crate::pages::auth::FormError;
use crate::types::{ApiTokenCreated, ApiTokenView, AppError};
use leptos::prelude::*;

#[server(endpoint = "update_profile")]
pub async fn update_profile(display_name: String) -> Result<(), AppError> {
    use crate::server::{auth, models::accounts};
    let (ctx, caller) = auth::signed_in().await?;
    accounts::update_display_name(&ctx.db, &caller, &display_name).await
}

/// Changes the password after checking the current one; returns how many other sessions were signed out.
#[server(endpoint = "change_password")]
pub async fn change_password(
    current_password: String,
    new_password: String,
) -> Result<u64, AppError> {
    use crate::server::auth;
    use crate::server::models::accounts;
    let (ctx, caller) = auth::signed_in().await?;
    accounts::change_password(
        &ctx.db,
        &caller,
        &current_password,
        &new_password,
        accounts::SignInContext::of_request(&ctx),
        ctx.clock.now(),
    )
    .await
}

#[server(endpoint = "list_api_tokens")]
pub async fn list_api_tokens() -> Result<Vec<ApiTokenView>, AppError> {
    use crate::server::{auth, models::api_tokens};
    let (ctx, caller) = auth::signed_in().await?;
    api_tokens::list(&ctx.db, &caller).await
}

/// A personal token for the analytics JSON API in the current organization; the secret is returned only now.
#[server(endpoint = "create_api_token")]
pub async fn create_api_token(name: String) -> Result<ApiTokenCreated, AppError> {
    use crate::server::{auth, models::api_tokens};
    let (ctx, caller) = auth::signed_in().await?;
    let (token, secret) = api_tokens::create(&ctx.db, &caller, &name, ctx.clock.now()).await?;
    Ok(ApiTokenCreated { token, secret })
}

#[server(endpoint = "revoke_api_token")]
pub async fn revoke_api_token(token_id: i32) -> Result<(), AppError> {
    use crate::server::{auth, models::api_tokens};
    let (ctx, caller) = auth::signed_in().await?;
    api_tokens::revoke(&ctx.db, &caller, token_id, ctx.clock.now()).await
}

/// Personal API tokens: create (the secret is shown once), list, revoke.
#[component]
fn ApiTokens() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = Action::new(|id: &i32| revoke_api_token(*id));
    let tokens = crate::components::data(
        move || (create.version().get(), revoke.version().get()),
        |_| list_api_tokens(),
    );
    view! {
        <section class="card stack" data-testid="api-tokens">
            <h2>"API tokens"</h2>
            <p class="muted">
                "For scripts and reports: " <code>"GET /api/v1/stats"</code> " and " <code>"GET /api/v1/events"</code>
                " with " <code>"Authorization: Bearer <token>"</code> ". A token has your rights in this organization."
            </p>
            <ActionForm action=create attr:class="row">
                <label class="grow">"Name" <input type="text" name="name" required maxlength="100" placeholder="weekly report" /></label>
                <button type="submit" class="primary">"Create token"</button>
            </ActionForm>
            <FormError value=create.value() />
            {move || {
                create
                    .value()
                    .get()
                    .and_then(Result::ok)
                    .map(|created| {
                        view! {
                            <div class="invite-link" role="status">
                                <p>"Copy it now: it will not be shown again."</p>
                                <input type="text" readonly value=created.secret data-testid="api-token-secret" />
                            </div>
                        }
                    })
            }}
            <FormError value=revoke.value() />
            <Transition>
                {move || {
                    tokens
                        .get()
                        .and_then(Result::ok)
                        .map(|list| {
                            list.into_iter()
                                .map(|token| {
                                    let id = token.id;
                                    let name = token.name.clone();
                                    let used = token
                                        .last_used_at
                                        .map(|at| format!("last used {}", at.format("%Y-%m-%d %H:%M UTC")))
                                        .unwrap_or_else(|| "never used".into());
                                    view! {
                                        <div class="grant-row" data-token=name>
                                            <span>
                                                <strong>{token.name}</strong> " " <code>{token.prefix} "…"</code>
                                                <span class="muted">" · " {used}</span>
                                            </span>
                                            <button type="button" class="danger" on:click=move |_| { revoke.dispatch(id); }>
                                                "Revoke"
                                            </button>
                                        </div>
                                    }
                                })
                                .collect_view()
                        })
                }}
            </Transition>
        </section>
    }
    .into_any()
}

#[component]
pub fn AccountPage() -> impl IntoView {
    let me = use_me();
    let profile = ServerAction::<UpdateProfile>::new();
    let password = ServerAction::<ChangePassword>::new();
    let role = me
        .role
        .map(|role| role.label())
        .unwrap_or("No organization");
    let organization = me
        .organization
        .as_ref()
        .map(|organization| organization.name.clone())
        .unwrap_or_default();
    view! {
        <leptos_meta::Title text="My account · Dropday" />
        <main class="page narrow">
            <h1>"My account"</h1>
            <p class="muted">{me.email.clone()} " · " {role} " at " {organization}</p>
            <ActionForm action=profile attr:class="card stack">
                <h2>"Profile"</h2>
                <label>
                    "Name"
                    <input type="text" name="display_name" value=me.display_name.clone() required maxlength="100" />
                </label>
                <FormError value=profile.value() />
                {move || matches!(profile.value().get(), Some(Ok(()))).then(|| view! { <p class="ok" role="status">"Saved."</p> })}
                <button type="submit" class="primary">"Save"</button>
            </ActionForm>
            <ActionForm action=password attr:class="card stack">
                <h2>"Password"</h2>
                <label>
                    "Current password"
                    <input type="password" name="current_password" autocomplete="current-password" required maxlength="256" />
                </label>
                <label>
                    "New password"
                    <input type="password" name="new_password" autocomplete="new-password" required minlength="10" maxlength="256" />
                </label>
                <FormError value=password.value() />
                {move || {
                    password
                        .value()
                        .get()
                        .and_then(Result::ok)
                        .map(|ended| {
                            view! {
                                <p class="ok" role="status">
                                    {format!("Password changed. Signed out of {ended} other session(s).")}
                                </p>
                            }
                        })
                }}
                <button type="submit" class="primary">"Change password"</button>
            </ActionForm>
            <ApiTokens />
        </main>
    }
    .into_any()
}
