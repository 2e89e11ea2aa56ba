//! Accepting an invitation: the link's page shows who invited whom to what, then creates the account or links the
//! existing one.
use super::{capitalized, go_to, AuthCard, FormError};
use crate::types::{AppError, InvitationPreview};
use leptos::prelude::*;
use leptos_router::hooks::use_params_map;

#[server(endpoint = "load_invitation")]
pub async fn load_invitation(token: String) -> Result<InvitationPreview, AppError> {
    use crate::server::{auth::caller, models::members, ServerCtx};
    let ctx = ServerCtx::current()?;
    let signed_in = caller::current(&ctx).await?;
    members::preview(
        &ctx.db,
        &token,
        signed_in.as_ref().map(|caller| &caller.user),
        ctx.clock.now(),
    )
    .await
}

/// Accepts with the new account's name and password, or the existing account's password (none when signed in as
/// the invitee), and signs the invitee in to the organization.
#[server(endpoint = "accept_invitation")]
pub async fn accept_invitation(
    token: String,
    display_name: Option<String>,
    password: Option<String>,
) -> Result<(), AppError> {
    use crate::server::auth::{self, caller};
    use crate::server::models::{accounts, members};
    use crate::server::ServerCtx;
    let ctx = ServerCtx::current()?;
    let signed_in = caller::current(&ctx).await?;
    let (user, organization_id) = members::accept(
        &ctx.db,
        &token,
        signed_in.as_ref().map(|caller| &caller.user),
        members::Acceptance {
            display_name: display_name.as_deref(),
            password: password.as_deref().unwrap_or_default(),
        },
        accounts::SignInContext::of_request(&ctx),
        ctx.clock.now(),
    )
    .await?;
    match signed_in {
        // Already signed in as the invitee: show the new organization in the same session.
        Some(caller) if caller.user.id == user.id => {
            auth::session::set_organization(&ctx.db, &caller.session_id, Some(organization_id))
                .await
        }
        _ => auth::start_session(&ctx, user.id, Some(organization_id)).await,
    }
}

#[component]
pub fn AcceptInvitationPage() -> impl IntoView {
    let params = use_params_map();
    let token = move || params.with(|p| p.get("token").unwrap_or_default());
    let preview = crate::components::data(token, load_invitation);
    view! {
        <leptos_meta::Title text="Accept invitation · Dropday" />
        <AuthCard title="You are invited">
            <Suspense fallback=|| view! { <p class="muted">"Loading the invitation…"</p> }>
                {move || {
                    preview
                        .get()
                        .map(|result| match result {
                            Ok(preview) => view! { <AcceptForm token=token() preview /> }.into_any(),
                            Err(error) => {
                                view! {
                                    <p class="error" role="alert">{capitalized(&error.to_string())}</p>
                                    <p><a href="/sign-in">"Sign in"</a></p>
                                }
                                    .into_any()
                            }
                        })
                }}
            </Suspense>
        </AuthCard>
    }
    .into_any()
}

#[component]
fn AcceptForm(token: String, preview: InvitationPreview) -> impl IntoView {
    let action = ServerAction::<AcceptInvitation>::new();
    Effect::new(move |_| {
        if let Some(Ok(())) = action.value().get() {
            go_to("/dashboard");
        }
    });
    let invited_by = preview
        .invited_by
        .clone()
        .map(|name| format!("{name} invited you"))
        .unwrap_or_else(|| "You are invited".into());
    let credentials = if preview.signed_in_as_invitee {
        view! { <p class="muted">"You are signed in as " {preview.email.clone()} "."</p> }
            .into_any()
    } else if preview.account_exists {
        view! {
            <p class="muted">{preview.email.clone()} " already has a Dropday account: enter its password to join."</p>
            <label>
                "Password"
                <input type="password" name="password" autocomplete="current-password" required maxlength="256" />
            </label>
        }
        .into_any()
    } else {
        view! {
            <label>
                "Your name"
                <input type="text" name="display_name" autocomplete="name" required maxlength="100" />
            </label>
            <label>
                "Choose a password"
                <input type="password" name="password" autocomplete="new-password" required minlength="10" maxlength="256" />
                <span class="hint">"At least 10 characters."</span>
            </label>
        }
        .into_any()
    };
    view! {
        <p data-testid="invitation-summary">
            {invited_by} " to join " <strong>{preview.organization_name.clone()}</strong> " as "
            {preview.role.label().to_ascii_lowercase()} " (" {preview.email.clone()} ")."
        </p>
        <ActionForm action=action attr:class="stack">
            <input type="hidden" name="token" value=token />
            {credentials}
            <FormError value=action.value() />
            <button type="submit" class="primary" disabled=move || action.pending().get()>
                "Accept invitation"
            </button>
        </ActionForm>
    }
    .into_any()
}
