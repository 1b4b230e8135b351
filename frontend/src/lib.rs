//! The wasm entry: hydrates the server-rendered app.
use leptos::prelude::document;

/// Sets `<html data-hydrated>`: "true" once the page is hydrated, "failed" after any panic. The
/// browser tests wait for "true" (end2end/tests/support.ts), so a wasm that cannot hydrate the
/// page fails them instead of passing as the no-JavaScript form.
fn mark(value: &str) {
    if let Some(root) = document().document_element() {
        let _ = root.set_attribute("data-hydrated", value);
    }
}

#[wasm_bindgen::prelude::wasm_bindgen]
pub fn hydrate() {
    std::panic::set_hook(Box::new(|info| {
        console_error_panic_hook::hook(info);
        mark("failed");
    }));
    leptos::mount::hydrate_body(app::App);
    // Reached only when hydrating did not panic (a panic aborts the wasm call).
    mark("true");
}
