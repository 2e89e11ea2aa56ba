//! My account: name, password (changing it signs out every other device).
use super::layout::use_me;
use crate::pages::auth::FormError;
use crate::types::AppError;
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
        </main>
    }
}
