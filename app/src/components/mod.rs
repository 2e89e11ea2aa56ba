//! Small components shared by dashboard pages.
use crate::types::ReleasePhase;
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
