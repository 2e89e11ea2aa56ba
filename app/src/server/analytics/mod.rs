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

/// The rollups' name for the all-events row.
pub const TOTAL: &str = "total";

/// SUM as BIGINT: PostgreSQL sums bigints into NUMERIC, which does not decode as an i64.
pub fn sum_bigint(column: impl sea_orm::sea_query::IntoColumnRef) -> sea_orm::sea_query::Expr {
    use sea_orm::sea_query::{Expr, ExprTrait};
    Expr::col(column).sum().cast_as("BIGINT")
}
