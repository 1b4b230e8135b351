//! HMIS Bridge: the Leptos app (pages, server functions and the domain).
#![recursion_limit = "256"]

#[macro_use]
mod stored_enum;

pub mod access;
pub mod api_tokens;
pub mod auth;
pub mod error;
pub mod hmis;
pub mod input;
pub mod inventory;
pub mod outbox;
pub mod shelters;
pub mod tenants;
pub mod ui;
pub mod users;
pub mod vendors;

#[cfg(feature = "ssr")]
pub mod entities;
#[cfg(feature = "ssr")]
pub mod ssr;

use leptos::prelude::*;
use leptos_meta::{HashedStylesheet, MetaTags, Title, provide_meta_context};
use leptos_router::{
    Lazy, LazyRoute, SsrMode,
    components::{Route, Router, Routes},
    hooks::use_location,
    lazy_route, path,
};

use crate::auth::api::{get_me, take_flashes};
use crate::ui::feedback::Flashes;
use crate::ui::layout::Header;
use crate::ui::pages::{HomePage, NotFound};

/// `lazy_page!(Route, path::to::Page)`: a route whose page is compiled into a wasm chunk of its
/// own, fetched when the page is first opened (`cargo leptos build --split`), so what every
/// coordinator downloads holds none of the admin pages. The server renders it like any page.
macro_rules! lazy_page {
    ($route:ident, $($page:ident)::+) => {
        struct $route;

        #[lazy_route]
        impl LazyRoute for $route {
            fn data() -> Self {
                $route
            }

            fn view(_this: Self) -> AnyView {
                use $($page)::+ as Page;
                view! { <Page/> }.into_any()
            }
        }
    };
}

lazy_page!(Shelters, shelters::ui::SheltersPage);
lazy_page!(ShelterEditor, shelters::edit_ui::ShelterPage);
lazy_page!(Organizations, shelters::edit_ui::OrganizationsPage);
lazy_page!(Users, users::ui::UsersPage);
lazy_page!(UserEditor, users::ui::UserPage);
lazy_page!(HmisExport, ui::hmis_export::HmisExportPage);
lazy_page!(Tenants, tenants::ui::TenantsPage);
lazy_page!(CocSettings, tenants::ui::CocSettingsPage);
lazy_page!(Vendors, vendors::ui::VendorsPage);
lazy_page!(VendorEditor, vendors::ui::VendorPageView);
lazy_page!(ApiTokens, api_tokens::ui::ApiTokensPage);

pub fn shell(options: LeptosOptions) -> impl IntoView {
    view! {
        <!DOCTYPE html>
        <html lang="en">
            <head>
                <meta charset="utf-8"/>
                <meta name="viewport" content="width=device-width, initial-scale=1"/>
                <meta name="color-scheme" content="light"/>
                <link rel="icon" href="data:,"/>
                <AutoReload options=options.clone()/>
                // The content-hashed name in a deployment build (cached for a year), else the plain one.
                <HashedStylesheet options=options.clone() id="leptos"/>
                <HydrationScripts options/>
                <MetaTags/>
            </head>
            <body>
                <App/>
            </body>
        </html>
    }
}

#[component]
pub fn App() -> impl IntoView {
    provide_meta_context();
    // Every page is rendered whole before it is sent (SsrMode::Async), so it works without
    // JavaScript and its HTTP status is right.
    view! {
        <Title text="HMIS Bridge"/>
        <Router>
            <Frame>
                <Routes fallback=|| view! { <NotFound/> }>
                    <Route path=path!("/") view=HomePage ssr=SsrMode::Async/>
                    <Route path=path!("/login") view=auth::ui::LoginPage ssr=SsrMode::Async/>
                    <Route path=path!("/account/password") view=auth::ui::ChangePasswordPage ssr=SsrMode::Async/>
                    <Route path=path!("/shelters") view=inventory::ui::MySheltersPage ssr=SsrMode::Async/>
                    <Route path=path!("/shelter-history/:id") view=inventory::ui::ShelterHistoryPage ssr=SsrMode::Async/>
                    // Admin pages: chunks of their own, fetched when opened (see `lazy_page!`).
                    <Route path=path!("/admin/shelters") view={Lazy::<Shelters>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/shelters/:id") view={Lazy::<ShelterEditor>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/organizations") view={Lazy::<Organizations>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users") view={Lazy::<Users>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/users/:id") view={Lazy::<UserEditor>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/hmis-export") view={Lazy::<HmisExport>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/hmis-export/vendors") view={Lazy::<Vendors>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/hmis-export/vendors/:id") view={Lazy::<VendorEditor>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/settings") view={Lazy::<CocSettings>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/admin/api-tokens") view={Lazy::<ApiTokens>::new()} ssr=SsrMode::Async/>
                    <Route path=path!("/platform/tenants") view={Lazy::<Tenants>::new()} ssr=SsrMode::Async/>
                </Routes>
            </Frame>
        </Router>
    }
}

/// The signed-in user as the frame loaded it, for pages that adapt to who is looking (one fetch
/// per navigation, shared).
#[derive(Clone, Copy)]
pub struct SignedIn(pub Resource<Result<Option<auth::Me>, error::AppError>>);

impl SignedIn {
    /// Whether the signed-in user has DV access; false while loading or for nobody. Read it
    /// inside a `Transition`.
    pub fn dv_access() -> bool {
        use_context::<SignedIn>().and_then(|s| s.0.get()).and_then(Result::ok).flatten().is_some_and(|me| me.dv_access)
    }
}

/// Skip link, header and main region; the signed-in user is reloaded on every navigation.
#[component]
fn Frame(children: Children) -> impl IntoView {
    let location = use_location();
    let me = Resource::new(move || location.pathname.get(), |_| get_me());
    provide_context(SignedIn(me));
    provide_context(Flashes(Resource::new(|| (), |_| take_flashes())));
    view! {
        <a class="skip-link" href="#main">"Skip to content"</a>
        <Transition fallback=|| view! { <header class="site-header"><span class="brand">"HMIS Bridge"</span></header> }>
            {move || me.get().map(|me| view! { <Header me=me.ok().flatten()/> })}
        </Transition>
        <main id="main" tabindex="-1">{children()}</main>
    }
}
