//! The wasm entry: hydrates the server-rendered app, admin pages once their chunk is loaded.
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
    // `hydrate_lazy`, waiting for it: the admin pages are lazy routes (their code is a chunk
    // fetched when opened), and a lazy route hydrates only once its chunk is in.
    wasm_bindgen_futures::spawn_local(async {
        let Some(body) = document().body() else {
            mark("failed");
            return;
        };
        leptos::mount::hydrate_from_async(body, app::App).await.forget();
        // Reached only when hydrating did not panic (a panic aborts the wasm).
        mark("true");
    });
}
