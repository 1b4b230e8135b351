//! Roles and which pages each role may open: the one table the navigation and the server's
//! page guard both read.
#[cfg(feature = "ssr")]
use sea_orm::sea_query::StringLen;
use serde::{Deserialize, Serialize};

/// Stored in `users.role` as its snake_case name (a CHECK constraint lists them).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "ssr", derive(sea_orm::EnumIter, sea_orm::DeriveActiveEnum))]
#[cfg_attr(
    feature = "ssr",
    sea_orm(rs_type = "String", db_type = "String(StringLen::N(32))", rename_all = "snake_case")
)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    PlatformAdmin,
    CocAdmin,
    Coordinator,
}

impl Role {
    pub const ASSIGNABLE: [Role; 2] = [Role::CocAdmin, Role::Coordinator];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::CocAdmin => "coc_admin",
            Role::Coordinator => "coordinator",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "platform_admin" => Some(Role::PlatformAdmin),
            "coc_admin" => Some(Role::CocAdmin),
            "coordinator" => Some(Role::Coordinator),
            _ => None,
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "Platform admin",
            Role::CocAdmin => "CoC admin",
            Role::Coordinator => "Coordinator",
        }
    }
}

/// Who may open a page.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAccess {
    Public,
    SignedIn,
    Roles(&'static [Role]),
}

impl PageAccess {
    pub fn allows(self, role: Option<Role>) -> bool {
        match (self, role) {
            (PageAccess::Public, _) => true,
            (_, None) => false,
            (PageAccess::SignedIn, Some(_)) => true,
            (PageAccess::Roles(roles), Some(role)) => roles.contains(&role),
        }
    }
}

pub struct NavLink {
    pub href: &'static str,
    pub label: &'static str,
    pub access: PageAccess,
    pub in_nav: bool,
}

/// Page prefixes and their access. Longest prefix wins; paths not listed are signed-in only.
pub const PAGES: &[NavLink] = &[
    NavLink { href: "/", label: "Home", access: PageAccess::SignedIn, in_nav: true },
    NavLink { href: "/shelters", label: "My shelters", access: PageAccess::Roles(&[Role::Coordinator]), in_nav: true },
    NavLink {
        href: "/shelter-history",
        label: "History",
        access: PageAccess::Roles(&[Role::Coordinator, Role::CocAdmin]),
        in_nav: false,
    },
    NavLink { href: "/admin/shelters", label: "Shelters", access: PageAccess::Roles(&[Role::CocAdmin]), in_nav: true },
    NavLink {
        href: "/admin/organizations",
        label: "Organizations",
        access: PageAccess::Roles(&[Role::CocAdmin]),
        in_nav: true,
    },
    NavLink {
        href: "/admin/hmis-export",
        label: "HMIS Export",
        access: PageAccess::Roles(&[Role::CocAdmin]),
        in_nav: true,
    },
    NavLink { href: "/admin/users", label: "Users", access: PageAccess::Roles(&[Role::CocAdmin]), in_nav: true },
    NavLink {
        href: "/platform/tenants",
        label: "CoCs",
        access: PageAccess::Roles(&[Role::PlatformAdmin]),
        in_nav: true,
    },
    NavLink { href: "/account/password", label: "Password", access: PageAccess::SignedIn, in_nav: false },
];

const PUBLIC_PREFIXES: &[&str] = &["/login", "/pkg/", "/healthz", "/readyz", "/metrics", "/favicon.ico"];

/// The access rule of a page path.
pub fn page_access(path: &str) -> PageAccess {
    if PUBLIC_PREFIXES.iter().any(|p| path == *p || path.starts_with(p)) {
        return PageAccess::Public;
    }
    PAGES
        .iter()
        .filter(|page| page.href != "/" && (path == page.href || path.starts_with(&format!("{}/", page.href))))
        .max_by_key(|page| page.href.len())
        .map(|page| page.access)
        .unwrap_or(PageAccess::SignedIn)
}

/// The navigation links a role sees.
pub fn nav_links(role: Role) -> impl Iterator<Item = &'static NavLink> {
    PAGES.iter().filter(move |page| page.in_nav && page.access.allows(Some(role)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_pages_are_for_coc_admins_only() {
        assert!(page_access("/admin/users").allows(Some(Role::CocAdmin)));
        assert!(page_access("/admin/users/7").allows(Some(Role::CocAdmin)));
        assert!(!page_access("/admin/users/7").allows(Some(Role::Coordinator)));
        assert!(!page_access("/admin/users").allows(Some(Role::PlatformAdmin)));
        assert!(!page_access("/admin/users").allows(None));
    }

    #[test]
    fn a_prefix_does_not_match_a_longer_word() {
        assert_eq!(page_access("/admin/usersx"), PageAccess::SignedIn);
    }

    #[test]
    fn login_and_assets_are_public() {
        assert!(page_access("/login").allows(None));
        assert!(page_access("/pkg/hmis-bridge.js").allows(None));
        assert!(!page_access("/").allows(None));
    }
}
