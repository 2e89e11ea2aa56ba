use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "releases")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub artist_id: i32,
    pub slug: String,
    pub kind: String,
    pub title: String,
    pub artwork_url: Option<String>,
    pub upc: Option<String>,
    pub isrc: Option<String>,
    pub spotify_id: Option<String>,
    pub release_at: Option<DateTimeUtc>,
    pub time_zone: String,
    pub status: String,
    pub release_mode: String,
    pub theme: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub video_url: Option<String>,
    #[sea_orm(column_type = "Text", nullable)]
    pub share_text: Option<String>,
    pub version: i32,
    pub presave_follow_artist: bool,
    #[sea_orm(column_type = "Text")]
    pub presave_follows: String,
    pub presave_ask_email: bool,
    pub updated_by: Option<i32>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
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
    #[sea_orm(has_many = "super::release_links::Entity")]
    ReleaseLinks,
}

impl Related<super::artists::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Artists.def()
    }
}

impl Related<super::release_links::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::ReleaseLinks.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
