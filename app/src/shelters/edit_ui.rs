//! The admin's shelter page (descriptor, inventory lines, coordinators) and organizations page.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::ShelterEditor;
use super::api::{
    AddCeParticipation, AddFunder, AddInventoryLine, AssignCoordinator, CreateOrganization, EndInventoryLine,
    RemoveCeParticipation, RemoveFunder, SaveShelter, UpdateOrganization, get_shelter_editor, list_organizations,
};
use crate::hmis::codes::{
    AVAILABILITY, CodeList, ES_BED_TYPE, FUNDING_SOURCE, GEOGRAPHY_TYPE, HMIS_PARTICIPATION_TYPE, HOUSEHOLD_TYPE,
    HOUSING_TYPE, SHELTER_PROJECT_TYPE, TARGET_POPULATION,
};
use crate::ui::feedback::{FormFeedback, notice_outcome};

/// A labelled select of an HMIS list; `optional` adds an empty choice.
fn code_select(
    name: &str,
    label: &'static str,
    list: &'static CodeList,
    selected: String,
    optional: bool,
) -> impl IntoView {
    let id = name.replace(['[', ']'], "-");
    view! {
        <label for=id.clone()>{label}</label>
        <select id=id name=name.to_string()>
            {optional.then(|| view! { <option value="">"—"</option> })}
            {list.entries.iter().map(|(code, text)| {
                let code = code.to_string();
                view! { <option value=code.clone() selected=code == selected>{format!("{text} ({code})")}</option> }
            }).collect_view()}
        </select>
    }
}

fn text_input(name: &str, label: &'static str, value: String, max: usize, required: bool) -> impl IntoView {
    let id = name.replace(['[', ']'], "-");
    view! {
        <label for=id.clone()>{label}</label>
        <input id=id name=name.to_string() value=value maxlength=max.to_string() required=required/>
    }
}

#[component]
pub fn ShelterPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.get().get("id").unwrap_or_default();
    let save = ServerAction::<SaveShelter>::new();
    let add_line = ServerAction::<AddInventoryLine>::new();
    let end_line = ServerAction::<EndInventoryLine>::new();
    let assign = ServerAction::<AssignCoordinator>::new();
    let funders = (ServerAction::<AddFunder>::new(), ServerAction::<RemoveFunder>::new());
    let ce = (ServerAction::<AddCeParticipation>::new(), ServerAction::<RemoveCeParticipation>::new());
    let editor = Resource::new(
        move || {
            (
                id(),
                save.version().get(),
                add_line.version().get(),
                end_line.version().get(),
                assign.version().get(),
                funders.0.version().get(),
                funders.1.version().get(),
                ce.0.version().get(),
                ce.1.version().get(),
            )
        },
        |(id, ..)| get_shelter_editor(id),
    );
    view! {
        <Title text="Shelter · HMIS Bridge"/>
        <p><a href="/admin/shelters">"← All shelters"</a></p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || editor.get().map(|result| match result {
                Err(err) => view! { <h1>"Shelter not found"</h1><p>{err.to_string()}</p> }.into_any(),
                Ok(e) => view! { <ShelterSections e save add_line end_line assign funders ce/> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn ShelterSections(
    e: ShelterEditor,
    save: ServerAction<SaveShelter>,
    add_line: ServerAction<AddInventoryLine>,
    end_line: ServerAction<EndInventoryLine>,
    assign: ServerAction<AssignCoordinator>,
    funders: (ServerAction<AddFunder>, ServerAction<RemoveFunder>),
    ce: (ServerAction<AddCeParticipation>, ServerAction<RemoveCeParticipation>),
) -> impl IntoView {
    let (add_ce, remove_ce) = ce;
    let f = e.form.clone();
    let (add_funder, remove_funder) = funders;
    let id = e.id.clone().unwrap_or_else(|| super::NEW.to_string());
    let title = if e.id.is_some() { f.name.clone() } else { "New shelter".to_string() };
    view! {
        <h1>{title}</h1>
        <section class="card">
            <h2>"HMIS project"</h2>
            <FormFeedback form="save_shelter" outcome=Signal::derive(move || notice_outcome(save.value().get()))/>
            <ActionForm action=save attr:class="grid-form">
                <input type="hidden" name="id" value=id.to_string()/>
                <label for="shelter-org">"Organization"</label>
                <select id="shelter-org" name="shelter[organization_id]">
                    {e.organizations.iter().map(|o| view! {
                        <option value=o.id.to_string() selected=o.id == f.organization_id>{o.label.clone()}</option>
                    }).collect_view()}
                </select>
                {text_input("shelter[hmis_project_id]", "HMIS ProjectID", f.hmis_project_id.clone(), 32, true)}
                {text_input("shelter[name]", "Project name", f.name.clone(), 200, true)}
                {code_select("shelter[project_type]", "Project type", &SHELTER_PROJECT_TYPE, f.project_type.clone(), false)}
                {code_select("shelter[housing_type]", "Housing type", &HOUSING_TYPE, f.housing_type.clone(), true)}
                {code_select("shelter[target_population]", "Target population", &TARGET_POPULATION, f.target_population.clone(), true)}
                <label for="shelter-start">"Operating start date"</label>
                <input id="shelter-start" type="date" name="shelter[operating_start_date]" value=f.operating_start_date.clone() required/>
                <label for="shelter-end">"Operating end date"</label>
                <input id="shelter-end" type="date" name="shelter[operating_end_date]" value=f.operating_end_date.clone()/>
                <label for="shelter-coc">"CoC code"</label>
                <select id="shelter-coc" name="shelter[coc_code]">
                    {e.coc_codes.iter().map(|c| view! { <option value=c.clone() selected=*c == f.coc_code>{c.clone()}</option> }).collect_view()}
                </select>
                {text_input("shelter[address1]", "Address", f.address1.clone(), 100, false)}
                {text_input("shelter[city]", "City", f.city.clone(), 50, false)}
                {text_input("shelter[state]", "State", f.state.clone(), 2, false)}
                {text_input("shelter[zip]", "ZIP", f.zip.clone(), 5, false)}
                {text_input("shelter[geocode]", "Geocode", f.geocode.clone(), 6, false)}
                {code_select("shelter[geography_type]", "Geography type", &GEOGRAPHY_TYPE, f.geography_type.clone(), true)}
                {code_select("shelter[hmis_participation_type]", "HMIS participation", &HMIS_PARTICIPATION_TYPE, f.hmis_participation_type.clone(), false)}
                <label class="check"><input type="checkbox" name="shelter[active]" checked=f.active.is_some()/>" Active"</label>
                <p class="hint">"An active project needs its housing type, geocode, ZIP and geography type (the HIC requires them). A project that stops operating keeps its records: untick Active and enter its operating end date."</p>
                <button type="submit">"Save project"</button>
            </ActionForm>
            {(!e.participation.is_empty()).then(|| view! {
                <h3>"HMIS participation (2.08)"</h3>
                <ul>{e.participation.iter().map(|p| view! { <li>{p.clone()}</li> }).collect_view()}</ul>
            })}
        </section>
        {e.id.clone().map(|shelter_id| {
            // Each form's children are moved into their own closure: one copy each.
            let (for_line, for_assign, for_funder) = (shelter_id.clone(), shelter_id.clone(), shelter_id.clone());
            let for_ce = shelter_id.clone();
            let history = format!("/shelter-history/{shelter_id}");
            view! {
            <section class="card">
                <h2>"Inventory lines (HMIS 2.07)"</h2>
                <FormFeedback form="end_inventory_line" outcome=Signal::derive(move || notice_outcome(end_line.value().get()))/>
                <div class="table-wrap"><table>
                    <thead><tr><th scope="col">"Household type"</th><th scope="col">"Availability / bed type"</th>
                        <th scope="col">"Units"</th><th scope="col">"Beds"</th><th scope="col">"Dedicated"</th>
                        <th scope="col">"Dates"</th><th scope="col">"End"</th></tr></thead>
                    <tbody>
                        {e.lines.iter().cloned().map(|l| view! {
                            <tr>
                                <td>{l.household_type}</td>
                                <td>{match (l.availability, l.es_bed_type) { (Some(a), Some(b)) => format!("{a} · {b}"), _ => "—".into() }}</td>
                                <td>{l.unit_inventory}</td><td>{l.bed_inventory}</td><td>{l.dedicated}</td>
                                <td>{format!("{} – {}", l.start_date, l.end_date.clone().unwrap_or_else(|| "open".into()))}</td>
                                <td>{l.end_date.is_none().then(|| view! {
                                    <ActionForm action=end_line attr:class="inline-form">
                                        <input type="hidden" name="inventory_id" value=l.id.to_string()/>
                                        <label class="visually-hidden" for=format!("end-{}", l.id)>"End date"</label>
                                        <input id=format!("end-{}", l.id) type="date" name="end_date" required/>
                                        <button type="submit">"End line"</button>
                                    </ActionForm>
                                })}</td>
                            </tr>
                        }).collect_view()}
                    </tbody>
                </table></div>
                <h3>"Add a line"</h3>
                <FormFeedback form="add_inventory_line" outcome=Signal::derive(move || notice_outcome(add_line.value().get()))/>
                <ActionForm action=add_line attr:class="grid-form">
                    <input type="hidden" name="shelter_id" value=for_line/>
                    {code_select("line[household_type]", "Household type", &HOUSEHOLD_TYPE, String::new(), false)}
                    {e.is_emergency_shelter.then(|| view! {
                        {code_select("line[availability]", "Availability", &AVAILABILITY, "1".into(), false)}
                        {code_select("line[es_bed_type]", "ES bed type", &ES_BED_TYPE, "1".into(), false)}
                    })}
                    {[("unit_inventory", "Units"), ("ch_vet", "Chronically homeless veteran beds"), ("youth_vet", "Youth veteran beds"),
                      ("vet", "Veteran beds"), ("ch_youth", "Chronically homeless youth beds"), ("youth", "Youth beds"),
                      ("ch", "Chronically homeless beds"), ("other", "Other beds")].into_iter().map(|(name, label)| {
                        let id = format!("line-{name}");
                        view! { <label for=id.clone()>{label}</label><input id=id name=format!("line[{name}]") inputmode="numeric" value="0"/> }
                    }).collect_view()}
                    <label for="line-start">"Inventory start date"</label>
                    <input id="line-start" type="date" name="line[start_date]" required/>
                    <label for="line-end">"Inventory end date"</label>
                    <input id="line-end" type="date" name="line[end_date]" aria-describedby="line-end-hint"/>
                    <p id="line-end-hint" class="hint">"Leave empty for an open line; a seasonal line ends with its season."</p>
                    <p class="hint">"Beds total is the sum of the bed counts above."</p>
                    <button type="submit">"Add line"</button>
                </ActionForm>
            </section>
            <section class="card">
                <h2>"Funding sources (HMIS 2.06)"</h2>
                <FormFeedback form="remove_funder" outcome=Signal::derive(move || notice_outcome(remove_funder.value().get()))/>
                {if e.funders.is_empty() {
                    view! { <p class="hint">"No funder recorded: the HIC needs at least one for an operating project."</p> }.into_any()
                } else {
                    view! {
                        <div class="table-wrap"><table>
                            <thead><tr><th scope="col">"Funder"</th><th scope="col">"Grant ID"</th><th scope="col">"Dates"</th>
                                <th scope="col"><span class="visually-hidden">"Remove"</span></th></tr></thead>
                            <tbody>{e.funders.iter().cloned().map(|fr| view! {
                                <tr>
                                    <td>{fr.funder.clone()}{fr.other_funder.clone().map(|o| view! { <div class="hint">{o}</div> })}</td>
                                    <td>{fr.grant_id.clone().unwrap_or_else(|| "—".into())}</td>
                                    <td>{format!("{} – {}", fr.start_date, fr.end_date.clone().unwrap_or_else(|| "open".into()))}</td>
                                    <td><ActionForm action=remove_funder attr:class="inline-form">
                                        <input type="hidden" name="funder_id" value=fr.id.clone()/>
                                        <button type="submit" class="link-button dark" aria-label=format!("Remove {}", fr.funder)>"Remove"</button>
                                    </ActionForm></td>
                                </tr>
                            }).collect_view()}</tbody>
                        </table></div>
                    }.into_any()
                }}
                <h3>"Add a funder"</h3>
                <FormFeedback form="add_funder" outcome=Signal::derive(move || notice_outcome(add_funder.value().get()))/>
                <ActionForm action=add_funder attr:class="grid-form">
                    <input type="hidden" name="shelter_id" value=for_funder/>
                    {code_select("funder[funder]", "Funder", &FUNDING_SOURCE, String::new(), false)}
                    {text_input("funder[other_funder]", "Other funder (for Local or other)", String::new(), 100, false)}
                    {text_input("funder[grant_id]", "Grant ID", String::new(), 100, false)}
                    <label for="funder-start">"Funding start date"</label>
                    <input id="funder-start" type="date" name="funder[start_date]" required/>
                    <label for="funder-end">"Funding end date"</label>
                    <input id="funder-end" type="date" name="funder[end_date]"/>
                    <button type="submit">"Add funder"</button>
                </ActionForm>
            </section>
            <section class="card">
                <h2>"Coordinated entry (HMIS 2.09)"</h2>
                <FormFeedback form="remove_ce_participation" outcome=Signal::derive(move || notice_outcome(remove_ce.value().get()))/>
                {if e.coordinated_entry.is_empty() {
                    view! { <p class="hint">"No coordinated entry participation recorded."</p> }.into_any()
                } else {
                    view! {
                        <ul>{e.coordinated_entry.iter().cloned().map(|c| view! {
                            <li>{c.text.clone()}
                                <ActionForm action=remove_ce attr:class="inline">
                                    <input type="hidden" name="id" value=c.id.clone()/>
                                    <button type="submit" class="link-button dark" aria-label=format!("Remove the period {}", c.text)>"Remove"</button>
                                </ActionForm>
                            </li>
                        }).collect_view()}</ul>
                    }.into_any()
                }}
                <h3>"Add a period"</h3>
                <FormFeedback form="add_ce_participation" outcome=Signal::derive(move || notice_outcome(add_ce.value().get()))/>
                <ActionForm action=add_ce attr:class="grid-form">
                    <input type="hidden" name="shelter_id" value=for_ce/>
                    {[("access_point", "Access point"), ("prevention_assessment", "Prevention assessment (access points)"),
                      ("crisis_assessment", "Crisis assessment (access points)"), ("housing_assessment", "Housing assessment (access points)"),
                      ("direct_services", "Direct services (access points)"), ("receives_referrals", "Receives referrals")]
                        .into_iter().map(|(name, label)| view! {
                            <label class="check"><input type="checkbox" name=format!("ce[{name}]")/>" "{label}</label>
                        }).collect_view()}
                    <label for="ce-start">"CE start date"</label>
                    <input id="ce-start" type="date" name="ce[start_date]" required/>
                    <label for="ce-end">"CE end date"</label>
                    <input id="ce-end" type="date" name="ce[end_date]"/>
                    <button type="submit">"Add period"</button>
                </ActionForm>
            </section>
            <section class="card">
                <h2>"Coordinators"</h2>
                <FormFeedback form="assign_coordinator" outcome=Signal::derive(move || notice_outcome(assign.value().get()))/>
                <ul>
                    {e.coordinators.iter().cloned().map(|c| { let shelter_id = shelter_id.clone(); view! {
                        <li>{format!("{} ({})", c.name, c.email)}
                            <ActionForm action=assign attr:class="inline">
                                <input type="hidden" name="shelter_id" value=shelter_id.to_string()/>
                                <input type="hidden" name="user_id" value=c.id.to_string()/>
                                <input type="hidden" name="assign" value="false"/>
                                <button type="submit" class="link-button dark">"Remove"</button>
                            </ActionForm>
                        </li>
                    }}).collect_view()}
                </ul>
                {(!e.assignable.is_empty()).then(|| view! {
                    <ActionForm action=assign attr:class="search-row">
                        <input type="hidden" name="shelter_id" value=for_assign/>
                        <input type="hidden" name="assign" value="true"/>
                        <label class="visually-hidden" for="assign-user">"Coordinator"</label>
                        <select id="assign-user" name="user_id">
                            {e.assignable.iter().map(|c| view! { <option value=c.id.to_string()>{c.name.clone()}</option> }).collect_view()}
                        </select>
                        <button type="submit">"Assign"</button>
                    </ActionForm>
                })}
                <p><a href=history>"History of this shelter"</a></p>
            </section>
        }})}
    }
}

#[component]
pub fn OrganizationsPage() -> impl IntoView {
    let create = ServerAction::<CreateOrganization>::new();
    let update = ServerAction::<UpdateOrganization>::new();
    let orgs = Resource::new(move || (create.version().get(), update.version().get()), |_| list_organizations());
    view! {
        <Title text="Organizations · HMIS Bridge"/>
        <h1>"Organizations"</h1>
        <section class="card">
            <h2>"Add an organization"</h2>
            <FormFeedback form="create_organization" outcome=Signal::derive(move || notice_outcome(create.value().get()))/>
            <ActionForm action=create attr:class="grid-form">
                {text_input("hmis_organization_id", "HMIS OrganizationID", String::new(), 32, true)}
                {text_input("name", "Organization name", String::new(), 200, true)}
                <label class="check"><input type="checkbox" name="victim_service_provider"/>" Victim service provider"</label>
                <button type="submit">"Add organization"</button>
            </ActionForm>
        </section>
        <section class="card">
            <h2>"All organizations"</h2>
            <FormFeedback form="update_organization" outcome=Signal::derive(move || notice_outcome(update.value().get()))/>
            <Transition fallback=|| view! { <p>"Loading…"</p> }>
                {move || orgs.get().map(|r| match r {
                    Err(err) => view! { <p class="notice notice-error" role="alert">{err.to_string()}</p> }.into_any(),
                    Ok(rows) => view! {
                        <div class="table-wrap"><table>
                            <thead><tr><th scope="col">"OrganizationID"</th><th scope="col">"Name and victim service provider"</th></tr></thead>
                            <tbody>{rows.into_iter().map(|o| {
                                let name_id = format!("org-name-{}", o.id);
                                view! {
                                    <tr><td>{o.hmis_organization_id}</td><td>
                                        <ActionForm action=update attr:class="inline-form">
                                            <input type="hidden" name="id" value=o.id.to_string()/>
                                            <label class="visually-hidden" for=name_id.clone()>"Organization name"</label>
                                            <input id=name_id name="name" value=o.name.clone() maxlength="200" required/>
                                            <label class="check"><input type="checkbox" name="victim_service_provider" checked=o.victim_service_provider/>" VSP"</label>
                                            <button type="submit">"Save"</button>
                                        </ActionForm>
                                    </td></tr>
                                }
                            }).collect_view()}</tbody>
                        </table></div>
                    }.into_any(),
                })}
            </Transition>
        </section>
    }
}
