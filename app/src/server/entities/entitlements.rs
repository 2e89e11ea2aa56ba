use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "entitlements")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organization_id: i32,
    pub artist_id: i32,
    pub kind: String,
    pub package_id: Option<i32>,
    pub release_id: Option<i32>,
    pub name: String,
    pub releases_included: Option<i32>,
    pub releases_used: i32,
    pub starts_at: DateTimeUtc,
    pub expires_at: Option<DateTimeUtc>,
    pub status: String,
    #[sea_orm(column_type = "Text", nullable)]
    pub revoked_reason: Option<String>,
    pub revoked_at: Option<DateTimeUtc>,
    pub granted_by: Option<i32>,
    pub payment_id: Option<i32>,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::artists::Entity",
        from = "Column::ArtistId",
        to = "super::artists::Column::Id",
        on_delete = "Cascade"
    )]
    Artists,
}

impl Related<super::artists::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Artists.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
