//! Ad tracking for an artist, or one release: Meta, TikTok and GA4 pixels with their server-side secrets, the
//! organization's consent rule, "send a test event", and the delivery log of server-side events. Plain forms
//! (`ActionForm`), so saving works before the page hydrates and costs little WASM.
use crate::pages::auth::FormError;
use crate::types::{AdTrackingData, AppError, PixelSetting, AD_PLATFORMS};
use leptos::prelude::*;
use leptos::server::ServerAction;
use leptos_router::hooks::use_params_map;

/// What a page is about, as its forms name it: `artist:<id>` or `release:<id>`.
fn subject_key(artist_id: i32, release_id: Option<i32>) -> String {
    match release_id {
        Some(id) => format!("release:{id}"),
        None => format!("artist:{artist_id}"),
    }
}

/// The artist, or the release (and its artist), named by `subject`, that the caller may touch with `needed`.
#[cfg(feature = "ssr")]
async fn subject_for(
    ctx: &crate::server::ServerCtx,
    caller: &crate::server::auth::Caller,
    subject: &str,
    needed: crate::types::Access,
) -> Result<
    (
        crate::server::conversions::queue::Subject,
        String,
        crate::types::Access,
    ),
    AppError,
> {
    use crate::server::auth::access;
    use crate::server::conversions::queue::Subject;
    let parsed = subject
        .split_once(':')
        .and_then(|(kind, id)| Some((kind, id.parse::<i32>().ok()?)));
    match parsed {
        Some(("release", release_id)) => {
            let (release, artist, access) =
                access::release_for(&ctx.db, caller.member()?, release_id, needed).await?;
            Ok((
                Subject {
                    artist_id: artist.id,
                    release_id: Some(release.id),
                },
                format!("{} by {}", release.title, artist.name),
                access,
            ))
        }
        Some(("artist", artist_id)) => {
            let (artist, access) =
                access::artist_for(&ctx.db, caller.member()?, artist_id, needed).await?;
            Ok((
                Subject {
                    artist_id: artist.id,
                    release_id: None,
                },
                artist.name,
                access,
            ))
        }
        _ => Err(AppError::BadRequest(
            "name an artist (artist:<id>) or a release (release:<id>)".into(),
        )),
    }
}

#[server(endpoint = "load_ad_tracking")]
pub async fn load_ad_tracking(subject: String) -> Result<AdTrackingData, AppError> {
    use crate::server::auth;
    use crate::server::conversions::{queue, settings};
    use crate::types::{Access, Role};
    let (ctx, caller) = auth::signed_in().await?;
    let (subject, name, access) = subject_for(&ctx, &caller, &subject, Access::View).await?;
    let member = caller.member()?;
    let (counts, log) = queue::delivery_log(&ctx.db, subject, 50).await?;
    Ok(AdTrackingData {
        artist_id: subject.artist_id,
        release_id: subject.release_id,
        subject: name,
        pixels: settings::load_settings(&ctx.db, subject.artist_id, subject.release_id).await?,
        can_edit: access >= Access::Edit,
        consent_required: settings::consent_required(&ctx.db, member.organization_id).await?,
        can_change_consent: member.role == Role::Admin,
        counts,
        log,
        sandbox: ctx.conversions.sandbox,
    })
}

#[server(endpoint = "save_ad_pixel")]
pub async fn save_ad_pixel(
    subject: String,
    platform: String,
    mode: String,
    pixel_id: String,
    secret: String,
    clear_secret: Option<String>,
    test_event_code: String,
) -> Result<(), AppError> {
    use crate::server::auth;
    use crate::server::conversions::settings;
    use crate::server::models::activity;
    use crate::types::{Access, PixelDraft};
    let (ctx, caller) = auth::signed_in().await?;
    let (subject, name, _) = subject_for(&ctx, &caller, &subject, Access::Edit).await?;
    let now = ctx.clock.now();
    settings::save_settings(
        &ctx.db,
        &ctx.conversions.keys,
        subject.artist_id,
        subject.release_id,
        &[PixelDraft {
            platform: platform.clone(),
            mode: mode.clone(),
            pixel_id,
            secret,
            clear_secret: clear_secret.is_some(),
            test_event_code,
        }],
        now,
    )
    .await?;
    activity::record(
        &ctx.db,
        activity::Entry::by(
            &caller,
            caller.member()?.organization_id,
            "ads.pixel_saved",
            match subject.release_id {
                Some(id) => activity::Subject::Release(id),
                None => activity::Subject::Artist(subject.artist_id),
            },
            format!("Set the {platform} pixel of {name} to {mode}"),
        ),
        now,
    )
    .await?;
    ctx.fan_pages_changed.call();
    Ok(())
}

/// Sends one test click-out to the platform now and says what it answered (also in the log). GA4 is checked
/// against its validation endpoint first, since its collection endpoint accepts anything.
#[server(endpoint = "send_test_event")]
pub async fn send_test_event(subject: String, platform: String) -> Result<String, AppError> {
    use crate::server::auth;
    use crate::server::conversions::clients::{
        ConversionKind, FanContext, OutgoingEvent, Platform, SendOutcome,
    };
    use crate::server::conversions::{consent, queue, settings};
    use crate::types::Access;
    let (ctx, caller) = auth::signed_in().await?;
    let (subject, name, _) = subject_for(&ctx, &caller, &subject, Access::Edit).await?;
    let platform: Platform = platform
        .parse()
        .map_err(|_| AppError::BadRequest(format!("unknown ad platform \"{platform}\"")))?;
    let row_id =
        settings::effective_pixel(&ctx.db, subject.artist_id, subject.release_id, platform)
            .await?
            .ok_or_else(|| {
                AppError::BadRequest(format!("{} is not switched on here", platform.label()))
            })?;
    let destination = settings::destination(&ctx.db, &ctx.conversions.keys, row_id)
        .await?
        .ok_or_else(|| {
            AppError::BadRequest(format!(
                "{} has no server-side secret: add it, then send a test event",
                platform.label()
            ))
        })?;
    let now = ctx.clock.now();
    let event = OutgoingEvent {
        kind: ConversionKind::ClickOut,
        event_id: consent::new_event_id(),
        event_time: now,
        source_url: format!("{}/dashboard", ctx.public_url),
        referrer_url: None,
        service: Some("spotify".to_owned()),
        content_name: Some(format!("Test event for {name}")),
        fan: FanContext {
            ip: auth::caller::client_ip().map(|ip| ip.to_string()),
            user_agent: auth::user_agent(),
            ga_client_id: Some(consent::new_ga_client_id(now.timestamp())),
            ..FanContext::default()
        },
    };
    let clients = &ctx.conversions.clients;
    let (sent, note) = match platform {
        Platform::Ga4 => match clients
            .validate_ga4(&destination, std::slice::from_ref(&event))
            .await
        {
            Ok(problems) if problems.is_empty() => match clients
                .send(&destination, std::slice::from_ref(&event))
                .await
            {
                SendOutcome::Sent { detail } => (true, format!("valid and {detail}")),
                SendOutcome::Retry { error, .. } | SendOutcome::Rejected { error } => {
                    (false, error)
                }
            },
            Ok(problems) => (
                false,
                format!("GA4 found problems: {}", problems.join("; ")),
            ),
            Err(error) => (false, error),
        },
        _ => match clients
            .send(&destination, std::slice::from_ref(&event))
            .await
        {
            SendOutcome::Sent { detail } => (true, detail),
            SendOutcome::Retry { error, .. } | SendOutcome::Rejected { error } => (false, error),
        },
    };
    let answer = if sent {
        Ok(note.as_str())
    } else {
        Err(note.as_str())
    };
    queue::record_test(&ctx.db, subject, row_id, platform, &event, answer, now).await?;
    Ok(if sent {
        format!("{}: test event sent: {note}", platform.label())
    } else {
        format!("{}: test event not sent: {note}", platform.label())
    })
}

#[server(endpoint = "set_ad_consent_required")]
pub async fn set_ad_consent_required(required: Option<String>) -> Result<(), AppError> {
    use crate::server::auth;
    use crate::server::conversions::settings;
    use crate::server::models::activity;
    let (ctx, caller) = auth::signed_in().await?;
    let organization_id = caller.admin()?.organization_id;
    let required = required.is_some();
    settings::set_consent_required(&ctx.db, organization_id, required).await?;
    activity::record(
        &ctx.db,
        activity::Entry::by(
            &caller,
            organization_id,
            "ads.consent_rule",
            activity::Subject::Organization(organization_id),
            if required {
                "Fans are asked for consent before ad measurement".to_owned()
            } else {
                "Ad measurement runs without asking fans for consent".to_owned()
            },
        ),
        ctx.clock.now(),
    )
    .await?;
    ctx.fan_pages_changed.call();
    Ok(())
}

#[component]
pub fn ArtistAdsPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i32>().ok()));
    let subject = Signal::derive(move || id().map(|id| subject_key(id, None)));
    view! { <AdTracking subject /> }.into_any()
}

#[component]
pub fn ReleaseAdsPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i32>().ok()));
    let subject = Signal::derive(move || id().map(|id| subject_key(0, Some(id))));
    view! { <AdTracking subject /> }.into_any()
}

#[component]
fn AdTracking(subject: Signal<Option<String>>) -> impl IntoView {
    let save = ServerAction::<SaveAdPixel>::new();
    let consent = ServerAction::<SetAdConsentRequired>::new();
    let test = Action::new(move |(subject, platform): &(String, String)| {
        send_test_event(subject.clone(), platform.clone())
    });
    let data = crate::components::data(
        move || {
            (
                subject.get(),
                save.version().get(),
                consent.version().get(),
                test.version().get(),
            )
        },
        |(subject, ..)| async move {
            match subject {
                Some(subject) => load_ad_tracking(subject).await,
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <leptos_meta::Title text="Ad tracking · Dropday" />
        <main class="page narrow" data-testid="ad-tracking">
            <h1>"Ad tracking"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || {
                    data.get()
                        .map(|result| match result {
                            Ok(data) => view! { <AdTrackingBody data save consent test /> }.into_any(),
                            Err(error) => {
                                view! { <p class="error" role="alert">{crate::pages::auth::capitalized(&error.to_string())}</p> }.into_any()
                            }
                        })
                }}
            </Transition>
        </main>
    }
    .into_any()
}

type TestAction = Action<(String, String), Result<String, AppError>>;

#[component]
fn AdTrackingBody(
    data: AdTrackingData,
    save: ServerAction<SaveAdPixel>,
    consent: ServerAction<SetAdConsentRequired>,
    test: TestAction,
) -> impl IntoView {
    let back = match data.release_id {
        Some(id) => (format!("/dashboard/releases/{id}"), "← Release"),
        None => (format!("/dashboard/artists/{}", data.artist_id), "← Artist"),
    };
    let [queued, sent, failed, dropped, retried] = data.counts;
    let where_to = if data.sandbox {
        "Events go to the sandbox's local fake Meta, TikTok and Google, not the real ones."
    } else {
        "Events go to Meta, TikTok and Google."
    };
    let scope_note = if data.release_id.is_some() {
        "Each platform uses the artist's setting unless this release has its own, or switches it off."
    } else {
        "Every release of the artist uses these, unless a release has its own."
    };
    view! {
        <p><a href=back.0>{back.1}</a></p>
        <p class="lede">{data.subject.clone()}</p>
        <p class="muted">
            "A pixel loads in a fan's browser only after they allow it; the same page view, click-out and pre-save also go from Dropday's server with the same event id, so ad blockers, iOS and in-app browsers lose none and Meta and TikTok count each once. "
            {scope_note} " " {where_to}
        </p>
        <ActionForm action=consent attr:class="card stack" attr:data-testid="consent-rule">
            <h2>"Consent"</h2>
            <label>
                <input type="checkbox" name="required" value="on" checked=data.consent_required disabled=!data.can_change_consent />
                " Ask fans before any pixel loads or any event is sent (needed in the EU, the UK and many other places)"
            </label>
            {data.can_change_consent.then(|| view! { <button type="submit">"Save the consent rule"</button> })}
            <FormError value=consent.value() />
        </ActionForm>
        {data
            .pixels
            .into_iter()
            .map(|pixel| view! { <PixelForm pixel artist_id=data.artist_id release_id=data.release_id can_edit=data.can_edit save test /> })
            .collect_view()}
        <FormError value=save.value() />
        {move || test.value().get().map(|result| match result {
            Ok(answer) => view! { <p class="ok" role="status" data-testid="test-result">{answer}</p> }.into_any(),
            Err(error) => view! { <p class="error" role="alert">{crate::pages::auth::capitalized(&error.to_string())}</p> }.into_any(),
        })}
        <section class="card" data-testid="delivery-log">
            <h2>"Delivery log"</h2>
            <p data-testid="delivery-counts">
                {format!("{sent} sent ({retried} after a retry), {queued} waiting, {failed} failed, {dropped} dropped")}
            </p>
            <table>
                <thead><tr><th>"When (UTC)"</th><th>"Platform"</th><th>"Event"</th><th>"Status"</th><th>"Attempts"</th><th>"Answer"</th></tr></thead>
                <tbody>
                    {data
                        .log
                        .into_iter()
                        .map(|row| {
                            let status = row.status.clone();
                            view! {
                            <tr data-status=status>
                                <td>{row.at}</td>
                                <td>{row.platform}</td>
                                <td>{row.event_name} {row.test.then_some(" (test)")} <br /><code>{row.event_id}</code></td>
                                <td>{row.status}</td>
                                <td>{row.attempts}</td>
                                <td>{row.note}</td>
                            </tr>
                            }
                        })
                        .collect_view()}
                </tbody>
            </table>
        </section>
    }
    .into_any()
}

#[component]
fn PixelForm(
    pixel: PixelSetting,
    artist_id: i32,
    release_id: Option<i32>,
    can_edit: bool,
    save: ServerAction<SaveAdPixel>,
    test: TestAction,
) -> impl IntoView {
    let label = AD_PLATFORMS
        .iter()
        .find(|(key, _)| *key == pixel.platform)
        .map_or("", |(_, label)| label);
    let (id_label, secret_label, code) = match pixel.platform.as_str() {
        "meta" => ("Pixel id", "Conversions API access token", true),
        "tiktok" => ("Pixel code", "Events API access token", true),
        _ => ("Measurement id", "Measurement Protocol API secret", false),
    };
    let mut modes = vec![("on", "On"), ("off", "Off")];
    if release_id.is_some() {
        modes.insert(0, ("inherit", "Use the artist's"));
    }
    let platform = pixel.platform.clone();
    let test_platform = pixel.platform.clone();
    let can_test = can_edit && pixel.mode != "off";
    view! {
        <ActionForm action=save attr:class="card stack" attr:data-platform=pixel.platform.clone()>
            <h2>{label}</h2>
            <input type="hidden" name="subject" value=subject_key(artist_id, release_id) />
            <input type="hidden" name="platform" value=platform />
            {(!pixel.inherited.is_empty()).then(|| view! { <p class="muted">"The artist's: " {pixel.inherited.clone()}</p> })}
            <label>
                "Use"
                <select name="mode" disabled=!can_edit>
                    {modes
                        .into_iter()
                        .map(|(value, text)| view! { <option value=value selected=pixel.mode == value>{text}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>{id_label} <input type="text" name="pixel_id" value=pixel.pixel_id maxlength="40" disabled=!can_edit /></label>
            <label>
                {secret_label}
                // Emptied after each save: the browser keeps a typed value across the re-render otherwise.
                <input
                    type="password"
                    name="secret"
                    prop:value=move || {
                        save.version().get();
                        ""
                    }
                    autocomplete="off"
                    maxlength="1000"
                    disabled=!can_edit
                    placeholder=if pixel.has_secret { "stored: leave empty to keep it" } else { "browser pixel only without it" }
                />
            </label>
            {pixel.has_secret.then(|| view! {
                <label><input type="checkbox" name="clear_secret" value="on" disabled=!can_edit /> " Remove the stored secret"</label>
            })}
            {if code {
                view! { <label>"Test event code (optional)" <input type="text" name="test_event_code" value=pixel.test_event_code maxlength="40" disabled=!can_edit /></label> }.into_any()
            } else {
                view! { <input type="hidden" name="test_event_code" value="" /> }.into_any()
            }}
            {can_edit.then(|| view! {
                <div class="row">
                    <button type="submit" class="primary">"Save"</button>
                    {can_test.then(|| view! {
                        <button type="button" data-testid="send-test" on:click=move |_| { test.dispatch((subject_key(artist_id, release_id), test_platform.clone())); }>
                            "Send a test event"
                        </button>
                    })}
                </div>
            })}
        </ActionForm>
    }
    .into_any()
}
