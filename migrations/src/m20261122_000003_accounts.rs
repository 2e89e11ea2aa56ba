//! Accounts: server-side sessions, team members' grants on artists and releases, invitations, sign-in throttling,
//! the per-organization activity log, and a durable outbox for email.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        manager
            .create_table(
                Table::create()
                    .table(Sessions::Table)
                    // The SHA-256 of the cookie's token, hex: a leaked database holds no usable session.
                    .col(string_len(Sessions::Id, 64).primary_key())
                    .col(integer(Sessions::UserId))
                    // The organization the dashboard is showing; a user can belong to several.
                    .col(integer_null(Sessions::OrganizationId))
                    .col(timestamp_with_time_zone(Sessions::CreatedAt))
                    .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                    .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                    .col(string_null(Sessions::UserAgent))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::UserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Sessions::Table, Sessions::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("sessions_user")
                    .table(Sessions::Table)
                    .col(Sessions::UserId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(MemberGrants::Table)
                    .col(pk_auto(MemberGrants::Id))
                    .col(integer(MemberGrants::MembershipId))
                    // Exactly one of artist_id / release_id is set: a grant covers an artist (and all its releases)
                    // or one release.
                    .col(integer_null(MemberGrants::ArtistId))
                    .col(integer_null(MemberGrants::ReleaseId))
                    // "owner" (an artist's own profile), "edit" or "view".
                    .col(string(MemberGrants::Access))
                    .col(timestamp_with_time_zone(MemberGrants::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(MemberGrants::Table, MemberGrants::MembershipId)
                            .to(Memberships::Table, Memberships::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MemberGrants::Table, MemberGrants::ArtistId)
                            .to(Artists::Table, Artists::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(MemberGrants::Table, MemberGrants::ReleaseId)
                            .to(Releases::Table, Releases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .check(
                        Expr::col(MemberGrants::ArtistId)
                            .is_null()
                            .ne(Expr::col(MemberGrants::ReleaseId).is_null()),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("member_grants_membership")
                    .table(MemberGrants::Table)
                    .col(MemberGrants::MembershipId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Invitations::Table)
                    .col(pk_auto(Invitations::Id))
                    .col(integer(Invitations::OrganizationId))
                    .col(string(Invitations::Email))
                    .col(string(Invitations::Role))
                    // JSON array of {artist_id | release_id, access}, applied when the invitation is accepted.
                    .col(text(Invitations::Grants).default("[]"))
                    // SHA-256 of the link's token: the link itself is shown once and mailed, never stored.
                    .col(string_len_uniq(Invitations::TokenHash, 64))
                    .col(integer_null(Invitations::InvitedBy))
                    .col(timestamp_with_time_zone(Invitations::CreatedAt))
                    .col(timestamp_with_time_zone(Invitations::ExpiresAt))
                    .col(timestamp_with_time_zone_null(Invitations::AcceptedAt))
                    .col(integer_null(Invitations::AcceptedBy))
                    .col(timestamp_with_time_zone_null(Invitations::RevokedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitations::Table, Invitations::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitations::Table, Invitations::InvitedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(Invitations::Table, Invitations::AcceptedBy)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("invitations_organization")
                    .table(Invitations::Table)
                    .col(Invitations::OrganizationId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(SignInThrottle::Table)
                    // "account:<keyed hash of the email>" or "ip:<keyed hash of the address>": no raw email or IP.
                    .col(string_len(SignInThrottle::Key, 80).primary_key())
                    .col(integer(SignInThrottle::Failures))
                    .col(timestamp_with_time_zone(SignInThrottle::WindowStartedAt))
                    .col(timestamp_with_time_zone_null(SignInThrottle::LockedUntil))
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ActivityLog::Table)
                    .col(big_pk_auto(ActivityLog::Id))
                    .col(integer(ActivityLog::OrganizationId))
                    .col(integer_null(ActivityLog::ActorUserId))
                    // Kept as written, so the log still reads right after a member leaves or is renamed.
                    .col(string(ActivityLog::ActorName))
                    .col(string(ActivityLog::Action))
                    .col(string(ActivityLog::SubjectKind))
                    .col(integer_null(ActivityLog::SubjectId))
                    .col(text(ActivityLog::Summary))
                    .col(timestamp_with_time_zone(ActivityLog::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActivityLog::Table, ActivityLog::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ActivityLog::Table, ActivityLog::ActorUserId)
                            .to(Users::Table, Users::Id)
                            .on_delete(ForeignKeyAction::SetNull),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("activity_log_organization")
                    .table(ActivityLog::Table)
                    .col(ActivityLog::OrganizationId)
                    .col(ActivityLog::Id)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(EmailOutbox::Table)
                    .col(big_pk_auto(EmailOutbox::Id))
                    .col(string(EmailOutbox::ToAddress))
                    .col(string(EmailOutbox::Subject))
                    .col(text(EmailOutbox::BodyText))
                    .col(timestamp_with_time_zone(EmailOutbox::CreatedAt))
                    // Earliest next attempt; moved forward by backoff after a failure.
                    .col(timestamp_with_time_zone(EmailOutbox::RunAt))
                    .col(integer(EmailOutbox::Attempts).default(0))
                    // A worker's claim: other instances skip the row until this passes (a crashed worker's claim
                    // simply lapses).
                    .col(timestamp_with_time_zone_null(EmailOutbox::LockedUntil))
                    .col(text_null(EmailOutbox::LastError))
                    .col(timestamp_with_time_zone_null(EmailOutbox::SentAt))
                    .col(timestamp_with_time_zone_null(EmailOutbox::FailedAt))
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("email_outbox_pending")
                    .table(EmailOutbox::Table)
                    .col(EmailOutbox::SentAt)
                    .col(EmailOutbox::RunAt)
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            EmailOutbox::Table.into_iden(),
            ActivityLog::Table.into_iden(),
            SignInThrottle::Table.into_iden(),
            Invitations::Table.into_iden(),
            MemberGrants::Table.into_iden(),
            Sessions::Table.into_iden(),
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
}

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
}

#[derive(DeriveIden)]
enum Memberships {
    Table,
    Id,
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
enum Sessions {
    Table,
    Id,
    UserId,
    OrganizationId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    UserAgent,
}

#[derive(DeriveIden)]
enum MemberGrants {
    Table,
    Id,
    MembershipId,
    ArtistId,
    ReleaseId,
    Access,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Invitations {
    Table,
    Id,
    OrganizationId,
    Email,
    Role,
    Grants,
    TokenHash,
    InvitedBy,
    CreatedAt,
    ExpiresAt,
    AcceptedAt,
    AcceptedBy,
    RevokedAt,
}

#[derive(DeriveIden)]
enum SignInThrottle {
    Table,
    Key,
    Failures,
    WindowStartedAt,
    LockedUntil,
}

#[derive(DeriveIden)]
enum ActivityLog {
    Table,
    Id,
    OrganizationId,
    ActorUserId,
    ActorName,
    Action,
    SubjectKind,
    SubjectId,
    Summary,
    CreatedAt,
}

#[derive(DeriveIden)]
enum EmailOutbox {
    Table,
    Id,
    ToAddress,
    Subject,
    BodyText,
    CreatedAt,
    RunAt,
    Attempts,
    LockedUntil,
    LastError,
    SentAt,
    FailedAt,
}
