//! `portdex guide`, run as a user runs it: the three ranges, this machine's ephemeral
//! range as /proc says, twenty ports named as `portdex PORT` names them, the three
//! habits' commands (each a command portdex takes), and the cleartext services the
//! audit finds now. English and Japanese; JSON refused.

mod common;

use common::{portdex, Helper};
use serde_json::Value;

/// `portdex guide` with ARGS, wide enough that no table row wraps.
fn guide(args: &[&str]) -> String {
    let out = portdex()
        .arg("guide")
        .args(args)
        .env("COLUMNS", "250")
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// The kernel's ephemeral range, as the test reads it.
fn ephemeral() -> Option<(u16, u16)> {
    let text = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
    let mut it = text.split_whitespace().map(|n| n.parse().unwrap());
    Some((it.next()?, it.next()?))
}

/// The rows of the ports table: (port, the rest of the line).
fn port_rows(text: &str) -> Vec<(u16, String)> {
    text.lines()
        .filter_map(|l| {
            let l = l.strip_prefix(' ')?;
            let (port, rest) = l.split_once("  ")?;
            Some((port.parse().ok()?, rest.to_owned()))
        })
        .collect()
}

#[test]
fn the_guide_in_english_and_japanese() {
    for lang in ["en", "ja"] {
        let text = guide(&["--lang", lang]);
        for range in ["0–1023", "1024–49151", "49152–65535"] {
            assert!(text.contains(range), "{lang}: {range}");
        }
        assert!(text.contains("RFC 6335"), "{lang}");
        // This machine's ephemeral range, from /proc, and where it sits.
        match ephemeral() {
            Some((lo, hi)) => {
                assert!(text.contains(&format!("{lo}–{hi}")), "{lang}: {text}");
                if lo <= 49151 {
                    assert!(
                        text.contains(&format!("{}–49151", lo.max(1024))),
                        "{lang}: the overlap with the registered ports: {text}"
                    );
                }
            }
            None => assert!(text.contains("32768–60999"), "{lang}"),
        }
        // Twenty ports, each named and described as `portdex PORT` does.
        let rows = port_rows(&text);
        assert_eq!(rows.len(), 20, "{lang}: {rows:?}");
        for (port, row) in &rows {
            let out = portdex()
                .args([&port.to_string(), "--json"])
                .output()
                .unwrap();
            let answer: Value = serde_json::from_slice(&out.stdout).unwrap();
            // The row's service is one of the uses `portdex PORT` names for the port.
            let service = row.split_whitespace().nth(1).unwrap();
            let k = answer[0]["reports"][0]["knowledge"]
                .as_array()
                .unwrap()
                .iter()
                .find(|k| k["names"][0] == service)
                .unwrap_or_else(|| panic!("{lang}: {port}: portdex {port} has no {service}"));
            let name = k["names"][0].as_str().unwrap();
            let usage = k["usage"][lang].as_str().unwrap();
            assert!(row.contains(name), "{lang}: {port} is {name}: {row}");
            assert!(row.contains(usage), "{lang}: {port}: {usage}: {row}");
            let cleartext = k["cleartext"].as_bool().unwrap();
            let word = match (lang, cleartext) {
                ("en", true) => "cleartext",
                ("en", false) => "encrypted",
                (_, true) => "平文",
                (_, false) => "暗号化",
            };
            assert!(row.trim_end().ends_with(word), "{lang}: {port}: {row}");
        }
        // The three habits' commands.
        for command in [
            "portdex ls --exposed",
            "portdex firewall --allow ssh,https",
            "portdex audit",
        ] {
            assert!(
                text.contains(&format!("     {command}\n")),
                "{lang}: {command}"
            );
        }
    }
    let ja = guide(&["--lang", "ja"]);
    assert!(
        ja.contains("ポート番号とは") && ja.contains("3 つの習慣"),
        "{ja}"
    );
    // The language of the locale, as every command takes it.
    let out = portdex()
        .arg("guide")
        .env("LANG", "ja_JP.UTF-8")
        .env("COLUMNS", "250")
        .output()
        .unwrap();
    // Up to the audit's findings, which change as other programs come and go.
    let before_findings = |t: &str| t.split("     portdex audit").next().unwrap().to_owned();
    assert_eq!(
        before_findings(&String::from_utf8(out.stdout).unwrap()),
        before_findings(&guide(&["--lang", "ja"]))
    );
}

#[test]
fn the_habits_commands_are_commands_portdex_takes() {
    for args in [
        &["ls", "--exposed", "--no-owners"][..],
        &["firewall", "--allow", "ssh,https", "--allow-lockout"],
        &["audit"],
    ] {
        let out = portdex()
            .args(args)
            .env_remove("SSH_CONNECTION")
            .env_remove("SSH_CLIENT")
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?}: {out:?}"
        );
    }
}

#[test]
fn the_cleartext_services_the_audit_finds_now() {
    // A process named like the Telnet daemon on every interface: the audit's cleartext
    // finding, wherever it listens.
    let h = Helper::hold(&["--name", "in.telnetd"], &["tcp4:0.0.0.0:0"]);
    let port = h.ports[0];
    for lang in ["en", "ja"] {
        let text = guide(&["--lang", lang]);
        let line = text
            .lines()
            .find(|l| l.contains(&format!("0.0.0.0:{port} ")))
            .unwrap_or_else(|| panic!("{lang}: {port} not listed: {text}"));
        assert!(
            line.contains("telnet") && line.contains("in.telnetd"),
            "{line}"
        );
        let fix = if lang == "en" {
            "fix: Use SSH"
        } else {
            "対策: SSH"
        };
        assert!(text.contains(fix), "{lang}: {text}");
    }
    // Every service it lists is one of the audit's findings (an audit just before and one
    // just after: other programs on this machine may come and go meanwhile).
    let audit = || {
        let out = portdex().args(["audit", "--json"]).output().unwrap();
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        v["findings"]
            .as_array()
            .unwrap()
            .iter()
            .map(|f| {
                let a = f["address"].as_str().unwrap();
                let shown = if a.contains(':') {
                    format!("[{a}]")
                } else {
                    a.to_owned()
                };
                format!("{shown}:{}", f["port"])
            })
            .collect::<Vec<String>>()
    };
    let before = audit();
    let text = guide(&[]);
    let after = audit();
    let listed = text
        .split("reachable from other machines, right now:")
        .nth(1)
        .unwrap();
    let mut count = 0;
    for line in listed.lines().filter(|l| l.starts_with("   - ")) {
        let addr = line[5..].split_whitespace().nth(1).unwrap().to_owned();
        assert!(
            before.contains(&addr) || after.contains(&addr),
            "{addr} is not a finding of portdex audit"
        );
        count += 1;
    }
    assert!(count >= 1, "the helper's telnet at least: {listed}");
    drop(h);
}

#[test]
fn json_is_refused_and_the_help_points_to_the_guide() {
    for args in [
        &["--json"][..],
        &["--csv"],
        &["--format", "jsonl"],
        &["--proto", "tcp"],
    ] {
        let out = portdex().arg("guide").args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{args:?}");
        assert!(out.stdout.is_empty());
        let err = String::from_utf8_lossy(&out.stderr);
        assert!(err.contains("guide") && err.contains(args[0]), "{err}");
    }
    let out = portdex().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(help.contains("New to ports? portdex guide"), "{help}");
    assert!(
        help.contains("\n  guide "),
        "guide is a listed command: {help}"
    );
    // Colour when asked: the headings are bold.
    let out = portdex()
        .args(["guide", "--color", "always"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stdout).contains("\x1b[1m"));
}
