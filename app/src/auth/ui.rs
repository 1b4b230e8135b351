//! Sign-in and password pages.
use leptos::prelude::*;
use leptos_meta::Title;
use leptos_router::hooks::use_query_map;

use super::api::{ChangePassword, Login};
use super::{PASSWORD_MAX_CHARS, PASSWORD_MIN_CHARS};
use crate::ui::feedback::{FormFeedback, notice_outcome, unit_outcome};

#[component]
pub fn LoginPage() -> impl IntoView {
    let login = ServerAction::<Login>::new();
    let next = move || use_query_map().get().get("next").unwrap_or_default();
    let choose_coc = move || matches!(login.value().get(), Some(Err(e)) if e.field() == Some("coc"));
    view! {
        <Title text="Sign in · HMIS Bridge"/>
        <section class="card narrow">
            <h1>"Sign in"</h1>
            <FormFeedback form="login" outcome=Signal::derive(move || unit_outcome(login.value().get()))/>
            <ActionForm action=login>
                <input type="hidden" name="next" value=next/>
                <label for="login-email">"Email"</label>
                <input id="login-email" type="email" name="email" autocomplete="username" required/>
                <label for="login-password">"Password"</label>
                <input id="login-password" type="password" name="password" autocomplete="current-password" required/>
                // Only for a person with accounts in several CoCs under one address (docs/auth.md).
                <details open=choose_coc>
                    <summary>"More than one CoC?"</summary>
                    <label for="login-coc">"CoC code"</label>
                    <input id="login-coc" type="text" name="coc" autocomplete="organization" maxlength="64"
                        aria-describedby="login-coc-hint"/>
                    <p class="hint" id="login-coc-hint">"The code of the CoC to sign in to, for example CA-600."</p>
                </details>
                <button type="submit" disabled=move || login.pending().get()>"Sign in"</button>
            </ActionForm>
        </section>
    }
}

#[component]
pub fn ChangePasswordPage() -> impl IntoView {
    let change = ServerAction::<ChangePassword>::new();
    view! {
        <Title text="Change password · HMIS Bridge"/>
        <section class="card narrow">
            <h1>"Change password"</h1>
            <p class="hint">
                {format!("Use {PASSWORD_MIN_CHARS} to {PASSWORD_MAX_CHARS} characters. A passphrase of a few unrelated words works well.")}
            </p>
            <FormFeedback form="change_password" outcome=Signal::derive(move || notice_outcome(change.value().get()))/>
            <ActionForm action=change>
                <label for="pw-current">"Current password"</label>
                <input id="pw-current" type="password" name="current" autocomplete="current-password" required/>
                <label for="pw-new">"New password"</label>
                <input id="pw-new" type="password" name="new" autocomplete="new-password"
                    minlength=PASSWORD_MIN_CHARS.to_string() maxlength=PASSWORD_MAX_CHARS.to_string() required/>
                <label for="pw-confirm">"Confirm new password"</label>
                <input id="pw-confirm" type="password" name="confirm" autocomplete="new-password" required/>
                <button type="submit">"Change password"</button>
            </ActionForm>
        </section>
    }
}
