use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "member_grants")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i32,
    pub membership_id: i32,
    pub artist_id: Option<i32>,
    pub release_id: Option<i32>,
    pub access: String,
    pub created_at: DateTimeUtc,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {
    #[sea_orm(
        belongs_to = "super::memberships::Entity",
        from = "Column::MembershipId",
        to = "super::memberships::Column::Id",
        on_delete = "Cascade"
    )]
    Memberships,
}

impl Related<super::memberships::Entity> for Entity {
    fn to() -> RelationDef {
        Relation::Memberships.def()
    }
}

impl ActiveModelBehavior for ActiveModel {}
