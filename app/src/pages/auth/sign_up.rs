//! Open sign-up: an account and, with it, a new organization the person administers. Off when the server admits
//! people by invitation only.
use super::{go_to, AuthCard, FormError};
use crate::types::AppError;
use leptos::prelude::*;

/// Whether this server lets anyone sign up.
#[server(endpoint = "sign_up_open")]
pub async fn sign_up_open() -> Result<bool, AppError> {
    Ok(crate::server::ServerCtx::current()?.open_sign_up)
}

#[server(endpoint = "sign_up")]
pub async fn sign_up(
    organization_name: String,
    display_name: String,
    email: String,
    password: String,
) -> Result<(), AppError> {
    use crate::server::models::accounts::{self, NewOrganizationAdmin};
    use crate::server::{auth, ServerCtx};
    let ctx = ServerCtx::current()?;
    if !ctx.open_sign_up {
        return Err(AppError::Forbidden);
    }
    let (user, organization_id) = accounts::create_organization_with_admin(
        &ctx.db,
        NewOrganizationAdmin {
            organization_name: &organization_name,
            email: &email,
            display_name: &display_name,
            password: &password,
        },
        ctx.clock.now(),
    )
    .await?;
    auth::start_session(&ctx, user.id, Some(organization_id)).await
}

#[component]
pub fn SignUpPage() -> impl IntoView {
    let action = ServerAction::<SignUp>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            go_to("/dashboard");
        }
    });
    view! {
        <leptos_meta::Title text="Create an account · Dropday" />
        <AuthCard title="Create an account">
            <ActionForm action=action attr:class="stack">
                <label>
                    "Your name"
                    <input type="text" name="display_name" autocomplete="name" required maxlength="100" />
                </label>
                <label>
                    "Label, team or artist name"
                    <input type="text" name="organization_name" autocomplete="organization" required maxlength="100" />
                </label>
                <label>
                    "Email"
                    <input type="email" name="email" autocomplete="username" required maxlength="254" />
                </label>
                <label>
                    "Password"
                    <input type="password" name="password" autocomplete="new-password" required minlength="10" maxlength="256" />
                    <span class="hint">"At least 10 characters."</span>
                </label>
                <FormError value=action.value() />
                <button type="submit" class="primary" disabled=move || action.pending().get()>
                    "Create account"
                </button>
            </ActionForm>
            <p class="muted">"Have an account? " <a href="/sign-in">"Sign in"</a></p>
        </AuthCard>
    }
    .into_any()
}
