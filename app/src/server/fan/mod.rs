//! What a fan sees for a release: which services work where, their order, the release moment and the fan's region.
pub mod availability;
pub mod language;
pub mod moment;
pub mod ordering;
