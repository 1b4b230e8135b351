//! The platform admin's CoC list.
use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{CreateTenant, list_tenants};
use crate::ui::feedback::{FormFeedback, notice_outcome};

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
