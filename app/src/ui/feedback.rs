//! Form outcomes: the result of a hydrated submit, or the flash left by a plain form post.
use leptos::prelude::*;
use serde::{Deserialize, Serialize};

use crate::error::{AppError, Notice};

/// The outcome of a plain form post, kept in the session until the next page render.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Flash {
    pub form: String,
    pub outcome: Result<Notice, AppError>,
}

/// The flashes of this page render, provided by `App`.
#[derive(Clone, Copy)]
pub struct Flashes(pub Resource<Result<Vec<Flash>, AppError>>);

/// What a form's action returned, reduced to what the user is told.
pub type Outcome = Option<Result<Option<Notice>, AppError>>;

/// Outcome of an action whose success value is a `Notice`.
pub fn notice_outcome(value: Option<Result<Notice, AppError>>) -> Outcome {
    value.map(|r| r.map(Some))
}

/// Outcome of an action whose success says nothing (it redirects).
pub fn unit_outcome(value: Option<Result<(), AppError>>) -> Outcome {
    value.map(|r| r.map(|_| None))
}

/// Shows the result of form `form`: the hydrated action's value if there is one, otherwise the
/// flash a plain form post left behind.
#[component]
pub fn FormFeedback(#[prop(into)] form: String, #[prop(into)] outcome: Signal<Outcome>) -> impl IntoView {
    let flashes = use_context::<Flashes>();
    let form = std::sync::Arc::new(form);
    let from_flash = move || -> Outcome {
        let flashes = flashes?.0.get()?.ok()?;
        let flash = flashes.into_iter().find(|f| f.form == *form)?;
        Some(flash.outcome.map(Some))
    };
    view! {
        <Transition fallback=|| ()>
            {move || match outcome.get().or_else(from_flash.clone()) {
                Some(Ok(Some(notice))) => {
                    view! {
                        <div class="notice notice-ok" role="status">
                            <p>{notice.message}</p>
                            {notice.secret.map(|secret| view! {
                                <p class="secret-line">
                                    "Shown once; copy it now: "
                                    <code class="secret" data-testid="one-time-password">{secret}</code>
                                </p>
                            })}
                        </div>
                    }.into_any()
                }
                Some(Err(err)) => {
                    let field = err.field().map(str::to_string);
                    view! {
                        <div class="notice notice-error" role="alert" data-field=field>
                            <p>{err.to_string()}</p>
                        </div>
                    }.into_any()
                }
                _ => ().into_any(),
            }}
        </Transition>
    }
}
