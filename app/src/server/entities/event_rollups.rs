use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "event_rollups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub span: String,
    pub period_start: DateTimeUtc,
    pub artist_id: i32,
    pub release_id: i32,
    pub kind: String,
    pub dimension: String,
    pub value: String,
    pub events: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
