//! Fan pages: how the release moment is counted, themes, fixed or country order, links shown before release,
//! custom call-to-action links, and the old slugs that keep answering with a permanent redirect.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite can add only one column per ALTER TABLE.
        let columns = [
            (
                Artists::Table.into_iden(),
                string(Artists::Theme).default("midnight").to_owned(),
            ),
            (
                Artists::Table.into_iden(),
                string(Artists::ServiceOrder)
                    .default("by_country")
                    .to_owned(),
            ),
            // `fixed`: release_at is the instant everywhere; `local_midnight`: 00:00 of release_at's date (in the
            // release's zone) in each fan's country, the way Spotify releases.
            (
                Releases::Table.into_iden(),
                string(Releases::ReleaseMode).default("fixed").to_owned(),
            ),
            (
                Releases::Table.into_iden(),
                string_null(Releases::Theme).to_owned(),
            ),
            (
                Releases::Table.into_iden(),
                text_null(Releases::VideoUrl).to_owned(),
            ),
            // Pre-order / pre-add links are shown on the pre-save page too.
            (
                ReleaseLinks::Table.into_iden(),
                boolean(ReleaseLinks::ShowBeforeRelease)
                    .default(false)
                    .to_owned(),
            ),
        ];
        for (table, column) in columns {
            manager
                .alter_table(Table::alter().table(table).add_column(column).to_owned())
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(CustomLinks::Table)
                    .col(pk_auto(CustomLinks::Id))
                    .col(integer(CustomLinks::ArtistId))
                    // NULL: a link on the artist's hub; set: a call-to-action button on that release's page.
                    .col(integer_null(CustomLinks::ReleaseId))
                    .col(string(CustomLinks::Label))
                    .col(text(CustomLinks::Url))
                    .col(integer(CustomLinks::Position))
                    .foreign_key(
                        ForeignKey::create()
                            .from(CustomLinks::Table, CustomLinks::ArtistId)
                            .to(Artists::Table, Artists::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(CustomLinks::Table, CustomLinks::ReleaseId)
                            .to(Releases::Table, Releases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("custom_links_artist_release")
                    .table(CustomLinks::Table)
                    .col(CustomLinks::ArtistId)
                    .col(CustomLinks::ReleaseId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ArtistSlugRedirects::Table)
                    .col(pk_auto(ArtistSlugRedirects::Id))
                    .col(string_uniq(ArtistSlugRedirects::OldSlug))
                    .col(integer(ArtistSlugRedirects::ArtistId))
                    .col(timestamp_with_time_zone(ArtistSlugRedirects::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ArtistSlugRedirects::Table, ArtistSlugRedirects::ArtistId)
                            .to(Artists::Table, Artists::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReleaseSlugRedirects::Table)
                    .col(pk_auto(ReleaseSlugRedirects::Id))
                    .col(integer(ReleaseSlugRedirects::ArtistId))
                    .col(string(ReleaseSlugRedirects::OldSlug))
                    .col(integer(ReleaseSlugRedirects::ReleaseId))
                    .col(timestamp_with_time_zone(ReleaseSlugRedirects::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReleaseSlugRedirects::Table, ReleaseSlugRedirects::ReleaseId)
                            .to(Releases::Table, Releases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("release_slug_redirects_artist_slug")
                    .table(ReleaseSlugRedirects::Table)
                    .col(ReleaseSlugRedirects::ArtistId)
                    .col(ReleaseSlugRedirects::OldSlug)
                    .unique()
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            ReleaseSlugRedirects::Table.into_iden(),
            ArtistSlugRedirects::Table.into_iden(),
            CustomLinks::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        let columns = [
            (
                ReleaseLinks::Table.into_iden(),
                ReleaseLinks::ShowBeforeRelease.into_iden(),
            ),
            (Releases::Table.into_iden(), Releases::VideoUrl.into_iden()),
            (Releases::Table.into_iden(), Releases::Theme.into_iden()),
            (
                Releases::Table.into_iden(),
                Releases::ReleaseMode.into_iden(),
            ),
            (
                Artists::Table.into_iden(),
                Artists::ServiceOrder.into_iden(),
            ),
            (Artists::Table.into_iden(), Artists::Theme.into_iden()),
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
    Theme,
    ServiceOrder,
}

#[derive(DeriveIden)]
enum Releases {
    Table,
    Id,
    ReleaseMode,
    Theme,
    VideoUrl,
}

#[derive(DeriveIden)]
enum ReleaseLinks {
    Table,
    ShowBeforeRelease,
}

#[derive(DeriveIden)]
enum CustomLinks {
    Table,
    Id,
    ArtistId,
    ReleaseId,
    Label,
    Url,
    Position,
}

#[derive(DeriveIden)]
enum ArtistSlugRedirects {
    Table,
    Id,
    OldSlug,
    ArtistId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReleaseSlugRedirects {
    Table,
    Id,
    ArtistId,
    OldSlug,
    ReleaseId,
    CreatedAt,
}
