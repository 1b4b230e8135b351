//! The HMIS Export tab: the export (`hmis::ui`) and, inside its overview, the vendors with their
//! pushes, dead letters and history (`outbox::ui`). The page is the one place the two meet.
use leptos::prelude::*;
use leptos_meta::Title;

use crate::hmis::api::preview_hmis_export;
use crate::hmis::ui::{DvNote, OverviewCard, Preview};
use crate::hmis::{ExportPreview, Overview};
use crate::outbox::ui::{DeadLetters, PushControls, PushHistory, VendorPanel};

#[component]
pub fn HmisExportPage() -> impl IntoView {
    let preview = Resource::new(|| (), |_| preview_hmis_export());
    let controls = PushControls::new();
    view! {
        <Title text="HMIS Export · HMIS Bridge"/>
        <h1>"HMIS Export"</h1>
        <Transition fallback=|| view! { <p>"Loading the export…"</p> }>
            {move || preview.get().map(|result| match result {
                Err(err) => view! { <p class="notice notice-error" role="alert">{err.to_string()}</p> }.into_any(),
                Ok(p) => view! { <ExportTab preview=p controls/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn ExportTab(preview: ExportPreview, controls: PushControls) -> impl IntoView {
    let overview = Overview::of(&preview.rows);
    let ExportPreview { coc_codes, export_date, rows, dv, push_token } = preview;
    view! {
        <OverviewCard coc_codes export_date overview>
            <VendorPanel push_token controls/>
        </OverviewCard>
        <DeadLetters controls/>
        <PushHistory controls/>
        <DvNote dv/>
        <Preview rows/>
    }
}
