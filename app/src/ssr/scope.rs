//! Tenant scoping, in one place. Every query of tenant-owned data starts from [`Access::find`],
//! which a caller can only hold after `auth::ssr::authorize` let them in.
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};

use crate::access::Role;
use crate::auth::ssr::CurrentUser;
use crate::error::AppError;

/// An entity whose rows belong to one tenant.
pub trait TenantOwned: EntityTrait {
    fn tenant_column() -> Self::Column;
}

/// Proof that the caller passed authorization, and the scope of what they may see.
#[derive(Clone, Debug)]
pub struct Access {
    pub user: CurrentUser,
}

impl Access {
    pub fn role(&self) -> Role {
        self.user.role
    }

    /// The caller's tenant. Platform admins have none, so tenant data is "not found" for them.
    pub fn tenant_id(&self) -> Result<i64, AppError> {
        self.user.tenant_id.ok_or(AppError::NotFound)
    }

    /// A select of `E` restricted to the caller's tenant.
    pub fn find<E: TenantOwned>(&self) -> Result<Select<E>, AppError> {
        Ok(E::find().filter(E::tenant_column().eq(self.tenant_id()?)))
    }
}
