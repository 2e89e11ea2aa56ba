//! Signing in and out, signing up, and accepting an invitation: the pages people see before the dashboard.
mod invite;
mod sign_in;
mod sign_up;

pub use invite::{accept_invitation, load_invitation, AcceptInvitationPage};
pub use sign_in::{sign_in, SignInPage};
pub use sign_up::{sign_up, sign_up_open, SignUpPage};

use leptos::prelude::*;

/// Where to go after signing in: only a path on this site, so `?next=` cannot send anyone elsewhere.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.chars().any(|c| c.is_control()) =>
        {
            path.to_owned()
        }
        _ => "/dashboard".to_owned(),
    }
}

/// A full page load, so the dashboard renders with the new session cookie.
pub fn go_to(path: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().assign(path);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = path;
}

/// A centered card for the pages outside the dashboard.
#[component]
pub fn AuthCard(title: &'static str, children: Children) -> impl IntoView {
    view! {
        <main class="auth">
            <a class="brand" href="/dashboard">
                <img src="/favicon.svg" alt="" width="28" height="28" />
                "Dropday"
            </a>
            <section class="card">
                <h1>{title}</h1>
                {children()}
            </section>
        </main>
    }
    .into_any()
}

/// An action's error, announced to screen readers.
#[component]
pub fn FormError<T, S>(value: S) -> impl IntoView
where
    T: 'static,
    S: With<Value = Option<Result<T, crate::types::AppError>>> + Copy + Send + Sync + 'static,
{
    move || {
        value.with(|value| match value {
            Some(Err(error)) => {
                Some(view! { <p class="error" role="alert">{capitalized(&error.to_string())}</p> })
            }
            _ => None,
        })
    }
}

/// "the email..." -> "The email...": errors read as sentences in forms.
pub fn capitalized(text: &str) -> String {
    let mut chars = text.chars();
    match chars.next() {
        // ASCII only: Unicode case tables would cost the WASM kilobytes for messages that start in English.
        Some(first) => std::iter::once(first.to_ascii_uppercase())
            .chain(chars)
            .collect(),
        None => String::new(),
    }
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/dashboard/members")), "/dashboard/members");
        for hostile in [
            "https://evil.example",
            "//evil.example",
            "/\\evil.example",
            "javascript:x",
        ] {
            assert_eq!(safe_next(Some(hostile)), "/dashboard", "{hostile}");
        }
        assert_eq!(safe_next(None), "/dashboard");
    }
}
