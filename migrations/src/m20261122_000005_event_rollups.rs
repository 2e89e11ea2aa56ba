//! Rollups that keep dashboard queries fast at millions of events: event counts per hour and unique visitors per
//! day, per artist, release and dimension (service, referrer, UTM, country, device, browser, OS, locale), plus
//! the state of the background job that writes them.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // The rollup job scans one hour of all events at a time.
        manager
            .create_index(
                Index::create()
                    .name("events_time")
                    .table(Events::Table)
                    .col(Events::OccurredAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EventRollups::Table)
                    .col(big_pk_auto(EventRollups::Id))
                    .col(timestamp_with_time_zone(EventRollups::HourStart))
                    .col(integer(EventRollups::ArtistId))
                    // 0 for events of the artist hub, which belong to no release.
                    .col(integer(EventRollups::ReleaseId))
                    .col(string(EventRollups::Kind))
                    // `total` (value ''), `service`, `referrer`, `utm_source`, ... `locale`.
                    .col(string(EventRollups::Dimension))
                    .col(string(EventRollups::Value))
                    .col(big_integer(EventRollups::Events))
                    .to_owned(),
            )
            .await?;
        for (name, first) in [
            ("event_rollups_release", EventRollups::ReleaseId),
            ("event_rollups_artist", EventRollups::ArtistId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(EventRollups::Table)
                        .col(first)
                        .col(EventRollups::Dimension)
                        .col(EventRollups::HourStart)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("event_rollups_hour")
                    .table(EventRollups::Table)
                    .col(EventRollups::HourStart)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(VisitorRollups::Table)
                    .col(big_pk_auto(VisitorRollups::Id))
                    // `YYYY-MM-DD` (UTC): visitor hashes are per day, so daily uniques add up honestly.
                    .col(string_len(VisitorRollups::Day, 10))
                    .col(integer(VisitorRollups::ArtistId))
                    .col(integer(VisitorRollups::ReleaseId))
                    .col(string(VisitorRollups::Dimension))
                    .col(string(VisitorRollups::Value))
                    .col(big_integer(VisitorRollups::Visitors))
                    .to_owned(),
            )
            .await?;
        for (name, first) in [
            ("visitor_rollups_release", VisitorRollups::ReleaseId),
            ("visitor_rollups_artist", VisitorRollups::ArtistId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(VisitorRollups::Table)
                        .col(first)
                        .col(VisitorRollups::Dimension)
                        .col(VisitorRollups::Day)
                        .to_owned(),
                )
                .await?;
        }
        manager
            .create_index(
                Index::create()
                    .name("visitor_rollups_day")
                    .table(VisitorRollups::Table)
                    .col(VisitorRollups::Day)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(RollupState::Table)
                    .col(string_len(RollupState::Name, 32).primary_key())
                    // Everything before this instant is rolled up.
                    .col(timestamp_with_time_zone_null(RollupState::DoneUntil))
                    // One instance at a time: a lease that lapses if its holder dies.
                    .col(string_null(RollupState::LeaseHolder))
                    .col(timestamp_with_time_zone_null(RollupState::LeaseUntil))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            RollupState::Table.into_iden(),
            VisitorRollups::Table.into_iden(),
            EventRollups::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("events_time")
                    .table(Events::Table)
                    .to_owned(),
            )
            .await
    }
}

#[derive(DeriveIden)]
enum Events {
    Table,
    OccurredAt,
}

#[derive(DeriveIden)]
enum EventRollups {
    Table,
    Id,
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
    Day,
    ArtistId,
    ReleaseId,
    Dimension,
    Value,
    Visitors,
}

#[derive(DeriveIden)]
enum RollupState {
    Table,
    Name,
    DoneUntil,
    LeaseHolder,
    LeaseUntil,
}
