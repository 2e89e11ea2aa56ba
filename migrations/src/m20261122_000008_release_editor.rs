//! The release editor and catalog import: a version number for safe concurrent saves, share text, links that
//! differ by country, an artist's "publish imported releases" switch, and the durable catalog queue (artist
//! imports and Odesli link lookups) with its progress records and a named lease so one instance talks to Odesli.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite can add only one column per ALTER TABLE.
        let columns = [
            (
                Releases::Table.into_iden(),
                text_null(Releases::ShareText).to_owned(),
            ),
            // Raised by every save; a save naming an older version is refused instead of overwriting.
            (
                Releases::Table.into_iden(),
                integer(Releases::Version).default(1).to_owned(),
            ),
            (
                Releases::Table.into_iden(),
                integer_null(Releases::UpdatedBy).to_owned(),
            ),
            (
                Artists::Table.into_iden(),
                boolean(Artists::AutoPublishImports)
                    .default(false)
                    .to_owned(),
            ),
            // Links people set or corrected; lookups never second-guess them with per-country variants.
            (
                ReleaseLinks::Table.into_iden(),
                boolean(ReleaseLinks::SetByHand).default(true).to_owned(),
            ),
        ];
        for (table, column) in columns {
            manager
                .alter_table(Table::alter().table(table).add_column(column).to_owned())
                .await?;
        }
        // Twins made before this index (the JSON import allowed them) keep their data; only the later ones lose
        // the Spotify id the index needs to be unique.
        manager
            .get_connection()
            .execute_unprepared(
                "UPDATE releases SET spotify_id = NULL WHERE spotify_id IS NOT NULL AND id NOT IN \
                 (SELECT MIN(id) FROM releases WHERE spotify_id IS NOT NULL GROUP BY artist_id, spotify_id)",
            )
            .await?;
        // An import never makes the same Spotify release twice for one artist (NULLs, hand-made releases, repeat).
        manager
            .create_index(
                Index::create()
                    .name("releases_artist_spotify")
                    .table(Releases::Table)
                    .col(Releases::ArtistId)
                    .col(Releases::SpotifyId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReleaseLinkVariants::Table)
                    .col(pk_auto(ReleaseLinkVariants::Id))
                    .col(integer(ReleaseLinkVariants::ReleaseId))
                    .col(string(ReleaseLinkVariants::Service))
                    .col(string_len(ReleaseLinkVariants::Country, 2))
                    .col(text(ReleaseLinkVariants::Url))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReleaseLinkVariants::Table, ReleaseLinkVariants::ReleaseId)
                            .to(Releases::Table, Releases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("release_link_variants_unique")
                    .table(ReleaseLinkVariants::Table)
                    .col(ReleaseLinkVariants::ReleaseId)
                    .col(ReleaseLinkVariants::Service)
                    .col(ReleaseLinkVariants::Country)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CatalogImports::Table)
                    .col(pk_auto(CatalogImports::Id))
                    .col(integer(CatalogImports::ArtistId))
                    .col(string(CatalogImports::SpotifyArtistId))
                    // queued, running, done, failed
                    .col(string(CatalogImports::Status))
                    .col(integer(CatalogImports::Found).default(0))
                    .col(integer(CatalogImports::Added).default(0))
                    .col(integer(CatalogImports::Existing).default(0))
                    .col(text_null(CatalogImports::Error))
                    .col(integer_null(CatalogImports::RequestedBy))
                    .col(timestamp_with_time_zone(CatalogImports::CreatedAt))
                    .col(timestamp_with_time_zone_null(CatalogImports::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CatalogImports::Table, CatalogImports::ArtistId)
                            .to(Artists::Table, Artists::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(CatalogTasks::Table)
                    .col(pk_auto(CatalogTasks::Id))
                    // import_artist, resolve_links
                    .col(string(CatalogTasks::Kind))
                    .col(integer(CatalogTasks::ArtistId))
                    .col(integer_null(CatalogTasks::ReleaseId))
                    .col(integer_null(CatalogTasks::ImportId))
                    // NULL: the default country, whose answer fills in missing services.
                    .col(string_len_null(CatalogTasks::Country, 2))
                    // queued, done, failed
                    .col(string(CatalogTasks::Status))
                    .col(integer(CatalogTasks::Attempts).default(0))
                    .col(timestamp_with_time_zone(CatalogTasks::RunAfter))
                    .col(text_null(CatalogTasks::LastError))
                    .col(timestamp_with_time_zone(CatalogTasks::CreatedAt))
                    .col(timestamp_with_time_zone_null(CatalogTasks::FinishedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CatalogTasks::Table, CatalogTasks::ArtistId)
                            .to(Artists::Table, Artists::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CatalogTasks::Table, CatalogTasks::ReleaseId)
                            .to(Releases::Table, Releases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CatalogTasks::Table, CatalogTasks::ImportId)
                            .to(CatalogImports::Table, CatalogImports::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("catalog_tasks_due")
                    .table(CatalogTasks::Table)
                    .col(CatalogTasks::Status)
                    .col(CatalogTasks::RunAfter)
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("catalog_tasks_by_release")
                    .table(CatalogTasks::Table)
                    .col(CatalogTasks::ReleaseId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(JobLeases::Table)
                    .col(string(JobLeases::Name).primary_key())
                    .col(string_null(JobLeases::Holder))
                    .col(timestamp_with_time_zone_null(JobLeases::LeaseUntil))
                    .to_owned(),
            )
            .await
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            JobLeases::Table.into_iden(),
            CatalogTasks::Table.into_iden(),
            CatalogImports::Table.into_iden(),
            ReleaseLinkVariants::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        manager
            .drop_index(
                Index::drop()
                    .name("releases_artist_spotify")
                    .table(Releases::Table)
                    .to_owned(),
            )
            .await?;
        let columns = [
            (
                ReleaseLinks::Table.into_iden(),
                ReleaseLinks::SetByHand.into_iden(),
            ),
            (
                Artists::Table.into_iden(),
                Artists::AutoPublishImports.into_iden(),
            ),
            (Releases::Table.into_iden(), Releases::UpdatedBy.into_iden()),
            (Releases::Table.into_iden(), Releases::Version.into_iden()),
            (Releases::Table.into_iden(), Releases::ShareText.into_iden()),
        ];
        for (table, column) in columns {
            manager
                .alter_table(Table::alter().table(table).drop_column(column).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Artists {
    Table,
    Id,
    AutoPublishImports,
}

#[derive(DeriveIden)]
enum Releases {
    Table,
    Id,
    ArtistId,
    SpotifyId,
    ShareText,
    Version,
    UpdatedBy,
}

#[derive(DeriveIden)]
enum ReleaseLinks {
    Table,
    SetByHand,
}

#[derive(DeriveIden)]
enum ReleaseLinkVariants {
    Table,
    Id,
    ReleaseId,
    Service,
    Country,
    Url,
}

#[derive(DeriveIden)]
enum CatalogImports {
    Table,
    Id,
    ArtistId,
    SpotifyArtistId,
    Status,
    Found,
    Added,
    Existing,
    Error,
    RequestedBy,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum CatalogTasks {
    Table,
    Id,
    Kind,
    ArtistId,
    ReleaseId,
    ImportId,
    Country,
    Status,
    Attempts,
    RunAfter,
    LastError,
    CreatedAt,
    FinishedAt,
}

#[derive(DeriveIden)]
enum JobLeases {
    Table,
    Name,
    Holder,
    LeaseUntil,
}
