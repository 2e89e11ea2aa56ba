use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "artists")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub organization_id: i32,
    #[sea_orm(unique)]
    pub slug: String,
    pub name: String,
    pub image_url: Option<String>,
    #[sea_orm(column_type = "Text")]
    pub profile_links: String,
    pub spotify_artist_id: Option<String>,
    pub theme: String,
    pub service_order: String,
    pub auto_publish_imports: bool,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::organizations::Entity",
        from = "Column::OrganizationId",
        to = "super::organizations::Column::Id",
        on_delete = "Cascade"
    )]
    Organizations,
    #[sea_orm(has_many = "super::releases::Entity")]
    Releases,
}

impl Related<super::organizations::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Organizations.def()
    }
}

impl Related<super::releases::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Releases.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
