//! Tenant scoping, in one place. Every query of tenant-owned data starts from [`Access::find`],
//! which a caller can only hold after `auth::ssr::authorize` let them in.
use sea_orm::sea_query::Query;
use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QuerySelect, QueryTrait, Select};

use crate::access::Role;
use crate::auth::ssr::{CurrentUser, Granted};
use crate::entities::{
    api_token, bed_snapshot, ce_participation, funder, inventory, organization, shelter, shelter_coordinator, user,
};
use crate::error::AppError;

/// An entity whose rows belong to one tenant.
pub trait TenantOwned: EntityTrait {
    fn tenant_column() -> Self::Column;
}

/// Proof that the caller passed authorization, and the scope of what they may see. Only the
/// auth module can make one (it alone holds a [`Granted`]).
#[derive(Clone, Debug)]
pub struct Access {
    user: CurrentUser,
}

impl Access {
    pub fn new(user: CurrentUser, _granted: Granted) -> Access {
        Access { user }
    }

    pub fn user(&self) -> &CurrentUser {
        &self.user
    }

    pub fn role(&self) -> Role {
        self.user.role
    }

    /// The caller's tenant. Platform admins have none, so tenant data is "not found" for them.
    pub fn tenant_id(&self) -> Result<i64, AppError> {
        self.user.tenant_id.ok_or(AppError::NotFound)
    }

    /// A select of `E` restricted to the caller's tenant.
    pub fn find<E: TenantOwned>(&self) -> Result<Select<E>, AppError> {
        Ok(self.tenant()?.find::<E>())
    }

    /// The caller's whole tenant, DV shelters included: only for `hmis::transform`, which folds
    /// DV shelters into the aggregate whoever asks.
    pub fn tenant(&self) -> Result<TenantScope, AppError> {
        Ok(TenantScope(self.tenant_id()?))
    }

    /// The caller's CoC clock, for the dates and times they see (UTC for a platform admin).
    pub async fn clock(&self, db: &impl ConnectionTrait) -> Result<crate::ssr::clock::CocClock, AppError> {
        crate::ssr::clock::CocClock::for_tenant(db, self.user.tenant_id).await
    }
}

/// All of one tenant's data. Reached through [`Access::tenant`], or by an operator's command.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct TenantScope(i64);

impl TenantScope {
    /// For operator commands (the CLI), which name the tenant themselves.
    pub fn for_operator(tenant_id: i64) -> TenantScope {
        TenantScope(tenant_id)
    }

    pub fn tenant_id(self) -> i64 {
        self.0
    }

    /// A select of `E` restricted to this tenant.
    pub fn find<E: TenantOwned>(self) -> Select<E> {
        E::find().filter(E::tenant_column().eq(self.0))
    }

    /// Every shelter of the tenant, DV shelters included.
    pub fn all_shelters(self) -> Select<shelter::Entity> {
        shelter::Entity::find().filter(shelter::Column::TenantId.eq(self.0))
    }

    /// Every inventory line of the tenant, DV shelters' included.
    pub fn all_inventories(self) -> Select<inventory::Entity> {
        inventory::Entity::find().filter(inventory::Column::TenantId.eq(self.0))
    }

    /// Every bed snapshot of the tenant, DV shelters' included.
    pub fn all_bed_snapshots(self) -> Select<bed_snapshot::Entity> {
        bed_snapshot::Entity::find().filter(bed_snapshot::Column::TenantId.eq(self.0))
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

    /// The users the caller may see: their tenant's, and those with DV access only to callers who
    /// have it. Who keeps DV shelters' counts, and when they last signed in, would tell that DV
    /// shelters exist; an admin without DV access may not change such a user anyway.
    pub fn users(&self) -> Result<Select<user::Entity>, AppError> {
        let mut select = self.find::<user::Entity>()?;
        if !self.user.dv_access {
            select = select.filter(user::Column::DvAccess.eq(false));
        }
        Ok(select)
    }

    /// The organizations the caller may see: victim service providers only with DV access (a
    /// VSP's existence is as hidden as its shelters').
    pub fn organizations(&self) -> Result<Select<organization::Entity>, AppError> {
        let mut select = self.find::<organization::Entity>()?;
        if !self.user.dv_access {
            select = select.filter(organization::Column::VictimServiceProvider.eq(false));
        }
        Ok(select)
    }

    /// The shelter with public id `id` if the caller may see it, or `NotFound` (the same for a
    /// hidden and a missing one). Handlers that take a shelter id call this, or
    /// [`Access::shelter_for_write`], before any other query uses the id.
    pub async fn shelter(&self, db: &impl ConnectionTrait, id: &str) -> Result<shelter::Model, AppError> {
        self.shelters()?.filter(shelter::Column::PublicId.eq(id)).one(db).await?.ok_or(AppError::NotFound)
    }

    /// [`Access::shelter`] inside a write transaction, locked for share, so the shelter cannot
    /// become DV (and so hidden) before the write commits. Reads take no lock: on PostgreSQL a
    /// row lock writes the row.
    pub async fn shelter_for_write(&self, txn: &impl ConnectionTrait, id: &str) -> Result<shelter::Model, AppError> {
        self.shelters()?
            .filter(shelter::Column::PublicId.eq(id))
            .lock_shared()
            .one(txn)
            .await?
            .ok_or(AppError::NotFound)
    }

    /// The inventory line with public id `id`, of a shelter the caller may see, with that shelter;
    /// or `NotFound`.
    pub async fn inventory_line(
        &self,
        db: &impl ConnectionTrait,
        id: &str,
    ) -> Result<(inventory::Model, shelter::Model), AppError> {
        let visible = self.shelters()?.select_only().column(shelter::Column::Id).into_query();
        let line = self
            .tenant()?
            .all_inventories()
            .filter(inventory::Column::PublicId.eq(id))
            .filter(inventory::Column::ShelterId.in_subquery(visible))
            .one(db)
            .await?
            .ok_or(AppError::NotFound)?;
        let shelter = self
            .shelters()?
            .filter(shelter::Column::Id.eq(line.shelter_id))
            .lock_shared()
            .one(db)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok((line, shelter))
    }

    /// The row of a shelter's own records (a funder, a CE period) with public id `id`, of a
    /// shelter the caller may see, with that shelter; or `NotFound`.
    pub async fn shelter_record<E: ShelterRecord>(
        &self,
        db: &impl ConnectionTrait,
        id: &str,
    ) -> Result<(E::Model, shelter::Model), AppError> {
        let visible = self.shelters()?.select_only().column(shelter::Column::Id).into_query();
        let row = self
            .find::<E>()?
            .filter(E::public_id_column().eq(id))
            .filter(E::deleted_at_column().is_null())
            .filter(E::shelter_id_column().in_subquery(visible))
            .one(db)
            .await?
            .ok_or(AppError::NotFound)?;
        let shelter = self
            .shelters()?
            .filter(shelter::Column::Id.eq(E::shelter_of(&row)))
            .lock_shared()
            .one(db)
            .await?
            .ok_or(AppError::NotFound)?;
        Ok((row, shelter))
    }
}

/// Records that belong to one shelter and are named by a public id: funders and CE periods.
/// Both are dated periods (start, end) that an admin may remove (kept as a deletion, m0022).
pub trait ShelterRecord: TenantOwned {
    fn id_column() -> Self::Column;
    fn public_id_column() -> Self::Column;
    fn shelter_id_column() -> Self::Column;
    fn start_column() -> Self::Column;
    fn end_column() -> Self::Column;
    fn updated_at_column() -> Self::Column;
    /// Set when an admin removed the record: it answers as a missing one.
    fn deleted_at_column() -> Self::Column;
    fn id_of(row: &Self::Model) -> i64;
    fn shelter_of(row: &Self::Model) -> i64;
}

macro_rules! shelter_record {
    ($($entity:ident),*) => {$(
        impl ShelterRecord for $entity::Entity {
            fn id_column() -> $entity::Column {
                $entity::Column::Id
            }
            fn public_id_column() -> $entity::Column {
                $entity::Column::PublicId
            }
            fn shelter_id_column() -> $entity::Column {
                $entity::Column::ShelterId
            }
            fn start_column() -> $entity::Column {
                $entity::Column::StartDate
            }
            fn end_column() -> $entity::Column {
                $entity::Column::EndDate
            }
            fn updated_at_column() -> $entity::Column {
                $entity::Column::UpdatedAt
            }
            fn deleted_at_column() -> $entity::Column {
                $entity::Column::DeletedAt
            }
            fn id_of(row: &$entity::Model) -> i64 {
                row.id
            }
            fn shelter_of(row: &$entity::Model) -> i64 {
                row.shelter_id
            }
        }
    )*};
}
shelter_record!(funder, ce_participation);

/// Proof that a request's API token was checked, and what it opens: its CoC's export view (DV
/// shelters only as the aggregate), and for a `bed_counts` token the counts of its shelters. Only
/// `api_tokens::ssr::authenticate` makes one.
#[derive(Clone, Debug)]
pub struct ApiAccess {
    token: api_token::Model,
    shelters: Vec<i64>,
}

impl ApiAccess {
    pub(crate) fn new(token: api_token::Model, shelters: Vec<i64>) -> ApiAccess {
        ApiAccess { token, shelters }
    }

    pub fn token(&self) -> &api_token::Model {
        &self.token
    }

    /// The shelters a `bed_counts` token names (none for `read`).
    pub fn shelter_ids(&self) -> &[i64] {
        &self.shelters
    }

    /// The token's whole CoC: only for `hmis::ssr::export`, whose view folds DV shelters into the
    /// aggregate whoever asks.
    pub fn tenant(&self) -> TenantScope {
        TenantScope(self.token.tenant_id)
    }

    /// Whether the token may feed bed counts at all.
    pub fn feeds_counts(&self) -> bool {
        self.token.scope == crate::api_tokens::TokenScope::BedCounts
    }

    /// The shelter with HMIS ProjectID `project_id` whose counts this token feeds, or `NotFound`:
    /// the same for a missing shelter, a DV one, another CoC's, an inactive one and one the token
    /// does not feed. Handlers that take a ProjectID to feed call this, or
    /// [`ApiAccess::fed_shelter_for_write`], first.
    pub async fn fed_shelter(&self, db: &impl ConnectionTrait, project_id: &str) -> Result<shelter::Model, AppError> {
        self.fed_shelters(project_id)?.one(db).await?.ok_or(AppError::NotFound)
    }

    /// [`ApiAccess::fed_shelter`] inside a write transaction, locked for update: it cannot turn DV
    /// (and so hidden) before the write commits, and two saves of one shelter queue rather than
    /// deadlock over its counts version (two share locks, then two updates).
    pub async fn fed_shelter_for_write(
        &self,
        txn: &impl ConnectionTrait,
        project_id: &str,
    ) -> Result<shelter::Model, AppError> {
        self.fed_shelters(project_id)?.lock_exclusive().one(txn).await?.ok_or(AppError::NotFound)
    }

    fn fed_shelters(&self, project_id: &str) -> Result<Select<shelter::Entity>, AppError> {
        if !self.feeds_counts() || self.shelters.is_empty() {
            return Err(AppError::NotFound);
        }
        Ok(self
            .tenant()
            .all_shelters()
            .filter(shelter::Column::HmisProjectId.eq(project_id))
            .filter(shelter::Column::Id.is_in(self.shelters.iter().copied()))
            .filter(shelter::Column::IsDv.eq(false))
            .filter(shelter::Column::Active.eq(true)))
    }
}
