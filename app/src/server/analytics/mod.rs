//! Analytics queries: rolling events up by hour and day, and reading the numbers the dashboard shows.
pub mod rollups;
pub mod sessions;
pub mod stats;

use crate::server::entities::events;
use crate::types::Dimension;

/// The events column a dimension groups by.
pub fn column(dimension: Dimension) -> events::Column {
    match dimension {
        Dimension::Service => events::Column::Service,
        Dimension::Referrer => events::Column::ReferrerDomain,
        Dimension::UtmSource => events::Column::UtmSource,
        Dimension::UtmMedium => events::Column::UtmMedium,
        Dimension::UtmCampaign => events::Column::UtmCampaign,
        Dimension::UtmContent => events::Column::UtmContent,
        Dimension::UtmTerm => events::Column::UtmTerm,
        Dimension::Country => events::Column::Country,
        Dimension::Device => events::Column::DeviceClass,
        Dimension::Browser => events::Column::Browser,
        Dimension::Os => events::Column::Os,
        Dimension::Locale => events::Column::Locale,
    }
}

/// An event's value of a dimension.
pub fn dimension_value(event: &events::Model, dimension: Dimension) -> Option<&str> {
    match dimension {
        Dimension::Service => event.service.as_deref(),
        Dimension::Referrer => event.referrer_domain.as_deref(),
        Dimension::UtmSource => event.utm_source.as_deref(),
        Dimension::UtmMedium => event.utm_medium.as_deref(),
        Dimension::UtmCampaign => event.utm_campaign.as_deref(),
        Dimension::UtmContent => event.utm_content.as_deref(),
        Dimension::UtmTerm => event.utm_term.as_deref(),
        Dimension::Country => event.country.as_deref(),
        Dimension::Device => event.device_class.as_deref(),
        Dimension::Browser => event.browser.as_deref(),
        Dimension::Os => event.os.as_deref(),
        Dimension::Locale => event.locale.as_deref(),
    }
}

/// The rollups' name for the all-events row.
pub const TOTAL: &str = "total";

/// SUM as BIGINT: PostgreSQL sums bigints into NUMERIC, which does not decode as an i64.
pub fn sum_bigint(column: impl sea_orm::sea_query::IntoColumnRef) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::{Expr, ExprTrait};
    Expr::col(column).sum().cast_as("BIGINT")
}
