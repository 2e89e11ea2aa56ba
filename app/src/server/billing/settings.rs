//! What an organization's admin sets and sees: the access mode and base fee, packages, grants, and the
//! organization page's numbers (ledger, payments, revenue, top releases and the services' share of clicks).
use super::{access, ledger, money, payments, rules};
use crate::server::analytics::stats::{self, Target};
use crate::server::entities::{artists, organizations, packages};
use crate::types::{
    AppError, Dimension, OrganizationSettings, PackageForm, PackageView, ServiceShare,
    StreamingService, TopRelease,
};
use chrono::{DateTime, Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder, Set,
};

/// Below this share of an organization's click-outs a service is hinted for removal...
const LOW_SHARE_PERCENT: f64 = 2.0;
/// ...once there are enough clicks for the share to mean something.
const MIN_CLICKS_FOR_HINTS: u64 = 100;
const OVERVIEW_DAYS: i64 = 28;

/// Parses an optional positive whole number typed by an admin ("" is none).
pub fn optional_count(text: &str, field: &str, max: i32) -> Result<Option<i32>, AppError> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(None);
    }
    match text.parse::<i32>() {
        Ok(n) if (1..=max).contains(&n) => Ok(Some(n)),
        _ => Err(AppError::BadRequest(format!(
            "{field}: \"{text}\" is not a whole number from 1 to {max}; leave it empty for no limit"
        ))),
    }
}

pub fn package_view(package: &packages::Model) -> PackageView {
    let releases = match package.releases_included {
        Some(1) => "1 release".to_owned(),
        Some(n) => format!("{n} releases"),
        None => "Any number of releases".to_owned(),
    };
    let terms = match package.duration_days {
        Some(days) => format!("{releases} within {days} days"),
        None => releases,
    };
    PackageView {
        id: package.id,
        name: package.name.clone(),
        price: money::format(package.price_cents, &package.currency),
        terms,
        active: package.active,
        form: PackageForm {
            id: Some(package.id),
            name: package.name.clone(),
            price: money::format_units(package.price_cents, &package.currency),
            currency: package.currency.clone(),
            releases_included: package
                .releases_included
                .map_or_else(String::new, |n| n.to_string()),
            duration_days: package
                .duration_days
                .map_or_else(String::new, |n| n.to_string()),
        },
    }
}

pub async fn packages_of(
    db: &impl ConnectionTrait,
    organization_id: i32,
    only_active: bool,
) -> Result<Vec<packages::Model>, AppError> {
    let mut query = packages::Entity::find()
        .filter(packages::Column::OrganizationId.eq(organization_id))
        .order_by_asc(packages::Column::PriceCents);
    if only_active {
        query = query.filter(packages::Column::Active.eq(true));
    }
    Ok(query.all(db).await?)
}

pub async fn save_access(
    db: &impl ConnectionTrait,
    organization: organizations::Model,
    mode: &str,
    base_fee: &str,
    currency: &str,
) -> Result<organizations::Model, AppError> {
    let mode = access::Mode::parse(mode)?;
    let fee = if base_fee.trim().is_empty() {
        if mode == access::Mode::BaseFee {
            return Err(AppError::BadRequest(
                "base fee: set the fee charged per release".into(),
            ));
        }
        None
    } else {
        let currency = money::currency(currency)?;
        Some((
            money::parse_amount(base_fee, &currency, "base fee")?,
            currency,
        ))
    };
    let mut active: organizations::ActiveModel = organization.into();
    active.access_mode = Set(mode.as_str().into());
    active.base_fee_cents = Set(fee.as_ref().map(|f| f.0));
    active.base_fee_currency = Set(fee.map(|f| f.1));
    Ok(active.update(db).await?)
}

pub async fn save_package(
    db: &impl ConnectionTrait,
    organization_id: i32,
    form: &PackageForm,
    now: DateTime<Utc>,
) -> Result<packages::Model, AppError> {
    let name = form.name.trim();
    if name.is_empty() || name.chars().count() > 80 {
        return Err(AppError::BadRequest(
            "package name: 1 to 80 characters".into(),
        ));
    }
    let currency = money::currency(&form.currency)?;
    let price = money::parse_amount(&form.price, &currency, "price")?;
    let releases_included = optional_count(&form.releases_included, "releases included", 10_000)?;
    let duration_days = optional_count(&form.duration_days, "duration in days", 3_660)?;
    let mut active = match form.id {
        Some(id) => packages::Entity::find_by_id(id)
            .one(db)
            .await?
            .filter(|p| p.organization_id == organization_id)
            .ok_or(AppError::NotFound)?
            .into(),
        None => packages::ActiveModel {
            organization_id: Set(organization_id),
            active: Set(true),
            created_at: Set(now),
            ..Default::default()
        },
    };
    // What was already bought keeps the terms it was bought with: entitlements copy them.
    active.name = Set(name.to_owned());
    active.price_cents = Set(price);
    active.currency = Set(currency);
    active.releases_included = Set(releases_included);
    active.duration_days = Set(duration_days);
    use sea_orm::TryIntoModel;
    Ok(active.save(db).await?.try_into_model()?)
}

pub async fn set_package_active(
    db: &impl ConnectionTrait,
    organization_id: i32,
    id: i32,
    on: bool,
) -> Result<(), AppError> {
    let package = packages::Entity::find_by_id(id)
        .one(db)
        .await?
        .filter(|p| p.organization_id == organization_id)
        .ok_or(AppError::NotFound)?;
    let mut active: packages::ActiveModel = package.into();
    active.active = Set(on);
    active.update(db).await?;
    Ok(())
}

/// Clicks per streaming service over the organization's last 28 days, with a hint for the ones almost nobody uses.
pub fn service_shares(rows: &[crate::types::BreakdownRow], days: i64) -> Vec<ServiceShare> {
    let services: Vec<(&str, u64)> = rows
        .iter()
        .filter(|row| row.value.parse::<StreamingService>().is_ok())
        .map(|row| (row.value.as_str(), row.click_outs))
        .collect();
    let total: u64 = services.iter().map(|(_, clicks)| clicks).sum();
    services
        .into_iter()
        .map(|(key, clicks)| {
            let share = if total == 0 {
                0.0
            } else {
                clicks as f64 * 100.0 / total as f64
            };
            let name = key
                .parse::<StreamingService>()
                .map_or(key.to_owned(), |s| s.name().to_owned());
            ServiceShare {
                hint: (total >= MIN_CLICKS_FOR_HINTS && share < LOW_SHARE_PERCENT).then(|| {
                    format!(
                        "{share:.1}% of clicks over {days} days: consider removing {name} from pages"
                    )
                }),
                service: name,
                click_outs: clicks,
                share,
            }
        })
        .collect()
}

/// Everything the organization page shows.
pub async fn load(
    db: &impl ConnectionTrait,
    organization: &organizations::Model,
    payments_configured: bool,
    now: DateTime<Utc>,
) -> Result<OrganizationSettings, AppError> {
    let artists = artists::Entity::find()
        .filter(artists::Column::OrganizationId.eq(organization.id))
        .order_by_asc(artists::Column::Name)
        .all(db)
        .await?;
    let (top_releases, services) = if artists.is_empty() {
        (Vec::new(), Vec::new())
    } else {
        let target = Target::Artists(artists.iter().map(|a| a.id).collect());
        let days = stats::days_for(
            Some((now - Duration::days(OVERVIEW_DAYS - 1)).date_naive()),
            Some(now.date_naive()),
            now.date_naive(),
        )?;
        let top = stats::releases_table(db, &target, days, now)
            .await?
            .into_iter()
            .filter(|row| row.release_id.is_some())
            .take(10)
            .map(|row| TopRelease {
                release_id: row.release_id,
                artist: row.artist,
                title: row.title,
                visits: row.visits,
                click_outs: row.click_outs,
            })
            .collect();
        let by_service = stats::breakdown(db, &target, days, Dimension::Service, now, 50).await?;
        (top, service_shares(&by_service.rows, OVERVIEW_DAYS))
    };
    let (base_fee, base_fee_currency) =
        match (organization.base_fee_cents, &organization.base_fee_currency) {
            (Some(cents), Some(currency)) => {
                (money::format_units(cents, currency), currency.clone())
            }
            _ => (String::new(), "EUR".to_owned()),
        };
    Ok(OrganizationSettings {
        rules: rules::form_of(organization),
        access_mode: access::Mode::of(organization).as_str().into(),
        base_fee,
        base_fee_currency,
        packages: packages_of(db, organization.id, false)
            .await?
            .iter()
            .map(package_view)
            .collect(),
        ledger: ledger::views(db, organization.id, None, now).await?,
        payments: payments::views(db, organization.id, None).await?,
        revenue: payments::revenue(db, organization.id).await?,
        artists: artists.into_iter().map(|a| (a.id, a.name)).collect(),
        top_releases,
        services,
        period: format!("Last {OVERVIEW_DAYS} days"),
        payments_configured,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::types::BreakdownRow;

    fn row(value: &str, click_outs: u64) -> BreakdownRow {
        BreakdownRow {
            value: value.into(),
            visits: 0,
            click_outs,
        }
    }

    #[test]
    fn services_with_almost_no_clicks_get_a_hint_once_there_are_enough_clicks() {
        let rows = [
            row("spotify", 150),
            row("apple_music", 48),
            row("napster", 2),
            row("link:4", 40),
        ];
        let shares = service_shares(&rows, 28);
        assert_eq!(shares.len(), 3, "custom buttons are not services");
        assert_eq!(shares[0].hint, None);
        assert_eq!(
            shares[2].hint.as_deref(),
            Some("1.0% of clicks over 28 days: consider removing Napster from pages")
        );
        let few = service_shares(&[row("spotify", 60), row("napster", 1)], 28);
        assert!(
            few.iter().all(|s| s.hint.is_none()),
            "61 clicks are too few to judge"
        );
    }

    #[test]
    fn counts_typed_by_admins() {
        assert_eq!(optional_count("", "releases", 10).unwrap(), None);
        assert_eq!(optional_count(" 5 ", "releases", 10).unwrap(), Some(5));
        assert!(optional_count("0", "releases", 10).is_err());
        assert!(optional_count("five", "releases", 10).is_err());
    }
}
