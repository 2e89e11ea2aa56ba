//! SeaORM entities, one file per table, in the shape `sea-orm-cli generate entity` writes them. Keep domain logic
//! out of here: it lives in `server::models`.
pub mod artist_slug_redirects;
pub mod artists;
pub mod custom_links;
pub mod events;
pub mod memberships;
pub mod organizations;
pub mod release_links;
pub mod release_slug_redirects;
pub mod releases;
pub mod users;

pub mod prelude {
    pub use super::artist_slug_redirects::Entity as ArtistSlugRedirects;
    pub use super::artists::Entity as Artists;
    pub use super::custom_links::Entity as CustomLinks;
    pub use super::events::Entity as Events;
    pub use super::memberships::Entity as Memberships;
    pub use super::organizations::Entity as Organizations;
    pub use super::release_links::Entity as ReleaseLinks;
    pub use super::release_slug_redirects::Entity as ReleaseSlugRedirects;
    pub use super::releases::Entity as Releases;
    pub use super::users::Entity as Users;
}
