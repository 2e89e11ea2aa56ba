use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ad_pixels")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub artist_id: i32,
    pub release_id: Option<i32>,
    pub scope: i32,
    pub platform: String,
    pub enabled: bool,
    pub pixel_id: String,
    pub key_id: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub secret: Option<String>,
    pub test_event_code: Option<String>,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
