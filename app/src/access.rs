//! Roles and which pages each role may open: the one table the navigation and the server's
//! page guard both read.

stored_enum! {
    /// Stored in `users.role` by name (a CHECK constraint lists them).
    pub enum Role {
        PlatformAdmin = "platform_admin",
        CocAdmin = "coc_admin",
        Coordinator = "coordinator",
    }
}

impl Role {
    pub const ASSIGNABLE: [Role; 2] = [Role::CocAdmin, Role::Coordinator];

    pub fn label(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "Platform admin",
            Role::CocAdmin => "CoC admin",
            Role::Coordinator => "Coordinator",
        }
    }
}

/// Who may open a page, call a server function or download a file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PageAccess {
    Public,
    SignedIn,
    /// Any signed-in user, even one who must first replace a one-time password: the password
    /// page and its form.
    Account,
    Roles(&'static [Role]),
}

pub const COC_ADMIN: PageAccess = PageAccess::Roles(&[Role::CocAdmin]);
pub const COORDINATOR: PageAccess = PageAccess::Roles(&[Role::Coordinator]);
/// Bed counts and their history: coordinators for their shelters, CoC admins for all.
pub const COUNTS: PageAccess = PageAccess::Roles(&[Role::Coordinator, Role::CocAdmin]);
pub const PLATFORM_ADMIN: PageAccess = PageAccess::Roles(&[Role::PlatformAdmin]);

/// Why a request may not go on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// Nobody is signed in.
    SignIn,
    /// The role may not: answered as "not found", the same as for what does not exist.
    NotFound,
    /// The user must replace a one-time password before anything else.
    ChangePassword,
}

/// The signed-in user, as far as access is concerned.
#[derive(Debug, Clone, Copy)]
pub struct Visitor {
    pub role: Role,
    pub must_change_password: bool,
}

impl PageAccess {
    /// The one access rule, for pages, server functions and downloads alike.
    pub fn check(self, visitor: Option<Visitor>) -> Result<(), Denied> {
        let visitor = match (self, visitor) {
            (PageAccess::Public, _) => return Ok(()),
            (_, None) => return Err(Denied::SignIn),
            (_, Some(v)) => v,
        };
        if !self.allows(visitor.role) {
            return Err(Denied::NotFound);
        }
        if visitor.must_change_password && self != PageAccess::Account {
            return Err(Denied::ChangePassword);
        }
        Ok(())
    }

    /// Whether the role may (navigation shows only such links).
    pub fn allows(self, role: Role) -> bool {
        match self {
            PageAccess::Public | PageAccess::SignedIn | PageAccess::Account => true,
            PageAccess::Roles(roles) => roles.contains(&role),
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
    NavLink { href: "/shelters", label: "My shelters", access: COORDINATOR, in_nav: true },
    NavLink { href: "/shelter-history", label: "History", access: COUNTS, in_nav: false },
    NavLink { href: "/admin/shelters", label: "Shelters", access: COC_ADMIN, in_nav: true },
    NavLink { href: "/admin/organizations", label: "Organizations", access: COC_ADMIN, in_nav: true },
    NavLink { href: "/admin/hmis-export", label: "HMIS Export", access: COC_ADMIN, in_nav: true },
    NavLink { href: "/admin/users", label: "Users", access: COC_ADMIN, in_nav: true },
    NavLink { href: "/admin/api-tokens", label: "API tokens", access: COC_ADMIN, in_nav: true },
    NavLink { href: "/admin/settings", label: "Settings", access: COC_ADMIN, in_nav: true },
    NavLink { href: "/platform/tenants", label: "CoCs", access: PLATFORM_ADMIN, in_nav: true },
    NavLink { href: "/account/password", label: "Password", access: PageAccess::Account, in_nav: false },
];

/// Open to anyone: sign-in, the site's files, the probes, and the JSON contract's schema.
const PUBLIC_PREFIXES: &[&str] = &["/login", "/pkg/", "/healthz", "/readyz", "/metrics", "/favicon.ico", "/schemas/"];

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
    PAGES.iter().filter(move |page| page.in_nav && page.access.allows(role))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn signed_in(role: Role) -> Option<Visitor> {
        Some(Visitor { role, must_change_password: false })
    }

    #[test]
    fn admin_pages_are_for_coc_admins_only() {
        assert_eq!(page_access("/admin/users").check(signed_in(Role::CocAdmin)), Ok(()));
        assert_eq!(page_access("/admin/users/7").check(signed_in(Role::CocAdmin)), Ok(()));
        assert_eq!(page_access("/admin/users/7").check(signed_in(Role::Coordinator)), Err(Denied::NotFound));
        assert_eq!(page_access("/admin/users").check(signed_in(Role::PlatformAdmin)), Err(Denied::NotFound));
        assert_eq!(page_access("/admin/users").check(None), Err(Denied::SignIn));
    }

    #[test]
    fn a_one_time_password_is_replaced_before_anything_else() {
        let must_change = Some(Visitor { role: Role::CocAdmin, must_change_password: true });
        assert_eq!(page_access("/").check(must_change), Err(Denied::ChangePassword));
        assert_eq!(page_access("/admin/users").check(must_change), Err(Denied::ChangePassword));
        assert_eq!(page_access("/account/password").check(must_change), Ok(()));
        assert_eq!(page_access("/platform/tenants").check(must_change), Err(Denied::NotFound));
    }

    #[test]
    fn a_prefix_does_not_match_a_longer_word() {
        assert_eq!(page_access("/admin/usersx"), PageAccess::SignedIn);
    }

    #[test]
    fn login_and_assets_are_public() {
        assert_eq!(page_access("/login").check(None), Ok(()));
        assert_eq!(page_access("/pkg/hmis-bridge.js").check(None), Ok(()));
        assert_eq!(page_access("/").check(None), Err(Denied::SignIn));
    }
}
