//! The HMIS Export tab: the export (`hmis::ui`) and, inside its overview, the vendors with their
//! pushes, dead letters and history (`outbox::ui`). The page is the one place the two meet.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use crate::hmis::api::preview_hmis_export;
use crate::hmis::ui::{DvNote, OverviewCard, ParamsForm, Preview};
use crate::hmis::{ExportPreview, ExportQuery, PreviewQuery};
use crate::outbox::ui::{DeadLetters, PushControls, PushHistory, VendorPanel};

#[component]
pub fn HmisExportPage() -> impl IntoView {
    let query = use_query_map();
    let wanted = move || {
        let q = query.get();
        let get = |name: &str| q.get(name);
        PreviewQuery {
            export: ExportQuery { as_of: get("as_of"), start: get("start"), end: get("end") },
            rows: get("rows"),
            household: get("household"),
            warnings: get("warnings"),
            page: get("page"),
        }
    };
    let preview = Resource::new(wanted, |q| {
        let PreviewQuery { export: ExportQuery { as_of, start, end }, rows, household, warnings, page } = q;
        preview_hmis_export(as_of, start, end, rows, household, warnings, page)
    });
    let controls = PushControls::new();
    view! {
        <Title text="HMIS Export · HMIS Bridge"/>
        <h1>"HMIS Export"</h1>
        <Transition fallback=|| view! { <p>"Loading the export…"</p> }>
            {move || preview.get().map(|result| match result {
                Err(err) => view! {
                    <p class="notice notice-error" role="alert">{err.to_string()}</p>
                    <p><a href=crate::hmis::ui::TAB_PATH>"Show today's export"</a></p>
                }.into_any(),
                Ok(p) => view! { <ExportTab preview=p query=wanted() controls/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn ExportTab(preview: ExportPreview, query: PreviewQuery, controls: PushControls) -> impl IntoView {
    let ExportPreview {
        coc_codes,
        params,
        time_zone,
        overview,
        oldest_update,
        warnings,
        rows,
        matching,
        page,
        pages,
        vendor_policies,
        dv,
        push_token,
    } = preview;
    view! {
        <ParamsForm params time_zone/>
        <OverviewCard coc_codes params overview oldest_update warnings>
            <VendorPanel push_token params controls/>
        </OverviewCard>
        <DeadLetters controls/>
        <PushHistory controls/>
        <DvNote dv vendor_policies/>
        <Preview rows params query matching page pages/>
    }
}
