//! The dashboard's WASM entry point: hydrate the server-rendered app. Nothing else belongs here.
#![forbid(unsafe_code)]
// Leptos views are deeply nested types; the release build's layout queries for the dashboard go past the default.
#![recursion_limit = "256"]

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    console_error_panic_hook::set_once();
    // Waits for the current page's code when it is a split chunk (lazy route) before hydrating it.
    leptos::mount::hydrate_lazy(app::App);
}
