//! The admin's shelter list: search and pages work with and without JavaScript (plain GET).
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::components::Form;
use leptos_router::hooks::use_query_map;

use super::api::list_shelters;
use super::{ShelterPage, ShelterRow};

fn page_link(query: &str, page: u64) -> String {
    format!("/admin/shelters?q={}&page={page}", crate::ui::url::encode(query, b""))
}

#[component]
pub fn SheltersPage() -> impl IntoView {
    let query = use_query_map();
    let shelters = Resource::new(
        move || {
            let q = query.get();
            (q.get("q"), q.get("page").and_then(|p| p.parse::<u64>().ok()))
        },
        |(q, page)| list_shelters(q, page),
    );
    view! {
        <Title text="Shelters · HMIS Bridge"/>
        <h1>"Shelters"</h1>
        <p><a href="/admin/shelters/new">"Add a shelter"</a></p>
        <Form method="GET" action="/admin/shelters" attr:class="search" attr:role="search">
            <label for="shelter-search">"Search by name or HMIS ProjectID"</label>
            <div class="search-row">
                <input id="shelter-search" type="search" name="q" maxlength="100"
                    value=move || query.get().get("q").unwrap_or_default()/>
                <button type="submit">"Search"</button>
            </div>
        </Form>
        <Transition fallback=|| view! { <p>"Loading shelters…"</p> }>
            {move || shelters.get().map(|result| match result {
                Err(err) => view! { <p class="notice notice-error" role="alert">{err.to_string()}</p> }.into_any(),
                Ok(page) => view! { <SheltersTable page/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn SheltersTable(page: ShelterPage) -> impl IntoView {
    let ShelterPage { rows, total, page, pages, query } = page;
    let summary = format!(
        "{total} shelter{}{}",
        if total == 1 { "" } else { "s" },
        if query.is_empty() { String::new() } else { format!(" matching \"{query}\"") }
    );
    view! {
        <p class="hint" role="status">{summary}</p>
        <div class="table-wrap card">
            <table>
                <thead><tr>
                    <th scope="col">"Shelter"</th><th scope="col">"Organization"</th><th scope="col">"Project type"</th>
                    <th scope="col">"Beds"</th><th scope="col">"Occupied"</th><th scope="col">"Utilization"</th>
                    <th scope="col">"Last update"</th>
                </tr></thead>
                <tbody>{rows.into_iter().map(|r| view! { <Row r/> }).collect_view()}</tbody>
            </table>
        </div>
        <nav class="pager" aria-label="Pages">
            {(page > 1).then(|| view! { <a href=page_link(&query, page - 1) rel="prev">"← Previous"</a> })}
            <span>{format!("Page {page} of {pages}")}</span>
            {(page < pages).then(|| view! { <a href=page_link(&query, page + 1) rel="next">"Next →"</a> })}
        </nav>
    }
}

#[component]
fn Row(r: ShelterRow) -> impl IntoView {
    view! {
        <tr>
            <td>
                <a href=format!("/admin/shelters/{}", r.id)>{r.name}</a>
                <div class="hint">{r.hmis_project_id}
                    {r.is_dv.then(|| view! { <span class="badge">"DV"</span> })}
                    {(!r.active).then(|| view! { <span class="badge">"inactive"</span> })}
                </div>
            </td>
            <td>{r.organization}</td>
            <td>{r.project_type}</td>
            <td>{r.beds_total}</td>
            <td>{r.beds_occupied.map(|o| o.to_string()).unwrap_or_else(|| "—".into())}</td>
            <td>{r.utilization.map(|u| format!("{u}%")).unwrap_or_else(|| "—".into())}</td>
            <td>{r.last_updated.unwrap_or_else(|| "never".into())}
                {r.stale.then(|| view! { <span class="badge badge-stale">"stale"</span> })}</td>
        </tr>
    }
}
