//! Daily salts for counting unique visitors without cookies: one random salt per UTC day, shared by every server
//! instance, deleted after 48 hours so yesterday's hashes can no longer be linked to anyone.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(VisitorSalts::Table)
                    // `YYYY-MM-DD` (UTC).
                    .col(string_len(VisitorSalts::Day, 10).primary_key())
                    // 32 random bytes, hex.
                    .col(string_len(VisitorSalts::Salt, 64))
                    .col(timestamp_with_time_zone(VisitorSalts::CreatedAt))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(VisitorSalts::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum VisitorSalts {
    Table,
    Day,
    Salt,
    CreatedAt,
}
