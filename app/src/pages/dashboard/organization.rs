//! The organization page, for admins: how fan pages look across the organization (top releases, each service's
//! share of clicks with a hint to drop the ones nobody uses), the platform rules, who may publish and at what
//! price (access mode, base fee, packages), the entitlement ledger with grants and take-backs, payments and
//! revenue. One server function for the whole page keeps the dashboard's WASM small.
use crate::pages::auth::{capitalized, FormError};
use crate::types::{
    AppError, OrganizationRequest, OrganizationSettings, PackageForm, PlatformRulesForm,
    StreamingService, ACCESS_MODES,
};
use leptos::prelude::*;
use leptos::server_fn::codec::Json;

#[server(endpoint = "manage_organization", input = Json)]
pub async fn manage_organization(
    request: OrganizationRequest,
) -> Result<OrganizationSettings, AppError> {
    use crate::server::auth;
    use crate::server::billing::{ledger, rules, settings};
    use crate::server::entities::entitlements;
    use crate::server::models::{activity, organizations};
    use sea_orm::EntityTrait;
    let (ctx, caller) = auth::signed_in().await?;
    let membership = caller.admin()?;
    let now = ctx.clock.now();
    let organization = organizations::find_by_id(&ctx.db, membership.organization_id)
        .await?
        .ok_or(AppError::NotFound)?;
    let log = |action: &'static str, summary: String| {
        activity::Entry::by(
            &caller,
            organization.id,
            action,
            activity::Subject::Organization(organization.id),
            summary,
        )
    };
    if request == OrganizationRequest::Load {
        // A read: no write transaction, which on SQLite would hold up every writer while the numbers are read.
        return settings::load(&ctx.db, &organization, ctx.stripe.is_some(), now).await;
    }
    let txn = crate::server::db::begin_write(&ctx.db).await?;
    let mut pages_changed = false;
    match request {
        OrganizationRequest::Load => {}
        OrganizationRequest::SaveRules(form) => {
            let saved = rules::save(&txn, organization.clone(), &form).await?;
            let names = |list: &[StreamingService]| {
                if list.is_empty() {
                    "none".to_owned()
                } else {
                    list.iter().map(|s| s.name()).collect::<Vec<_>>().join(", ")
                }
            };
            let summary = format!(
                "Platform rules: allowed {}; blocked {}; first {}",
                if saved.allowed.is_empty() {
                    "all".to_owned()
                } else {
                    names(&saved.allowed)
                },
                names(&saved.blocked),
                names(&saved.priority)
            );
            activity::record(&txn, log("organization.rules", summary), now).await?;
            pages_changed = true;
        }
        OrganizationRequest::SaveAccess {
            mode,
            base_fee,
            currency,
        } => {
            let saved =
                settings::save_access(&txn, organization.clone(), &mode, &base_fee, &currency)
                    .await?;
            let summary = format!(
                "Publishing access: {}{}",
                saved.access_mode,
                crate::server::billing::access::base_fee(&saved)
                    .map(|fee| format!(", base fee {fee}"))
                    .unwrap_or_default()
            );
            activity::record(&txn, log("organization.access", summary), now).await?;
        }
        OrganizationRequest::SavePackage(form) => {
            let package = settings::save_package(&txn, organization.id, &form, now).await?;
            activity::record(
                &txn,
                log(
                    "package.saved",
                    format!("Saved the package \u{201c}{}\u{201d}", package.name),
                ),
                now,
            )
            .await?;
        }
        OrganizationRequest::SetPackageActive { id, active } => {
            settings::set_package_active(&txn, organization.id, id, active).await?;
        }
        OrganizationRequest::Grant {
            artist_id,
            releases,
            days,
        } => {
            let artist = crate::server::auth::access::artist_for(
                &txn,
                membership,
                artist_id,
                crate::types::Access::View,
            )
            .await?
            .0;
            let releases_included = settings::optional_count(&releases, "releases", 10_000)?;
            let days = settings::optional_count(&days, "days", 3_660)?;
            ledger::grant(
                &txn,
                ledger::NewGrant {
                    organization_id: organization.id,
                    artist_id: artist.id,
                    release_id: None,
                    name: format!("Granted by {}", caller.name()),
                    releases_included,
                    expires_at: days.map(|d| now + chrono::Duration::days(i64::from(d))),
                    granted_by: caller.user.id,
                },
                now,
            )
            .await?;
            activity::record(
                &txn,
                log(
                    "entitlement.granted",
                    format!("Granted publishing to {}", artist.name),
                ),
                now,
            )
            .await?;
        }
        OrganizationRequest::Revoke {
            entitlement_id,
            reason,
        } => {
            let entitlement = entitlements::Entity::find_by_id(entitlement_id)
                .one(&txn)
                .await?
                .filter(|e| e.organization_id == organization.id)
                .ok_or(AppError::NotFound)?;
            let reason = match reason.trim() {
                "" => "taken back by an admin".to_owned(),
                reason => reason.chars().take(200).collect(),
            };
            let name = entitlement.name.clone();
            let unpublished = ledger::revoke(
                &txn,
                entitlement,
                &reason,
                (Some(caller.user.id), &caller.name()),
                now,
            )
            .await?;
            activity::record(
                &txn,
                log(
                    "entitlement.revoked",
                    format!(
                        "Took back \u{201c}{name}\u{201d} ({reason}); {} releases unpublished",
                        unpublished.len()
                    ),
                ),
                now,
            )
            .await?;
            pages_changed = !unpublished.is_empty();
        }
    }
    let organization = organizations::find_by_id(&txn, organization.id)
        .await?
        .ok_or(AppError::NotFound)?;
    let data = settings::load(&txn, &organization, ctx.stripe.is_some(), now).await?;
    txn.commit().await?;
    if pages_changed {
        ctx.fan_pages_changed.call();
    }
    Ok(data)
}

type OrganizationAction = Action<OrganizationRequest, Result<OrganizationSettings, AppError>>;

#[component]
pub fn OrganizationPage() -> impl IntoView {
    let act: OrganizationAction =
        Action::new(|request: &OrganizationRequest| manage_organization(request.clone()));
    // Reloaded after changes that went through only: a refused one keeps what the admin was editing.
    let saved = RwSignal::new(0_u32);
    Effect::new(move |_| {
        if let Some(Ok(_)) = act.value().get() {
            saved.update(|n| *n += 1);
        }
    });
    let data = crate::components::data(
        move || saved.get(),
        |_| manage_organization(OrganizationRequest::Load),
    );
    view! {
        <leptos_meta::Title text="Organization · Dropday" />
        <main class="page" data-testid="organization">
            <h1>"Organization"</h1>
            <Transition fallback=|| view! { <p class="muted">"Loading…"</p> }>
                {move || data.get().map(|result| match result {
                    Ok(data) => view! { <OrganizationBody data act /> }.into_any(),
                    Err(error) => view! { <p class="error" role="alert">{capitalized(&error.to_string())}</p> }.into_any(),
                })}
            </Transition>
            <FormError value=act.value() />
        </main>
    }
    .into_any()
}

/// A service's state in the rules form: "" (no rule), "allowed" or "blocked".
fn rule_of(rules: &PlatformRulesForm, service: StreamingService) -> &'static str {
    if rules.blocked.contains(&service) {
        "blocked"
    } else if rules.allowed.contains(&service) {
        "allowed"
    } else {
        ""
    }
}

#[component]
fn OrganizationBody(data: OrganizationSettings, act: OrganizationAction) -> impl IntoView {
    let rules = RwSignal::new(data.rules.clone());
    let set_rule = move |service: StreamingService, rule: String| {
        rules.update(|r| {
            r.allowed.retain(|s| *s != service);
            r.blocked.retain(|s| *s != service);
            match rule.as_str() {
                "allowed" => r.allowed.push(service),
                "blocked" => r.blocked.push(service),
                _ => {}
            }
        })
    };
    let priority_text = RwSignal::new(
        data.rules
            .priority
            .iter()
            .map(|s| s.key())
            .collect::<Vec<_>>()
            .join(", "),
    );
    let mode = RwSignal::new(data.access_mode.clone());
    let fee = RwSignal::new(data.base_fee.clone());
    let fee_currency = RwSignal::new(data.base_fee_currency.clone());
    let new_package = PackageForm {
        currency: data.base_fee_currency.clone(),
        ..Default::default()
    };
    let package = RwSignal::new(new_package.clone());
    let grant_artist = RwSignal::new(data.artists.first().map_or(0, |a| a.0));
    let grant_releases = RwSignal::new(String::new());
    let grant_days = RwSignal::new(String::new());
    let save_rules = move |_| {
        let mut form = rules.get_untracked();
        form.priority = priority_text
            .get_untracked()
            .split(',')
            .map(str::trim)
            .filter(|key| !key.is_empty())
            .filter_map(|key| {
                key.parse::<StreamingService>().ok().or_else(|| {
                    StreamingService::ALL
                        .iter()
                        .copied()
                        .find(|s| s.name().eq_ignore_ascii_case(key))
                })
            })
            .collect();
        act.dispatch(OrganizationRequest::SaveRules(form));
    };
    let text = |signal: RwSignal<String>| move |ev| signal.set(event_target_value(&ev));
    let package_field = |apply: fn(&mut PackageForm, String)| {
        move |ev| {
            let value = event_target_value(&ev);
            package.update(|p| apply(p, value));
        }
    };
    view! {
        <section class="card" data-testid="org-overview">
            <h2>{format!("Clicks · {}", data.period)}</h2>
            <table>
                <thead><tr><th>"Release"</th><th>"Visits"</th><th>"Click-outs"</th></tr></thead>
                <tbody>
                    {data.top_releases.iter().map(|r| view! {
                        <tr><td>{format!("{} · {}", r.artist, r.title)}</td><td>{r.visits}</td><td>{r.click_outs}</td></tr>
                    }).collect_view()}
                </tbody>
            </table>
            <ul class="log" data-testid="service-shares">
                {data.services.iter().map(|s| view! {
                    <li>
                        {format!("{} · {} clicks · {:.1}%", s.service, s.click_outs, s.share)}
                        {s.hint.clone().map(|hint| view! { <strong class="hint">{format!(" · {hint}")}</strong> })}
                    </li>
                }).collect_view()}
            </ul>
        </section>

        <section class="card stack" data-testid="platform-rules">
            <h2>"Platform rules"</h2>
            <p class="muted">"They override artists' choices. When any service is allowed, only allowed services appear. Blocked services disappear from every page at once."</p>
            <table>
                <tbody>
                    {StreamingService::ALL.iter().map(|service| {
                        let service = *service;
                        let current = rule_of(&data.rules, service);
                        view! {
                            <tr data-service=service.key()>
                                <td>{service.name()}</td>
                                <td>
                                    <select aria-label=format!("{} rule", service.name())
                                        on:change=move |ev| set_rule(service, event_target_value(&ev))>
                                        <option value="" selected=current.is_empty()>"No rule"</option>
                                        <option value="allowed" selected=current == "allowed">"Allowed"</option>
                                        <option value="blocked" selected=current == "blocked">"Blocked"</option>
                                    </select>
                                </td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
            <label>
                "First on every page, in order (e.g. spotify, apple_music)"
                <input data-testid="priority" prop:value=priority_text on:change=text(priority_text) />
            </label>
            <button type="button" data-testid="save-rules" on:click=save_rules>"Save the platform rules"</button>
        </section>

        <section class="card stack" data-testid="access">
            <h2>"Who may publish"</h2>
            <select data-testid="access-mode" on:change=text(mode)>
                {ACCESS_MODES.iter().map(|(key, label)| view! {
                    <option value=*key selected=*key == data.access_mode>{*label}</option>
                }).collect_view()}
            </select>
            <label>"Base fee per release" <input data-testid="base-fee" inputmode="decimal" prop:value=fee on:change=text(fee) /></label>
            <label>"Currency" <input data-testid="base-fee-currency" maxlength="3" prop:value=fee_currency on:change=text(fee_currency) /></label>
            <button type="button" data-testid="save-access" on:click=move |_| {
                act.dispatch(OrganizationRequest::SaveAccess { mode: mode.get_untracked(), base_fee: fee.get_untracked(), currency: fee_currency.get_untracked() });
            }>"Save"</button>
            {(!data.payments_configured).then(|| view! {
                <p class="muted">"Payments are not set up on this server (Stripe keys), so nothing can be bought: grant access below instead."</p>
            })}
        </section>

        <section class="card stack" data-testid="packages">
            <h2>"Packages"</h2>
            <ul class="log">
                {data.packages.iter().map(|p| {
                    let (id, active, form) = (p.id, p.active, p.form.clone());
                    view! {
                        <li class:muted=!active data-testid="package">
                            {format!("{} · {} · {}", p.name, p.price, p.terms)}
                            " "
                            <button type="button" on:click=move |_| package.set(form.clone())>"Edit"</button>
                            " "
                            <button type="button" on:click=move |_| { act.dispatch(OrganizationRequest::SetPackageActive { id, active: !active }); }>
                                {if active { "Stop selling" } else { "Sell again" }}
                            </button>
                        </li>
                    }
                }).collect_view()}
            </ul>
            {move || package.with(|p| p.id.is_some().then(|| p.name.clone())).map(|name| view! {
                <p class="muted" data-testid="package-editing">
                    {format!("Changing \u{201c}{name}\u{201d}. Who already bought it keeps the terms they paid for.")}
                </p>
            })}
            <label>"Name" <input data-testid="package-name" prop:value=move || package.with(|p| p.name.clone()) on:change=package_field(|p, v| p.name = v) /></label>
            <label>"Price" <input data-testid="package-price" inputmode="decimal" prop:value=move || package.with(|p| p.price.clone()) on:change=package_field(|p, v| p.price = v) /></label>
            <label>"Currency" <input data-testid="package-currency" maxlength="3" prop:value=move || package.with(|p| p.currency.clone()) on:change=package_field(|p, v| p.currency = v) /></label>
            <label>"Releases included (empty: any number)" <input data-testid="package-releases" inputmode="numeric" prop:value=move || package.with(|p| p.releases_included.clone()) on:change=package_field(|p, v| p.releases_included = v) /></label>
            <label>"Lasts, in days (empty: forever)" <input data-testid="package-days" inputmode="numeric" prop:value=move || package.with(|p| p.duration_days.clone()) on:change=package_field(|p, v| p.duration_days = v) /></label>
            <div class="row">
                <button type="button" data-testid="add-package" on:click=move |_| { act.dispatch(OrganizationRequest::SavePackage(package.get_untracked())); }>
                    {move || if package.with(|p| p.id.is_some()) { "Save the package" } else { "Add the package" }}
                </button>
                {move || package.with(|p| p.id.is_some()).then({
                    let blank = new_package.clone();
                    move || view! {
                        <button type="button" data-testid="cancel-package" on:click=move |_| package.set(blank.clone())>"Cancel"</button>
                    }
                })}
            </div>
        </section>

        <section class="card stack" data-testid="ledger">
            <h2>"Entitlements"</h2>
            <div class="row">
                <select aria-label="Artist" on:change=move |ev| grant_artist.set(event_target_value(&ev).parse().unwrap_or(0))>
                    {data.artists.iter().map(|(id, name)| view! { <option value=id.to_string()>{name.clone()}</option> }).collect_view()}
                </select>
                <input aria-label="Releases (empty: any number)" placeholder="releases" inputmode="numeric" on:change=text(grant_releases) />
                <input aria-label="Days (empty: no end)" placeholder="days" inputmode="numeric" on:change=text(grant_days) />
                <button type="button" data-testid="grant" on:click=move |_| {
                    act.dispatch(OrganizationRequest::Grant { artist_id: grant_artist.get_untracked(), releases: grant_releases.get_untracked(), days: grant_days.get_untracked() });
                }>"Grant publishing"</button>
            </div>
            <ul class="log">
                {data.ledger.iter().map(|e| {
                    let entitlement_id = e.id;
                    view! {
                        <li class:muted=!e.active>
                            {format!("{} · {} · {} · {} · {} · {}", e.created, e.artist, e.name, e.usage, e.state, e.source)}
                            {e.revocable.then(|| view! {
                                " "
                                <button type="button" on:click=move |_| { act.dispatch(OrganizationRequest::Revoke { entitlement_id, reason: String::new() }); }>"Take back"</button>
                            })}
                        </li>
                    }
                }).collect_view()}
            </ul>
        </section>

        <section class="card" data-testid="revenue">
            <h2>"Revenue"</h2>
            <ul class="log">
                {data.revenue.iter().map(|r| view! {
                    <li>{format!("{}: {} paid, {} refunded, {} net ({} payments)", r.currency, r.paid, r.refunded, r.net, r.payments)}</li>
                }).collect_view()}
            </ul>
            <h3>"Payments"</h3>
            <ul class="log">
                {data.payments.iter().map(|p| view! {
                    <li>{format!("{} · {} · {} · {} · {}", p.created, p.artist, p.description, p.amount, p.status)}</li>
                }).collect_view()}
            </ul>
        </section>
    }
    .into_any()
}
