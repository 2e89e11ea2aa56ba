//! Small components shared by dashboard pages.
mod data;

use crate::types::ReleasePhase;
pub use data::{data, Data, JsonCodec};
use leptos::prelude::*;

/// "Upcoming" or "Out now", with a class the stylesheet colours.
#[component]
pub fn PhaseBadge(phase: ReleasePhase) -> impl IntoView {
    let (class, label) = match phase {
        ReleasePhase::Upcoming => ("badge badge-upcoming", "Upcoming"),
        ReleasePhase::OutNow => ("badge badge-out", "Out now"),
    };
    view! { <span class=class>{label}</span> }
}
