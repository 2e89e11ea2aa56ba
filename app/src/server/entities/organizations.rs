use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "organizations")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub name: String,
    #[sea_orm(unique)]
    pub slug: String,
    pub created_at: DateTimeUtc,
    pub ad_consent_required: bool,
    #[sea_orm(column_type = "Text", nullable)]
    pub allowed_services: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub blocked_services: String,
    #[sea_orm(column_type = "Text")]
    pub service_priority: String,
    pub access_mode: String,
    pub base_fee_cents: Option<i64>,
    pub base_fee_currency: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(has_many = "super::artists::Entity")]
    Artists,
    #[sea_orm(has_many = "super::memberships::Entity")]
    Memberships,
}

impl Related<super::artists::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Artists.def()
    }
}

impl Related<super::memberships::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Memberships.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
