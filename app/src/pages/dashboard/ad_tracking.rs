//! Ad tracking for an artist, or one release: Meta, TikTok and GA4 pixels with their server-side secrets, the
//! organization's consent rule, "send a test event", and the delivery log of server-side events. Plain forms
//! (`ActionForm`), so saving works before the page hydrates and costs little WASM.
use crate::pages::auth::FormError;
use crate::types::{AdTrackingData, AppError, PixelDraft, PixelSetting, AD_PLATFORMS};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
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

/// What the ad tracking page asks of the server: the page, or a change (then the page again).
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum AdRequest {
    Load,
    SavePixel(PixelDraft),
    /// Sends a test event to this platform now.
    SendTest(String),
    /// The organization's rule (admins only).
    SetConsentRequired(bool),
}

/// The page's one server function: each request checks the caller's access to the artist or release (and, for
/// the consent rule, that they are an admin), then answers with the page as it now is. One function instead of
/// four keeps the dashboard's WASM smaller.
#[server(endpoint = "ad_tracking", input = Json)]
pub async fn ad_tracking(subject: String, request: AdRequest) -> Result<AdTrackingData, AppError> {
    let notice = match request {
        AdRequest::Load => None,
        AdRequest::SavePixel(pixel) => {
            save_ad_pixel(&subject, pixel).await?;
            None
        }
        AdRequest::SendTest(platform) => Some(send_test_event(&subject, platform).await?),
        AdRequest::SetConsentRequired(required) => {
            set_ad_consent_required(&subject, required).await?;
            None
        }
    };
    let mut page = load_ad_tracking(&subject).await?;
    page.notice = notice;
    Ok(page)
}

#[cfg(feature = "ssr")]
async fn load_ad_tracking(subject: &str) -> Result<AdTrackingData, AppError> {
    use crate::server::auth;
    use crate::server::conversions::{queue, settings};
    use crate::types::{Access, Role};
    let (ctx, caller) = auth::signed_in().await?;
    let (subject, name, access) = subject_for(&ctx, &caller, subject, Access::View).await?;
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
        notice: None,
    })
}

#[cfg(feature = "ssr")]
async fn save_ad_pixel(subject: &str, pixel: PixelDraft) -> Result<(), AppError> {
    use crate::server::auth;
    use crate::server::conversions::settings;
    use crate::server::models::activity;
    use crate::types::Access;
    let (ctx, caller) = auth::signed_in().await?;
    let (subject, name, _) = subject_for(&ctx, &caller, subject, Access::Edit).await?;
    let now = ctx.clock.now();
    settings::save_settings(
        &ctx.db,
        &ctx.conversions.keys,
        subject.artist_id,
        subject.release_id,
        std::slice::from_ref(&pixel),
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
            format!(
                "Set the {} pixel of {name} to {}",
                pixel.platform, pixel.mode
            ),
        ),
        now,
    )
    .await?;
    ctx.fan_pages_changed.call();
    Ok(())
}

/// Sends one test click-out to the platform now and says what it answered (also in the log). GA4 is checked
/// against its validation endpoint first, since its collection endpoint accepts anything.
#[cfg(feature = "ssr")]
async fn send_test_event(subject: &str, platform: String) -> Result<String, AppError> {
    use crate::server::auth;
    use crate::server::conversions::clients::{
        ConversionKind, FanContext, OutgoingEvent, Platform, SendOutcome,
    };
    use crate::server::conversions::{consent, queue, settings};
    use crate::types::Access;
    let (ctx, caller) = auth::signed_in().await?;
    let (subject, name, _) = subject_for(&ctx, &caller, subject, Access::Edit).await?;
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

#[cfg(feature = "ssr")]
async fn set_ad_consent_required(subject: &str, required: bool) -> Result<(), AppError> {
    use crate::server::auth;
    use crate::server::conversions::settings;
    use crate::server::models::activity;
    use crate::types::Access;
    let (ctx, caller) = auth::signed_in().await?;
    // The page's subject first, so that an outsider learns nothing; then the rule is the organization admin's.
    subject_for(&ctx, &caller, subject, Access::View).await?;
    let organization_id = caller.admin()?.organization_id;
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

/// Every change the page makes: (subject, request) → the page as it now is.
type AdAction = Action<(String, AdRequest), Result<AdTrackingData, AppError>>;

#[component]
fn AdTracking(subject: Signal<Option<String>>) -> impl IntoView {
    let act: AdAction = Action::new(|(subject, request): &(String, AdRequest)| {
        ad_tracking(subject.clone(), request.clone())
    });
    let data = crate::components::data(
        move || (subject.get(), act.version().get()),
        |(subject, _)| async move {
            match subject {
                Some(subject) => ad_tracking(subject, AdRequest::Load).await,
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
                            Ok(data) => view! { <AdTrackingBody data act /> }.into_any(),
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

#[component]
fn AdTrackingBody(data: AdTrackingData, act: AdAction) -> impl IntoView {
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
    let required = RwSignal::new(data.consent_required);
    let subject = subject_key(data.artist_id, data.release_id);
    let consent_subject = subject.clone();
    view! {
        <p><a href=back.0>{back.1}</a></p>
        <p class="lede">{data.subject.clone()}</p>
        <p class="muted">
            "A pixel loads in a fan's browser only after they allow it; the same page view, click-out and pre-save also go from Dropday's server with the same event id, so ad blockers, iOS and in-app browsers lose none and Meta and TikTok count each once. "
            {scope_note} " " {where_to}
        </p>
        <section class="card stack" data-testid="consent-rule">
            <h2>"Consent"</h2>
            <label>
                <input
                    type="checkbox"
                    prop:checked=required
                    disabled=!data.can_change_consent
                    on:change=move |ev| required.set(event_target_checked(&ev))
                />
                " Ask fans before any pixel loads or any event is sent (needed in the EU, the UK and many other places)"
            </label>
            {data.can_change_consent.then(|| view! {
                <button type="button" on:click=move |_| { act.dispatch((consent_subject.clone(), AdRequest::SetConsentRequired(required.get_untracked()))); }>"Save the consent rule"</button>
            })}
        </section>
        {data
            .pixels
            .into_iter()
            .map(|pixel| view! { <PixelForm pixel subject=subject.clone() release=data.release_id.is_some() can_edit=data.can_edit act /> })
            .collect_view()}
        <FormError value=act.value() />
        {move || act.value().get().and_then(Result::ok).and_then(|page| page.notice).map(|notice| view! {
            <p class="ok" role="status" data-testid="test-result">{notice}</p>
        })}
        <section class="card" data-testid="delivery-log">
            <h2>"Delivery log"</h2>
            <p data-testid="delivery-counts">
                {format!("{sent} sent ({retried} after a retry), {queued} waiting, {failed} failed, {dropped} dropped")}
            </p>
            <ul class="log">
                {data.log.into_iter().map(|row| view! { <li data-status=row.status>{row.line}</li> }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}

#[component]
fn PixelForm(
    pixel: PixelSetting,
    subject: String,
    release: bool,
    can_edit: bool,
    act: AdAction,
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
    if release {
        modes.insert(0, ("inherit", "Use the artist's"));
    }
    let can_test = can_edit && pixel.mode != "off";
    let mode = RwSignal::new(pixel.mode.clone());
    let pixel_id = RwSignal::new(pixel.pixel_id.clone());
    let secret = RwSignal::new(String::new());
    let clear = RwSignal::new(false);
    let test_code = RwSignal::new(pixel.test_event_code.clone());
    let platform = pixel.platform.clone();
    let form_subject = subject.clone();
    let submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        act.dispatch((
            form_subject.clone(),
            AdRequest::SavePixel(PixelDraft {
                platform: platform.clone(),
                mode: mode.get_untracked(),
                pixel_id: pixel_id.get_untracked(),
                secret: secret.get_untracked(),
                clear_secret: clear.get_untracked(),
                test_event_code: test_code.get_untracked(),
            }),
        ));
        // Not kept in the page once sent.
        secret.set(String::new());
    };
    let test_platform = pixel.platform.clone();
    view! {
        <form class="card stack" data-platform=pixel.platform.clone() on:submit=submit>
            <h2>{label}</h2>
            {(!pixel.inherited.is_empty()).then(|| view! { <p class="muted">"The artist's: " {pixel.inherited.clone()}</p> })}
            <label>
                "Use"
                <select disabled=!can_edit on:change=move |ev| mode.set(event_target_value(&ev))>
                    {modes
                        .into_iter()
                        .map(|(value, text)| view! { <option value=value selected=pixel.mode == value>{text}</option> })
                        .collect_view()}
                </select>
            </label>
            <label>
                {id_label}
                <input type="text" maxlength="40" disabled=!can_edit prop:value=pixel_id on:input=move |ev| pixel_id.set(event_target_value(&ev)) />
            </label>
            <label>
                {secret_label}
                <input
                    type="password"
                    autocomplete="off"
                    maxlength="1000"
                    disabled=!can_edit
                    placeholder=if pixel.has_secret { "stored: leave empty to keep it" } else { "browser pixel only without it" }
                    prop:value=secret
                    on:input=move |ev| secret.set(event_target_value(&ev))
                />
            </label>
            {pixel.has_secret.then(|| view! {
                <label><input type="checkbox" disabled=!can_edit on:change=move |ev| clear.set(event_target_checked(&ev)) /> " Remove the stored secret"</label>
            })}
            {code.then(|| view! {
                <label>
                    "Test event code (optional)"
                    <input type="text" maxlength="40" disabled=!can_edit prop:value=test_code on:input=move |ev| test_code.set(event_target_value(&ev)) />
                </label>
            })}
            {can_edit.then(|| view! {
                <div class="row">
                    <button type="submit" class="primary">"Save"</button>
                    {can_test.then(|| view! {
                        <button type="button" data-testid="send-test" on:click=move |_| { act.dispatch((subject.clone(), AdRequest::SendTest(test_platform.clone()))); }>
                            "Send a test event"
                        </button>
                    })}
                </div>
            })}
        </form>
    }
    .into_any()
}
