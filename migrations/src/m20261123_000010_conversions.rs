//! Conversion tracking for ad platforms: each artist's pixels (Meta, TikTok, GA4) with their server-side secrets
//! sealed, overridable per release; the durable queue of server-side conversion events, which is also the
//! delivery log; and each organization's choice of whether fans are asked for consent.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .alter_table(
                Table::alter()
                    .table(Organizations::Table)
                    // Off only where an admin has decided consent is not required by law for their fans.
                    .add_column(boolean(Organizations::AdConsentRequired).default(true))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(AdPixels::Table)
                    .col(pk_auto(AdPixels::Id))
                    .col(integer(AdPixels::ArtistId))
                    .col(integer_null(AdPixels::ReleaseId))
                    // The release id, or 0 for the artist's own setting: a unique key that NULLs cannot dodge.
                    .col(integer(AdPixels::Scope))
                    // meta, tiktok or ga4
                    .col(string(AdPixels::Platform))
                    // A release can switch off a platform its artist uses.
                    .col(boolean(AdPixels::Enabled).default(true))
                    .col(string(AdPixels::PixelId))
                    .col(string_null(AdPixels::KeyId))
                    .col(text_null(AdPixels::Secret))
                    .col(string_null(AdPixels::TestEventCode))
                    .col(timestamp_with_time_zone(AdPixels::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(AdPixels::Table, AdPixels::ArtistId)
                            .to(Artists::Table, Artists::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(AdPixels::Table, AdPixels::ReleaseId)
                            .to(Releases::Table, Releases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("ad_pixels_scope_platform")
                    .table(AdPixels::Table)
                    .col(AdPixels::ArtistId)
                    .col(AdPixels::Scope)
                    .col(AdPixels::Platform)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ConversionEvents::Table)
                    .col(big_pk_auto(ConversionEvents::Id))
                    // Kept when its pixel setting goes (a release back on its artist's): the log stays.
                    .col(integer_null(ConversionEvents::PixelId))
                    .col(string(ConversionEvents::Platform))
                    .col(integer(ConversionEvents::ArtistId))
                    .col(integer_null(ConversionEvents::ReleaseId))
                    // page_view, click_out or pre_save
                    .col(string(ConversionEvents::Kind))
                    .col(string(ConversionEvents::EventName))
                    // Shared with the browser pixel's event, so the platform counts the two once.
                    .col(string(ConversionEvents::EventId))
                    .col(timestamp_with_time_zone(ConversionEvents::EventTime))
                    .col(text(ConversionEvents::SourceUrl))
                    .col(text_null(ConversionEvents::ReferrerUrl))
                    .col(string_null(ConversionEvents::Service))
                    .col(string_null(ConversionEvents::ContentName))
                    // The fan's address, User-Agent and ad cookies, sealed, and deleted once the event is settled.
                    .col(string_null(ConversionEvents::KeyId))
                    .col(text_null(ConversionEvents::Fan))
                    .col(boolean(ConversionEvents::Test).default(false))
                    // queued, sent, failed (the platform refused it) or dropped (too old, or given up)
                    .col(string(ConversionEvents::Status))
                    .col(integer(ConversionEvents::Attempts).default(0))
                    .col(timestamp_with_time_zone(ConversionEvents::NextAttemptAt))
                    .col(string_null(ConversionEvents::LeaseHolder))
                    .col(timestamp_with_time_zone_null(ConversionEvents::LeaseUntil))
                    .col(text_null(ConversionEvents::LastError))
                    .col(string_null(ConversionEvents::Detail))
                    .col(timestamp_with_time_zone(ConversionEvents::CreatedAt))
                    .col(timestamp_with_time_zone_null(ConversionEvents::SettledAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ConversionEvents::Table, ConversionEvents::PixelId)
                            .to(AdPixels::Table, AdPixels::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        // The worker's scan: queued events by due time.
        manager
            .create_index(
                Index::create()
                    .name("conversion_events_due")
                    .table(ConversionEvents::Table)
                    .col(ConversionEvents::Status)
                    .col(ConversionEvents::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        // The delivery log: an artist's newest events first.
        manager
            .create_index(
                Index::create()
                    .name("conversion_events_artist")
                    .table(ConversionEvents::Table)
                    .col(ConversionEvents::ArtistId)
                    .col(ConversionEvents::Id)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("conversion_events_pixel")
                    .table(ConversionEvents::Table)
                    .col(ConversionEvents::PixelId)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .drop_table(Table::drop().table(ConversionEvents::Table).to_owned())
            .await?;
        manager
            .drop_table(Table::drop().table(AdPixels::Table).to_owned())
            .await?;
        manager
            .alter_table(
                Table::alter()
                    .table(Organizations::Table)
                    .drop_column(Organizations::AdConsentRequired)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    AdConsentRequired,
}

#[derive(DeriveIden)]
enum Artists {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Releases {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum AdPixels {
    Table,
    Id,
    ArtistId,
    ReleaseId,
    Scope,
    Platform,
    Enabled,
    PixelId,
    KeyId,
    Secret,
    TestEventCode,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ConversionEvents {
    Table,
    Id,
    PixelId,
    Platform,
    ArtistId,
    ReleaseId,
    Kind,
    EventName,
    EventId,
    EventTime,
    SourceUrl,
    ReferrerUrl,
    Service,
    ContentName,
    KeyId,
    Fan,
    Test,
    Status,
    Attempts,
    NextAttemptAt,
    LeaseHolder,
    LeaseUntil,
    LastError,
    Detail,
    CreatedAt,
    SettledAt,
}
