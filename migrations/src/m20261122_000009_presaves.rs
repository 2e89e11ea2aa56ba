//! Spotify pre-saves: fans (a Spotify account each) with their sealed tokens, the authorization flows kept
//! server-side (so a login started in an in-app browser can finish in another), fan sessions for "my pre-saves",
//! the pre-saves themselves as a durable delivery queue, "forever" subscriptions to an artist's future releases,
//! email opt-ins per artist, and each release's pre-save settings.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite can add only one column per ALTER TABLE.
        let columns = [
            boolean(Releases::PresaveFollowArtist)
                .default(true)
                .to_owned(),
            // Up to three more Spotify URIs (artists, users, a playlist) a pre-save follows, as a JSON array.
            text(Releases::PresaveFollows).default("[]").to_owned(),
            boolean(Releases::PresaveAskEmail).default(false).to_owned(),
        ];
        for column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Releases::Table)
                        .add_column(column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Fans::Table)
                    .col(pk_auto(Fans::Id))
                    // Spotify's immutable `account_id` (not the user id, which can change).
                    .col(string(Fans::SpotifyAccountId).unique_key())
                    .col(string(Fans::SpotifyUserId))
                    .col(string_null(Fans::DisplayName))
                    .col(timestamp_with_time_zone(Fans::CreatedAt))
                    .col(timestamp_with_time_zone(Fans::UpdatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SpotifyTokens::Table)
                    .col(integer(SpotifyTokens::FanId).primary_key())
                    // Which key sealed the tokens, so keys can rotate: older keys stay configured for reading.
                    .col(string(SpotifyTokens::KeyId))
                    .col(text(SpotifyTokens::RefreshToken))
                    .col(text_null(SpotifyTokens::AccessToken))
                    .col(timestamp_with_time_zone_null(
                        SpotifyTokens::AccessExpiresAt,
                    ))
                    .col(text(SpotifyTokens::Scopes))
                    // One delivery worker per fan at a time: refresh tokens rotate, so two refreshing at once
                    // would leave one holding a dead token.
                    .col(string_null(SpotifyTokens::LeaseHolder))
                    .col(timestamp_with_time_zone_null(SpotifyTokens::LeaseUntil))
                    .col(timestamp_with_time_zone(SpotifyTokens::CreatedAt))
                    .col(timestamp_with_time_zone(SpotifyTokens::RefreshedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SpotifyTokens::Table, SpotifyTokens::FanId)
                            .to(Fans::Table, Fans::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SpotifyLogins::Table)
                    // SHA-256 of the OAuth `state`, which is the flow's only handle.
                    .col(string(SpotifyLogins::StateHash).primary_key())
                    .col(string(SpotifyLogins::KeyId))
                    .col(text(SpotifyLogins::PkceVerifier))
                    .col(integer(SpotifyLogins::ReleaseId))
                    // presave (before the release) or save (after it)
                    .col(string(SpotifyLogins::Intent))
                    .col(boolean(SpotifyLogins::Forever).default(false))
                    .col(string_null(SpotifyLogins::Email))
                    .col(string_len_null(SpotifyLogins::Country, 2))
                    .col(timestamp_with_time_zone(SpotifyLogins::CreatedAt))
                    .col(timestamp_with_time_zone(SpotifyLogins::ExpiresAt))
                    .col(timestamp_with_time_zone_null(SpotifyLogins::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(SpotifyLogins::Table, SpotifyLogins::ReleaseId)
                            .to(Releases::Table, Releases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FanSessions::Table)
                    .col(string(FanSessions::TokenHash).primary_key())
                    .col(integer(FanSessions::FanId))
                    .col(timestamp_with_time_zone(FanSessions::CreatedAt))
                    .col(timestamp_with_time_zone(FanSessions::ExpiresAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(FanSessions::Table, FanSessions::FanId)
                            .to(Fans::Table, Fans::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Presaves::Table)
                    .col(pk_auto(Presaves::Id))
                    .col(integer(Presaves::ReleaseId))
                    .col(integer(Presaves::FanId))
                    // presave (before the release), forever (queued by a subscription), save (after the release)
                    .col(string(Presaves::Origin))
                    // queued, sending, delivered, pending_source, failed, cancelled
                    .col(string(Presaves::Status))
                    // What the fan agreed to follow, as a JSON array of Spotify URIs.
                    .col(text(Presaves::Follows).default("[]"))
                    .col(string_len_null(Presaves::Country, 2))
                    .col(timestamp_with_time_zone(Presaves::DeliverAt))
                    .col(timestamp_with_time_zone(Presaves::NextAttemptAt))
                    .col(integer(Presaves::Attempts).default(0))
                    .col(text_null(Presaves::LastError))
                    .col(timestamp_with_time_zone(Presaves::CreatedAt))
                    .col(timestamp_with_time_zone(Presaves::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Presaves::DeliveredAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Presaves::Table, Presaves::ReleaseId)
                            .to(Releases::Table, Releases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Presaves::Table, Presaves::FanId)
                            .to(Fans::Table, Fans::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("presaves_release_fan")
                    .table(Presaves::Table)
                    .col(Presaves::ReleaseId)
                    .col(Presaves::FanId)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("presaves_due")
                    .table(Presaves::Table)
                    .col(Presaves::Status)
                    .col(Presaves::NextAttemptAt)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("presaves_by_fan")
                    .table(Presaves::Table)
                    .col(Presaves::FanId)
                    .col(Presaves::Status)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(PresaveSubscriptions::Table)
                    .col(pk_auto(PresaveSubscriptions::Id))
                    .col(integer(PresaveSubscriptions::FanId))
                    .col(integer(PresaveSubscriptions::ArtistId))
                    .col(text(PresaveSubscriptions::Follows).default("[]"))
                    .col(string_len_null(PresaveSubscriptions::Country, 2))
                    .col(timestamp_with_time_zone(PresaveSubscriptions::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(PresaveSubscriptions::Table, PresaveSubscriptions::FanId)
                            .to(Fans::Table, Fans::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(PresaveSubscriptions::Table, PresaveSubscriptions::ArtistId)
                            .to(Artists::Table, Artists::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("presave_subscriptions_unique")
                    .table(PresaveSubscriptions::Table)
                    .col(PresaveSubscriptions::ArtistId)
                    .col(PresaveSubscriptions::FanId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(FanEmailOptIns::Table)
                    .col(pk_auto(FanEmailOptIns::Id))
                    .col(integer(FanEmailOptIns::ArtistId))
                    // The release whose page asked; kept when the release is deleted.
                    .col(integer_null(FanEmailOptIns::ReleaseId))
                    .col(integer_null(FanEmailOptIns::FanId))
                    .col(string(FanEmailOptIns::Email))
                    // The words the fan agreed to, as shown.
                    .col(text(FanEmailOptIns::ConsentText))
                    .col(string_len_null(FanEmailOptIns::Country, 2))
                    .col(timestamp_with_time_zone(FanEmailOptIns::ConsentedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(FanEmailOptIns::Table, FanEmailOptIns::ArtistId)
                            .to(Artists::Table, Artists::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(FanEmailOptIns::Table, FanEmailOptIns::ReleaseId)
                            .to(Releases::Table, Releases::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(FanEmailOptIns::Table, FanEmailOptIns::FanId)
                            .to(Fans::Table, Fans::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("fan_email_opt_ins_unique")
                    .table(FanEmailOptIns::Table)
                    .col(FanEmailOptIns::ArtistId)
                    .col(FanEmailOptIns::Email)
                    .unique()
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            FanEmailOptIns::Table.into_iden(),
            PresaveSubscriptions::Table.into_iden(),
            Presaves::Table.into_iden(),
            FanSessions::Table.into_iden(),
            SpotifyLogins::Table.into_iden(),
            SpotifyTokens::Table.into_iden(),
            Fans::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for column in [
            Releases::PresaveAskEmail,
            Releases::PresaveFollows,
            Releases::PresaveFollowArtist,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Releases::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Releases {
    Table,
    Id,
    PresaveFollowArtist,
    PresaveFollows,
    PresaveAskEmail,
}

#[derive(DeriveIden)]
enum Artists {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Fans {
    Table,
    Id,
    SpotifyAccountId,
    SpotifyUserId,
    DisplayName,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SpotifyTokens {
    Table,
    FanId,
    KeyId,
    RefreshToken,
    AccessToken,
    AccessExpiresAt,
    Scopes,
    LeaseHolder,
    LeaseUntil,
    CreatedAt,
    RefreshedAt,
}

#[derive(DeriveIden)]
enum SpotifyLogins {
    Table,
    StateHash,
    KeyId,
    PkceVerifier,
    ReleaseId,
    Intent,
    Forever,
    Email,
    Country,
    CreatedAt,
    ExpiresAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum FanSessions {
    Table,
    TokenHash,
    FanId,
    CreatedAt,
    ExpiresAt,
}

#[derive(DeriveIden)]
enum Presaves {
    Table,
    Id,
    ReleaseId,
    FanId,
    Origin,
    Status,
    Follows,
    Country,
    DeliverAt,
    NextAttemptAt,
    Attempts,
    LastError,
    CreatedAt,
    UpdatedAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum PresaveSubscriptions {
    Table,
    Id,
    FanId,
    ArtistId,
    Follows,
    Country,
    CreatedAt,
}

#[derive(DeriveIden)]
enum FanEmailOptIns {
    Table,
    Id,
    ArtistId,
    ReleaseId,
    FanId,
    Email,
    ConsentText,
    Country,
    ConsentedAt,
}
