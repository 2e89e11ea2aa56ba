use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "visitor_rollups")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub period: String,
    pub artist_id: i32,
    pub release_id: i32,
    pub visitors: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
