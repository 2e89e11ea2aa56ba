use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "spotify_tokens")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub fan_id: i32,
    pub key_id: String,
    #[sea_orm(column_type = "Text")]
    pub refresh_token: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub access_token: Option<String>,
    pub access_expires_at: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text")]
    pub scopes: String,
    pub lease_holder: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    pub created_at: DateTimeUtc,
    pub refreshed_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
