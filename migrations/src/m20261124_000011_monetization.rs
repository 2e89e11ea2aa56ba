//! Organization rules and monetization: each organization's platform rules (allowed, blocked and first
//! services) and access mode (free, packages, a base fee per release, or denied); the packages admins sell; the
//! entitlement ledger (what an artist holds, from a payment or an admin's grant, and which releases used it);
//! payments through Stripe Checkout; and the Stripe events already handled, so a repeated delivery is a no-op.
use sea_orm_migration::{prelude::*, schema::*};

#[derive(DeriveMigrationName)]
pub struct Migration;

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        let columns = [
            // Comma-separated service keys; NULL allows every service.
            text_null(Organizations::AllowedServices),
            text(Organizations::BlockedServices).default("").to_owned(),
            text(Organizations::ServicePriority).default("").to_owned(),
            // free, package, base_fee or denied
            string(Organizations::AccessMode).default("free").to_owned(),
            big_integer_null(Organizations::BaseFeeCents),
            string_null(Organizations::BaseFeeCurrency),
        ];
        for mut column in columns {
            manager
                .alter_table(
                    Table::alter()
                        .table(Organizations::Table)
                        .add_column(&mut column)
                        .to_owned(),
                )
                .await?;
        }

        manager
            .create_table(
                Table::create()
                    .table(Packages::Table)
                    .col(pk_auto(Packages::Id))
                    .col(integer(Packages::OrganizationId))
                    .col(string(Packages::Name))
                    .col(big_integer(Packages::PriceCents))
                    .col(string(Packages::Currency))
                    // NULL: any number of releases while it lasts (a membership).
                    .col(integer_null(Packages::ReleasesIncluded))
                    // NULL: never ends.
                    .col(integer_null(Packages::DurationDays))
                    // Retired packages are no longer sold; what was bought stays.
                    .col(boolean(Packages::Active).default(true))
                    .col(timestamp_with_time_zone(Packages::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Packages::Table, Packages::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Payments::Table)
                    .col(pk_auto(Payments::Id))
                    .col(integer(Payments::OrganizationId))
                    .col(integer(Payments::ArtistId))
                    .col(integer_null(Payments::UserId))
                    // What it grants, copied when the checkout starts: a package edited meanwhile changes nothing.
                    .col(string(Payments::GrantName))
                    .col(integer_null(Payments::ReleasesIncluded))
                    .col(integer_null(Payments::DurationDays))
                    // package or base_fee
                    .col(string(Payments::Purpose))
                    .col(integer_null(Payments::PackageId))
                    .col(integer_null(Payments::ReleaseId))
                    .col(string(Payments::Description))
                    .col(big_integer(Payments::AmountCents))
                    .col(string(Payments::Currency))
                    // pending, processing (a delayed method), paid, failed, expired or refunded
                    .col(string(Payments::Status))
                    .col(string_null(Payments::CheckoutSessionId).unique_key())
                    .col(string_null(Payments::PaymentIntentId))
                    .col(integer_null(Payments::EntitlementId))
                    .col(timestamp_with_time_zone(Payments::CreatedAt))
                    .col(timestamp_with_time_zone(Payments::UpdatedAt))
                    .col(timestamp_with_time_zone_null(Payments::PaidAt))
                    .col(timestamp_with_time_zone_null(Payments::RefundedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Payments::Table, Payments::OrganizationId)
                            .to(Organizations::Table, Organizations::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("payments_payment_intent")
                    .table(Payments::Table)
                    .col(Payments::PaymentIntentId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(Entitlements::Table)
                    .col(pk_auto(Entitlements::Id))
                    .col(integer(Entitlements::OrganizationId))
                    .col(integer(Entitlements::ArtistId))
                    // package, base_fee or grant
                    .col(string(Entitlements::Kind))
                    .col(integer_null(Entitlements::PackageId))
                    // A base fee or a grant for one release only.
                    .col(integer_null(Entitlements::ReleaseId))
                    .col(string(Entitlements::Name))
                    .col(integer_null(Entitlements::ReleasesIncluded))
                    // Counted up in one conditional UPDATE per use, so concurrent publishes cannot overdraw it.
                    .col(integer(Entitlements::ReleasesUsed).default(0))
                    .col(timestamp_with_time_zone(Entitlements::StartsAt))
                    .col(timestamp_with_time_zone_null(Entitlements::ExpiresAt))
                    // active or revoked
                    .col(string(Entitlements::Status))
                    .col(text_null(Entitlements::RevokedReason))
                    .col(timestamp_with_time_zone_null(Entitlements::RevokedAt))
                    .col(integer_null(Entitlements::GrantedBy))
                    .col(integer_null(Entitlements::PaymentId))
                    .col(timestamp_with_time_zone(Entitlements::CreatedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(Entitlements::Table, Entitlements::ArtistId)
                            .to(Artists::Table, Artists::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("entitlements_artist_status")
                    .table(Entitlements::Table)
                    .col(Entitlements::ArtistId)
                    .col(Entitlements::Status)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(ReleaseAccess::Table)
                    // One row per release: the entitlement that paid for publishing it. It stays when the
                    // release is unpublished, so publishing it again uses no second release of a package.
                    .col(integer(ReleaseAccess::ReleaseId).primary_key())
                    .col(integer(ReleaseAccess::EntitlementId))
                    .col(timestamp_with_time_zone(ReleaseAccess::GrantedAt))
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReleaseAccess::Table, ReleaseAccess::ReleaseId)
                            .to(Releases::Table, Releases::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .foreign_key(
                        ForeignKey::create()
                            .from(ReleaseAccess::Table, ReleaseAccess::EntitlementId)
                            .to(Entitlements::Table, Entitlements::Id)
                            .on_delete(ForeignKeyAction::Cascade),
                    )
                    .to_owned(),
            )
            .await?;
        manager
            .create_index(
                Index::create()
                    .name("release_access_entitlement")
                    .table(ReleaseAccess::Table)
                    .col(ReleaseAccess::EntitlementId)
                    .to_owned(),
            )
            .await?;

        manager
            .create_table(
                Table::create()
                    .table(StripeEvents::Table)
                    // Stripe's `evt_…` id: a second delivery of the same event finds its row and changes nothing.
                    .col(string(StripeEvents::Id).primary_key())
                    .col(string(StripeEvents::Kind))
                    .col(text(StripeEvents::Outcome))
                    .col(timestamp_with_time_zone(StripeEvents::ReceivedAt))
                    .to_owned(),
            )
            .await?;
        Ok(())
    }

    async fn down(&self, manager: &SchemaManager) -> Result<(), DbErr> {
        for table in [
            StripeEvents::Table.into_iden(),
            ReleaseAccess::Table.into_iden(),
            Entitlements::Table.into_iden(),
            Payments::Table.into_iden(),
            Packages::Table.into_iden(),
        ] {
            manager
                .drop_table(Table::drop().table(table).to_owned())
                .await?;
        }
        for column in [
            Organizations::AllowedServices,
            Organizations::BlockedServices,
            Organizations::ServicePriority,
            Organizations::AccessMode,
            Organizations::BaseFeeCents,
            Organizations::BaseFeeCurrency,
        ] {
            manager
                .alter_table(
                    Table::alter()
                        .table(Organizations::Table)
                        .drop_column(column)
                        .to_owned(),
                )
                .await?;
        }
        Ok(())
    }
}

#[derive(DeriveIden)]
enum Organizations {
    Table,
    Id,
    AllowedServices,
    BlockedServices,
    ServicePriority,
    AccessMode,
    BaseFeeCents,
    BaseFeeCurrency,
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
enum Packages {
    Table,
    Id,
    OrganizationId,
    Name,
    PriceCents,
    Currency,
    ReleasesIncluded,
    DurationDays,
    Active,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Payments {
    Table,
    Id,
    OrganizationId,
    ArtistId,
    UserId,
    GrantName,
    ReleasesIncluded,
    DurationDays,
    Purpose,
    PackageId,
    ReleaseId,
    Description,
    AmountCents,
    Currency,
    Status,
    CheckoutSessionId,
    PaymentIntentId,
    EntitlementId,
    CreatedAt,
    UpdatedAt,
    PaidAt,
    RefundedAt,
}

#[derive(DeriveIden)]
enum Entitlements {
    Table,
    Id,
    OrganizationId,
    ArtistId,
    Kind,
    PackageId,
    ReleaseId,
    Name,
    ReleasesIncluded,
    ReleasesUsed,
    StartsAt,
    ExpiresAt,
    Status,
    RevokedReason,
    RevokedAt,
    GrantedBy,
    PaymentId,
    CreatedAt,
}

#[derive(DeriveIden)]
enum ReleaseAccess {
    Table,
    ReleaseId,
    EntitlementId,
    GrantedAt,
}

#[derive(DeriveIden)]
enum StripeEvents {
    Table,
    Id,
    Kind,
    Outcome,
    ReceivedAt,
}
