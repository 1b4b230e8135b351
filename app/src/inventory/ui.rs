//! "My shelters": the coordinator's page, made for a phone at night.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::api::{UpdateBedCounts, get_shelter_history, list_my_shelters};
use super::{ShelterCounts, field_name};
use crate::ui::feedback::{FormFeedback, notice_outcome};

#[component]
pub fn MySheltersPage() -> impl IntoView {
    let shelters = Resource::new(|| (), |_| list_my_shelters());
    view! {
        <Title text="My shelters · HMIS Bridge"/>
        <h1>"My shelters"</h1>
        <Transition fallback=|| view! { <p>"Loading your shelters…"</p> }>
            {move || shelters.get().map(|result| match result {
                Err(err) => view! { <p class="notice notice-error" role="alert">{err.to_string()}</p> }.into_any(),
                Ok(list) if list.is_empty() => view! {
                    <p class="card">"No shelters are assigned to you yet. Ask your CoC admin to assign you."</p>
                }.into_any(),
                Ok(list) => list.into_iter().map(|s| view! { <ShelterCard shelter=s/> }).collect_view().into_any(),
            })}
        </Transition>
    }
}

#[component]
fn ShelterCard(shelter: ShelterCounts) -> impl IntoView {
    let update = ServerAction::<UpdateBedCounts>::new();
    let id = shelter.id.clone();
    // After a save (or a conflict) reload this shelter's newest values and version; before the
    // first submit the page's own data is current, so nothing is fetched.
    let fresh = Resource::new(move || update.version().get(), {
        let id = id.clone();
        move |submits| {
            let id = id.clone();
            async move {
                if submits == 0 {
                    return None;
                }
                list_my_shelters().await.ok()?.into_iter().find(|s| s.id == id)
            }
        }
    });
    let current = move || fresh.get().flatten().unwrap_or_else(|| shelter.clone());
    let heading = format!("shelter-{id}-name");
    let labelled_by = heading.clone();
    view! {
        <section class="card shelter" aria-labelledby=labelled_by>
            <Transition fallback=|| ()>
                {move || {
                    let s = current();
                    let stale = s.lines.iter().any(|l| l.stale);
                    let confirm_id = format!("confirm-{}", s.id);
                    view! {
                        <h2 id=heading.clone()>{s.name.clone()}</h2>
                        <p class="hint">{s.project_type.clone()}
                            {stale.then(|| view! { <span class="badge badge-stale">" Needs an update"</span> })}
                        </p>
                        <FormFeedback form=format!("update_bed_counts:{id}") outcome=Signal::derive(move || notice_outcome(update.value().get()))/>
                        <ActionForm action=update attr:class="counts-form">
                            <input type="hidden" name="shelter_id" value=s.id.to_string()/>
                            <input type="hidden" name="version" value=s.counts_version.to_string()/>
                            {s.lines.into_iter().enumerate().map(|(i, line)| {
                                let total_id = field_name(&line.inventory_id, "total");
                                let occupied_id = field_name(&line.inventory_id, "occupied");
                                // prop:value too, so a re-render after a save or conflict replaces typed text.
                                let occupied_text = line.beds_occupied.map(|o| o.to_string()).unwrap_or_default();
                                view! {
                                    <fieldset class="line">
                                        <legend>{line.household_type.clone()}</legend>
                                        <input type="hidden" name=format!("lines[{i}][inventory_id]") value=line.inventory_id.to_string()/>
                                        <div class="pair">
                                            <label for=total_id.clone()>"Beds total"</label>
                                            <input id=total_id name=format!("lines[{i}][total]") inputmode="numeric"
                                                autocomplete="off" value=line.beds_total.to_string() prop:value=line.beds_total.to_string() required/>
                                        </div>
                                        <div class="pair">
                                            <label for=occupied_id.clone()>"Beds occupied"</label>
                                            <input id=occupied_id name=format!("lines[{i}][occupied]") inputmode="numeric"
                                                autocomplete="off" value=occupied_text.clone() prop:value=occupied_text required/>
                                        </div>
                                        <p class="line-facts">
                                            {match (line.available(), line.utilization()) {
                                                (Some(a), Some(u)) => format!("{a} available · {u}% used"),
                                                (Some(a), None) => format!("{a} available"),
                                                _ => "Not reported yet".to_string(),
                                            }}
                                            " · "
                                            {match (&line.updated_by, &line.updated_at) {
                                                (Some(who), Some(at)) => format!("updated {at} by {who}"),
                                                _ => "never updated".to_string(),
                                            }}
                                            {line.stale.then(|| view! { <span class="badge badge-stale">"stale"</span> })}
                                        </p>
                                    </fieldset>
                                }
                            }).collect_view()}
                            <div class="confirm">
                                <input type="checkbox" id=confirm_id.clone() name="confirm_capacity" value="on"/>
                                <label for=confirm_id>"Change the HMIS inventory"</label>
                                <p class="hint">"Tick this only when a beds total really changed: it changes what the HMIS counts from tonight or tomorrow."</p>
                            </div>
                            <button type="submit" disabled=move || update.pending().get()>"Save counts"</button>
                        </ActionForm>
                        <p><a href=format!("/shelter-history/{id}")>"History of this shelter"</a></p>
                    }
                }}
            </Transition>
        </section>
    }
}

#[component]
pub fn ShelterHistoryPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.get().get("id").unwrap_or_default();
    let history = Resource::new(id, get_shelter_history);
    view! {
        <Title text="Shelter history · HMIS Bridge"/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || history.get().map(|result| match result {
                Err(err) => view! { <h1>"Shelter not found"</h1><p>{err.to_string()}</p> }.into_any(),
                Ok(h) => view! {
                    <h1>{format!("History: {}", h.name)}</h1>
                    {if h.entries.is_empty() {
                        view! { <p class="card">"No counts have been reported yet."</p> }.into_any()
                    } else {
                        view! {
                            <ol class="history card">
                                {h.entries.into_iter().map(|e| view! {
                                    <li>
                                        <p class="history-when"><strong>{e.at}</strong>" · "{e.by}</p>
                                        <ul>{e.changes.iter().map(|c| view! { <li>{c.describe()}</li> }).collect_view()}</ul>
                                    </li>
                                }).collect_view()}
                            </ol>
                        }.into_any()
                    }}
                }.into_any(),
            })}
        </Transition>
    }
}
