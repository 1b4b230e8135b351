//! The vendors panel of the HMIS Export tab: status per vendor, "Push now" per vendor, and
//! "Push to all" behind a confirmation step. Plain forms and links, so it works without
//! JavaScript.
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::api::{
    CancelDelivery, QueueHmisPush, RetryDelivery, list_dead_letters, list_push_history, list_vendor_status,
};
use super::{DeadLetter, HistoryPage, VendorStatus};
use crate::error::AppError;
use crate::hmis::ExportParams;
use crate::ui::feedback::{FormFeedback, notice_outcome};
use crate::vendors::VendorMode;

/// The tab's push actions and the data they change. Made by the page itself (not inside the
/// export's `Transition`), so the resources load beside the export when the page renders on the
/// server; each refetches after any of the actions.
#[derive(Clone, Copy)]
pub struct PushControls {
    pub push: ServerAction<QueueHmisPush>,
    pub retry: ServerAction<RetryDelivery>,
    pub cancel: ServerAction<CancelDelivery>,
    pub vendors: Resource<Result<Vec<VendorStatus>, AppError>>,
    pub dead_letters: Resource<Result<Vec<DeadLetter>, AppError>>,
    pub history: Resource<Result<HistoryPage, AppError>>,
}

impl PushControls {
    pub fn new() -> PushControls {
        let push = ServerAction::<QueueHmisPush>::new();
        let retry = ServerAction::<RetryDelivery>::new();
        let cancel = ServerAction::<CancelDelivery>::new();
        let changed = move || (push.version().get(), retry.version().get(), cancel.version().get());
        let query = use_query_map();
        let history_page = move || query.get().get("history").and_then(|p| p.parse::<u64>().ok());
        PushControls {
            push,
            retry,
            cancel,
            vendors: Resource::new(changed, |_| list_vendor_status()),
            dead_letters: Resource::new(changed, |_| list_dead_letters()),
            history: Resource::new(move || (changed(), history_page()), |(_, page)| list_push_history(page)),
        }
    }
}

impl Default for PushControls {
    fn default() -> Self {
        Self::new()
    }
}

#[component]
pub fn VendorPanel(push_token: String, params: ExportParams, controls: PushControls) -> impl IntoView {
    let PushControls { push, vendors, .. } = controls;
    let query = use_query_map();
    let confirming = move || query.get().get("confirm").as_deref() == Some("all");
    view! {
        <h3 id="vendors-h">"Vendors"</h3>
        <p><a href=crate::vendors::VENDORS_PATH>"Vendor settings: add a vendor, test its connection, go live"</a></p>
        <FormFeedback form="queue_hmis_push" outcome=Signal::derive(move || notice_outcome(push.value().get()))/>
        <Transition fallback=|| view! { <p>"Loading vendors…"</p> }>
            {move || vendors.get().map(|result| match result {
                Err(err) => view! { <p class="notice notice-error" role="alert">{err.to_string()}</p> }.into_any(),
                Ok(list) if list.is_empty() => view! {
                    <p class="hint">"No HMIS vendors are set up yet. Their status, the push queue and dead letters will show here."</p>
                }.into_any(),
                Ok(list) => {
                    let enabled = list.iter().filter(|v| v.mode != VendorMode::Off).count();
                    let token = push_token.clone();
                    view! {
                        <VendorTable list=list.clone() push token=token.clone() params/>
                        {move || {
                            let token = token.clone();
                            if confirming() { view! {
                                <div class="card confirm" role="group" aria-labelledby="confirm-h">
                                    <p id="confirm-h"><strong>{format!("Push the export as of {} to all {enabled} vendors in test or live mode? Vendors in test mode get a test push.", params.as_of)}</strong></p>
                                    <ActionForm action=push attr:class="inline-form">
                                        <input type="hidden" name="vendor" value="all"/>
                                        <input type="hidden" name="token" value=token/>
                                        <ParamFields params/>
                                        <button type="submit">"Confirm: push to all"</button>
                                        <a class="link-button dark" href=format!("/admin/hmis-export?{}", params.query())>"Cancel"</a>
                                    </ActionForm>
                                </div>
                            }.into_any() } else {
                                view! { <p><a class="button" href=format!("/admin/hmis-export?confirm=all&{}", params.query())>"Push to all…"</a></p> }.into_any()
                            }
                        }}
                    }.into_any()
                }
            })}
        </Transition>
    }
}

/// The export's parameters as hidden fields of a push form: a push sends what the tab shows.
#[component]
fn ParamFields(params: ExportParams) -> impl IntoView {
    view! {
        <input type="hidden" name="as_of" value=params.as_of.to_string()/>
        <input type="hidden" name="start" value=params.start.to_string()/>
        <input type="hidden" name="end" value=params.end.to_string()/>
    }
}

/// What pushing to a vendor in `mode` does: a test push in test mode.
fn push_label(mode: VendorMode) -> &'static str {
    if mode == VendorMode::Test { "Test push" } else { "Push now" }
}

#[component]
fn VendorTable(
    list: Vec<VendorStatus>,
    push: ServerAction<QueueHmisPush>,
    token: String,
    params: ExportParams,
) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table aria-labelledby="vendors-h">
                <thead><tr>
                    <th scope="col">"Vendor"</th><th scope="col">"Mode"</th><th scope="col">"Circuit"</th><th scope="col">"Waiting"</th>
                    <th scope="col">"Dead letters"</th><th scope="col">"Last success"</th><th scope="col">"Last failure"</th>
                    <th scope="col">"Next scheduled"</th>
                    <th scope="col"><span class="visually-hidden">"Push"</span></th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|v| {
                        let token = token.clone();
                        view! {
                            <tr>
                                <td><a href=format!("{}/{}", crate::vendors::VENDORS_PATH, v.id)><strong>{v.name.clone()}</strong></a><div class="hint">{v.kind.label()}</div></td>
                                <td><span class=format!("mode mode-{}", v.mode.as_str())>{v.mode.label()}</span></td>
                                <td class=format!("circuit circuit-{}", v.circuit.as_str())>{v.circuit.label()}</td>
                                <td>{v.waiting}</td>
                                <td>{v.dead_letters}</td>
                                <td>{v.last_success.clone().unwrap_or_else(|| "never".into())}</td>
                                <td>{match v.last_failure.clone() {
                                    Some((at, why)) => view! { {at}<div class="hint">{why}</div> }.into_any(),
                                    None => view! { "none" }.into_any(),
                                }}</td>
                                <td>{v.next_push.clone().unwrap_or_else(|| "manual only".into())}</td>
                                <td>{(v.mode != VendorMode::Off).then(|| view! {
                                    <ActionForm action=push>
                                        <input type="hidden" name="vendor" value=v.id.to_string()/>
                                        <input type="hidden" name="token" value=token.clone()/>
                                        <ParamFields params/>
                                        <button type="submit" aria-label=format!("{} to {}", push_label(v.mode), v.name)>{push_label(v.mode)}</button>
                                    </ActionForm>
                                })}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn DeadLetters(controls: PushControls) -> impl IntoView {
    let PushControls { retry, cancel, dead_letters, .. } = controls;
    let outcome = Signal::derive(move || notice_outcome(retry.value().get().or_else(|| cancel.value().get())));
    view! {
        <section class="card" aria-labelledby="dead-h">
            <h2 id="dead-h">"Dead letters"</h2>
            <FormFeedback form="dead_letters" outcome/>
            <Transition fallback=|| view! { <p>"Loading dead letters…"</p> }>
                {move || dead_letters.get().map(|result| match result {
                    Err(err) => view! { <p class="notice notice-error" role="alert">{err.to_string()}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="hint">"No failed deliveries."</p> }.into_any(),
                    Ok(list) => view! {
                        <ul class="dead-letters">
                            {list.into_iter().map(|d| {
                                let retry_label = format!("Retry the delivery to {} queued {}", d.vendor, d.queued_at);
                                let cancel_label = format!("Cancel the delivery to {} queued {}", d.vendor, d.queued_at);
                                let (retry_id, cancel_id) = (d.id.clone(), d.id.clone());
                                view! {
                                <li>
                                    <p><strong>{d.vendor.clone()}</strong>{format!(
                                        " · queued {} · {} inventory records · {} attempt{}",
                                        d.queued_at, d.records, d.attempts, if d.attempts == 1 { "" } else { "s" }
                                    )}</p>
                                    <ol>{d.errors.iter().map(|e| view! {
                                        <li>{e.clone()}</li>
                                    }).collect_view()}</ol>
                                    <div class="inline-form">
                                        <ActionForm action=retry>
                                            <input type="hidden" name="id" value=retry_id/>
                                            <button type="submit" aria-label=retry_label>"Retry"</button>
                                        </ActionForm>
                                        <ActionForm action=cancel>
                                            <input type="hidden" name="id" value=cancel_id/>
                                            <button type="submit" aria-label=cancel_label>"Cancel"</button>
                                        </ActionForm>
                                    </div>
                                </li>
                            }}).collect_view()}
                        </ul>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}

fn history_link(page: u64) -> String {
    format!("/admin/hmis-export?history={page}#history-h")
}

#[component]
pub fn PushHistory(controls: PushControls) -> impl IntoView {
    let history = controls.history;
    view! {
        <section class="card" aria-labelledby="history-h">
            <h2 id="history-h">"Push history"</h2>
            <Transition fallback=|| view! { <p>"Loading the history…"</p> }>
                {move || history.get().map(|result| match result {
                    Err(err) => view! { <p class="notice notice-error" role="alert">{err.to_string()}</p> }.into_any(),
                    Ok(h) if h.rows.is_empty() => view! { <p class="hint">"Nothing has been pushed yet."</p> }.into_any(),
                    Ok(HistoryPage { rows, page, pages }) => view! {
                        <div class="table-wrap">
                            <table>
                                <thead><tr>
                                    <th scope="col">"Time"</th><th scope="col">"Vendor"</th><th scope="col">"Attempt"</th>
                                    <th scope="col">"Records"</th><th scope="col">"Outcome"</th><th scope="col">"SHA-256 of the bytes sent"</th>
                                </tr></thead>
                                <tbody>{rows.into_iter().map(|r| view! {
                                    <tr>
                                        <td>{r.at}</td><td>{r.vendor}</td><td>{r.attempt}</td><td>{r.records}</td>
                                        <td>{r.outcome}{(!r.detail.is_empty()).then(|| view! { <div class="hint">{r.detail}</div> })}</td>
                                        <td><code class="sha">{r.sha256}</code></td>
                                    </tr>
                                }).collect_view()}</tbody>
                            </table>
                        </div>
                        <nav class="pager" aria-label="Push history pages">
                            {(page > 1).then(|| view! { <a href=history_link(page - 1) rel="prev">"← Newer"</a> })}
                            <span>{format!("Page {page} of {pages}")}</span>
                            {(page < pages).then(|| view! { <a href=history_link(page + 1) rel="next">"Older →"</a> })}
                        </nav>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}
