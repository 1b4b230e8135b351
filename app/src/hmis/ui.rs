//! The HMIS Export tab's export parts: the export's parameters (as-of date and report period),
//! the CoC overview, the DV note, the preview of exactly what is sent (filtered and paged on the
//! server by a plain GET form, so it works without JavaScript), and the HMIS CSV download. The
//! page itself (`ui::hmis_export`) puts the vendors' push panels beside them.
use leptos::prelude::*;
use leptos_router::components::Form;

use super::codes::{AVAILABILITY, ES_BED_TYPE, HOUSEHOLD_TYPE, PROJECT_TYPE};
use super::{
    DvCell, DvSummary, ExportParams, HouseholdBeds, Overview, PreviewLine, PreviewQuery, PreviewRow, RowFilter,
    Suppression, UTILIZATION_REVIEW_RANGE,
};

/// Where the zip is served (an axum route of the server).
pub const DOWNLOAD_PATH: &str = "/admin/hmis-export/download";
pub const TAB_PATH: &str = "/admin/hmis-export";

fn count(n: i64) -> String {
    n.to_string()
}

fn plural(n: impl Into<i64>, one: &str, many: &str) -> String {
    let n = n.into();
    format!("{n} {}", if n == 1 { one } else { many })
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

/// The export's parameters: a GET form, so the whole tab (preview, download, pushes) follows
/// what it says.
#[component]
pub fn ParamsForm(params: ExportParams, time_zone: String) -> impl IntoView {
    view! {
        <Form method="GET" action=TAB_PATH attr:class="filters card" attr:aria-labelledby="params-h">
            <h2 id="params-h" class="visually-hidden">"Export parameters"</h2>
            <div>
                <label for="as_of">"As of"</label>
                <input id="as_of" name="as_of" type="date" value=params.as_of.to_string() required/>
                <div class="hint">"The night counted, e.g. the PIT night."</div>
            </div>
            <div>
                <label for="start">"Report period from"</label>
                <input id="start" name="start" type="date" value=params.start.to_string() required/>
            </div>
            <div>
                <label for="end">"to"</label>
                <input id="end" name="end" type="date" value=params.end.to_string() required/>
                <div class="hint">"For the HIC, the same night as both."</div>
            </div>
            <button type="submit">"Show"</button>
            <p class="hint">{format!("Dates and times are in the CoC's time zone, {time_zone}.")}</p>
        </Form>
    }
}

/// The overview card: the CoC's totals as of the chosen date, then `children` (the vendors and
/// their push controls), then the download.
#[component]
pub fn OverviewCard(
    coc_codes: Vec<String>,
    params: ExportParams,
    overview: Overview,
    oldest_update: Option<String>,
    warnings: u32,
    children: Children,
) -> impl IntoView {
    let oldest = oldest_update.unwrap_or_else(|| "no counts yet".into());
    let unreported = overview.unreported_lines;
    let period = if params.start == params.end {
        params.start.to_string()
    } else {
        format!("{} to {}", params.start, params.end)
    };
    let download = format!("{DOWNLOAD_PATH}?{}", params.query());
    view! {
        <section class="card" aria-labelledby="overview-h">
            <h2 id="overview-h">{format!("Overview as of {}", params.as_of)}</h2>
            <dl class="stats">
                <div><dt>"CoC"</dt><dd>{coc_codes.join(", ")}</dd></div>
                <div><dt>"Report period"</dt><dd>{period.clone()}</dd></div>
                <div><dt>"Projects"</dt><dd>{overview.projects}</dd></div>
                <div><dt>"Beds total"</dt><dd>{count(overview.beds.beds_total)}</dd></div>
                <div><dt>"Beds occupied"</dt><dd>{count(overview.beds.beds_occupied)}</dd></div>
                <div><dt>"Utilization"</dt><dd>{utilization_cell(&overview.beds)}</dd></div>
                <div><dt>"Oldest update"</dt><dd>{oldest}
                    {(unreported > 0).then(|| view! { <div class="hint">{format!("{} never reported", plural(unreported, "inventory line", "inventory lines"))}</div> })}
                </dd></div>
                <div><dt>"Warnings"</dt><dd>
                    {if warnings == 0 {
                        view! { "none" }.into_any()
                    } else {
                        let href = format!("{TAB_PATH}?{}&warnings=1", params.query());
                        view! { <a href=href>{plural(warnings, "project", "projects")}</a> }.into_any()
                    }}
                </dd></div>
            </dl>
            {children()}
            <p>
                <a class="button" href=download download="">"Download HMIS CSV (zip)"</a>
                <span class="hint">{format!(" FY2026 project descriptor files for {period}, as of {}: every project with its whole inventory history, the same rows as below.", params.as_of)}</span>
            </p>
        </section>
    }
}

fn cell_text(cell: &DvCell) -> String {
    let mut parts = vec![
        PROJECT_TYPE.label(cell.project_type).to_string(),
        cell.coc_code.clone(),
        HOUSEHOLD_TYPE.label(cell.household_type).to_string(),
    ];
    parts.extend(cell.availability.map(|a| AVAILABILITY.label(a).to_string()));
    parts.extend(cell.es_bed_type.map(|b| ES_BED_TYPE.label(b).to_string()));
    parts.join(", ")
}

/// What each vendor's DV policy sends.
fn policies(vendor_policies: &[(String, String)]) -> impl IntoView + use<> {
    (!vendor_policies.is_empty()).then(|| {
        let items: Vec<String> = vendor_policies.iter().map(|(name, policy)| format!("{name}: {policy}")).collect();
        view! { <p>{format!("Sent to each vendor: {}.", items.join("; "))}</p> }
    })
}

#[component]
pub fn DvNote(dv: Option<DvSummary>, vendor_policies: Vec<(String, String)>) -> impl IntoView {
    let Some(dv) = dv else {
        return view! {
            <section class="card hint" aria-label="How DV shelters are sent">
                <p>"DV shelters are sent only as aggregated rows, one per project type, and only where they meet the CoC's privacy thresholds."</p>
                {policies(&vendor_policies)}
            </section>
        }
        .into_any();
    };
    let thresholds = format!(
        "DV beds are sent only as aggregated projects, one per project type, and only for cells (CoC code, household type, availability, bed type) with at least {} shelters and {} beds where no shelter holds more than {}% of the beds.",
        dv.min_shelters, dv.min_beds, dv.max_share_percent
    );
    let period = dv.sampled_on.map(|day| format!(
        "DV figures change only at the start of each DV publication period (a calendar month; the count night starts a period of its own), so these are the figures of {day}. "
    )).unwrap_or_default();
    let summary = if dv.beds_total == 0 {
        "No DV shelter has beds in effect on this date, so nothing DV is counted.".to_string()
    } else if dv.beds_suppressed == 0 {
        format!("All {} DV beds from {} shelters are in the aggregated rows.", dv.beds_total, dv.contributing_shelters)
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
            <p>{period}{summary}</p>
            {(!dv.suppressed.is_empty()).then(|| view! {
                <ul>{dv.suppressed.iter().map(|s| {
                    let why = match &s.reason {
                        Suppression::GroupTooFewShelters => format!("the DV group as a whole has {}, fewer than {}", plural(s.shelters, "shelter", "shelters"), dv.min_shelters),
                        Suppression::GroupTooFewBeds => format!("the DV group as a whole has {} beds, fewer than {}", s.beds, dv.min_beds),
                        Suppression::CellTooFewShelters(cell) => format!(
                            "{}: {}, fewer than {}", cell_text(cell), plural(s.shelters, "shelter", "shelters"), dv.min_shelters
                        ),
                        Suppression::CellTooFewBeds(cell) => format!("{}: fewer than {} beds", cell_text(cell), dv.min_beds),
                        Suppression::CellDominated(cell) => format!(
                            "{}: one shelter holds more than {}% of the beds", cell_text(cell), dv.max_share_percent
                        ),
                    };
                    view! { <li>{format!("{} beds: {why}", s.beds)}</li> }
                }).collect_view()}</ul>
            })}
            {policies(&vendor_policies)}
        </section>
    }
    .into_any()
}

/// The preview: one page of the rows the filters keep, and links to the others.
#[component]
pub fn Preview(
    rows: Vec<PreviewRow>,
    params: ExportParams,
    query: PreviewQuery,
    matching: u64,
    page: u64,
    pages: u64,
) -> impl IntoView {
    let filter = query.filter();
    let household = query.household();
    let option = move |value: &'static str, label: &'static str| {
        view! {
            <label class="check"><input type="radio" name="rows" value=value
                checked=RowFilter::parse(Some(value)) == filter/>{label}</label>
        }
    };
    let keep = query.clone();
    let link = {
        let query = query.clone();
        move |page: u64| {
            let mut href = format!("{TAB_PATH}?{}&rows={}", params.query(), query.rows.clone().unwrap_or_default());
            if let Some(h) = household {
                href.push_str(&format!("&household={h}"));
            }
            if query.warnings_only() {
                href.push_str("&warnings=1");
            }
            href.push_str(&format!("&page={page}"));
            href
        }
    };
    let warnings_only = query.warnings_only();
    let caption = format!("{} shown · page {page} of {pages}", plural(rows.len() as i64, "row", "rows"));
    let matching_text = plural(matching as i64, "row matches", "rows match");
    view! {
        <section aria-labelledby="preview-h">
            <h2 id="preview-h">"Preview: the rows that will be sent"</h2>
            <Form method="GET" action=TAB_PATH attr:class="filters card">
                <input type="hidden" name="as_of" value=params.as_of.to_string()/>
                <input type="hidden" name="start" value=params.start.to_string()/>
                <input type="hidden" name="end" value=params.end.to_string()/>
                <fieldset class="radios">
                    <legend>"Projects"</legend>
                    {option("all", "All")}
                    {option("non-dv", "Non-DV")}
                    {option("dv", "DV only")}
                </fieldset>
                <div>
                    <label for="household">"Household type"</label>
                    <select id="household" name="household">
                        <option value="" selected=household.is_none()>"All household types"</option>
                        {HOUSEHOLD_TYPE.entries.iter().map(|(code, label)| view! {
                            <option value=code.to_string() selected=household == Some(*code)>{*label}</option>
                        }).collect_view()}
                    </select>
                </div>
                <label class="check"><input type="checkbox" name="warnings" value="1" checked=warnings_only/>"Only projects with warnings"</label>
                <button type="submit">"Apply"</button>
            </Form>
            <p class="hint" role="status">{format!("{matching_text}; {caption}")}</p>
            <div class="table-wrap card">
                <table>
                    <thead><tr>
                        <th scope="col">"Project"</th><th scope="col">"Project type"</th>
                        <th scope="col">"Inventory records (history)"</th><th scope="col">"Beds"</th>
                        <th scope="col">"Occupied"</th><th scope="col">"Utilization"</th>
                    </tr></thead>
                    <tbody>{rows.into_iter().filter_map(|r| keep.keep(&r, !r.warnings.is_empty()).map(|b| view! { <Row r b as_of=params.as_of/> })).collect_view()}</tbody>
                </table>
            </div>
            {(pages > 1).then(|| view! {
                <nav class="pager" aria-label="Preview pages">
                    {(page > 1).then(|| view! { <a href=link(page - 1) rel="prev">"← Previous"</a> })}
                    <span>{format!("Page {page} of {pages}")}</span>
                    {(page < pages).then(|| view! { <a href=link(page + 1) rel="next">"Next →"</a> })}
                </nav>
            })}
            <p class="hint">{format!(
                "Beds are those in effect on {}. Utilization is occupied beds over reported beds; HUD flags values outside {}%–{}% for review.",
                params.as_of, UTILIZATION_REVIEW_RANGE.start(), UTILIZATION_REVIEW_RANGE.end()
            )}</p>
        </section>
    }
}

fn line_text(l: &PreviewLine) -> String {
    let mut what = vec![HOUSEHOLD_TYPE.label(l.household_type).to_string()];
    what.extend(l.availability.map(|a| AVAILABILITY.label(a).to_lowercase()));
    what.extend(l.es_bed_type.map(|b| ES_BED_TYPE.label(b).to_lowercase()));
    let end = l.end.map_or("open".to_string(), |e| e.to_string());
    format!("{} · {}: {} beds, {} to {end}", l.coc_code, what.join(", "), l.beds, l.start)
}

#[component]
fn Row(r: PreviewRow, b: HouseholdBeds, as_of: chrono::NaiveDate) -> impl IntoView {
    let occupied = if b.beds_reported > 0 { count(b.beds_occupied) } else { "—".into() };
    let partly = (b.beds_reported > 0 && b.beds_reported < b.beds_total)
        .then(|| format!("of {} reported beds", b.beds_reported));
    let current = r.lines.iter().filter(|l| l.in_effect(as_of)).count();
    let summary = format!("{} in effect, {} in all", plural(current as i64, "record", "records"), r.lines.len());
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
                    {r.operating_end.map(|end| view! { <span class="badge">{format!("closed {end}")}</span> })}
                </div>
                {(!r.funders.is_empty()).then(|| view! { <div class="hint">{format!("Funders: {}", r.funders.join("; "))}</div> })}
                {(!r.warnings.is_empty()).then(|| view! {
                    <ul class="warnings">{r.warnings.iter().map(|w| view! { <li><span class="badge badge-stale">"check"</span>" "{w.text()}</li> }).collect_view()}</ul>
                })}
            </td>
            <td>{PROJECT_TYPE.label(r.project_type)}</td>
            <td>
                <details>
                    <summary>{summary}</summary>
                    <ul class="lines">{r.lines.iter().map(|l| {
                        let now = l.in_effect(as_of);
                        view! { <li class:muted=!now>{line_text(l)}</li> }
                    }).collect_view()}</ul>
                </details>
            </td>
            <td>{count(b.beds_total)}</td>
            <td>{occupied}{partly.map(|p| view! { <div class="hint">{p}</div> })}</td>
            <td>{utilization_cell(&b)}</td>
        </tr>
    }
}
