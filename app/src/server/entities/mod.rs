//! SeaORM entities, one file per table, in the shape `sea-orm-cli generate entity` writes them. Keep domain logic
//! out of here: it lives in `server::models`.
pub mod activity_log;
pub mod api_tokens;
pub mod artist_slug_redirects;
pub mod artists;
pub mod catalog_imports;
pub mod catalog_tasks;
pub mod custom_links;
pub mod email_outbox;
pub mod event_rollups;
pub mod events;
pub mod invitations;
pub mod job_leases;
pub mod member_grants;
pub mod memberships;
pub mod open_sessions;
pub mod organizations;
pub mod release_link_variants;
pub mod release_links;
pub mod release_slug_redirects;
pub mod releases;
pub mod rollup_state;
pub mod sessions;
pub mod sign_in_throttle;
pub mod users;
pub mod visitor_rollups;
pub mod visitor_salts;

pub mod prelude {
    pub use super::activity_log::Entity as ActivityLog;
    pub use super::api_tokens::Entity as ApiTokens;
    pub use super::artist_slug_redirects::Entity as ArtistSlugRedirects;
    pub use super::artists::Entity as Artists;
    pub use super::catalog_imports::Entity as CatalogImports;
    pub use super::catalog_tasks::Entity as CatalogTasks;
    pub use super::custom_links::Entity as CustomLinks;
    pub use super::email_outbox::Entity as EmailOutbox;
    pub use super::event_rollups::Entity as EventRollups;
    pub use super::events::Entity as Events;
    pub use super::invitations::Entity as Invitations;
    pub use super::job_leases::Entity as JobLeases;
    pub use super::member_grants::Entity as MemberGrants;
    pub use super::memberships::Entity as Memberships;
    pub use super::open_sessions::Entity as OpenSessions;
    pub use super::organizations::Entity as Organizations;
    pub use super::release_link_variants::Entity as ReleaseLinkVariants;
    pub use super::release_links::Entity as ReleaseLinks;
    pub use super::release_slug_redirects::Entity as ReleaseSlugRedirects;
    pub use super::releases::Entity as Releases;
    pub use super::rollup_state::Entity as RollupState;
    pub use super::sessions::Entity as Sessions;
    pub use super::sign_in_throttle::Entity as SignInThrottle;
    pub use super::users::Entity as Users;
    pub use super::visitor_rollups::Entity as VisitorRollups;
    pub use super::visitor_salts::Entity as VisitorSalts;
}
