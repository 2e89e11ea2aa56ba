//! Payments through Stripe Checkout: starting one (a package, or the base fee of one release), fulfilling it when
//! Stripe says it is paid (by webhook, or when the buyer comes back, whichever is first), and taking back what it
//! granted when it is refunded or its delayed payment fails. Every webhook event is handled once: its id is
//! recorded in the same transaction as its effects.
use super::access::{self, kind, Verdict, ACTIVE};
use super::money;
use super::stripe::{CheckoutRequest, PaymentStatus, StripeClient, StripeError, WebhookEvent};
use crate::server::entities::{
    artists, entitlements, organizations, packages, payments, releases, stripe_events,
};
use crate::types::{AppError, PaymentView, RevenueLine};
use chrono::{DateTime, Duration, Utc};
use sea_orm::sea_query::Expr;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, QuerySelect, Set,
};
use std::collections::BTreeMap;

pub mod status {
    pub const PENDING: &str = "pending";
    /// Completed with a delayed method (a bank transfer): paid or failed later.
    pub const PROCESSING: &str = "processing";
    pub const PAID: &str = "paid";
    pub const FAILED: &str = "failed";
    pub const EXPIRED: &str = "expired";
    pub const REFUNDED: &str = "refunded";
}

pub mod purpose {
    pub const PACKAGE: &str = "package";
    pub const BASE_FEE: &str = "base_fee";
}

/// What is being bought.
pub enum Purchase {
    Package(packages::Model),
    BaseFee(Box<releases::Model>),
}

/// Who buys what, for which artist.
pub struct Order<'a> {
    pub organization: &'a organizations::Model,
    pub artist: &'a artists::Model,
    pub purchase: Purchase,
    /// The buyer's user id and email (Stripe's receipt goes there).
    pub buyer: (i32, &'a str),
}

fn stripe_failed(error: StripeError) -> AppError {
    tracing::warn!(%error, "Stripe refused or failed a checkout request");
    match error {
        StripeError::RateLimited { retry_after } => AppError::TooManyRequests {
            retry_after_secs: retry_after.map_or(30, |wait| wait.as_secs().max(1)),
        },
        _ => AppError::Conflict(
            "the payment could not be started: Stripe did not answer as expected; try again in a minute"
                .into(),
        ),
    }
}

/// Opens a Stripe Checkout Session and returns its page's URL. The payment row is written first, so a session
/// always has a row to fulfil, whatever happens to this request afterwards.
pub async fn start_checkout(
    db: &DatabaseConnection,
    stripe: &StripeClient,
    public_url: &str,
    order: Order<'_>,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let Order {
        organization,
        artist,
        purchase,
        buyer,
    } = order;
    let (purpose, package_id, release_id, description, cents, currency, terms) = match &purchase {
        Purchase::Package(package) => {
            if !package.active || package.organization_id != organization.id {
                return Err(AppError::BadRequest("that package is not for sale".into()));
            }
            (
                purpose::PACKAGE,
                Some(package.id),
                None,
                format!("{} · {}", package.name, artist.name),
                package.price_cents,
                package.currency.clone(),
                (
                    package.name.clone(),
                    package.releases_included,
                    package.duration_days,
                ),
            )
        }
        Purchase::BaseFee(release) => {
            if access::Mode::of(organization) != access::Mode::BaseFee {
                return Err(AppError::BadRequest(
                    "this organization does not charge a fee per release".into(),
                ));
            }
            let (Some(cents), Some(currency)) = (
                organization.base_fee_cents,
                organization.base_fee_currency.clone(),
            ) else {
                return Err(AppError::BadRequest(
                    "no base fee is set: ask an admin".into(),
                ));
            };
            if release.status == crate::types::ReleaseStatus::Published.as_str()
                || !matches!(
                    access::check(db, organization, artist.id, release.id, now).await?,
                    Verdict::Refused(_)
                )
            {
                return Err(AppError::BadRequest(
                    "this release may already be published: there is nothing to pay".into(),
                ));
            }
            // A bank transfer for this fee is on its way: a second payment would pay twice.
            let underway = payments::Entity::find()
                .filter(payments::Column::ReleaseId.eq(release.id))
                .filter(payments::Column::Purpose.eq(purpose::BASE_FEE))
                .filter(payments::Column::Status.eq(status::PROCESSING))
                .one(db)
                .await?;
            if underway.is_some() {
                return Err(AppError::Conflict(
                    "a payment of this fee is still processing: publishing opens when it clears"
                        .into(),
                ));
            }
            (
                purpose::BASE_FEE,
                None,
                Some(release.id),
                format!("Base fee · {} · {}", artist.name, release.title),
                cents,
                currency,
                (format!("Base fee · {}", release.title), Some(1), None),
            )
        }
    };
    let payment = payments::ActiveModel {
        organization_id: Set(organization.id),
        artist_id: Set(artist.id),
        user_id: Set(Some(buyer.0)),
        grant_name: Set(terms.0),
        releases_included: Set(terms.1),
        duration_days: Set(terms.2),
        purpose: Set(purpose.into()),
        package_id: Set(package_id),
        release_id: Set(release_id),
        description: Set(description.clone()),
        amount_cents: Set(cents),
        currency: Set(currency.clone()),
        status: Set(status::PENDING.into()),
        checkout_session_id: Set(None),
        payment_intent_id: Set(None),
        entitlement_id: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        paid_at: Set(None),
        refunded_at: Set(None),
        ..Default::default()
    }
    .insert(db)
    .await?;
    let back = format!("{public_url}/dashboard/artists/{}/publishing", artist.id);
    let session = stripe
        .create_checkout_session(&CheckoutRequest {
            // A retried request (a timeout that in fact reached Stripe) gets the same session, not a second one.
            idempotency_key: format!("dropday-payment-{}", payment.id),
            product_name: description,
            unit_amount: cents,
            currency: currency.to_ascii_lowercase(),
            success_url: format!("{back}?session_id={{CHECKOUT_SESSION_ID}}"),
            cancel_url: format!("{back}?cancelled=1"),
            client_reference_id: payment.id.to_string(),
            customer_email: Some(buyer.1.to_owned()),
            metadata: vec![
                ("payment_id".into(), payment.id.to_string()),
                ("organization_id".into(), organization.id.to_string()),
                ("artist_id".into(), artist.id.to_string()),
            ],
        })
        .await;
    let mut row: payments::ActiveModel = payment.into();
    row.updated_at = Set(now);
    match session {
        Ok(session) => {
            let url = session.url.clone().ok_or_else(|| {
                AppError::internal("Stripe answered a checkout session without a url")
            })?;
            row.checkout_session_id = Set(Some(session.id));
            row.update(db).await?;
            Ok(url)
        }
        Err(error) => {
            row.status = Set(status::FAILED.into());
            row.update(db).await?;
            Err(stripe_failed(error))
        }
    }
}

/// Grants what a paid payment bought; a payment already fulfilled (or refunded) is left as it is.
async fn fulfil(
    txn: &impl ConnectionTrait,
    payment: payments::Model,
    session_amount: Option<(i64, String)>,
    payment_intent: Option<String>,
    now: DateTime<Utc>,
) -> Result<&'static str, AppError> {
    if [status::PAID, status::REFUNDED].contains(&payment.status.as_str()) {
        return Ok("already fulfilled");
    }
    if let Some((amount, currency)) = session_amount {
        if amount != payment.amount_cents || !currency.eq_ignore_ascii_case(&payment.currency) {
            tracing::error!(payment = payment.id, amount, %currency, "a paid session's amount differs from the payment's");
            return Ok("amount differs from the payment: not fulfilled");
        }
    }
    // Only one of the webhook and the buyer's return may move the payment to paid: this conditional UPDATE holds
    // the row until commit, and the other finds it paid.
    let mut moved = payments::Entity::update_many()
        .col_expr(payments::Column::Status, Expr::value(status::PAID))
        .col_expr(payments::Column::PaidAt, Expr::value(now))
        .col_expr(payments::Column::UpdatedAt, Expr::value(now))
        .filter(payments::Column::Id.eq(payment.id))
        .filter(payments::Column::Status.is_in([status::PENDING, status::PROCESSING]));
    if let Some(intent) = payment_intent {
        moved = moved.col_expr(payments::Column::PaymentIntentId, Expr::value(intent));
    }
    if moved.exec(txn).await?.rows_affected == 0 {
        return Ok("already fulfilled");
    }
    // The terms copied when the checkout started, whatever the package says now.
    let kind = if payment.purpose == purpose::PACKAGE {
        kind::PACKAGE
    } else {
        kind::BASE_FEE
    };
    let entitlement = entitlements::ActiveModel {
        organization_id: Set(payment.organization_id),
        artist_id: Set(payment.artist_id),
        kind: Set(kind.into()),
        package_id: Set(payment.package_id),
        release_id: Set(payment.release_id),
        name: Set(payment.grant_name.clone()),
        releases_included: Set(payment.releases_included),
        releases_used: Set(0),
        starts_at: Set(now),
        expires_at: Set(payment
            .duration_days
            .map(|days| now + Duration::days(i64::from(days)))),
        status: Set(ACTIVE.into()),
        revoked_reason: Set(None),
        revoked_at: Set(None),
        granted_by: Set(None),
        payment_id: Set(Some(payment.id)),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(txn)
    .await?;
    payments::Entity::update_many()
        .col_expr(payments::Column::EntitlementId, Expr::value(entitlement.id))
        .filter(payments::Column::Id.eq(payment.id))
        .exec(txn)
        .await?;
    Ok("paid: access granted")
}

/// Takes back what a payment granted (a refund, a failed delayed payment). Returns the releases unpublished.
async fn take_back(
    txn: &impl ConnectionTrait,
    payment: payments::Model,
    new_status: &str,
    reason: &str,
    now: DateTime<Utc>,
) -> Result<Vec<i32>, AppError> {
    let entitlement_id = payment.entitlement_id;
    let mut row: payments::ActiveModel = payment.into();
    row.status = Set(new_status.into());
    row.updated_at = Set(now);
    if new_status == status::REFUNDED {
        row.refunded_at = Set(Some(now));
    }
    row.update(txn).await?;
    match entitlement_id {
        Some(id) => match entitlements::Entity::find_by_id(id).one(txn).await? {
            Some(entitlement) => {
                super::ledger::revoke(txn, entitlement, reason, (None, "Stripe"), now).await
            }
            None => Ok(Vec::new()),
        },
        None => Ok(Vec::new()),
    }
}

async fn payment_by_session(
    db: &impl ConnectionTrait,
    session_id: &str,
) -> Result<Option<payments::Model>, AppError> {
    Ok(payments::Entity::find()
        .filter(payments::Column::CheckoutSessionId.eq(session_id))
        .one(db)
        .await?)
}

async fn payment_by_intent(
    db: &impl ConnectionTrait,
    payment_intent: &str,
) -> Result<Option<payments::Model>, AppError> {
    Ok(payments::Entity::find()
        .filter(payments::Column::PaymentIntentId.eq(payment_intent))
        .one(db)
        .await?)
}

/// Whether some checkout of the last three days (how long Stripe retries a webhook) is not settled yet.
async fn awaiting_completion(
    db: &impl ConnectionTrait,
    now: DateTime<Utc>,
) -> Result<bool, AppError> {
    Ok(payments::Entity::find()
        .filter(payments::Column::Status.is_in([status::PENDING, status::PROCESSING]))
        .filter(payments::Column::CheckoutSessionId.is_not_null())
        .filter(payments::Column::CreatedAt.gt(now - Duration::days(3)))
        .one(db)
        .await?
        .is_some())
}

/// What handling a webhook event did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Handled {
    /// A repeated delivery of an event already handled.
    pub duplicate: bool,
    pub outcome: String,
    /// Releases unpublished because what paid for them was taken back.
    pub unpublished: Vec<i32>,
}

/// Applies one verified webhook event, once.
pub async fn handle_event(
    db: &DatabaseConnection,
    event: &WebhookEvent,
    now: DateTime<Utc>,
) -> Result<Handled, AppError> {
    let txn = crate::server::db::begin_write(db).await?;
    if stripe_events::Entity::find_by_id(event.id.clone())
        .one(&txn)
        .await?
        .is_some()
    {
        return Ok(Handled {
            duplicate: true,
            outcome: "already handled".into(),
            unpublished: Vec::new(),
        });
    }
    let mut unpublished = Vec::new();
    let outcome: String = match event.kind.as_str() {
        "checkout.session.completed" | "checkout.session.async_payment_succeeded" => {
            match event.checkout_session() {
                Some(session) => match payment_by_session(&txn, &session.id).await? {
                    Some(payment) if session.payment_status == PaymentStatus::Paid => fulfil(
                        &txn,
                        payment,
                        session.amount_total.zip(session.currency.clone()),
                        session.payment_intent.clone(),
                        now,
                    )
                    .await?
                    .into(),
                    Some(payment) if payment.status == status::PENDING => {
                        let mut row: payments::ActiveModel = payment.into();
                        row.status = Set(status::PROCESSING.into());
                        row.payment_intent_id = Set(session.payment_intent.clone());
                        row.updated_at = Set(now);
                        row.update(&txn).await?;
                        "completed, payment still processing".into()
                    }
                    Some(_) => "nothing to change".into(),
                    None => "not a Dropday payment".into(),
                },
                None => "no checkout session in the event".into(),
            }
        }
        "checkout.session.async_payment_failed" | "checkout.session.expired" => {
            let new_status = if event.kind.ends_with("expired") {
                status::EXPIRED
            } else {
                status::FAILED
            };
            match event.checkout_session() {
                Some(session) => match payment_by_session(&txn, &session.id).await? {
                    Some(payment) if payment.status == status::PAID => {
                        unpublished =
                            take_back(&txn, payment, new_status, "payment failed", now).await?;
                        "payment failed: access taken back".into()
                    }
                    Some(payment)
                        if [status::PENDING, status::PROCESSING]
                            .contains(&payment.status.as_str()) =>
                    {
                        take_back(&txn, payment, new_status, "payment failed", now).await?;
                        format!("payment {new_status}")
                    }
                    Some(_) => "nothing to change".into(),
                    None => "not a Dropday payment".into(),
                },
                None => "no checkout session in the event".into(),
            }
        }
        "charge.refunded" => match event.refund() {
            Some(refund) if refund.fully_refunded => match refund.payment_intent.as_deref() {
                Some(intent) => match payment_by_intent(&txn, intent).await? {
                    Some(payment) if payment.status == status::PAID => {
                        unpublished =
                            take_back(&txn, payment, status::REFUNDED, "refunded", now).await?;
                        "refunded: access taken back".into()
                    }
                    Some(_) => "nothing to change".into(),
                    None if awaiting_completion(&txn, now).await? => {
                        // Its checkout's completion may not be applied yet (it failed and Stripe retries it):
                        // refuse this one too, so that Stripe brings it again after.
                        return Err(AppError::Conflict(
                            "a refund of a payment not known yet".into(),
                        ));
                    }
                    None => "not a Dropday payment".into(),
                },
                None => "refund without a payment intent".into(),
            },
            // A partial refund is a goodwill gesture, not a cancellation: access stays.
            Some(_) => "partial refund: access kept".into(),
            None => "no charge in the event".into(),
        },
        "payment_intent.payment_failed" => match event.payment_intent_id() {
            Some(intent) => match payment_by_intent(&txn, &intent).await? {
                Some(payment)
                    if [status::PENDING, status::PROCESSING].contains(&payment.status.as_str()) =>
                {
                    take_back(&txn, payment, status::FAILED, "payment failed", now).await?;
                    "payment failed".into()
                }
                _ => "nothing to change".into(),
            },
            None => "no payment intent in the event".into(),
        },
        _ => "ignored".into(),
    };
    stripe_events::ActiveModel {
        id: Set(event.id.clone()),
        kind: Set(event.kind.clone()),
        outcome: Set(outcome.clone()),
        received_at: Set(now),
    }
    .insert(&txn)
    .await?;
    txn.commit().await?;
    Ok(Handled {
        duplicate: false,
        outcome,
        unpublished,
    })
}

/// The buyer is back from Checkout: asks Stripe about the session, so access does not wait for the webhook.
/// Returns what to tell them.
pub async fn confirm_return(
    db: &DatabaseConnection,
    stripe: &StripeClient,
    artist_id: i32,
    session_id: &str,
    now: DateTime<Utc>,
) -> Result<String, AppError> {
    let payment = payment_by_session(db, session_id)
        .await?
        .filter(|payment| payment.artist_id == artist_id)
        .ok_or_else(|| AppError::BadRequest("that payment is not this artist's".into()))?;
    let mut current = payment.status.clone();
    if [status::PENDING, status::PROCESSING].contains(&current.as_str()) {
        match stripe.retrieve_checkout_session(session_id).await {
            Ok(session) if session.payment_status == PaymentStatus::Paid => {
                let txn = crate::server::db::begin_write(db).await?;
                if let Some(payment) = payment_by_session(&txn, session_id).await? {
                    fulfil(
                        &txn,
                        payment,
                        session.amount_total.zip(session.currency.clone()),
                        session.payment_intent.clone(),
                        now,
                    )
                    .await?;
                }
                txn.commit().await?;
                current = status::PAID.into();
            }
            Ok(session) if session.status == "complete" => current = status::PROCESSING.into(),
            Ok(_) => {}
            // The webhook will still come: tell them what we know.
            Err(error) => tracing::warn!(%error, "retrieving a checkout session on return"),
        }
    }
    Ok(match current.as_str() {
        status::PAID => format!("Payment received: {} is yours.", payment.description),
        status::PROCESSING => format!(
            "Your payment for {} is processing. Access is granted as soon as it clears.",
            payment.description
        ),
        status::REFUNDED => format!("The payment for {} was refunded.", payment.description),
        _ => format!(
            "The payment for {} was not completed. Nothing was charged.",
            payment.description
        ),
    })
}

/// Payments, newest first: the organization's, or one artist's.
pub async fn views(
    db: &impl ConnectionTrait,
    organization_id: i32,
    artist_id: Option<i32>,
) -> Result<Vec<PaymentView>, AppError> {
    let mut query = payments::Entity::find()
        .filter(payments::Column::OrganizationId.eq(organization_id))
        .order_by_desc(payments::Column::Id)
        .limit(200);
    if let Some(artist_id) = artist_id {
        query = query.filter(payments::Column::ArtistId.eq(artist_id));
    }
    let rows = query.all(db).await?;
    let names = crate::server::models::artists::names_in(db, organization_id).await?;
    Ok(rows
        .into_iter()
        .map(|p| PaymentView {
            id: p.id,
            artist: names.get(&p.artist_id).cloned().unwrap_or_default(),
            description: p.description,
            amount: money::format(p.amount_cents, &p.currency),
            status: p.status,
            created: p.created_at.format("%Y-%m-%d %H:%M UTC").to_string(),
        })
        .collect())
}

/// Revenue per currency: paid (refunds included), refunded, and what is left.
pub async fn revenue(
    db: &impl ConnectionTrait,
    organization_id: i32,
) -> Result<Vec<RevenueLine>, AppError> {
    let rows = payments::Entity::find()
        .filter(payments::Column::OrganizationId.eq(organization_id))
        .filter(payments::Column::Status.is_in([status::PAID, status::REFUNDED]))
        .all(db)
        .await?;
    let mut by_currency: BTreeMap<String, (i64, i64, u64)> = BTreeMap::new();
    for payment in rows {
        let line = by_currency.entry(payment.currency).or_default();
        line.0 += payment.amount_cents;
        if payment.status == status::REFUNDED {
            line.1 += payment.amount_cents;
        }
        line.2 += 1;
    }
    Ok(by_currency
        .into_iter()
        .map(|(currency, (paid, refunded, count))| RevenueLine {
            paid: money::format(paid, &currency),
            refunded: money::format(refunded, &currency),
            net: money::format(paid - refunded, &currency),
            payments: count,
            currency,
        })
        .collect())
}
