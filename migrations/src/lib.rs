//! Dropday's schema, as an ordered list of SeaORM migrations.
//!
//! Each migration is written with the schema helpers on table names, never with entities, so an old
//! migration keeps meaning what it meant when it was written. Every one has a working `down`.
pub use sea_orm_migration::prelude::*;

mod m20261121_000001_core_schema;
mod m20261121_000002_fan_pages;
mod m20261122_000003_accounts;
mod m20261122_000004_visitor_salts;
mod m20261122_000005_event_rollups;
mod m20261122_000006_api_tokens;
mod m20261122_000007_rollup_periods;
mod m20261122_000008_release_editor;
mod m20261122_000009_presaves;
mod m20261123_000010_conversions;
mod m20261124_000011_monetization;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_core_schema::Migration),
            Box::new(m20261121_000002_fan_pages::Migration),
            Box::new(m20261122_000003_accounts::Migration),
            Box::new(m20261122_000004_visitor_salts::Migration),
            Box::new(m20261122_000005_event_rollups::Migration),
            Box::new(m20261122_000006_api_tokens::Migration),
            Box::new(m20261122_000007_rollup_periods::Migration),
            Box::new(m20261122_000008_release_editor::Migration),
            Box::new(m20261122_000009_presaves::Migration),
            Box::new(m20261123_000010_conversions::Migration),
            Box::new(m20261124_000011_monetization::Migration),
        ]
    }
}
