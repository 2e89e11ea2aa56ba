//! Publishing and billing for one artist: the organization's access mode in plain words, what the artist holds
//! (packages, paid fees, grants) and their payments, and buying a package through Stripe Checkout. The release
//! editor's "why can't I publish" box lives here too, with its "Pay the fee" button.
use crate::pages::auth::{capitalized, FormError};
use crate::types::{AppError, PublishCheck, PublishingAnswer, PublishingRequest, PublishingView};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;
use leptos_router::hooks::{use_params_map, use_query_map};

/// Loads an artist's publishing page, or starts a Stripe Checkout for a package or a release's base fee.
#[server(endpoint = "publishing", input = Json)]
pub async fn publishing(request: PublishingRequest) -> Result<PublishingAnswer, AppError> {
    use crate::server::auth::{self, access};
    use crate::server::billing::{self, payments::Purchase};
    use crate::server::entities::packages;
    use crate::server::models::organizations;
    use crate::types::Access;
    use sea_orm::EntityTrait;
    let (ctx, caller) = auth::signed_in().await?;
    let membership = caller.member()?;
    let now = ctx.clock.now();
    let organization = organizations::find_by_id(&ctx.db, membership.organization_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let stripe = || {
        ctx.stripe.as_ref().ok_or_else(|| {
            AppError::BadRequest("payments are not set up on this server: ask an admin".into())
        })
    };
    let (artist, purchase) = match request {
        PublishingRequest::Load {
            artist_id,
            session_id,
        } => {
            let (artist, access) =
                access::artist_for(&ctx.db, membership, artist_id, Access::View).await?;
            // Without Stripe (configuration changed since) there is nothing to confirm.
            let payment_note = match session_id.filter(|id| !id.is_empty() && ctx.stripe.is_some())
            {
                Some(session_id) => Some(
                    billing::payments::confirm_return(
                        &ctx.db,
                        stripe()?,
                        artist.id,
                        &session_id,
                        now,
                    )
                    .await?,
                ),
                None => None,
            };
            let mode = billing::access::Mode::of(&organization);
            let sells = matches!(
                mode,
                billing::access::Mode::Package | billing::access::Mode::BaseFee
            );
            return Ok(PublishingAnswer::View(PublishingView {
                artist_id: artist.id,
                artist: artist.name.clone(),
                mode: crate::types::ACCESS_MODES
                    .iter()
                    .find(|(key, _)| *key == mode.as_str())
                    .map_or(String::new(), |(_, label)| (*label).to_owned()),
                holdings: billing::ledger::views(&ctx.db, organization.id, Some(artist.id), now)
                    .await?,
                packages: if sells {
                    billing::settings::packages_of(&ctx.db, organization.id, true)
                        .await?
                        .iter()
                        .map(billing::settings::package_view)
                        .collect()
                } else {
                    Vec::new()
                },
                base_fee: (mode == billing::access::Mode::BaseFee)
                    .then(|| billing::access::base_fee(&organization))
                    .flatten(),
                can_buy: sells && ctx.stripe.is_some() && access >= Access::Owner,
                payment_note,
                payments: billing::payments::views(&ctx.db, organization.id, Some(artist.id))
                    .await?,
            }));
        }
        PublishingRequest::BuyPackage {
            artist_id,
            package_id,
        } => {
            let (artist, _) =
                access::artist_for(&ctx.db, membership, artist_id, Access::Owner).await?;
            let package = packages::Entity::find_by_id(package_id)
                .one(&ctx.db)
                .await?
                .filter(|p| p.organization_id == organization.id)
                .ok_or(AppError::NotFound)?;
            if !matches!(
                billing::access::Mode::of(&organization),
                billing::access::Mode::Package | billing::access::Mode::BaseFee
            ) {
                return Err(AppError::BadRequest(
                    "this organization does not sell packages now".into(),
                ));
            }
            (artist, Purchase::Package(package))
        }
        PublishingRequest::PayFee { release_id } => {
            let (release, artist, _) =
                access::release_for(&ctx.db, membership, release_id, Access::Owner).await?;
            (artist, Purchase::BaseFee(Box::new(release)))
        }
    };
    let url = billing::payments::start_checkout(
        &ctx.db,
        stripe()?,
        &ctx.public_url,
        billing::payments::Order {
            organization: &organization,
            artist: &artist,
            purchase,
            buyer: (caller.user.id, &caller.user.email),
        },
        now,
    )
    .await?;
    Ok(PublishingAnswer::Checkout(url))
}

/// Sends the browser to Stripe Checkout.
fn go_to(url: &str) {
    #[cfg(feature = "hydrate")]
    {
        let _ = window().location().set_href(url);
    }
    #[cfg(not(feature = "hydrate"))]
    let _ = url;
}

type PublishingAction = Action<PublishingRequest, Result<PublishingAnswer, AppError>>;

fn publishing_action() -> PublishingAction {
    let act: PublishingAction =
        Action::new(|request: &PublishingRequest| publishing(request.clone()));
    Effect::new(move |_| {
        if let Some(Ok(PublishingAnswer::Checkout(url))) = act.value().get() {
            go_to(&url);
        }
    });
    act
}

/// The release editor's box when publishing is not allowed: why, and what to do about it.
#[component]
pub fn PublishBlocked(check: PublishCheck, release_id: i32, artist_id: i32) -> impl IntoView {
    let act = publishing_action();
    view! {
        <div class="card notice" data-testid="publish-blocked">
            <p>{check.reason.clone()}</p>
            <p>
                {check.fee.clone().map(|fee| view! {
                    <button type="button" data-testid="pay-fee" disabled=move || act.pending().get()
                        on:click=move |_| { act.dispatch(PublishingRequest::PayFee { release_id }); }>
                        {format!("Pay the fee ({fee})")}
                    </button>
                    " "
                })}
                {check.packages_for_sale.then(|| view! {
                    <a href=format!("/dashboard/artists/{artist_id}/publishing")>"See packages"</a>
                })}
                {check.ask_admin.then(|| view! { <span class="muted">"An admin of your organization can grant access."</span> })}
            </p>
            <FormError value=act.value() />
        </div>
    }
    .into_any()
}

#[component]
pub fn PublishingPage() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let artist_id = move || params.with(|p| p.get("id").and_then(|id| id.parse::<i32>().ok()));
    let session_id = move || query.with(|q| q.get("session_id"));
    let cancelled = move || query.with(|q| q.get("cancelled").is_some());
    let act = publishing_action();
    let data = crate::components::data(
        move || (artist_id(), session_id()),
        |(artist_id, session_id)| async move {
            match artist_id {
                Some(artist_id) => publishing(PublishingRequest::Load {
                    artist_id,
                    session_id,
                })
                .await
                .and_then(|answer| match answer {
                    PublishingAnswer::View(view) => Ok(view),
                    PublishingAnswer::Checkout(_) => Err(AppError::Internal),
                }),
                None => Err(AppError::NotFound),
            }
        },
    );
    view! {
        <leptos_meta::Title text="Publishing · Dropday" />
        <main class="page narrow" data-testid="publishing">
            <h1>"Publishing"</h1>
            {move || cancelled().then(|| view! { <p class="muted" role="status">"Payment cancelled: nothing was charged."</p> })}
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || data.get().map(|result| match result {
                    Ok(view) => view! { <PublishingBody view act /> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{capitalized(&error.to_string())}</p> }.into_any(),
                })}
            </Transition>
        </main>
    }
    .into_any()
}

#[component]
fn PublishingBody(view: PublishingView, act: PublishingAction) -> impl IntoView {
    let artist_id = view.artist_id;
    let can_buy = view.can_buy;
    view! {
        <p><a href=format!("/dashboard/artists/{artist_id}")>"← "{view.artist.clone()}</a></p>
        {view.payment_note.clone().map(|note| view! { <p class="ok" role="status" data-testid="payment-note">{note}</p> })}
        <p class="lede" data-testid="access-mode">{view.mode.clone()}</p>
        {view.base_fee.clone().map(|fee| view! {
            <p>{format!("The fee per release is {fee}; pay it from the release's page when you publish.")}</p>
        })}
        <section class="card" data-testid="holdings">
            <h2>"What you hold"</h2>
            {if view.holdings.is_empty() {
                view! { <p class="muted">"Nothing yet."</p> }.into_any()
            } else {
                view! {
                    <ul class="log">
                        {view.holdings.iter().map(|h| view! {
                            <li class:muted=!h.active>{format!("{} · {} · {} · {}", h.name, h.usage, h.state, h.source)}</li>
                        }).collect_view()}
                    </ul>
                }.into_any()
            }}
        </section>
        {(!view.packages.is_empty()).then(|| view! {
            <section class="card" data-testid="packages">
                <h2>"Packages"</h2>
                <ul class="log">
                    {view.packages.iter().map(|p| {
                        let package_id = p.id;
                        view! {
                            <li>
                                <strong>{p.name.clone()}</strong>{format!(" · {} · {} ", p.price, p.terms)}
                                {can_buy.then(|| view! {
                                    <button type="button" disabled=move || act.pending().get()
                                        on:click=move |_| { act.dispatch(PublishingRequest::BuyPackage { artist_id, package_id }); }>
                                        "Buy"
                                    </button>
                                })}
                            </li>
                        }
                    }).collect_view()}
                </ul>
                {(!can_buy).then(|| view! { <p class="muted">"Only the artist's owner or an admin can buy, and only when payments are set up."</p> })}
                <FormError value=act.value() />
            </section>
        })}
        {(!view.payments.is_empty()).then(|| view! {
            <section class="card">
                <h2>"Payments"</h2>
                <ul class="log">
                    {view.payments.iter().map(|p| view! {
                        <li>{format!("{} · {} · {} · {}", p.created, p.description, p.amount, p.status)}</li>
                    }).collect_view()}
                </ul>
            </section>
        })}
    }
    .into_any()
}
