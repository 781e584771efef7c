//! The web page in a real browser (tests/browser/web.mjs: Debian's chromium driven by
//! playwright-core), and the API against its own OpenAPI document (schemathesis), both
//! against `portdex serve` started as a user starts it. Screenshots land in
//! target/browser/ for review.

mod common;
use common::{required, serve};
use std::path::Path;
use std::process::Command;

fn chromium() -> String {
    std::env::var("PORTDEX_CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

#[test]
fn web_page_in_chromium() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/browser");
    let present = Path::new(&chromium()).exists()
        && dir.join("node_modules/playwright-core").exists()
        && Command::new("node").arg("--version").output().is_ok();
    if !required(
        "web_page_in_chromium",
        present,
        "apt-get install chromium nodejs npm; npm ci --prefix crates/portdex/tests/browser",
    ) {
        return;
    }
    let (_server, addr) = serve(&["--expose-local"]);
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/browser");
    let out = Command::new("node")
        .arg(dir.join("web.mjs"))
        .arg(format!("http://{addr}"))
        .arg(&shots)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "browser test failed:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}
