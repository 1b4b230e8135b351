//! Tenant scoping, in one place. Every query of tenant-owned data starts from [`Access::find`],
//! which a caller can only hold after `auth::ssr::authorize` let them in.
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, Select};

use crate::access::Role;
use crate::auth::ssr::CurrentUser;
use crate::entities::{shelter, shelter_coordinator};
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

impl Access {
    /// The shelters the caller may see: their tenant's; never a DV shelter without DV access
    /// (DESIGN.md 4.1: without access it does not exist); for a coordinator, only assigned ones.
    pub fn shelters(&self) -> Result<Select<shelter::Entity>, AppError> {
        let mut select = shelter::Entity::find().filter(shelter::Column::TenantId.eq(self.tenant_id()?));
        if !self.user.dv_access {
            select = select.filter(shelter::Column::IsDv.eq(false));
        }
        if self.user.role == Role::Coordinator {
            select = select.filter(
                shelter::Column::Id.in_subquery(
                    Query::select()
                        .column(shelter_coordinator::Column::ShelterId)
                        .from(shelter_coordinator::Entity)
                        .and_where(shelter_coordinator::Column::UserId.eq(self.user.id))
                        .to_owned(),
                ),
            );
        }
        Ok(select)
    }
}
