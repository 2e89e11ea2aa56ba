//! The core schema: organizations, users and memberships, artists, releases with their service links, and the
//! append-only analytics events table.
use sea_orm_migration::{prelude::*, schema::*, sea_orm::DatabaseBackend};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Organizations::Table)
                    .col(pk_auto(Organizations::Id))
                    .col(string(Organizations::Name))
                    .col(string_uniq(Organizations::Slug))
                    .col(timestamp_with_time_zone(Organizations::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Users::Table)
                    .col(pk_auto(Users::Id))
                    // Stored lower-cased and trimmed, so uniqueness is case-insensitive on both backends.
                    .col(string_uniq(Users::Email))
                    .col(string(Users::DisplayName))
                    .col(string_null(Users::PasswordHash))
                    .col(timestamp_with_time_zone(Users::CreatedAt))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Memberships::Table)
                    .col(pk_auto(Memberships::Id))
                    .col(integer(Memberships::OrganizationId))
                    .col(integer(Memberships::UserId))
                    .col(string(Memberships::Role))
                    .col(timestamp_with_time_zone(Memberships::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Memberships::Table, Memberships::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Memberships::Table, Memberships::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("memberships_organization_user")
                    .table(Memberships::Table)
                    .col(Memberships::OrganizationId)
                    .col(Memberships::UserId)
                    .unique()
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Artists::Table)
                    .col(pk_auto(Artists::Id))
                    .col(integer(Artists::OrganizationId))
                    // Lower-cased before storing: slugs are case-insensitive in URLs.
                    .col(string_uniq(Artists::Slug))
                    .col(string(Artists::Name))
                    .col(string_null(Artists::ImageUrl))
                    // JSON array of {label, url}; text so both backends store it the same way.
                    .col(text(Artists::ProfileLinks).default("[]"))
                    .col(string_null(Artists::SpotifyArtistId))
                    .col(timestamp_with_time_zone(Artists::CreatedAt))
                    .col(timestamp_with_time_zone(Artists::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Artists::Table, Artists::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("artists_organization")
                    .table(Artists::Table)
                    .col(Artists::OrganizationId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Releases::Table)
                    .col(pk_auto(Releases::Id))
                    .col(integer(Releases::ArtistId))
                    .col(string(Releases::Slug))
                    .col(string(Releases::Kind))
                    .col(string(Releases::Title))
                    .col(string_null(Releases::ArtworkUrl))
                    .col(string_null(Releases::Upc))
                    .col(string_null(Releases::Isrc))
                    .col(string_null(Releases::SpotifyId))
                    // The release moment as a UTC instant, plus the IANA zone it was chosen in, so the editor can
                    // show "Friday 00:00 Europe/Berlin" again and the fan page can count down to the right second.
                    .col(timestamp_with_time_zone_null(Releases::ReleaseAt))
                    .col(string(Releases::TimeZone).default("UTC"))
                    .col(string(Releases::Status).default("draft"))
                    .col(timestamp_with_time_zone(Releases::CreatedAt))
                    .col(timestamp_with_time_zone(Releases::UpdatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Releases::Table, Releases::ArtistId)
                            .to(Artists::Table, Artists::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("releases_artist_slug")
                    .table(Releases::Table)
                    .col(Releases::ArtistId)
                    .col(Releases::Slug)
                    .unique()
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("releases_release_at")
                    .table(Releases::Table)
                    .col(Releases::ReleaseAt)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReleaseLinks::Table)
                    .col(pk_auto(ReleaseLinks::Id))
                    .col(integer(ReleaseLinks::ReleaseId))
                    .col(string(ReleaseLinks::Service))
                    .col(text(ReleaseLinks::Url))
                    .col(integer(ReleaseLinks::Position))
                    .col(boolean(ReleaseLinks::Hidden).default(false))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReleaseLinks::Table, ReleaseLinks::ReleaseId)
                            .to(Releases::Table, Releases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("release_links_release_service")
                    .table(ReleaseLinks::Table)
                    .col(ReleaseLinks::ReleaseId)
                    .col(ReleaseLinks::Service)
                    .unique()
                    .to_owned(),
            )
            .await?;

        // Analytics events. No foreign keys: history outlives a deleted release, and an insert on the hot path
        // should not wait on a parent-row check. No raw IP or full user agent columns, by design.
        manager
            .create_table(
                Table::create()
                    .table(Events::Table)
                    .col(big_pk_auto(Events::Id))
                    .col(timestamp_with_time_zone(Events::OccurredAt))
                    .col(string(Events::Kind))
                    .col(integer_null(Events::ArtistId))
                    .col(integer_null(Events::ReleaseId))
                    .col(string_null(Events::Service))
                    .col(string_null(Events::ReferrerDomain))
                    .col(string_null(Events::UtmSource))
                    .col(string_null(Events::UtmMedium))
                    .col(string_null(Events::UtmCampaign))
                    .col(string_null(Events::UtmContent))
                    .col(string_null(Events::UtmTerm))
                    .col(string_null(Events::DeviceClass))
                    .col(string_null(Events::Browser))
                    .col(string_null(Events::Os))
                    .col(string_null(Events::Country))
                    .col(string_null(Events::Locale))
                    .col(string_null(Events::VisitorHash))
                    .col(boolean(Events::IsBot).default(false))
                    .to_owned(),
            )
            .await?;
        for (name, col) in [
            ("events_release_time", Events::ReleaseId),
            ("events_artist_time", Events::ArtistId),
        ] {
            manager
                .create_index(
                    Index::create()
                        .name(name)
                        .table(Events::Table)
                        .col(col)
                        .col(Events::OccurredAt)
                        .to_owned(),
                )
                .await?;
        }

        // Append-only, enforced by the database itself: an UPDATE of an event is refused on both backends.
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared(
                    "CREATE FUNCTION events_append_only() RETURNS trigger AS $$ \
                     BEGIN RAISE EXCEPTION 'analytics events are append-only'; END; $$ LANGUAGE plpgsql",
                )
                .await?;
                db.execute_unprepared(
                    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events \
                     FOR EACH ROW EXECUTE FUNCTION events_append_only()",
                )
                .await?;
            }
            DatabaseBackend::Sqlite => {
                db.execute_unprepared(
                    "CREATE TRIGGER events_no_update BEFORE UPDATE ON events \
                     BEGIN SELECT RAISE(ABORT, 'analytics events are append-only'); END",
                )
                .await?;
            }
            _ => {}
        }
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        let db = manager.get_connection();
        match manager.get_database_backend() {
            DatabaseBackend::Postgres => {
                db.execute_unprepared("DROP TRIGGER IF EXISTS events_no_update ON events")
                    .await?;
                db.execute_unprepared("DROP FUNCTION IF EXISTS events_append_only()")
                    .await?;
            }
            DatabaseBackend::Sqlite => {
                db.execute_unprepared("DROP TRIGGER IF EXISTS events_no_update")
                    .await?;
            }
            _ => {}
        }
        // Children before parents, so foreign keys never block the drop.
        for table in [
            Events::Table.into_iden(),
            ReleaseLinks::Table.into_iden(),
            Releases::Table.into_iden(),
            Artists::Table.into_iden(),
            Memberships::Table.into_iden(),
            Users::Table.into_iden(),
            Organizations::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    Name,
    Slug,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    DisplayName,
    PasswordHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
    OrganizationId,
    UserId,
    Role,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Artists {
    Table,
    Id,
    OrganizationId,
    Slug,
    Name,
    ImageUrl,
    ProfileLinks,
    SpotifyArtistId,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum Releases {
    Table,
    Id,
    ArtistId,
    Slug,
    Kind,
    Title,
    ArtworkUrl,
    Upc,
    Isrc,
    SpotifyId,
    ReleaseAt,
    TimeZone,
    Status,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum ReleaseLinks {
    Table,
    Id,
    ReleaseId,
    Service,
    Url,
    Position,
    Hidden,
}

#[derive(DeriveIden)]
enum Events {
    Table,
    Id,
    OccurredAt,
    Kind,
    ArtistId,
    ReleaseId,
    Service,
    ReferrerDomain,
    UtmSource,
    UtmMedium,
    UtmCampaign,
    UtmContent,
    UtmTerm,
    DeviceClass,
    Browser,
    Os,
    Country,
    Locale,
    VisitorHash,
    IsBot,
}
