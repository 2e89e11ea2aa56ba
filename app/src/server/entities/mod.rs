//! SeaORM entities, one file per table, in the shape `sea-orm-cli generate entity` writes them. Keep domain logic
//! out of here: it lives in `server::models`.
pub mod artists;
pub mod events;
pub mod memberships;
pub mod organizations;
pub mod release_links;
pub mod releases;
pub mod users;

pub mod prelude {
    pub use super::artists::Entity as Artists;
    pub use super::events::Entity as Events;
    pub use super::memberships::Entity as Memberships;
    pub use super::organizations::Entity as Organizations;
    pub use super::release_links::Entity as ReleaseLinks;
    pub use super::releases::Entity as Releases;
    pub use super::users::Entity as Users;
}
