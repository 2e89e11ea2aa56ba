use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "conversion_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub pixel_id: Option<i32>,
    pub platform: String,
    pub artist_id: i32,
    pub release_id: Option<i32>,
    pub kind: String,
    pub event_name: String,
    pub event_id: String,
    pub event_time: DateTimeUtc,
    #[sea_orm(column_type = "Text")]
    pub source_url: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub referrer_url: Option<String>,
    pub service: Option<String>,
    pub content_name: Option<String>,
    pub key_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub fan: Option<String>,
    pub test: bool,
    pub status: String,
    pub attempts: i32,
    pub next_attempt_at: DateTimeUtc,
    pub lease_holder: Option<String>,
    pub lease_until: Option<DateTimeUtc>,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub detail: Option<String>,
    pub created_at: DateTimeUtc,
    pub settled_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
