use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "payments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organization_id: i32,
    pub artist_id: i32,
    pub user_id: Option<i32>,
    pub grant_name: String,
    pub releases_included: Option<i32>,
    pub duration_days: Option<i32>,
    pub purpose: String,
    pub package_id: Option<i32>,
    pub release_id: Option<i32>,
    pub description: String,
    pub amount_cents: i64,
    pub currency: String,
    pub status: String,
    #[sea_orm(unique)]
    pub checkout_session_id: Option<String>,
    pub payment_intent_id: Option<String>,
    pub entitlement_id: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub paid_at: Option<DateTimeUtc>,
    pub refunded_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
