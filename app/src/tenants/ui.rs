//! The platform admin's CoC list.
use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{CreateTenant, SaveDvSettings, SaveExportSettings, get_coc_settings, list_tenants};
use super::settings::CocSettings;
use crate::ui::feedback::{FormFeedback, notice_outcome};

/// The US time zones offered (any IANA name is accepted).
const US_ZONES: &[&str] = &[
    "America/New_York",
    "America/Chicago",
    "America/Denver",
    "America/Phoenix",
    "America/Los_Angeles",
    "America/Anchorage",
    "Pacific/Honolulu",
    "America/Puerto_Rico",
    "Pacific/Guam",
];

#[component]
pub fn TenantsPage() -> impl IntoView {
    let create = ServerAction::<CreateTenant>::new();
    let tenants = Resource::new(move || create.version().get(), |_| list_tenants());
    view! {
        <Title text="CoCs · HMIS Bridge"/>
        <h1>"Continuums of Care"</h1>
        <section class="card">
            <h2>"Add a CoC"</h2>
            <FormFeedback form="create_tenant" outcome=Signal::derive(move || notice_outcome(create.value().get()))/>
            <ActionForm action=create attr:class="grid-form">
                <label for="t-name">"CoC name"</label>
                <input id="t-name" name="name" required maxlength="200"/>
                <label for="t-slug">"Short name"</label>
                <input id="t-slug" name="slug" required maxlength="64" placeholder="austin-coc"/>
                <label for="t-codes">"CoC codes"</label>
                <input id="t-codes" name="coc_codes" required placeholder="TX-503"/>
                <label for="t-zone">"Time zone"</label>
                <input id="t-zone" name="time_zone" required value="America/Chicago" list="t-zones" aria-describedby="t-zone-hint"/>
                <datalist id="t-zones">
                    {US_ZONES.iter().map(|z| view! { <option value=*z/> }).collect_view()}
                </datalist>
                <div id="t-zone-hint" class="hint">"The CoC's IANA time zone: bed counts, exports and every time shown follow it."</div>
                <label for="t-admin-name">"First admin's name"</label>
                <input id="t-admin-name" name="admin_name" required maxlength="100"/>
                <label for="t-admin-email">"First admin's email"</label>
                <input id="t-admin-email" type="email" name="admin_email" required/>
                <button type="submit">"Add CoC"</button>
            </ActionForm>
        </section>
        <section class="card">
            <h2>"All CoCs"</h2>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || tenants.get().map(|result| match result {
                    Err(err) => view! { <p class="notice notice-error" role="alert">{err.to_string()}</p> }.into_any(),
                    Ok(rows) => view! {
                        <div class="table-wrap"><table>
                            <thead><tr><th scope="col">"Name"</th><th scope="col">"Short name"</th>
                                <th scope="col">"CoC codes"</th><th scope="col">"Users"</th></tr></thead>
                            <tbody>
                                {rows.into_iter().map(|t| view! {
                                    <tr><td>{t.name}</td><td>{t.slug}</td><td>{t.coc_codes}</td><td>{t.users}</td></tr>
                                }).collect_view()}
                            </tbody>
                        </table></div>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}

/// A CoC admin's settings of their CoC: time zone and export source for every admin, the DV
/// aggregate's rules and location for admins with DV access.
#[component]
pub fn CocSettingsPage() -> impl IntoView {
    let export = ServerAction::<SaveExportSettings>::new();
    let dv = ServerAction::<SaveDvSettings>::new();
    let settings = Resource::new(move || (export.version().get(), dv.version().get()), |_| get_coc_settings());
    view! {
        <Title text="CoC settings · HMIS Bridge"/>
        <h1>"CoC settings"</h1>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || settings.get().map(|result| match result {
                Err(err) => view! { <p class="notice notice-error" role="alert">{err.to_string()}</p> }.into_any(),
                Ok(s) => view! { <SettingsForms s export dv/> }.into_any(),
            })}
        </Transition>
    }
}

fn field(name: &str, label: &'static str, value: String, max: usize, hint: Option<&'static str>) -> impl IntoView {
    let id = name.replace(['[', ']'], "-");
    let hint_id = format!("{id}hint");
    view! {
        <label for=id.clone()>{label}</label>
        <div>
            <input id=id name=name.to_string() value=value maxlength=max.to_string()
                aria-describedby=hint.map(|_| hint_id.clone())/>
            {hint.map(|h| view! { <div class="hint" id=hint_id>{h}</div> })}
        </div>
    }
}

#[component]
fn SettingsForms(
    s: CocSettings,
    export: ServerAction<SaveExportSettings>,
    dv: ServerAction<SaveDvSettings>,
) -> impl IntoView {
    let e = s.export.clone();
    view! {
        <p>{format!("{} · {}", s.name, s.coc_codes)}</p>
        <section class="card" aria-labelledby="export-settings-h">
            <h2 id="export-settings-h">"Time zone and export source"</h2>
            <FormFeedback form="save_export_settings" outcome=Signal::derive(move || notice_outcome(export.value().get()))/>
            <ActionForm action=export attr:class="grid-form">
                <label for="export-time_zone-">"Time zone"</label>
                <div>
                    <input id="export-time_zone-" name="export[time_zone]" required value=e.time_zone.clone() list="zones" aria-describedby="zone-hint"/>
                    <datalist id="zones">{US_ZONES.iter().map(|z| view! { <option value=*z/> }).collect_view()}</datalist>
                    <div class="hint" id="zone-hint">"The CoC's IANA time zone. \"Today\" for bed counts, the export's dates and every time shown follow it."</div>
                </div>
                {field("export[source_name]", "Source name", e.source_name.clone(), 50, Some("Export.csv SourceName: the organization responsible for this database (the CoC's name when empty)."))}
                {field("export[contact_first]", "Contact first name", e.contact_first.clone(), 50, None)}
                {field("export[contact_last]", "Contact last name", e.contact_last.clone(), 50, None)}
                {field("export[contact_phone]", "Contact phone", e.contact_phone.clone(), 20, Some("10 digits, like 512-555-0100."))}
                {field("export[contact_extension]", "Extension", e.contact_extension.clone(), 5, None)}
                {field("export[contact_email]", "Contact email", e.contact_email.clone(), 320, None)}
                <button type="submit">"Save"</button>
            </ActionForm>
        </section>
        {s.dv.map(|d| view! {
            <section class="card" aria-labelledby="dv-settings-h">
                <h2 id="dv-settings-h">"DV aggregate"</h2>
                <p class="hint">"DV shelters are sent only as aggregated projects, one per project type. A cell (CoC code, household type, availability, bed type) is sent only when enough shelters and beds contribute and no shelter holds more than the largest share; the aggregate is located at the CoC's administrative geocode and ZIP, never at a shelter's."</p>
                <FormFeedback form="save_dv_settings" outcome=Signal::derive(move || notice_outcome(dv.value().get()))/>
                <ActionForm action=dv attr:class="grid-form">
                    {field("dv[min_shelters]", "Minimum shelters per cell", d.min_shelters.clone(), 2, None)}
                    {field("dv[min_beds]", "Minimum beds per cell", d.min_beds.clone(), 5, None)}
                    {field("dv[max_share_percent]", "Largest share of one shelter (%)", d.max_share_percent.clone(), 3, Some("34 to 99: a cell where one shelter holds more is suppressed."))}
                    {field("dv[geocode]", "Administrative geocode", d.geocode.clone(), 6, Some("The HUD geocode of the CoC's administrative location (6 digits); the HIC needs one."))}
                    {field("dv[zip]", "Administrative ZIP", d.zip.clone(), 5, None)}
                    <label for="dv-geography">"Geography type of that geocode"</label>
                    <select id="dv-geography" name="dv[geography_type]">
                        <option value="" selected=d.geography_type.is_empty()>"—"</option>
                        {[("1", "Urban"), ("2", "Suburban"), ("3", "Rural")].into_iter().map(|(code, label)| view! {
                            <option value=code selected=d.geography_type == code>{label}</option>
                        }).collect_view()}
                    </select>
                    <button type="submit">"Save DV settings"</button>
                </ActionForm>
            </section>
        })}
    }
}
