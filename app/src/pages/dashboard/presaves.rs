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
    let mut report = crate::server::presave::report::release_report(&ctx.db, release_id).await?;
    report.spotify = ctx
        .presaves
        .as_ref()
        .map(|presaves| presaves.describe())
        .unwrap_or_default();
    Ok(report)
}

#[component]
pub fn PresavePanel(release_id: i32) -> impl IntoView {
    let tick = RwSignal::new(0_u32);
    let report =
        crate::components::data(move || tick.get(), move |_| load_presave_report(release_id));
    // Re-read every few seconds while anything is still to be delivered (timers exist only in the browser).
    Effect::new(move |_| {
        let open = report
            .get()
            .and_then(Result::ok)
            .is_some_and(|r| r.total() > r.done());
        if !open {
            return;
        }
        if let Ok(handle) = set_timeout_with_handle(
            move || tick.update(|n| *n += 1),
            std::time::Duration::from_secs(3),
        ) {
            on_cleanup(move || handle.clear());
        }
    });
    view! {
        <section class="card" data-testid="presaves">
            <h2>"Pre-saves"</h2>
            <Transition fallback=|| ()>
                {move || report.get().map(|result| match result {
                    Ok(r) => presave_summary(r, release_id).into_any(),
                    Err(error) => view! { <p class="error" role="alert">{error.to_string()}</p> }.into_any(),
                })}
            </Transition>
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
