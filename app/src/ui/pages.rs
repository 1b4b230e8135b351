//! Pages that belong to no domain: the home page and "not found".
use leptos::prelude::*;
use leptos_meta::Title;

use crate::access::Role;
use crate::auth::api::get_me;

#[component]
pub fn HomePage() -> impl IntoView {
    let me = Resource::new(|| (), |_| get_me());
    view! {
        <Title text="Home · HMIS Bridge"/>
        <Transition fallback=|| ()>
            {move || me.get().map(|me| match me {
                Ok(Some(me)) => view! {
                    <h1>{format!("Welcome, {}", me.display_name)}</h1>
                    <section class="card">
                        {match me.role {
                            Role::PlatformAdmin => view! {
                                <p>"You manage the Continuums of Care on this installation."</p>
                                <p><a href="/platform/tenants">"Open the CoC list"</a></p>
                            }.into_any(),
                            Role::CocAdmin => view! {
                                <p>{format!("You administer {}.", me.tenant_name.clone().unwrap_or_default())}</p>
                                <p><a href="/admin/shelters">"Shelters"</a>" · "<a href="/admin/users">"Users"</a></p>
                            }.into_any(),
                            Role::Coordinator => view! {
                                <p>"Keep your shelters' bed counts current."</p>
                                <p><a href="/shelters">"Open my shelters"</a></p>
                            }.into_any(),
                        }}
                    </section>
                }.into_any(),
                _ => view! { <p><a href="/login">"Sign in"</a></p> }.into_any(),
            })}
        </Transition>
    }
}

#[component]
pub fn NotFound() -> impl IntoView {
    #[cfg(feature = "ssr")]
    if let Some(response) = use_context::<leptos_axum::ResponseOptions>() {
        response.set_status(axum::http::StatusCode::NOT_FOUND);
    }
    view! {
        <Title text="Not found · HMIS Bridge"/>
        <h1>"Page not found"</h1>
        <p>"There is nothing here, or it is not yours to see."</p>
        <p><a href="/">"Go to the home page"</a></p>
    }
}
