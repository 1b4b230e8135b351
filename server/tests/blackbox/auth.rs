//! Sign-in, sessions, CSRF, roles, tenants and deactivation, on SQLite and PostgreSQL
//! (throttling: `sign_in_throttle.rs`).
use crate::common::*;

const WRONG: &str = "The email or password is not correct.";

async fn login_succeeds_and_shows_the_user(app: TestApp) {
    let client = app.signed_in(ADMIN).await;
    let home = client.page("/").await;
    assert_eq!(home.status, 200);
    assert!(home.body.contains("Welcome, Dana Whitfield"), "{}", home.body);
    let me = client.call("me", &[]).await.json();
    assert_eq!(me["role"], "coc_admin");
}
both_backends!(login_succeeds_and_shows_the_user);

async fn wrong_password_and_unknown_user_get_the_same_answer(app: TestApp) {
    let client = app.client();
    let wrong = client.login(ADMIN.0, "not-the-password").await;
    let unknown = client.login("nobody@capital-coc.example", "not-the-password").await;
    assert_eq!(wrong.status, 422);
    assert_eq!(unknown.status, 422);
    assert_eq!(wrong.body, unknown.body);
    assert_eq!(wrong.json()["Validation"]["message"], WRONG);
    let me = client.call("me", &[]).await.json();
    assert!(me.is_null(), "a failed sign-in must not sign anyone in");
}
both_backends!(wrong_password_and_unknown_user_get_the_same_answer);

async fn login_rotates_the_session_id(app: TestApp) {
    let client = app.client();
    // A failed plain-form sign-in shows its error without starting a session (the flash travels
    // in a signed cookie; `headers.rs` checks that anonymous requests add no session rows).
    let failed = client.submit("login", &[("email", ADMIN.0), ("password", "nope-nope-nope")], "/login").await;
    assert_eq!(failed.status, 302);
    assert!(session_cookie(&failed.set_cookie).is_none(), "no session for an anonymous visitor");
    let page = client.page("/login").await;
    assert!(page.body.contains(WRONG), "the no-JS form shows the error: {}", page.body);

    // Signing in again, over a live session, gives it a new id.
    let first = client.login(ADMIN.0, ADMIN.1).await;
    let before = session_cookie(&first.set_cookie).expect("session cookie");
    let ok = client.login(ADMIN.0, ADMIN.1).await;
    assert_eq!(ok.status, 200);
    let after = session_cookie(&ok.set_cookie).expect("new session cookie");
    assert_ne!(before, after, "the session id must change at sign-in");
    assert!(ok.set_cookie.iter().any(|c| c.contains("HttpOnly") && c.contains("SameSite=Lax")));

    // The old id is dead: a client presenting it is anonymous.
    let stale = reqwest::Client::builder().redirect(reqwest::redirect::Policy::none()).build().unwrap();
    let res =
        stale.get(format!("{}/", app.base)).header("cookie", format!("hmis_session={before}")).send().await.unwrap();
    assert_eq!(res.status().as_u16(), 303);
}
both_backends!(login_rotates_the_session_id);

async fn logout_ends_the_session(app: TestApp) {
    let client = app.signed_in(COORDINATOR).await;
    assert_eq!(client.page("/").await.status, 200);
    let out = client.submit("logout", &[], "/").await;
    assert_eq!(out.status, 302);
    assert_eq!(out.location.as_deref(), Some("/login"));
    let home = client.page("/").await;
    assert_eq!(home.status, 303);
    assert_eq!(home.location.as_deref(), Some("/login?next=/"));
}
both_backends!(logout_ends_the_session);

async fn cross_site_posts_are_refused(app: TestApp) {
    let admin = app.signed_in(ADMIN).await;
    let form = [("email", "csrf@capital-coc.example"), ("display_name", "Csrf"), ("role", "coordinator")];
    let by_fetch_metadata = admin.post("create_user", &form, "text/html", &[("sec-fetch-site", "cross-site")]).await;
    assert_eq!(by_fetch_metadata.status, 403);
    let by_origin = admin.post("create_user", &form, "text/html", &[("origin", "https://evil.example")]).await;
    assert_eq!(by_origin.status, 403);
    let login = app
        .client()
        .post("login", &[("email", ADMIN.0), ("password", ADMIN.1)], "text/html", &[("origin", "https://evil.example")])
        .await;
    assert_eq!(login.status, 403);
    // Nothing was created.
    let users = admin.call("list_users", &[]).await.json();
    assert!(!users.to_string().contains("csrf@"), "{users}");
    // The same form from the app itself works.
    assert_eq!(admin.call("create_user", &form).await.status, 200);
}
both_backends!(cross_site_posts_are_refused);

async fn each_role_sees_only_its_pages(app: TestApp) {
    let anonymous = app.client();
    let res = anonymous.page("/admin/users").await;
    assert_eq!((res.status, res.location.as_deref()), (303, Some("/login?next=/admin/users")));

    let coordinator = app.signed_in(COORDINATOR).await;
    let admin = app.signed_in(ADMIN).await;
    let platform = app.signed_in(PLATFORM).await;
    let missing = admin.page("/no-such-page").await;
    assert_eq!(missing.status, 404);

    for (client, path, expected) in [
        (&coordinator, "/", 200),
        (&coordinator, "/admin/users", 404),
        (&coordinator, "/platform/tenants", 404),
        (&admin, "/admin/users", 200),
        (&admin, "/platform/tenants", 404),
        (&platform, "/platform/tenants", 200),
        (&platform, "/admin/users", 404),
    ] {
        let res = client.page(path).await;
        assert_eq!(res.status, expected, "{path}: {}", res.body);
    }
    // A forbidden page looks exactly like a missing one.
    assert!(coordinator.page("/admin/users").await.body.contains("Page not found"));
    // The navigation shows only the role's pages.
    let nav = admin.page("/").await.body;
    assert!(nav.contains("href=\"/admin/users\"") && !nav.contains("href=\"/platform/tenants\""));
    // Server functions apply the same rule.
    assert_eq!(coordinator.call("list_users", &[]).await.status, 404);
    assert_eq!(admin.call("list_tenants", &[]).await.status, 404);
    assert_eq!(anonymous.call("list_users", &[]).await.status, 401);
    assert_eq!(platform.call("list_tenants", &[]).await.status, 200);
}
both_backends!(each_role_sees_only_its_pages);

async fn another_tenants_user_is_not_found(app: TestApp) {
    // A platform admin creates CoC B and its first admin.
    let platform = app.signed_in(PLATFORM).await;
    let created = platform
        .call(
            "create_tenant",
            &[
                ("name", "Harbor County CoC"),
                ("slug", "harbor"),
                ("coc_codes", "ca-600"),
                ("time_zone", "America/Los_Angeles"),
                ("admin_name", "Bea Harbor"),
                ("admin_email", "bea@harbor.example"),
            ],
        )
        .await;
    let one_time = secret_of(&created);

    // B's admin must replace the one-time password before anything else.
    let b = app.client();
    assert_eq!(b.login("bea@harbor.example", &one_time).await.status, 200);
    assert_eq!(b.page("/admin/users").await.location.as_deref(), Some("/account/password"));
    assert_eq!(b.call("list_users", &[]).await.status, 422);
    let changed = b
        .call(
            "change_password",
            &[("current", &one_time), ("new", "harbor-lights-2026"), ("confirm", "harbor-lights-2026")],
        )
        .await;
    assert_eq!(changed.status, 200, "{}", changed.body);

    // Tenant A's users, seen from B, are the same "not found" as ids that do not exist.
    let a_admin = app.signed_in(ADMIN).await;
    let a_users = a_admin.call("list_users", &[]).await.json();
    let a_id = id_text(&a_users[0]["id"]);
    let b_users = b.call("list_users", &[]).await.json();
    assert_eq!(b_users.as_array().unwrap().len(), 1, "B sees only its own admin: {b_users}");

    let theirs = b.call("get_user", &[("id", &a_id)]).await;
    let nobody = b.call("get_user", &[("id", "987654")]).await;
    assert_eq!((theirs.status, &theirs.body), (nobody.status, &nobody.body));
    assert_eq!(theirs.status, 404);
    let theirs_page = b.page(&format!("/admin/users/{a_id}")).await;
    let nobody_page = b.page("/admin/users/987654").await;
    assert_eq!(theirs_page.status, 404);
    assert_eq!(theirs_page.page_text(), nobody_page.page_text());
    for endpoint in ["set_user_active", "reset_user_password"] {
        let form: &[(&str, &str)] =
            if endpoint == "set_user_active" { &[("id", &a_id), ("active", "false")] } else { &[("id", &a_id)] };
        assert_eq!(b.call(endpoint, form).await.status, 404, "{endpoint}");
    }
    assert_eq!(b.call("update_user", &[("id", &a_id), ("role", "coc_admin")]).await.status, 404);
    // Nothing changed in A.
    assert_eq!(a_admin.call("list_users", &[]).await.json(), a_users);
}
both_backends!(another_tenants_user_is_not_found);

async fn a_deactivated_users_session_stops_working(app: TestApp) {
    let coordinator = app.signed_in(COORDINATOR).await;
    assert_eq!(coordinator.page("/").await.status, 200);
    let admin = app.signed_in(ADMIN).await;
    let users = admin.call("list_users", &[]).await.json();
    let id = users.as_array().unwrap().iter().find(|u| u["email"] == COORDINATOR.0).map(|u| id_text(&u["id"])).unwrap();
    let res = admin.call("set_user_active", &[("id", &id), ("active", "false")]).await;
    assert_eq!(res.status, 200, "{}", res.body);

    assert_eq!(coordinator.page("/").await.status, 303);
    assert!(coordinator.call("me", &[]).await.json().is_null());
    assert_eq!(app.client().login(COORDINATOR.0, COORDINATOR.1).await.status, 422);
}
both_backends!(a_deactivated_users_session_stops_working);

async fn bad_input_names_the_field_and_saves_nothing(app: TestApp) {
    let admin = app.signed_in(ADMIN).await;
    let before = admin.call("list_users", &[]).await.json();
    for (form, field) in [
        (vec![("email", "not-an-email"), ("display_name", "X"), ("role", "coordinator")], "email"),
        (vec![("email", "x@y.example"), ("display_name", "  "), ("role", "coordinator")], "display_name"),
        (vec![("email", "x@y.example"), ("display_name", "X"), ("role", "platform_admin")], "role"),
        (vec![("email", ADMIN.0), ("display_name", "X"), ("role", "coordinator")], "email"),
        (vec![("email", "x@y.example")], "form"),
    ] {
        let res = admin.call("create_user", &form).await;
        assert_eq!(res.status, 422, "{form:?}: {}", res.body);
        assert_eq!(res.json()["Validation"]["field"], field, "{}", res.body);
    }
    assert_eq!(admin.call("get_user", &[("id", "abc")]).await.status, 404, "a malformed id is not found either");
    assert_eq!(admin.call("list_users", &[]).await.json(), before);
}
both_backends!(bad_input_names_the_field_and_saves_nothing);

async fn dv_access_is_granted_only_by_those_who_have_it(app: TestApp) {
    let with = app.signed_in(ADMIN).await;
    let everyone = with.call("list_users", &[]).await.json();
    let id_in = |users: &serde_json::Value, email: &str| {
        users.as_array().unwrap().iter().find(|u| u["email"] == email).map(|u| id_text(&u["id"]))
    };
    let without = app.signed_in(ADMIN_NO_DV).await;
    let users = without.call("list_users", &[]).await.json();
    // Users with DV access do not exist for an admin without it (DESIGN.md 4.1).
    assert_eq!(id_in(&users, ADMIN.0), None, "{users}");
    let dana = id_in(&everyone, ADMIN.0).unwrap();
    let (me, alicia) = (id_in(&users, ADMIN_NO_DV.0).unwrap(), id_in(&users, COORDINATOR.0).unwrap());
    for (endpoint, form) in [
        ("update_user", vec![("id", me.as_str()), ("role", "coc_admin"), ("dv_access", "on")]),
        ("update_user", vec![("id", alicia.as_str()), ("role", "coordinator"), ("dv_access", "on")]),
        (
            "create_user",
            vec![
                ("email", "dv@capital-coc.example"),
                ("display_name", "Dv"),
                ("role", "coc_admin"),
                ("dv_access", "on"),
            ],
        ),
    ] {
        let res = without.call(endpoint, &form).await;
        assert_eq!(res.status, 422, "{endpoint} {form:?}: {}", res.body);
        assert_eq!(res.json()["Validation"]["field"], "dv_access", "{}", res.body);
    }
    for (endpoint, form) in [
        ("reset_user_password", vec![("id", dana.as_str())]),
        ("set_user_active", vec![("id", dana.as_str()), ("active", "false")]),
        ("update_user", vec![("id", dana.as_str()), ("role", "coordinator")]),
        ("get_user", vec![("id", dana.as_str())]),
    ] {
        let res = without.call(endpoint, &form).await;
        assert_eq!((res.status, res.body.as_str()), (404, "\"NotFound\""), "{endpoint}");
    }
    assert_eq!(without.call("list_users", &[]).await.json(), users, "nothing changed");
    // An admin with DV access may grant it, but not change their own.
    assert_eq!(
        with.call("update_user", &[("id", &alicia), ("role", "coordinator"), ("dv_access", "on")]).await.status,
        200
    );
    let own = with.call("update_user", &[("id", &dana), ("role", "coc_admin")]).await;
    assert_eq!(own.json()["Validation"]["field"], "dv_access");
}
both_backends!(dv_access_is_granted_only_by_those_who_have_it);

async fn a_password_reset_ends_the_users_sessions(app: TestApp) {
    let coordinator = app.signed_in(COORDINATOR).await;
    assert_eq!(coordinator.page("/").await.status, 200);
    let admin = app.signed_in(ADMIN).await;
    let users = admin.call("list_users", &[]).await.json();
    let id = users.as_array().unwrap().iter().find(|u| u["email"] == COORDINATOR.0).map(|u| id_text(&u["id"])).unwrap();
    assert_eq!(admin.call("reset_user_password", &[("id", &id)]).await.status, 200);
    // The old session is gone for good, even after it is used again.
    assert_eq!(coordinator.page("/").await.status, 303);
    assert_eq!(coordinator.page("/").await.status, 303);
    assert!(coordinator.call("me", &[]).await.json().is_null());
}
both_backends!(a_password_reset_ends_the_users_sessions);

async fn an_address_is_unique_per_coc_and_sign_in_finds_the_account_by_its_password(app: TestApp) {
    // Another CoC whose first admin has an address.
    let platform = app.signed_in(PLATFORM).await;
    let tenant = [
        ("name", "Harbor County CoC"),
        ("slug", "harbor"),
        ("coc_codes", "ca-600"),
        ("time_zone", "America/Los_Angeles"),
        ("admin_name", "Bea Harbor"),
        ("admin_email", "bea@harbor.example"),
    ];
    let harbor_password = secret_of(&platform.call("create_tenant", &tenant).await);

    // The address is free in this CoC: adding it says nothing about the other CoC.
    let admin = app.signed_in(ADMIN).await;
    let create = |email| [("email", email), ("display_name", "Bea Capital"), ("role", "coordinator")];
    let capital_password = secret_of(&admin.call("create_user", &create(" Bea@Harbor.example ")).await);
    // Within this CoC it is taken now, and the answer says so on the field.
    let again = admin.call("create_user", &create("bea@harbor.example")).await;
    assert_eq!(again.status, 422);
    assert_eq!(again.json()["Validation"]["field"], "email");
    let message = again.json()["Validation"]["message"].as_str().unwrap().to_string();
    assert!(message.contains("this CoC") && !message.to_lowercase().contains("harbor"), "{message}");

    // Each password opens its own account.
    let app = &app;
    let welcome = |password: String| async move {
        let client = app.client();
        assert_eq!(client.login("bea@harbor.example", &password).await.status, 200);
        client.call("me", &[]).await.json()
    };
    let harbor = welcome(harbor_password.clone()).await;
    let capital = welcome(capital_password).await;
    assert_eq!(harbor["display_name"], "Bea Harbor");
    assert_eq!(capital["display_name"], "Bea Capital");
    let wrong = app.client().login("bea@harbor.example", "not-the-password").await;
    assert_eq!(wrong.json()["Validation"]["message"], WRONG);

    // The same password in both CoCs: sign-in asks which CoC, and the code chooses.
    let bea = app.client();
    assert_eq!(bea.login("bea@harbor.example", &harbor_password).await.status, 200);
    let same = "one-password-for-both";
    let changed = bea.call("change_password", &[("current", &harbor_password), ("new", same), ("confirm", same)]).await;
    assert_eq!(changed.status, 200, "{}", changed.body);
    let id = admin
        .call("list_users", &[])
        .await
        .json()
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["email"] == "bea@harbor.example")
        .map(|u| id_text(&u["id"]))
        .unwrap();
    let reset = secret_of(&admin.call("reset_user_password", &[("id", &id)]).await);
    let capital_bea = app.client();
    assert_eq!(capital_bea.login("bea@harbor.example", &reset).await.status, 200);
    let changed = capital_bea.call("change_password", &[("current", &reset), ("new", same), ("confirm", same)]).await;
    assert_eq!(changed.status, 200, "{}", changed.body);

    let ask = app.client().login("bea@harbor.example", same).await;
    assert_eq!(ask.status, 422);
    assert_eq!(ask.json()["Validation"]["field"], "coc", "{}", ask.body);
    for (coc, name) in
        [("CA-600", "Bea Harbor"), ("harbor", "Bea Harbor"), ("tx-503", "Bea Capital"), ("capital-area", "Bea Capital")]
    {
        let client = app.client();
        let form = [("email", "bea@harbor.example"), ("password", same), ("coc", coc)];
        assert_eq!(client.call("login", &form).await.status, 200, "{coc}");
        assert_eq!(client.call("me", &[]).await.json()["display_name"], name, "{coc}");
    }
    let elsewhere =
        app.client().call("login", &[("email", "bea@harbor.example"), ("password", same), ("coc", "TX-700")]).await;
    assert_eq!(elsewhere.json()["Validation"]["field"], "coc");
    // A code does not help a wrong password: the answer is the usual one.
    let guess = app
        .client()
        .call("login", &[("email", "bea@harbor.example"), ("password", "not-it-at-all"), ("coc", "CA-600")])
        .await;
    assert_eq!(guess.json()["Validation"]["message"], WRONG);
}
both_backends!(an_address_is_unique_per_coc_and_sign_in_finds_the_account_by_its_password);
