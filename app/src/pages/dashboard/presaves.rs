//! A release's pre-saves in the editor: how many, how far delivery is (live while it runs), what failed and why,
//! and the fans who left their email, as CSV.
use crate::types::presave::PresaveReport;
use leptos::prelude::*;

/// The report, with which Spotify delivers (the caller has checked access).
#[cfg(feature = "ssr")]
pub(super) async fn presave_report(
    ctx: &crate::server::ServerCtx,
    release_id: i32,
) -> Result<PresaveReport, crate::types::AppError> {
    let mut report = crate::server::presave::report::release_report(&ctx.db, release_id).await?;
    report.spotify = ctx
        .presaves
        .as_ref()
        .map(|presaves| presaves.describe())
        .unwrap_or_default();
    Ok(report)
}

/// The release's pre-saves as loaded with the editor (which re-reads itself while a delivery run is on).
#[component]
pub fn PresavePanel(release_id: i32, report: PresaveReport) -> impl IntoView {
    view! {
        <section class="card" data-testid="presaves">
            <h2>"Pre-saves"</h2>
            {presave_summary(report, release_id)}
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
                {r.failures.into_iter().map(|f| view! { <li>{f}</li> }).collect_view()}
            </ul>
        })}
        <p>
            {format!("{} fans left their email. ", r.email_opt_ins)}
            <a href=format!("/dashboard/export/fans.csv?release={release_id}") download>"Download as CSV"</a>
        </p>
    }
}
