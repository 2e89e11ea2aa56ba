//! A release's pre-saves in the editor: how many, how far delivery is (live while it runs), what failed and why,
//! and the fans who left their email, as CSV.
use crate::types::presave::PresaveReport;
use crate::types::AppError;
use leptos::prelude::*;

#[server(endpoint = "load_presave_report", input = leptos::server_fn::codec::Json)]
pub async fn load_presave_report(release_id: i32) -> Result<PresaveReport, AppError> {
    use crate::server::auth::{self, access};
    use crate::types::Access;
    let (ctx, caller) = auth::signed_in().await?;
    access::release_for(&ctx.db, caller.member()?, release_id, Access::View).await?;
    presave_report(&ctx, release_id).await
}

/// The report, with which Spotify delivers (the caller has checked access).
#[cfg(feature = "ssr")]
pub(super) async fn presave_report(
    ctx: &crate::server::ServerCtx,
    release_id: i32,
) -> Result<PresaveReport, AppError> {
    let mut report = crate::server::presave::report::release_report(&ctx.db, release_id).await?;
    report.spotify = ctx
        .presaves
        .as_ref()
        .map(|presaves| presaves.describe())
        .unwrap_or_default();
    Ok(report)
}

/// The panel starts from the report loaded with the page (so it hydrates as rendered) and, in the browser, reads it
/// again every few seconds while anything is still to be delivered.
#[component]
pub fn PresavePanel(release_id: i32, initial: PresaveReport) -> impl IntoView {
    let report = RwSignal::new(initial);
    Effect::new(move |_| {
        if !report.with(|r| r.total() > r.done()) {
            return;
        }
        if let Ok(handle) = set_timeout_with_handle(
            move || {
                leptos::task::spawn_local(async move {
                    if let Ok(fresh) = load_presave_report(release_id).await {
                        report.set(fresh);
                    }
                });
            },
            std::time::Duration::from_secs(3),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <section class="card" data-testid="presaves">
            <h2>"Pre-saves"</h2>
            {move || presave_summary(report.get(), release_id)}
        </section>
    }
}

fn presave_summary(r: PresaveReport, release_id: i32) -> impl IntoView {
    let total = r.total();
    let done = r.done();
    let running = r.in_progress();
    let via = if r.spotify.is_empty() {
        "No Spotify app is configured: fans cannot pre-save.".to_owned()
    } else {
        format!("Delivered by {}.", r.spotify)
    };
    view! {
        <p class="muted" data-testid="presave-spotify">{via}</p>
        <p data-testid="presave-counts">
            {format!(
                "{total} pre-saves: {} delivered, {} waiting, {} not on Spotify yet, {} failed, {} cancelled",
                r.delivered, r.queued + r.sending, r.pending_source, r.failed, r.cancelled
            )}
        </p>
        {(total > 0).then(|| view! {
            <label>
                {if running { "Delivering now" } else { "Delivered or failed" }}
                <progress data-testid="presave-progress" max=total.to_string() value=done.to_string()></progress>
                {format!(" {done} of {total}")}
            </label>
        })}
        {(!r.failures.is_empty()).then(|| view! {
            <h3>"Failures"</h3>
            <ul data-testid="presave-failures">
                {r.failures.into_iter().map(|f| view! { <li>{f.fan}": "{f.reason}</li> }).collect_view()}
            </ul>
        })}
        <p>
            {format!("{} fans left their email. ", r.email_opt_ins)}
            <a href=format!("/dashboard/export/fans.csv?release={release_id}") download>"Download as CSV"</a>
        </p>
    }
}
