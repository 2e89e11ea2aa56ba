use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "presaves")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub release_id: i32,
    pub fan_id: i32,
    pub origin: String,
    pub status: String,
    #[sea_orm(column_type = "Text")]
    pub follows: String,
    pub country: Option<String>,
    pub deliver_at: DateTimeUtc,
    pub next_attempt_at: DateTimeUtc,
    pub attempts: i32,
    #[sea_orm(column_type = "Text", nullable)]
    pub last_error: Option<String>,
    pub created_at: DateTimeUtc,
    pub updated_at: DateTimeUtc,
    pub delivered_at: Option<DateTimeUtc>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::fans::Entity",
        from = "Column::FanId",
        to = "super::fans::Column::Id",
        on_delete = "Cascade"
    )]
    Fans,
}

impl Related<super::fans::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Fans.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
