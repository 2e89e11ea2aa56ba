use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "fan_email_opt_ins")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub artist_id: i32,
    pub release_id: Option<i32>,
    pub fan_id: Option<i32>,
    pub email: String,
    #[sea_orm(column_type = "Text")]
    pub consent_text: String,
    pub country: Option<String>,
    pub consented_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::fans::Entity",
        from = "Column::FanId",
        to = "super::fans::Column::Id",
        on_delete = "SetNull"
    )]
    Fans,
}

impl Related<super::fans::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Fans.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
