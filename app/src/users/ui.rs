//! Users pages for CoC admins.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_params_map;

use super::api::{CreateUser, ResetUserPassword, SetUserActive, UpdateUser, get_user, list_admin_audit, list_users};
use super::{AuditRow, UserRow};
use crate::SignedIn;
use crate::access::Role;
use crate::ui::feedback::{FormFeedback, notice_outcome};

fn role_options(selected: Role) -> impl IntoView {
    Role::ASSIGNABLE
        .iter()
        .map(|role| view! { <option value=role.as_str() selected=*role == selected>{role.label()}</option> })
        .collect_view()
}

#[component]
pub fn UsersPage() -> impl IntoView {
    let create = ServerAction::<CreateUser>::new();
    let users = Resource::new(move || create.version().get(), |_| list_users());
    // Only an admin with DV access can grant it: nobody else is offered the box.
    let grants = SignedIn::dv_access;
    view! {
        <Title text="Users · HMIS Bridge"/>
        <h1>"Users"</h1>
        <section class="card">
            <h2>"Add a user"</h2>
            <FormFeedback form="create_user" outcome=Signal::derive(move || notice_outcome(create.value().get()))/>
            <ActionForm action=create attr:class="grid-form">
                <label for="new-name">"Name"</label>
                <input id="new-name" name="display_name" required maxlength="100" autocomplete="off"/>
                <label for="new-email">"Email"</label>
                <input id="new-email" type="email" name="email" required autocomplete="off"/>
                <label for="new-role">"Role"</label>
                <select id="new-role" name="role">{role_options(Role::Coordinator)}</select>
                <Transition fallback=|| ()>
                    {move || grants().then(|| view! {
                        <label class="check"><input type="checkbox" name="dv_access"/>" DV access (may see domestic-violence shelters)"</label>
                    })}
                </Transition>
                <button type="submit">"Add user"</button>
            </ActionForm>
        </section>
        <section class="card">
            <h2>"All users"</h2>
            <Transition fallback=|| view! { <p>"Loading users…"</p> }>
                {move || users.get().map(|result| match result {
                    Ok(rows) => view! { <UsersTable rows/> }.into_any(),
                    Err(err) => view! { <p class="notice notice-error" role="alert">{err.to_string()}</p> }.into_any(),
                })}
            </Transition>
        </section>
        <AuditLog/>
    }
}

/// Who changed roles, DV access, victim-service-provider or DV flags, or reset a password:
/// shown to admins with DV access only.
#[component]
fn AuditLog() -> impl IntoView {
    let audit = Resource::new(|| (), |_| list_admin_audit());
    view! {
        <Transition fallback=|| ()>
            {move || audit.get().and_then(Result::ok).flatten().map(|rows: Vec<AuditRow>| view! {
                <section class="card" aria-labelledby="audit-h">
                    <h2 id="audit-h">"Changes to access and DV status"</h2>
                    {if rows.is_empty() {
                        view! { <p class="hint">"No changes recorded yet."</p> }.into_any()
                    } else {
                        view! {
                            <div class="table-wrap">
                                <table>
                                    <thead><tr><th scope="col">"When"</th><th scope="col">"Who"</th><th scope="col">"What"</th>
                                        <th scope="col">"Change"</th></tr></thead>
                                    <tbody>{rows.into_iter().map(|r| view! {
                                        <tr>
                                            <td>{r.at}</td>
                                            <td>{r.by}</td>
                                            <td>{r.subject}</td>
                                            <td>{format!("{}: {} → {}", r.action, if r.old_value.is_empty() { "—" } else { &r.old_value }, r.new_value)}</td>
                                        </tr>
                                    }).collect_view()}</tbody>
                                </table>
                            </div>
                        }.into_any()
                    }}
                </section>
            })}
        </Transition>
    }
}

#[component]
fn UsersTable(rows: Vec<UserRow>) -> impl IntoView {
    view! {
        <div class="table-wrap">
            <table>
                <thead>
                    <tr><th scope="col">"Name"</th><th scope="col">"Email"</th><th scope="col">"Role"</th>
                        <th scope="col">"DV access"</th><th scope="col">"Status"</th><th scope="col">"Last sign-in"</th></tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|u| view! {
                        <tr>
                            <td><a href=format!("/admin/users/{}", u.id)>{u.display_name}</a></td>
                            <td>{u.email}</td>
                            <td>{u.role.label()}</td>
                            <td>{if u.dv_access { "Yes" } else { "No" }}</td>
                            <td>{if !u.active { "Deactivated" } else if u.must_change_password { "Invited" } else { "Active" }}</td>
                            <td>{u.last_login.unwrap_or_else(|| "never".into())}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
}

#[component]
pub fn UserPage() -> impl IntoView {
    let params = use_params_map();
    let id = move || params.get().get("id").unwrap_or_default();
    let update = ServerAction::<UpdateUser>::new();
    let set_active = ServerAction::<SetUserActive>::new();
    let reset = ServerAction::<ResetUserPassword>::new();
    let grants = SignedIn::dv_access;
    let user =
        Resource::new(move || (id(), update.version().get(), set_active.version().get()), |(id, _, _)| get_user(id));
    view! {
        <Title text="User · HMIS Bridge"/>
        <p><a href="/admin/users">"← All users"</a></p>
        <Transition fallback=|| view! { <p>"Loading…"</p> }>
            {move || user.get().map(|result| match result {
                Err(err) => view! { <h1>"User not found"</h1><p>{err.to_string()}</p> }.into_any(),
                Ok(u) => {
                    // Each form's children are moved into a closure of their own: one copy each.
                    let (for_update, for_active, for_reset) = (u.id.clone(), u.id.clone(), u.id.clone());
                    view! {
                    <h1>{u.display_name.clone()}</h1>
                    <p class="hint">{u.email.clone()}</p>
                    <section class="card">
                        <h2>"Role and access"</h2>
                        <FormFeedback form="update_user" outcome=Signal::derive(move || notice_outcome(update.value().get()))/>
                        <ActionForm action=update attr:class="grid-form">
                            <input type="hidden" name="id" value=for_update/>
                            <label for="edit-role">"Role"</label>
                            <select id="edit-role" name="role">{role_options(u.role)}</select>
                            {move || grants().then(|| view! {
                                <label class="check"><input type="checkbox" name="dv_access" checked=u.dv_access/>" DV access"</label>
                            })}
                            <button type="submit">"Save"</button>
                        </ActionForm>
                    </section>
                    <section class="card">
                        <h2>"Account"</h2>
                        <FormFeedback form="set_user_active" outcome=Signal::derive(move || notice_outcome(set_active.value().get()))/>
                        <FormFeedback form="reset_user_password" outcome=Signal::derive(move || notice_outcome(reset.value().get()))/>
                        <p>{if u.active { "This account is active." } else { "This account is deactivated: the person cannot sign in." }}</p>
                        <div class="actions">
                            <ActionForm action=set_active attr:class="inline">
                                <input type="hidden" name="id" value=for_active/>
                                <input type="hidden" name="active" value=(!u.active).to_string()/>
                                <button type="submit" class=if u.active { "danger" } else { "" }>
                                    {if u.active { "Deactivate" } else { "Reactivate" }}
                                </button>
                            </ActionForm>
                            <ActionForm action=reset attr:class="inline">
                                <input type="hidden" name="id" value=for_reset/>
                                <button type="submit">"Reset password"</button>
                            </ActionForm>
                        </div>
                    </section>
                }.into_any()},
            })}
        </Transition>
    }
}
