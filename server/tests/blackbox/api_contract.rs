//! The JSON API against its OpenAPI document with independent tools (issue 21): the document
//! validates as OpenAPI 3.1.1 (openapi-spec-validator), and schemathesis finds no failure with a
//! read token and with a bed-counts token (every check, its negative and stateful ones too), on
//! SQLite and PostgreSQL. `scripts/setup --test` installs both tools.
use std::process::Command;

use crate::common::*;

fn contract_app() -> Builder {
    // schemathesis sends thousands of requests a minute.
    TestApp::builder().demo().env("HMIS_API_RATE_LIMIT_PER_MINUTE", "100000")
}

fn run(command: &mut Command) -> (bool, String) {
    let out = command.output().unwrap_or_else(|e| panic!("{command:?}: {e} (run scripts/setup --test)"));
    (out.status.success(), output_text(&out))
}

async fn the_api_keeps_its_document(app: TestApp) {
    let read = super::api::make_token(&app, "Contract reader", "read", &[]);
    let feed = super::api::make_token(&app, "Contract feed", "bed-counts", &["PRJ-2001", "PRJ-2002"]);
    let document = format!("{}/api/v1/openapi.json", app.base);
    let text = reqwest::get(&document).await.unwrap().text().await.unwrap();
    let file = app.scratch().join("openapi.json");
    std::fs::write(&file, &text).unwrap();
    let (valid, report) = run(Command::new("openapi-spec-validator").arg(&file));
    assert!(valid, "openapi-spec-validator: {report}");
    let config = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/api_contract/schemathesis.toml");
    for token in [&read, &feed] {
        let (passed, report) = run(Command::new("st")
            .args(["--no-color", "--config-file", config, "run", &document])
            .args(["--url", &format!("{}/api/v1", app.base)])
            .args(["-H", &format!("Authorization: Bearer {token}")])
            .args(["--checks", "all", "--mode", "all", "--phases", "examples,coverage,fuzzing,stateful"])
            .args(["--max-examples", "25", "--seed", "1", "--workers", "1"])
            // Its cache goes in the test's scratch directory, not the repository.
            .current_dir(app.scratch())
            .env("SCHEMATHESIS_HOOKS", "")
            .env("NO_COLOR", "1"));
        assert!(
            passed,
            "schemathesis with the {} token:\n{report}",
            if *token == read { "read" } else { "bed-counts" }
        );
    }
}
both_backends!(the_api_keeps_its_document, with = contract_app);
