//! The HMIS Export tab's export parts: the CoC overview, the preview of exactly what is sent
//! (filtered with a plain GET form, so it works without JavaScript), and the HMIS CSV download.
//! The page itself (`ui::hmis_export`) puts the vendors' push panels beside them.
use leptos::prelude::*;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use super::codes::{HOUSEHOLD_TYPE, PROJECT_TYPE};
use super::{DvSummary, HouseholdBeds, Overview, PreviewRow, RowFilter, Suppression, UTILIZATION_REVIEW_RANGE};

/// Where the zip is served (an axum route of the server).
pub const DOWNLOAD_PATH: &str = "/admin/hmis-export/download";

fn count(n: i64) -> String {
    n.to_string()
}

fn utilization_cell(beds: &HouseholdBeds) -> AnyView {
    match beds.utilization() {
        None => view! { "—" }.into_any(),
        Some(u) if beds.flagged() => view! {
            {format!("{u}%")}
            <span class="badge badge-stale">"review"</span>
        }
        .into_any(),
        Some(u) => view! { {format!("{u}%")} }.into_any(),
    }
}

/// The overview card: the CoC's totals, then `children` (the vendors and their push controls),
/// then the download.
#[component]
pub fn OverviewCard(
    coc_codes: Vec<String>,
    export_date: String,
    overview: Overview,
    children: Children,
) -> impl IntoView {
    let oldest = overview
        .oldest_update
        .map(|t| t.format("%Y-%m-%d %H:%M UTC").to_string())
        .unwrap_or_else(|| "no counts yet".into());
    let unreported = overview.unreported_lines;
    view! {
        <section class="card" aria-labelledby="overview-h">
            <h2 id="overview-h">"Overview"</h2>
            <dl class="stats">
                <div><dt>"CoC"</dt><dd>{coc_codes.join(", ")}</dd></div>
                <div><dt>"Projects"</dt><dd>{overview.projects}</dd></div>
                <div><dt>"Beds total"</dt><dd>{count(overview.beds.beds_total)}</dd></div>
                <div><dt>"Beds occupied"</dt><dd>{count(overview.beds.beds_occupied)}</dd></div>
                <div><dt>"Utilization"</dt><dd>{utilization_cell(&overview.beds)}</dd></div>
                <div><dt>"Oldest update"</dt><dd>{oldest}
                    {(unreported > 0).then(|| view! { <div class="hint">{format!("{unreported} inventory line{} never reported", if unreported == 1 { "" } else { "s" })}</div> })}
                </dd></div>
            </dl>
            {children()}
            <p>
                <a class="button" href=DOWNLOAD_PATH download="">"Download HMIS CSV (zip)"</a>
                <span class="hint">{format!(" FY2026 project descriptor files as of {export_date}, the same rows as below.")}</span>
            </p>
        </section>
    }
}

#[component]
pub fn DvNote(dv: Option<DvSummary>) -> impl IntoView {
    let Some(dv) = dv else {
        return view! {
            <p class="card hint">"DV shelters are sent only as one aggregated row, and only where they meet the CoC's privacy thresholds."</p>
        }
        .into_any();
    };
    let thresholds = format!(
        "DV beds are sent only as one aggregated project, and only for CoC code and household type cells with at least {} shelters and {} beds.",
        dv.min_shelters, dv.min_beds
    );
    let summary = if dv.beds_total == 0 {
        "No active DV shelter has beds, so nothing DV is sent.".to_string()
    } else if dv.beds_suppressed == 0 {
        format!("All {} DV beds from {} shelters are in the aggregate row.", dv.beds_total, dv.contributing_shelters)
    } else {
        format!(
            "{} of {} DV beds ({} contributing shelters) are sent; {} beds are suppressed:",
            dv.beds_sent, dv.beds_total, dv.contributing_shelters, dv.beds_suppressed
        )
    };
    view! {
        <section class="card" aria-labelledby="dv-h">
            <h2 id="dv-h">"DV privacy"</h2>
            <p>{thresholds}</p>
            <p>{summary}</p>
            {(!dv.suppressed.is_empty()).then(|| view! {
                <ul>{dv.suppressed.iter().map(|s| {
                    let why = match &s.reason {
                        Suppression::GroupTooFewShelters => format!("the DV group as a whole has {} shelters, fewer than {}", s.shelters, dv.min_shelters),
                        Suppression::GroupTooFewBeds => format!("the DV group as a whole has {} beds, fewer than {}", s.beds, dv.min_beds),
                        Suppression::CellTooFewShelters { coc_code, household_type } => format!(
                            "{} in {coc_code}: {} shelter{}, fewer than {}",
                            HOUSEHOLD_TYPE.label(*household_type), s.shelters, if s.shelters == 1 { "" } else { "s" }, dv.min_shelters
                        ),
                        Suppression::CellTooFewBeds { coc_code, household_type } => format!(
                            "{} in {coc_code}: fewer than {} beds", HOUSEHOLD_TYPE.label(*household_type), dv.min_beds
                        ),
                    };
                    view! { <li>{format!("{} beds: {why}", s.beds)}</li> }
                }).collect_view()}</ul>
            })}
        </section>
    }
    .into_any()
}

#[component]
pub fn Preview(rows: Vec<PreviewRow>) -> impl IntoView {
    let query = use_query_map();
    let filter = move || RowFilter::parse(query.get().get("rows").as_deref());
    let household = move || {
        query.get().get("household").and_then(|h| h.parse::<i32>().ok()).filter(|h| HOUSEHOLD_TYPE.contains(*h))
    };
    let option = move |value: &'static str, label: &'static str| {
        view! {
            <label class="check"><input type="radio" name="rows" value=value
                checked=move || RowFilter::parse(Some(value)) == filter()/>{label}</label>
        }
    };
    view! {
        <section aria-labelledby="preview-h">
            <h2 id="preview-h">"Preview: the rows that will be sent"</h2>
            <Form method="GET" action="/admin/hmis-export" attr:class="filters card">
                <fieldset class="radios">
                    <legend>"Projects"</legend>
                    {option("all", "All")}
                    {option("non-dv", "Non-DV")}
                    {option("dv", "DV only")}
                </fieldset>
                <div>
                    <label for="household">"Household type"</label>
                    <select id="household" name="household">
                        <option value="" selected=move || household().is_none()>"All household types"</option>
                        {HOUSEHOLD_TYPE.entries.iter().map(|(code, label)| view! {
                            <option value=code.to_string() selected=move || household() == Some(*code)>{*label}</option>
                        }).collect_view()}
                    </select>
                </div>
                <button type="submit">"Apply"</button>
            </Form>
            {move || {
                let (filter, household) = (filter(), household());
                let shown: Vec<(PreviewRow, HouseholdBeds)> = rows
                    .iter()
                    .filter(|r| filter.keeps(r))
                    .filter_map(|r| r.beds(household).map(|b| (r.clone(), b)))
                    .collect();
                let caption = format!("{} row{} shown", shown.len(), if shown.len() == 1 { "" } else { "s" });
                view! {
                    <p class="hint" role="status">{caption}</p>
                    <div class="table-wrap card">
                        <table>
                            <thead><tr>
                                <th scope="col">"Project"</th><th scope="col">"Project type"</th>
                                <th scope="col">"Household types"</th><th scope="col">"Beds"</th>
                                <th scope="col">"Occupied"</th><th scope="col">"Utilization"</th>
                            </tr></thead>
                            <tbody>{shown.into_iter().map(|(r, b)| view! { <Row r b/> }).collect_view()}</tbody>
                        </table>
                    </div>
                    <p class="hint">{format!(
                        "Utilization is occupied beds over reported beds; HUD flags values outside {}%–{}% for review.",
                        UTILIZATION_REVIEW_RANGE.start(), UTILIZATION_REVIEW_RANGE.end()
                    )}</p>
                }
            }}
        </section>
    }
}

#[component]
fn Row(r: PreviewRow, b: HouseholdBeds) -> impl IntoView {
    let households = r.households.iter().map(|h| HOUSEHOLD_TYPE.label(h.household_type)).collect::<Vec<_>>().join("; ");
    let occupied = if b.beds_reported > 0 { count(b.beds_occupied) } else { "—".into() };
    let partly = (b.beds_reported > 0 && b.beds_reported < b.beds_total)
        .then(|| format!("of {} reported beds", b.beds_reported));
    view! {
        <tr class:dv-row=r.dv_aggregate>
            <td>
                <strong>{r.name.clone()}</strong>
                <div class="hint">{r.project_id.clone()}" · "{r.organization.clone()}
                    {r.dv_aggregate.then(|| {
                        let label = match r.shelters {
                            0 => "DV aggregate".to_string(),
                            n => format!("DV aggregate of {n} shelters"),
                        };
                        view! { <span class="badge">{label}</span> }
                    })}
                </div>
            </td>
            <td>{PROJECT_TYPE.label(r.project_type)}</td>
            <td>{households}</td>
            <td>{count(b.beds_total)}</td>
            <td>{occupied}{partly.map(|p| view! { <div class="hint">{p}</div> })}</td>
            <td>{utilization_cell(&b)}</td>
        </tr>
    }
}
