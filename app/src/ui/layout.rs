//! The page frame: skip link, header with role-based navigation, main region.
use leptos::prelude::*;
use leptos_router::components::A;

use crate::access::nav_links;
use crate::auth::Me;
use crate::auth::api::Logout;

#[component]
pub fn Header(me: Option<Me>) -> impl IntoView {
    let logout = ServerAction::<Logout>::new();
    view! {
        <header class="site-header">
            <a class="brand" href="/">"HMIS Bridge"</a>
            {me.map(|me| {
                let links = nav_links(me.role)
                    .map(|link| view! { <li><A href=link.href>{link.label}</A></li> })
                    .collect_view();
                view! {
                    <nav aria-label="Main">
                        <ul>{links}</ul>
                    </nav>
                    <div class="who">
                        <span class="who-name">{me.display_name.clone()}</span>
                        <span class="who-role">
                            {me.role.label()}
                            {me.tenant_name.clone().map(|t| format!(" · {t}"))}
                        </span>
                        <a href="/account/password">"Password"</a>
                        <ActionForm action=logout attr:class="inline">
                            <button type="submit" class="link-button">"Sign out"</button>
                        </ActionForm>
                    </div>
                }
            })}
        </header>
    }
}
