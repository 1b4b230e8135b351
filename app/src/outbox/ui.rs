//! The vendors panel of the HMIS Export tab: status per vendor, "Push now" per vendor, and
//! "Push to all" behind a confirmation step. Plain forms and links, so it works without
//! JavaScript.
use leptos::prelude::*;
use leptos_router::hooks::use_query_map;

use super::VendorStatus;
use super::api::{QueueHmisPush, list_vendor_status};
use crate::error::AppError;
use crate::ui::feedback::{FormFeedback, notice_outcome};

/// The vendors' status, refetched after each push. Made by the page itself (not inside the
/// export's `Transition`), so it loads beside the export when the page renders on the server.
pub fn vendor_resource(push: ServerAction<QueueHmisPush>) -> Resource<Result<Vec<VendorStatus>, AppError>> {
    Resource::new(move || push.version().get(), |_| list_vendor_status())
}

#[component]
pub fn VendorPanel(
    push_token: String,
    push: ServerAction<QueueHmisPush>,
    vendors: Resource<Result<Vec<VendorStatus>, AppError>>,
) -> impl IntoView {
    let query = use_query_map();
    let confirming = move || query.get().get("confirm").as_deref() == Some("all");
    view! {
        <h3>"Vendors"</h3>
        <FormFeedback form="queue_hmis_push" outcome=Signal::derive(move || notice_outcome(push.value().get()))/>
        <Transition fallback=|| view! { <p>"Loading vendors…"</p> }>
            {move || vendors.get().map(|result| match result {
                Err(err) => view! { <p class="notice notice-error" role="alert">{err.to_string()}</p> }.into_any(),
                Ok(list) if list.is_empty() => view! {
                    <p class="hint">"No HMIS vendors are set up yet. Their status, the push queue and dead letters will show here."</p>
                }.into_any(),
                Ok(list) => {
                    let enabled = list.iter().filter(|v| v.enabled).count();
                    let token = push_token.clone();
                    view! {
                        <VendorTable list=list.clone() push token=token.clone()/>
                        {move || {
                            let token = token.clone();
                            if confirming() { view! {
                                <div class="card confirm" role="group" aria-labelledby="confirm-h">
                                    <p id="confirm-h"><strong>{format!("Push the current export to all {enabled} enabled vendors?")}</strong></p>
                                    <ActionForm action=push attr:class="inline-form">
                                        <input type="hidden" name="vendor" value="all"/>
                                        <input type="hidden" name="token" value=token/>
                                        <button type="submit">"Confirm: push to all"</button>
                                        <a class="link-button dark" href="/admin/hmis-export">"Cancel"</a>
                                    </ActionForm>
                                </div>
                            }.into_any() } else {
                                view! { <p><a class="button" href="/admin/hmis-export?confirm=all">"Push to all…"</a></p> }.into_any()
                            }
                        }}
                    }.into_any()
                }
            })}
        </Transition>
    }
}

#[component]
fn VendorTable(list: Vec<VendorStatus>, push: ServerAction<QueueHmisPush>, token: String) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table>
                <thead><tr>
                    <th scope="col">"Vendor"</th><th scope="col">"Status"</th><th scope="col">"Waiting"</th>
                    <th scope="col">"Dead letters"</th><th scope="col">"Last success"</th><th scope="col">"Last failure"</th>
                    <th scope="col"><span class="visually-hidden">"Push"</span></th>
                </tr></thead>
                <tbody>
                    {list.into_iter().map(|v| {
                        let token = token.clone();
                        view! {
                            <tr>
                                <td><strong>{v.name.clone()}</strong><div class="hint">{v.kind.clone()}</div></td>
                                <td>{if v.enabled { "Enabled" } else { "Disabled" }}</td>
                                <td>{v.waiting}</td>
                                <td>{v.dead_letters}</td>
                                <td>{v.last_success.clone().unwrap_or_else(|| "never".into())}</td>
                                <td>{match v.last_failure.clone() {
                                    Some((at, why)) => view! { {at}<div class="hint">{why}</div> }.into_any(),
                                    None => view! { "none" }.into_any(),
                                }}</td>
                                <td>{v.enabled.then(|| view! {
                                    <ActionForm action=push>
                                        <input type="hidden" name="vendor" value=v.id.to_string()/>
                                        <input type="hidden" name="token" value=token.clone()/>
                                        <button type="submit" aria-label=format!("Push now to {}", v.name)>"Push now"</button>
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
