//! The vendor settings pages, in the HMIS Export area: the list with the form that adds a
//! vendor, and each vendor's page (status, go-live, connection test, settings, credentials,
//! contacts, history). Every form works without JavaScript; secrets are write-only.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::{use_params_map, use_query_map};

use super::api::{
    AcceptVendorHostKey, CreateVendor, DeleteVendor, RemoveVendorHeader, SetVendorMode, TestVendorConnection,
    UpdateVendor, get_vendor, list_vendors,
};
use super::{
    DEFAULT_FILE_NAME, DvPolicy, SecretField, Transport, VENDORS_PATH, VendorKind, VendorMode, VendorPage, VendorView,
};
use crate::ui::feedback::{FormFeedback, notice_outcome};

fn kind_options() -> impl IntoView {
    VendorKind::OFFERED.iter().map(|k| view! { <option value=k.as_str()>{k.label()}</option> }).collect_view()
}

/// The schedule fields; `v` fills them when editing.
fn schedule_fields(prefix: &'static str, v: Option<&VendorView>) -> impl IntoView + use<> {
    let interval = v.and_then(|v| v.setup.push_interval_minutes);
    let daily = v.and_then(|v| v.setup.push_daily_at.clone());
    let current = if interval.is_some() {
        "interval"
    } else if daily.is_some() {
        "daily"
    } else {
        "off"
    };
    view! {
        <fieldset class="schedule">
            <legend>"Schedule (while live)"</legend>
            <span class="option"><label class="check"><input type="radio" name="vendor[schedule]" value="off" checked=current == "off"/>" By hand only"</label></span>
            <span class="option">
                <label class="check"><input type="radio" name="vendor[schedule]" value="interval" checked=current == "interval"/>" Every"</label>
                <input id=format!("{prefix}-interval") name="vendor[interval_minutes]" inputmode="numeric" size="5"
                    aria-label="Minutes between pushes (5 to 1440)" value=interval.map(|m| m.to_string()).unwrap_or_default()/>
                " minutes"
            </span>
            <span class="option">
                <label class="check"><input type="radio" name="vendor[schedule]" value="daily" checked=current == "daily"/>" Daily at"</label>
                <input id=format!("{prefix}-daily") name="vendor[daily_at]" type="time" aria-label="Time of the daily push (the CoC's time zone)"
                    value=daily.unwrap_or_default()/>
                " (the CoC's time zone)"
            </span>
        </fieldset>
    }
}

/// A write-only secret field: never filled; says whether one is stored.
fn secret_field(prefix: &'static str, field: SecretField, stored: bool, hint: &'static str) -> impl IntoView {
    let id = format!("{prefix}-{}", field.field());
    let placeholder = if stored { "•••••• stored; type to replace" } else { "" };
    view! {
        <label for=id.clone()>{field.label()}</label>
        <div>
            <input id=id type="password" name=format!("vendor[{}]", field.field()) autocomplete="new-password"
                placeholder=placeholder aria-describedby=format!("{prefix}-{}-hint", field.field())/>
            <div class="hint" id=format!("{prefix}-{}-hint", field.field())>
                {if stored { "Stored encrypted. Leave empty to keep it." } else { hint }}
            </div>
        </div>
    }
}

/// The SFTP private key (a textarea, write-only) and its passphrase.
fn private_key_fields(prefix: &'static str, key_stored: bool, passphrase_stored: bool) -> impl IntoView {
    let id = format!("{prefix}-private-key");
    view! {
        <label for=id.clone()>"Private key (SFTP, instead of a password)"</label>
        <div>
            <textarea id=id name="vendor[private_key]" rows="3" autocomplete="off" spellcheck="false"
                aria-describedby=format!("{prefix}-private-key-hint")></textarea>
            <div class="hint" id=format!("{prefix}-private-key-hint")>
                {if key_stored { "Stored encrypted. Leave empty to keep it." } else { "Paste the whole OpenSSH key file." }}
            </div>
        </div>
        {secret_field(prefix, SecretField::KeyPassphrase, passphrase_stored, "The private key's passphrase, if it has one.")}
    }
}

#[component]
pub fn VendorsPage() -> impl IntoView {
    let create = ServerAction::<CreateVendor>::new();
    let vendors = Resource::new(move || create.version().get(), |_| list_vendors());
    view! {
        <Title text="HMIS vendors · HMIS Bridge"/>
        <p><a href="/admin/hmis-export">"← HMIS Export"</a></p>
        <h1>"HMIS vendors"</h1>
        <section class="card" aria-labelledby="vendor-list-h">
            <h2 id="vendor-list-h">"Vendors"</h2>
            <Transition fallback=|| view! { <p>"Loading vendors…"</p> }>
                {move || vendors.get().map(|result| match result {
                    Err(err) => view! { <p class="notice notice-error" role="alert">{err.to_string()}</p> }.into_any(),
                    Ok(list) if list.is_empty() => view! { <p class="hint">"No vendors yet: add the first one below."</p> }.into_any(),
                    Ok(list) => view! {
                        <div class="table-wrap"><table aria-labelledby="vendor-list-h">
                            <thead><tr><th scope="col">"Vendor"</th><th scope="col">"Mode"</th><th scope="col">"Schedule"</th>
                                <th scope="col">"Last connection test"</th></tr></thead>
                            <tbody>{list.into_iter().map(|v| {
                                let schedule = v.schedule_text();
                                view! {
                                <tr>
                                    <td><a href=format!("{VENDORS_PATH}/{}", v.id)>{v.setup.name.clone()}</a><div class="hint">{v.setup.kind.label()}</div></td>
                                    <td><span class=format!("mode mode-{}", v.mode.as_str())>{v.mode.label()}</span></td>
                                    <td>{schedule}</td>
                                    <td>{match v.last_test {
                                        Some((at, ok, _)) => format!("{} ({at})", if ok { "passed" } else { "failed" }),
                                        None => "not tested yet".into(),
                                    }}</td>
                                </tr>
                            }}).collect_view()}</tbody>
                        </table></div>
                    }.into_any(),
                })}
            </Transition>
        </section>
        <section class="card" aria-labelledby="vendor-add-h">
            <h2 id="vendor-add-h">"Add a vendor"</h2>
            <p class="hint">"A new vendor starts in test mode: \"Push now\" sends to its test endpoint and nothing is scheduled until you switch it to live."</p>
            <FormFeedback form="create_vendor" outcome=Signal::derive(move || notice_outcome(create.value().get()))/>
            <ActionForm action=create attr:class="grid-form">
                <label for="add-name">"Name"</label>
                <input id="add-name" name="vendor[name]" required maxlength="100" autocomplete="off"/>
                <label for="add-kind">"Kind"</label>
                <select id="add-kind" name="vendor[kind]">{kind_options()}</select>
                <label for="add-transport">"Delivery"</label>
                <select id="add-transport" name="vendor[transport]">
                    <option value="">"The kind's own (WellSky: SFTP; the others: HTTPS)"</option>
                    <option value="https">"HTTPS POST"</option>
                    <option value="sftp">"SFTP (custom endpoints)"</option>
                    <option value="azure_blob">"Azure Blob Storage (custom endpoints)"</option>
                </select>
                <label for="add-url">"Production endpoint"</label>
                <input id="add-url" name="vendor[endpoint_url]" type="url" required placeholder="https://…, sftp://user@host/directory or https://ACCOUNT.blob.core.windows.net/CONTAINER"/>
                <label for="add-test-url">"Test endpoint (optional)"</label>
                <input id="add-test-url" name="vendor[test_endpoint_url]" type="url" placeholder="https://"/>
                {schedule_fields("add", None)}
                <label for="add-format">"Payload (custom endpoints)"</label>
                <select id="add-format" name="vendor[payload_format]">
                    <option value="">"The kind's format"</option>
                    <option value="hmis_csv_zip">"HMIS CSV FY2026 zip"</option>
                    <option value="inventory_v1">"JSON inventory records (version 1)"</option>
                </select>
                <label for="add-user">"API user (Clarity, HUD HMIS API)"</label>
                <input id="add-user" name="vendor[auth_user]" autocomplete="off"/>
                {secret_field("add", SecretField::Password, false, "Clarity and HUD HMIS API: the API user's password. SFTP: the user's password.")}
                {secret_field("add", SecretField::SubscriptionKey, false, "ClientTrack: Ocp-Apim-Subscription-Key.")}
                {secret_field("add", SecretField::ApiKey, false, "ClientTrack: sent as Authorization: ApiKey ….")}
                <label for="add-org">"OrgId (ClientTrack, optional)"</label>
                <input id="add-org" name="vendor[org_id]" autocomplete="off"/>
                <label for="add-header-name">"Header name (custom endpoints)"</label>
                <input id="add-header-name" name="vendor[header_name]" autocomplete="off" placeholder="X-Api-Key"/>
                <label for="add-header-value">"Header value"</label>
                <input id="add-header-value" name="vendor[header_value]" type="password" autocomplete="new-password"/>
                {private_key_fields("add", false, false)}
                {secret_field("add", SecretField::SasToken, false, "Azure Blob: a SAS token allowed to create and write (sv=…&sp=cw&…&sig=…).")}
                {secret_field("add", SecretField::AccountKey, false, "Azure Blob: or the storage account's key.")}
                {secret_field("add", SecretField::ZipPassword, false, "SFTP, Azure Blob: deliver the payload in an AES-256 zip with this password (at least 8 characters); leave empty for none.")}
                <label for="add-file-name">"File name (SFTP, Azure Blob)"</label>
                <input id="add-file-name" name="vendor[file_name_pattern]" autocomplete="off" placeholder=DEFAULT_FILE_NAME/>
                <label for="add-pgp">"PGP public key (optional)"</label>
                <div>
                    <textarea id="add-pgp" name="vendor[pgp_public_key]" rows="3" spellcheck="false" aria-describedby="add-pgp-hint"></textarea>
                    <div class="hint" id="add-pgp-hint">"If the vendor wants payloads encrypted: its armored public key (-----BEGIN PGP PUBLIC KEY BLOCK-----)."</div>
                </div>
                {dv_fields("add", DvPolicy::Aggregate, false)}
                <label for="add-contacts">"Support contacts"</label>
                <div>
                    <textarea id="add-contacts" name="vendor[contacts]" rows="3" aria-describedby="add-contacts-hint"></textarea>
                    <div class="hint" id="add-contacts-hint">"One per line: name; email; phone."</div>
                </div>
                <button type="submit">"Add vendor"</button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn VendorPageView() -> impl IntoView {
    let params = use_params_map();
    let query = use_query_map();
    let id = move || params.get().get("id").unwrap_or_default();
    let update = ServerAction::<UpdateVendor>::new();
    let set_mode = ServerAction::<SetVendorMode>::new();
    let test = ServerAction::<TestVendorConnection>::new();
    let remove = ServerAction::<RemoveVendorHeader>::new();
    let delete = ServerAction::<DeleteVendor>::new();
    let accept = ServerAction::<AcceptVendorHostKey>::new();
    let page = Resource::new(
        move || {
            let versions = (update.version().get(), set_mode.version().get(), test.version().get());
            (id(), versions, remove.version().get(), accept.version().get())
        },
        |(id, ..)| get_vendor(id),
    );
    let confirming_live = move || query.get().get("confirm").as_deref() == Some("live");
    view! {
        <Title text="HMIS vendor · HMIS Bridge"/>
        <p><a href=VENDORS_PATH>"← HMIS vendors"</a></p>
        <FormFeedback form="set_vendor_mode" outcome=Signal::derive(move || notice_outcome(set_mode.value().get()))/>
        <FormFeedback form="test_vendor_connection" outcome=Signal::derive(move || notice_outcome(test.value().get()))/>
        <FormFeedback form="delete_vendor" outcome=Signal::derive(move || notice_outcome(delete.value().get()))/>
        <FormFeedback form="accept_vendor_host_key" outcome=Signal::derive(move || notice_outcome(accept.value().get()))/>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || page.get().map(|result| match result {
                Err(err) => view! { <h1>"Vendor not found"</h1><p>{err.to_string()}</p> }.into_any(),
                Ok(p) => view! {
                    <VendorDetail p=p confirming_live=confirming_live() actions=Actions { update, set_mode, test, remove, delete, accept }/>
                }.into_any(),
            })}
        </Transition>
    }
}

/// The vendor page's forms.
#[derive(Clone, Copy)]
struct Actions {
    update: ServerAction<UpdateVendor>,
    set_mode: ServerAction<SetVendorMode>,
    test: ServerAction<TestVendorConnection>,
    remove: ServerAction<RemoveVendorHeader>,
    delete: ServerAction<DeleteVendor>,
    accept: ServerAction<AcceptVendorHostKey>,
}

#[component]
fn VendorDetail(p: VendorPage, confirming_live: bool, actions: Actions) -> impl IntoView {
    let Actions { update, set_mode, test, remove, delete, accept } = actions;
    let VendorPage { vendor: v, status, events, attempts, last_test_push, charts } = p;
    let sftp = v.setup.transport == Transport::Sftp;
    let https = v.setup.transport == Transport::Https;
    let azure = v.setup.transport == Transport::AzureBlob;
    let id = v.id.clone();
    let here = format!("{VENDORS_PATH}/{id}");
    let stored = |f: SecretField| v.secrets_set.contains(&f);
    let password = secret_field(
        "edit",
        SecretField::Password,
        stored(SecretField::Password),
        if sftp { "The SFTP user's password (or use a private key)." } else { "The API user's password." },
    );
    let key_fields = private_key_fields("edit", stored(SecretField::PrivateKey), stored(SecretField::KeyPassphrase));
    let host_key = sftp.then(|| host_key_section(&v, accept));
    let zip_password = secret_field(
        "edit",
        SecretField::ZipPassword,
        stored(SecretField::ZipPassword),
        "Deliver the payload in an AES-256 zip with this password; leave empty for none.",
    );
    let sas = secret_field(
        "edit",
        SecretField::SasToken,
        stored(SecretField::SasToken),
        "A SAS token allowed to create and write.",
    );
    let account_key =
        secret_field("edit", SecretField::AccountKey, stored(SecretField::AccountKey), "Or the storage account's key.");
    let subscription = secret_field(
        "edit",
        SecretField::SubscriptionKey,
        stored(SecretField::SubscriptionKey),
        "Ocp-Apim-Subscription-Key.",
    );
    let api_key =
        secret_field("edit", SecretField::ApiKey, stored(SecretField::ApiKey), "Sent as Authorization: ApiKey ….");
    let schedule = schedule_fields("edit", Some(&v));
    let schedule_text = v.schedule_text();
    let (id_live, id_test, id_edit, id_delete) = (id.clone(), id.clone(), id.clone(), id.clone());
    let headers: Vec<String> = v
        .secrets_set
        .iter()
        .filter_map(|s| match s {
            SecretField::Header(name) => Some(name.clone()),
            _ => None,
        })
        .collect();
    let contacts_text = v
        .setup
        .contacts
        .0
        .iter()
        .map(|c| format!("{}; {}; {}", c.name, c.email, c.phone))
        .collect::<Vec<_>>()
        .join("\n");
    let mode_form = |mode: VendorMode, label: &'static str, class: &'static str| {
        let id = id.clone();
        view! {
            <ActionForm action=set_mode attr:class="inline">
                <input type="hidden" name="id" value=id/>
                <input type="hidden" name="mode" value=mode.as_str()/>
                <button type="submit" class=class>{label}</button>
            </ActionForm>
        }
    };
    view! {
        <h1>{v.setup.name.clone()}</h1>
        <p class="hint">{v.setup.kind.label()}" · "{v.setup.transport.label()}" · "{v.setup.payload_format.label()}
            {v.setup.json_version.map(|n| format!(" · JSON contract version {n}"))}</p>

        <section class="card" aria-labelledby="mode-h">
            <h2 id="mode-h">"Mode: "<span class=format!("mode mode-{}", v.mode.as_str())>{v.mode.label()}</span></h2>
            <p>{match v.mode {
                VendorMode::Test => "Test: \"Push now\" sends to the test endpoint (or, without one, to the production endpoint marked as a test); nothing is scheduled.",
                VendorMode::Live => "Live: pushes go to the production endpoint, on the schedule and by hand.",
                VendorMode::Off => "Off: nothing is sent.",
            }}</p>
            {if confirming_live {
                let id = id_live;
                view! {
                    <div class="card confirm" role="group" aria-labelledby="live-h">
                        <p id="live-h"><strong>"Switch this vendor to live?"</strong></p>
                        <p>{match &last_test_push {
                            Some(at) => format!("The last successful test push reached it at {at}."),
                            None => "No test push has reached this vendor yet.".to_string(),
                        }}</p>
                        <p>"Pushes will go to the production endpoint "<code>{v.setup.endpoint_url.clone()}</code>", "{schedule_text}"."</p>
                        <ActionForm action=set_mode attr:class="inline-form">
                            <input type="hidden" name="id" value=id/>
                            <input type="hidden" name="mode" value="live"/>
                            <input type="hidden" name="confirm" value="yes"/>
                            <button type="submit">"Confirm: go live"</button>
                            <a class="link-button dark" href=here.clone()>"Cancel"</a>
                        </ActionForm>
                    </div>
                }.into_any()
            } else {
                view! {
                    <div class="actions">
                        {(v.mode != VendorMode::Live).then(|| view! { <a class="button" href=format!("{here}?confirm=live")>"Switch to live…"</a> })}
                        {(v.mode != VendorMode::Test).then(|| mode_form(VendorMode::Test, "Back to test", ""))}
                        {(v.mode != VendorMode::Off).then(|| mode_form(VendorMode::Off, "Switch off (cancels what waits)", "danger"))}
                    </div>
                }.into_any()
            }}
        </section>

        {host_key}
        <section class="card" aria-labelledby="status-h">
            <h2 id="status-h">"Status"</h2>
            <dl class="facts">
                <dt>"Last success"</dt><dd>{status.last_success.clone().unwrap_or_else(|| "never".into())}</dd>
                <dt>"Last failure"</dt><dd>{match status.last_failure.clone() {
                    Some((at, why)) => format!("{at}: {why}"),
                    None => "none".into(),
                }}</dd>
                <dt>"Next scheduled push"</dt><dd>{status.next_push.clone().unwrap_or_else(|| "none (by hand only, or not live)".into())}</dd>
                <dt>"Circuit"</dt><dd>{status.circuit.label()}</dd>
                <dt>"Waiting"</dt><dd>{status.waiting}</dd>
                <dt>"Dead letters"</dt><dd>{status.dead_letters}" "<a href="/admin/hmis-export#dead-letters-h">"(handle them on the HMIS Export tab)"</a></dd>
                <dt>"Last connection test"</dt><dd>{match v.last_test.clone() {
                    Some((at, ok, detail)) => format!("{} at {at}: {detail}", if ok { "Passed" } else { "Failed" }),
                    None => "not tested yet".into(),
                }}</dd>
            </dl>
            <ActionForm action=test attr:class="inline">
                <input type="hidden" name="id" value=id_test/>
                <button type="submit">"Test connection"</button>
            </ActionForm>
            <h3 id="charts-h">"Attempts and latency"</h3>
            <crate::outbox::charts::AttemptCharts charts=charts/>
            <h3 id="attempts-h">"Recent attempts"</h3>
            {if attempts.is_empty() {
                view! { <p class="hint">"No pushes yet."</p> }.into_any()
            } else {
                view! {
                    <div class="table-wrap"><table aria-labelledby="attempts-h">
                        <thead><tr><th scope="col">"When"</th><th scope="col">"Attempt"</th><th scope="col">"Records"</th>
                            <th scope="col">"Outcome"</th><th scope="col">"Detail"</th></tr></thead>
                        <tbody>{attempts.into_iter().map(|a| view! {
                            <tr><td>{a.at}</td><td>{a.attempt}</td><td>{a.records}</td><td>{a.outcome}</td><td>{a.detail}</td></tr>
                        }).collect_view()}</tbody>
                    </table></div>
                }.into_any()
            }}
        </section>

        <section class="card" aria-labelledby="contacts-h">
            <h2 id="contacts-h">"Support contacts"</h2>
            {if v.setup.contacts.0.is_empty() {
                view! { <p class="hint">"None recorded: add them in the settings below."</p> }.into_any()
            } else {
                view! { <ul>{v.setup.contacts.0.iter().map(|c| view! {
                    <li>{c.name.clone()}
                        {(!c.email.is_empty()).then(|| view! { " · "<a href=format!("mailto:{}", c.email)>{c.email.clone()}</a> })}
                        {(!c.phone.is_empty()).then(|| format!(" · {}", c.phone))}</li>
                }).collect_view()}</ul> }.into_any()
            }}
        </section>

        <section class="card" aria-labelledby="settings-h">
            <h2 id="settings-h">"Settings"</h2>
            <FormFeedback form="update_vendor" outcome=Signal::derive(move || notice_outcome(update.value().get()))/>
            <ActionForm action=update attr:class="grid-form">
                <input type="hidden" name="id" value=id_edit/>
                <input type="hidden" name="vendor[kind]" value=v.setup.kind.as_str()/>
                <input type="hidden" name="vendor[transport]" value=v.setup.transport.as_str()/>
                <label for="edit-name">"Name"</label>
                <input id="edit-name" name="vendor[name]" required maxlength="100" value=v.setup.name.clone()/>
                <label for="edit-url">"Production endpoint"</label>
                <input id="edit-url" name="vendor[endpoint_url]" type="url" required value=v.setup.endpoint_url.clone()/>
                <label for="edit-test-url">"Test endpoint (optional)"</label>
                <input id="edit-test-url" name="vendor[test_endpoint_url]" type="url" value=v.setup.test_endpoint_url.clone().unwrap_or_default()/>
                {schedule}
                {(v.setup.kind == VendorKind::Custom).then(|| view! {
                    <label for="edit-format">"Payload"</label>
                    <select id="edit-format" name="vendor[payload_format]">
                        <option value="hmis_csv_zip" selected=v.setup.payload_format == super::PayloadFormat::HmisCsvZip>"HMIS CSV FY2026 zip"</option>
                        <option value="inventory_v1" selected=v.setup.payload_format == super::PayloadFormat::InventoryV1>"JSON inventory records (version 1)"</option>
                    </select>
                })}
                {(https && v.setup.kind.uses_basic_auth()).then(|| view! {
                    <label for="edit-user">"API user"</label>
                    <input id="edit-user" name="vendor[auth_user]" autocomplete="off" value=v.setup.auth_user.clone().unwrap_or_default()/>
                })}
                {(sftp || v.setup.kind.uses_basic_auth()).then_some(password)}
                {azure.then(|| view! { {sas} {account_key} })}
                {sftp.then_some(key_fields)}
                {(sftp || azure).then(|| view! {
                    {zip_password}
                    <label for="edit-file-name">"File name"</label>
                    <input id="edit-file-name" name="vendor[file_name_pattern]" autocomplete="off" placeholder=DEFAULT_FILE_NAME
                        value=v.setup.file_name_pattern.clone().unwrap_or_default()/>
                })}
                {(v.setup.kind == VendorKind::Clienttrack).then(|| view! {
                    {subscription}
                    {api_key}
                    <label for="edit-org">"OrgId (optional)"</label>
                    <input id="edit-org" name="vendor[org_id]" autocomplete="off" value=v.setup.org_id.clone().unwrap_or_default()/>
                })}
                {(https && v.setup.kind == VendorKind::Custom).then(|| view! {
                    <label for="edit-header-name">"Add or replace a header"</label>
                    <input id="edit-header-name" name="vendor[header_name]" autocomplete="off" placeholder="X-Api-Key"/>
                    <label for="edit-header-value">"Its value"</label>
                    <input id="edit-header-value" name="vendor[header_value]" type="password" autocomplete="new-password"/>
                })}
                <label for="edit-pgp">"PGP public key"</label>
                <div>
                    <textarea id="edit-pgp" name="vendor[pgp_public_key]" rows="3" spellcheck="false" aria-describedby="edit-pgp-hint">{v.setup.pgp_public_key.clone().unwrap_or_default()}</textarea>
                    <div class="hint" id="edit-pgp-hint">{match v.pgp.clone() {
                        Some(Ok((fingerprint, user, expires))) => format!("Payloads are encrypted to {fingerprint} ({user}), which expires {expires}. Compare the fingerprint with the vendor's; empty the field to stop encrypting."),
                        Some(Err(why)) => format!("This key cannot be used now: {why}"),
                        None => "If the vendor wants payloads encrypted: its armored public key.".to_string(),
                    }}</div>
                </div>
                {dv_fields("edit", v.setup.dv_policy, v.setup.client_files)}
                <label for="edit-contacts">"Support contacts"</label>
                <div>
                    <textarea id="edit-contacts" name="vendor[contacts]" rows="3" aria-describedby="edit-contacts-hint">{contacts_text}</textarea>
                    <div class="hint" id="edit-contacts-hint">"One per line: name; email; phone."</div>
                </div>
                <button type="submit">"Save settings"</button>
            </ActionForm>
            {(!headers.is_empty()).then(|| view! {
                <h3 id="headers-h">"Custom headers"</h3>
                <FormFeedback form="remove_vendor_header" outcome=Signal::derive(move || notice_outcome(remove.value().get()))/>
                <ul aria-labelledby="headers-h">{headers.into_iter().map(|name| {
                    let id = id.clone();
                    view! {
                    <li><code>{name.clone()}</code>": •••••• (stored encrypted) "
                        <ActionForm action=remove attr:class="inline">
                            <input type="hidden" name="id" value=id/>
                            <input type="hidden" name="name" value=name.clone()/>
                            <button type="submit" class="danger" aria-label=format!("Remove the header {name}")>"Remove"</button>
                        </ActionForm>
                    </li>
                }}).collect_view()}</ul>
            })}
        </section>

        <section class="card" aria-labelledby="events-h">
            <h2 id="events-h">"History"</h2>
            <div class="table-wrap"><table aria-labelledby="events-h">
                <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th></tr></thead>
                <tbody>{events.into_iter().map(|e| view! {
                    <tr><td>{e.at}</td><td>{e.by}</td><td>{e.action}": "{e.detail}</td></tr>
                }).collect_view()}</tbody>
            </table></div>
        </section>

        <section class="card" aria-labelledby="delete-h">
            <h2 id="delete-h">"Delete"</h2>
            <p class="hint">"Only a vendor with nothing waiting can be deleted: switch it off first, which cancels what waits. Its history stays; its credentials are erased."</p>
            <ActionForm action=delete attr:class="inline">
                <input type="hidden" name="id" value=id_delete/>
                <button type="submit" class="danger">"Delete this vendor"</button>
            </ActionForm>
        </section>
    }
}

/// An SFTP vendor's host key: the pinned fingerprint, and a new one the server presents, which an
/// admin accepts only when the vendor confirms the change.
fn host_key_section(v: &VendorView, accept: ServerAction<AcceptVendorHostKey>) -> impl IntoView + use<> {
    let id = v.id.clone();
    let pinned = v.host_key_pinned.clone();
    let offered = v.host_key_offered.clone();
    view! {
        <section class="card" aria-labelledby="host-key-h">
            <h2 id="host-key-h">"SFTP host key"</h2>
            {match pinned {
                Some(fp) => view! {
                    <p>"Pinned: "<code class="fingerprint">{fp}</code>". Compare it with the fingerprint the vendor gave you."</p>
                }.into_any(),
                None => view! {
                    <p>"Not pinned yet: test the connection. The first test that passes pins the key the server presents; nothing is sent before."</p>
                }.into_any(),
            }}
            {offered.map(|fp| view! {
                <div class="notice notice-error" role="alert">
                    <p>"The server now presents another host key: "<code class="fingerprint">{fp.clone()}</code>". Pushes to it are refused. Accept it only if the vendor confirms the change."</p>
                    <ActionForm action=accept attr:class="inline">
                        <input type="hidden" name="id" value=id/>
                        <input type="hidden" name="fingerprint" value=fp/>
                        <button type="submit">"Accept the new host key"</button>
                    </ActionForm>
                </div>
            })}
        </section>
    }
}

/// What the vendor gets of the DV shelters, and whether its zip carries the client-level files.
fn dv_fields(prefix: &'static str, policy: DvPolicy, client_files: bool) -> impl IntoView {
    let (id, hint, files) =
        (format!("{prefix}-dv-policy"), format!("{prefix}-dv-policy-hint"), format!("{prefix}-client-files"));
    view! {
        <label for=id.clone()>"DV data"</label>
        <div>
            <select id=id name="vendor[dv_policy]" aria-describedby=hint.clone()>
                <option value="aggregate" selected=policy == DvPolicy::Aggregate>"The DV aggregate (default)"</option>
                <option value="none" selected=policy == DvPolicy::None>"Nothing DV"</option>
            </select>
            <div class="hint" id=hint>"Choose nothing DV when this HMIS already holds the victim service providers' projects as descriptor-only records, so their beds are not counted twice."</div>
        </div>
        <label class="check" for=files.clone()><input id=files.clone() type="checkbox" name="vendor[client_files]" checked=client_files/>" Add the client-level CSV files, header only (for importers that require the whole FY2026 set)"</label>
    }
}
