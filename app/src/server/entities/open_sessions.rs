use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "open_sessions")]
pub struct Model {
    #[sea_orm(primary_key, auto_increment = false)]
    pub visitor_hash: String,
    #[sea_orm(primary_key, auto_increment = false)]
    pub release_id: i32,
    pub artist_id: i32,
    pub last_seen_at: DateTimeUtc,
    pub engaged: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
