//! Rollups that stay small at tens of millions of events, and sessions for the engagement rate.
//!
//! Hourly rows per release were as many as the events themselves once split by twelve dimensions, so a year's
//! report read millions of rows. Now hours live only until their day closes; a closed day is kept per release and
//! per artist (release -1), and a closed month likewise, so a year is twelve month rows per value. Rollups are
//! derived data: the old tables are dropped and the job rolls every event up again from the start.
//!
//! `open_sessions` holds, per visitor and release, when they were last seen and whether their session has engaged
//! yet; only visitors seen in the last ten minutes stay, so it stays small.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            EventRollups::Table.into_iden(),
            VisitorRollups::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .create_table(
                Table::create()
                    .table(EventRollups::Table)
                    .col(big_pk_auto(EventRollups::Id))
                    // `hour`, `day` or `month` (UTC), starting at `period_start`.
                    .col(string_len(EventRollups::Span, 5))
                    .col(timestamp_with_time_zone(EventRollups::PeriodStart))
                    .col(integer(EventRollups::ArtistId))
                    // A release; 0 for the artist hub; -1 for all of the artist's events (days and months only).
                    .col(integer(EventRollups::ReleaseId))
                    .col(string(EventRollups::Kind))
                    // `total` (value ''), `service`, `referrer`, `utm_source`, ... `locale`.
                    .col(string(EventRollups::Dimension))
                    .col(string(EventRollups::Value))
                    .col(big_integer(EventRollups::Events))
                    .to_owned(),
            )
            .await?;
        // Reports read index entries only (the indexes cover every column they need): one release (and its
        // artist), or several artists' own rows (release -1), in some periods.
        manager
            .create_index(
                Index::create()
                    .name("event_rollups_by_release")
                    .table(EventRollups::Table)
                    .col(EventRollups::ReleaseId)
                    .col(EventRollups::ArtistId)
                    .col(EventRollups::Dimension)
                    .col(EventRollups::Span)
                    .col(EventRollups::PeriodStart)
                    .col(EventRollups::Kind)
                    .col(EventRollups::Value)
                    .col(EventRollups::Events)
                    .to_owned(),
            )
            .await?;
        // Every release of some artists in some periods (the per-release table, today's hours).
        manager
            .create_index(
                Index::create()
                    .name("event_rollups_by_artist")
                    .table(EventRollups::Table)
                    .col(EventRollups::ArtistId)
                    .col(EventRollups::Dimension)
                    .col(EventRollups::Span)
                    .col(EventRollups::PeriodStart)
                    .col(EventRollups::ReleaseId)
                    .col(EventRollups::Kind)
                    .col(EventRollups::Value)
                    .col(EventRollups::Events)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("event_rollups_by_period")
                    .table(EventRollups::Table)
                    .col(EventRollups::Span)
                    .col(EventRollups::PeriodStart)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(VisitorRollups::Table)
                    .col(big_pk_auto(VisitorRollups::Id))
                    // `YYYY-MM-DD` for a day's unique visitors, `YYYY-MM` for the month's daily uniques summed.
                    .col(string_len(VisitorRollups::Period, 10))
                    .col(integer(VisitorRollups::ArtistId))
                    // As in event_rollups: -1 for the artist's distinct visitors over all their pages.
                    .col(integer(VisitorRollups::ReleaseId))
                    .col(big_integer(VisitorRollups::Visitors))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("visitor_rollups_by_release")
                    .table(VisitorRollups::Table)
                    .col(VisitorRollups::ReleaseId)
                    .col(VisitorRollups::ArtistId)
                    .col(VisitorRollups::Period)
                    .col(VisitorRollups::Visitors)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("visitor_rollups_by_artist")
                    .table(VisitorRollups::Table)
                    .col(VisitorRollups::ArtistId)
                    .col(VisitorRollups::Period)
                    .col(VisitorRollups::ReleaseId)
                    .col(VisitorRollups::Visitors)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("visitor_rollups_by_period")
                    .table(VisitorRollups::Table)
                    .col(VisitorRollups::Period)
                    .to_owned(),
            )
            .await?;

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
        restart_rollups(manager).await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            OpenSessions::Table.into_iden(),
            VisitorRollups::Table.into_iden(),
            EventRollups::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        // The shapes migration 5 made, empty: the job fills them again.
        manager
            .create_table(
                Table::create()
                    .table(EventRollups::Table)
                    .col(big_pk_auto(EventRollups::Id))
                    .col(timestamp_with_time_zone(EventRollups::HourStart))
                    .col(integer(EventRollups::ArtistId))
                    .col(integer(EventRollups::ReleaseId))
                    .col(string(EventRollups::Kind))
                    .col(string(EventRollups::Dimension))
                    .col(string(EventRollups::Value))
                    .col(big_integer(EventRollups::Events))
                    .to_owned(),
            )
            .await?;
        manager
            .create_table(
                Table::create()
                    .table(VisitorRollups::Table)
                    .col(big_pk_auto(VisitorRollups::Id))
                    .col(string_len(VisitorRollups::Day, 10))
                    .col(integer(VisitorRollups::ArtistId))
                    .col(integer(VisitorRollups::ReleaseId))
                    .col(string(VisitorRollups::Dimension))
                    .col(string(VisitorRollups::Value))
                    .col(big_integer(VisitorRollups::Visitors))
                    .to_owned(),
            )
            .await?;
        restart_rollups(manager).await
    }
}

/// Makes the rollup job start again from the first event.
async fn restart_rollups(manager: &SchemaManager<'_>) -> Result<(), DbErr> {
    manager
        .exec_stmt(
            Query::update()
                .table(RollupState::Table)
                .value(RollupState::DoneUntil, Expr::cust("NULL"))
                .to_owned(),
        )
        .await
}

#[derive(DeriveIden)]
enum EventRollups {
    Table,
    Id,
    Span,
    PeriodStart,
    HourStart,
    ArtistId,
    ReleaseId,
    Kind,
    Dimension,
    Value,
    Events,
}

#[derive(DeriveIden)]
enum VisitorRollups {
    Table,
    Id,
    Period,
    Day,
    ArtistId,
    ReleaseId,
    Dimension,
    Value,
    Visitors,
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
