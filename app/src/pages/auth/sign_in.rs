//! The sign-in page and its server function.
use super::{go_to, AuthCard, FormError};
use crate::types::AppError;
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

/// Checks the email and password and starts a session. Wrong email and wrong password get the same answer; too
/// many failures for the account or from the address get "try again in N seconds". Returns where to go next.
#[server(endpoint = "sign_in")]
pub async fn sign_in(
    email: String,
    password: String,
    next: Option<String>,
) -> Result<String, AppError> {
    use crate::server::auth::{self, session};
    use crate::server::{models::accounts, ServerCtx};
    let ctx = ServerCtx::current()?;
    let (_, token) = accounts::sign_in(
        &ctx.db,
        &email,
        &password,
        accounts::SignInContext::of_request(&ctx),
        ctx.clock.now(),
    )
    .await?;
    auth::set_cookie(&session::session_cookie(&token, ctx.secure_cookies()))?;
    Ok(super::safe_next(next.as_deref()))
}

#[component]
pub fn SignInPage() -> impl IntoView {
    let action = ServerAction::<SignIn>::new();
    let query = use_query_map();
    let next = move || query.with(|q| q.get("next"));
    let sign_up_allowed = crate::components::data(|| (), |_| super::sign_up_open());
    Effect::new(move |_| {
        if let Some(Ok(path)) = action.value().get() {
            go_to(&path);
        }
    });
    view! {
        <leptos_meta::Title text="Sign in · Dropday" />
        <AuthCard title="Sign in">
            <ActionForm action=action attr:class="stack">
                <input type="hidden" name="next" value=next />
                <label>
                    "Email"
                    <input type="email" name="email" autocomplete="username" required maxlength="254" />
                </label>
                <label>
                    "Password"
                    <input type="password" name="password" autocomplete="current-password" required maxlength="256" />
                </label>
                <FormError value=action.value() />
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    {move || if action.pending().get() { "Signing in…" } else { "Sign in" }}
                </button>
            </ActionForm>
            <Suspense>
                {move || {
                    sign_up_allowed
                        .get()
                        .and_then(Result::ok)
                        .filter(|open| *open)
                        .map(|_| view! { <p class="muted">"New here? " <a href="/sign-up">"Create an account"</a></p> })
                }}
            </Suspense>
        </AuthCard>
    }
    .into_any()
}
