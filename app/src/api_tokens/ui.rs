//! The API tokens page for CoC admins: make a token (its secret shown once), see when each was
//! last used, revoke one.
use leptos::prelude::*;
use leptos_meta::Title;

use super::api::{CreateApiToken, RevokeApiToken, list_api_tokens};
use super::{FeedableShelter, TokenRow, TokenScope};
use crate::ui::feedback::{FormFeedback, notice_outcome};

#[component]
pub fn ApiTokensPage() -> impl IntoView {
    let create = ServerAction::<CreateApiToken>::new();
    let revoke = ServerAction::<RevokeApiToken>::new();
    let page = Resource::new(move || (create.version().get(), revoke.version().get()), |_| list_api_tokens());
    view! {
        <Title text="API tokens · HMIS Bridge"/>
        <h1>"API tokens"</h1>
        <p class="hint">
            "Other systems use this CoC's JSON API (" <a href="/api/v1/docs">"its reference"</a>
            ") with a token: a read token sees the projects and inventory as the HMIS export shows them, DV shelters only as the aggregate; "
            "a bed-counts token also sends the counts of the shelters it names, as a coordinator would."
        </p>
        <FormFeedback form="revoke_api_token" outcome=Signal::derive(move || notice_outcome(revoke.value().get()))/>
        <Transition fallback=|| view! { <p>"Loading tokens…"</p> }>
            {move || page.get().map(|result| match result {
                Err(err) => view! { <p class="notice notice-error" role="alert">{err.to_string()}</p> }.into_any(),
                Ok(page) => view! {
                    <section class="card">
                        <h2>"Make a token"</h2>
                        <FormFeedback form="create_api_token" outcome=Signal::derive(move || notice_outcome(create.value().get()))/>
                        <NewTokenForm create shelters=page.shelters/>
                    </section>
                    <section class="card">
                        <h2>"This CoC's tokens"</h2>
                        <TokensTable rows=page.tokens revoke/>
                    </section>
                }.into_any(),
            })}
        </Transition>
    }
}

#[component]
fn NewTokenForm(create: ServerAction<CreateApiToken>, shelters: Vec<FeedableShelter>) -> impl IntoView {
    view! {
        <ActionForm action=create attr:class="grid-form">
            <label for="token-name">"Name"</label>
            <input id="token-name" name="name" required maxlength="100" autocomplete="off"
                placeholder="The system that will use it, like ShelterSoft feed"/>
            <fieldset class="choices">
                <legend>"Scope"</legend>
                <label class="check"><input type="radio" name="scope" value=TokenScope::Read.as_str() checked/>" "{TokenScope::Read.label()}</label>
                <label class="check"><input type="radio" name="scope" value=TokenScope::BedCounts.as_str()/>" "{TokenScope::BedCounts.label()}</label>
            </fieldset>
            <fieldset class="choices long">
                <legend>"Shelters whose counts it feeds (bed-counts tokens only)"</legend>
                {if shelters.is_empty() {
                    view! { <p class="hint">"No active shelter can be fed yet."</p> }.into_any()
                } else {
                    shelters.into_iter().enumerate().map(|(i, s)| view! {
                        <label class="check">
                            <input type="checkbox" name=format!("shelters[{i}]") value=s.project_id.clone()/>
                            " " {s.project_id} " " {s.name}
                        </label>
                    }).collect_view().into_any()
                }}
            </fieldset>
            <button type="submit">"Make token"</button>
        </ActionForm>
    }
}

#[component]
fn TokensTable(rows: Vec<TokenRow>, revoke: ServerAction<RevokeApiToken>) -> impl IntoView {
    if rows.is_empty() {
        return view! { <p class="hint">"No tokens yet."</p> }.into_any();
    }
    view! {
        <div class="table-wrap">
            <table>
                <thead>
                    <tr><th scope="col">"Name"</th><th scope="col">"Scope"</th><th scope="col">"Shelters"</th>
                        <th scope="col">"Made"</th><th scope="col">"Last used"</th><th scope="col">"Status"</th></tr>
                </thead>
                <tbody>
                    {rows.into_iter().map(|t| view! {
                        <tr>
                            <td>{t.name.clone()}</td>
                            <td>{t.scope.label()}</td>
                            <td>{if t.shelters.is_empty() { "—".to_string() } else { t.shelters.join(", ") }}</td>
                            <td>{t.created_at}</td>
                            <td>{t.last_used_at.unwrap_or_else(|| "never".into())}</td>
                            <td>{match t.revoked_at {
                                Some(at) => format!("Revoked {at}").into_any(),
                                None => view! {
                                    <ActionForm action=revoke attr:class="inline">
                                        <input type="hidden" name="id" value=t.id/>
                                        <button type="submit" class="danger" aria-label=format!("Revoke {}", t.name)>"Revoke"</button>
                                    </ActionForm>
                                }.into_any(),
                            }}</td>
                        </tr>
                    }).collect_view()}
                </tbody>
            </table>
        </div>
    }
    .into_any()
}
