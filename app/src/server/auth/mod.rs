//! Who is calling and what they may touch: passwords, sessions, the signed-in caller, access rules, and sign-in
//! throttling.
pub mod access;
pub mod caller;
pub mod password;
pub mod session;
pub mod throttle;

pub use access::{Grants, Scope};
pub use caller::{Caller, ClientIp, Membership};

use crate::server::ServerCtx;
use crate::types::AppError;

/// The context and the signed-in caller of this server function, or 401.
pub async fn signed_in() -> Result<(ServerCtx, Caller), AppError> {
    let ctx = ServerCtx::current()?;
    let caller = caller::require(&ctx).await?;
    Ok((ctx, caller))
}

/// Adds a `Set-Cookie` header to the response of this server function.
pub fn set_cookie(value: &str) -> Result<(), AppError> {
    let response = leptos::prelude::use_context::<leptos_axum::ResponseOptions>()
        .ok_or_else(|| AppError::internal("ResponseOptions missing from context"))?;
    let value = http::HeaderValue::from_str(value).map_err(AppError::internal)?;
    response.append_header(http::header::SET_COOKIE, value);
    Ok(())
}

/// The request's User-Agent, shortened, to label sessions.
pub fn user_agent() -> Option<String> {
    caller::request_parts()
        .ok()?
        .headers
        .get(http::header::USER_AGENT)?
        .to_str()
        .ok()
        .map(|agent| agent.chars().take(200).collect())
}

/// Starts a session for `user_id` in `organization_id` and sets its cookie.
pub async fn start_session(
    ctx: &ServerCtx,
    user_id: i32,
    organization_id: Option<i32>,
) -> Result<(), AppError> {
    let token = session::create(
        &ctx.db,
        user_id,
        organization_id,
        user_agent().as_deref(),
        ctx.clock.now(),
    )
    .await?;
    set_cookie(&session::session_cookie(&token, ctx.secure_cookies()))
}
