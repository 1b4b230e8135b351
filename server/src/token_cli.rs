//! `hmis-bridge token create|list|revoke`: a CoC's API tokens from the command line (docs/api.md).
use anyhow::bail;
use sea_orm::DatabaseConnection;

use app::api_tokens::TokenScope;
use app::api_tokens::ssr::{self as tokens, NewToken};

use crate::cli::TokenCommand;
use crate::vendor_cli::{fail, scope, tenant_of};

/// Run `command`; what to print.
pub async fn run(db: &DatabaseConnection, command: TokenCommand) -> anyhow::Result<String> {
    let now = chrono::Utc::now();
    match command {
        TokenCommand::Create { tenant, name, scope: wanted, shelters } => {
            let Some(token_scope) = TokenScope::parse_cli(&wanted) else {
                bail!("--scope must be read or bed-counts, got {wanted:?}");
            };
            let tenant_id = scope(db, &tenant).await?.tenant_id();
            let new = NewToken { tenant_id, name: &name, scope: token_scope, shelters: &shelters, dv_visible: true };
            let (token, secret) = tokens::create(db, new, now).await.map_err(fail)?;
            Ok(format!(
                "Made the {} token {:?}. Its secret, shown this once (only its hash is kept):\n{secret}\n\
                 Send it as \"Authorization: Bearer <secret>\"; revoke it with `hmis-bridge token revoke`.",
                token.scope.as_str(),
                token.name
            ))
        }
        TokenCommand::List { tenant } => {
            let coc = tenant_of(db, &tenant).await?;
            let listed = tokens::list(db, coc.id).await.map_err(fail)?;
            if listed.is_empty() {
                return Ok(format!("{tenant} has no API tokens."));
            }
            // In the CoC's time, like every time a person sees.
            let clock = app::ssr::clock::CocClock::new(app::ssr::clock::zone(&coc.time_zone));
            let time = |t: Option<chrono::DateTime<chrono::Utc>>| t.map_or("never".into(), |t| clock.show(t));
            Ok(listed
                .iter()
                .map(|(t, shelters)| {
                    format!(
                        "{}\t{}\tshelters: {}\tmade {}\tlast used {}\t{}",
                        t.name,
                        t.scope.as_str(),
                        if shelters.is_empty() {
                            "-".into()
                        } else {
                            shelters.iter().map(|s| s.hmis_project_id.as_str()).collect::<Vec<_>>().join(",")
                        },
                        clock.show(t.created_at),
                        time(t.last_used_at),
                        t.revoked_at.map_or("live".into(), |at| format!("revoked {}", clock.show(at)))
                    )
                })
                .collect::<Vec<_>>()
                .join("\n"))
        }
        TokenCommand::Revoke { tenant, name } => {
            let tenant_id = scope(db, &tenant).await?.tenant_id();
            if !tokens::revoke(db, tenant_id, &name, now).await.map_err(fail)? {
                bail!("{tenant} has no live token called {name:?} (`hmis-bridge token list --tenant {tenant}`)");
            }
            Ok(format!("Revoked {name:?}: it opens nothing from now on."))
        }
    }
}
