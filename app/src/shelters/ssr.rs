//! The shelter list, through `Access::shelters()` so DV shelters never reach a user without DV
//! access: not in rows, not in the count, not in totals.
use std::collections::HashMap;

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{ColumnTrait, Condition, PaginatorTrait, QueryFilter, QueryOrder};

use super::{PAGE_SIZE, ShelterPage, ShelterRow};
use crate::access::COC_ADMIN;
use crate::auth::ssr::authorize;
use crate::entities::{organization, shelter};
use crate::error::AppError;
use crate::hmis::codes::PROJECT_TYPE;
use crate::inventory::ssr::line_counts;
use crate::inventory::utilization;
use crate::ssr;

/// `%text%` for LIKE, with the user's own `%`, `_` and `\` matched literally.
fn contains_pattern(text: &str) -> String {
    let escaped = text.to_lowercase().replace('\\', "\\\\").replace('%', "\\%").replace('_', "\\_");
    format!("%{escaped}%")
}

pub async fn list(query: String, page: u64) -> Result<ShelterPage, AppError> {
    let access = authorize(COC_ADMIN).await?;
    let db = ssr::db()?;
    let query = query.trim().chars().take(100).collect::<String>();
    let mut select = access.shelters()?;
    if !query.is_empty() {
        let pattern = contains_pattern(&query);
        let like = |col: shelter::Column| {
            Expr::expr(Func::lower(Expr::col((shelter::Entity, col)))).like(LikeExpr::new(pattern.clone()).escape('\\'))
        };
        select =
            select.filter(Condition::any().add(like(shelter::Column::Name)).add(like(shelter::Column::HmisProjectId)));
    }
    let paginator =
        select.order_by_asc(shelter::Column::Name).order_by_asc(shelter::Column::Id).paginate(&db, PAGE_SIZE);
    let total = paginator.num_items().await?;
    let pages = Ord::max(total.div_ceil(PAGE_SIZE), 1);
    let page = page.clamp(1, pages);
    let shelters = paginator.fetch_page(page - 1).await?;

    let org_ids: Vec<i64> = shelters.iter().map(|s| s.organization_id).collect();
    let orgs: HashMap<i64, String> = access
        .find::<organization::Entity>()?
        .filter(organization::Column::Id.is_in(org_ids))
        .all(&db)
        .await?
        .into_iter()
        .map(|o| (o.id, o.name))
        .collect();
    let ids: Vec<i64> = shelters.iter().map(|s| s.id).collect();
    let mut lines = line_counts(&db, &access, &ids).await?;
    let rows = shelters
        .into_iter()
        .map(|s| {
            let lines = lines.remove(&s.id).unwrap_or_default();
            let beds_total: i32 = lines.iter().map(|l| l.beds_total).sum();
            let reported = lines.iter().all(|l| l.beds_occupied.is_some()) && !lines.is_empty();
            let beds_occupied = reported.then(|| lines.iter().filter_map(|l| l.beds_occupied).sum::<i32>());
            ShelterRow {
                id: s.public_id,
                hmis_project_id: s.hmis_project_id,
                organization: orgs.get(&s.organization_id).cloned().unwrap_or_default(),
                project_type: PROJECT_TYPE.label(s.project_type).to_string(),
                utilization: beds_occupied.and_then(|o| utilization(o, beds_total)),
                beds_total,
                beds_occupied,
                last_updated: lines.iter().filter_map(|l| l.updated_at.clone()).max(),
                stale: lines.iter().any(|l| l.stale),
                name: s.name,
                active: s.active,
                is_dv: s.is_dv,
            }
        })
        .collect();
    Ok(ShelterPage { rows, total, page, pages, query })
}

#[cfg(test)]
mod tests {
    #[test]
    fn like_wildcards_in_a_search_are_literal() {
        assert_eq!(super::contains_pattern("50%_A\\b"), "%50\\%\\_a\\\\b%");
    }
}
