//! Sessions for the engagement rate: the rollup job walks each hour's events in time order and keeps, per visitor
//! and release, when they were last seen and whether their session has engaged yet. Only visitors seen in the last
//! ten minutes stay in the table, so it stays small. Rolled-up hours are redone so history gets sessions too.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(OpenSessions::Table)
                    // The day's visitor hash: sessions end at midnight UTC with the salt, as in most analytics.
                    .col(string_len(OpenSessions::VisitorHash, 64))
                    // 0 for the artist hub.
                    .col(integer(OpenSessions::ReleaseId))
                    .col(integer(OpenSessions::ArtistId))
                    .col(timestamp_with_time_zone(OpenSessions::LastSeenAt))
                    .col(boolean(OpenSessions::Engaged))
                    .primary_key(
                        Index::create()
                            .col(OpenSessions::VisitorHash)
                            .col(OpenSessions::ReleaseId),
                    )
                    .to_owned(),
            )
            .await?;
        // Redo every rolled-up hour, this time with sessions.
        manager
            .exec_stmt(
                Query::update()
                    .table(RollupState::Table)
                    .value(RollupState::DoneUntil, Expr::cust("NULL"))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(OpenSessions::Table).to_owned())
            .await
    }
}

#[derive(DeriveIden)]
enum OpenSessions {
    Table,
    VisitorHash,
    ReleaseId,
    ArtistId,
    LastSeenAt,
    Engaged,
}

#[derive(DeriveIden)]
enum RollupState {
    Table,
    DoneUntil,
}
