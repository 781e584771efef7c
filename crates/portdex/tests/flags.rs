//! Every command × every global option: honoured (the output parses as the format says)
//! or refused with exit 2 naming the option and the command. Nothing is silently ignored.

mod common;

use common::portdex;

/// A port nothing listens on (bound, then released).
fn quiet_port() -> String {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    l.local_addr().unwrap().port().to_string()
}

#[test]
fn every_command_honours_or_refuses_every_global_option() {
    let quiet = quiet_port();
    // update and data keep their registry in a directory of the test's own.
    let data_dir = std::env::temp_dir().join(format!("portdex-flags-{}", std::process::id()));
    let csv = format!(
        "{}/../../data/sources/iana/service-names-port-numbers.csv",
        env!("CARGO_MANIFEST_DIR")
    );
    // (name as messages give it, arguments, --proto value it can take)
    let commands: Vec<(&str, Vec<&str>, &str)> = vec![
        ("portdex QUERY", vec!["443"], "udp"),
        ("guide", vec!["guide"], "tcp"),
        ("search", vec!["search", "mail"], "udp"),
        ("ls", vec!["ls", "--no-owners"], "udp"),
        ("who", vec!["who", &quiet], "tcp"),
        ("conns", vec!["conns"], "udp"),
        ("kill", vec!["kill", &quiet, "--yes"], "tcp"),
        ("free", vec!["free"], "udp"),
        ("audit", vec!["audit"], "udp"),
        (
            "firewall",
            vec!["firewall", "--allow", "https", "--allow-lockout"],
            "udp",
        ),
        (
            "scan",
            vec!["scan", "127.0.0.1", "-p", &quiet, "--no-detect"],
            "tcp",
        ),
        ("update", vec!["update", "--from", &csv, "--check"], "tcp"),
        ("data", vec!["data"], "tcp"),
        ("completions", vec!["completions", "bash"], "tcp"),
        ("man", vec!["man"], "tcp"),
    ];
    for (name, args, proto) in &commands {
        let options: Vec<(&str, Vec<&str>)> = vec![
            ("json", vec!["--json"]),
            ("csv", vec!["--csv"]),
            ("jsonl", vec!["--format", "jsonl"]),
            ("services", vec!["--format", "services"]),
            ("proto", vec!["--proto", proto]),
            ("lang", vec!["--lang", "ja"]),
            ("color", vec!["--color", "always"]),
        ];
        for (option, extra) in &options {
            let out = portdex()
                .args(args)
                .args(extra)
                .env_remove("SSH_CONNECTION")
                .env_remove("SSH_CLIENT")
                .env("PORTDEX_DATA_DIR", &data_dir)
                .timeout(std::time::Duration::from_secs(60))
                .output()
                .unwrap();
            let stdout = String::from_utf8_lossy(&out.stdout);
            let stderr = String::from_utf8_lossy(&out.stderr);
            let what = format!("{name} {extra:?}");
            match out.status.code() {
                Some(2) => {
                    assert!(stdout.is_empty(), "{what}: refused but wrote {stdout}");
                    assert!(
                        stderr.contains(&format!("--{}", extra[0].trim_start_matches("--")))
                            && (stderr.contains(name) || *name == "portdex QUERY"),
                        "{what}: the refusal names neither the option nor the command: {stderr}"
                    );
                }
                Some(0 | 1) => match *option {
                    "json" => {
                        serde_json::from_str::<serde_json::Value>(&stdout)
                            .unwrap_or_else(|e| panic!("{what}: not JSON ({e}): {stdout}"));
                    }
                    "jsonl" => {
                        for line in stdout.lines() {
                            serde_json::from_str::<serde_json::Value>(line).unwrap_or_else(|e| {
                                panic!("{what}: not a JSON line ({e}): {line}")
                            });
                        }
                    }
                    "csv" => {
                        let mut r = csv::ReaderBuilder::new().from_reader(stdout.as_bytes());
                        let width = r.headers().unwrap_or_else(|e| panic!("{what}: {e}")).len();
                        for rec in r.records() {
                            let rec = rec.unwrap_or_else(|e| panic!("{what}: {e}"));
                            assert_eq!(rec.len(), width, "{what}");
                        }
                        assert!(width > 1, "{what}: not CSV: {stdout}");
                    }
                    "services" => assert!(
                        stdout.lines().any(|l| l.contains("443/tcp")),
                        "{what}: {stdout}"
                    ),
                    "color" => assert!(
                        stdout.contains('\x1b') || stdout.is_empty(),
                        "{what}: --color always wrote no colour"
                    ),
                    _ => {}
                },
                other => panic!("{what}: exit {other:?}: {stderr}"),
            }
        }
    }
    // serve runs until stopped: only its refusals are checked here (its --lang banner is
    // in tests/serve.rs).
    for extra in [&["--json"][..], &["--proto", "tcp"], &["--color", "always"]] {
        let out = portdex().arg("serve").args(extra).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "serve {extra:?}");
        assert!(String::from_utf8_lossy(&out.stderr).contains("`serve`"));
    }
}

#[test]
fn help_offers_only_the_options_a_command_honours() {
    let help = |args: &[&str]| {
        let out = portdex().args(args).output().unwrap();
        assert_eq!(out.status.code(), Some(0), "{args:?}");
        String::from_utf8_lossy(&out.stdout).into_owned()
    };
    let offers = |text: &str, flag: &str| {
        text.lines()
            .any(|l| l.trim_start().split([',', ' ']).any(|w| w == flag))
    };
    for (args, offered, not_offered) in [
        (
            &["firewall", "--help"][..],
            &["--json", "--lang", "--backend"][..],
            &["--color"][..],
        ),
        (&["ls", "--help"], &["--color", "--csv", "--lang"], &[]),
        (
            &["guide", "--help"],
            &["--lang", "--color"],
            &["--json", "--csv", "--format", "--proto"],
        ),
        (&["who", "--help"], &["--json"], &["--csv", "--color"]),
        (&["free", "--help"], &["--json"], &["--lang", "--csv"]),
        (
            &["man", "--help"],
            &[],
            &["--json", "--lang", "--proto", "--color"],
        ),
        (&["help", "serve"], &["--lang"], &["--json", "--proto"]),
    ] {
        let text = help(args);
        for f in offered {
            assert!(offers(&text, f), "{args:?} does not offer {f}: {text}");
        }
        for f in not_offered {
            assert!(
                !offers(&text, f),
                "{args:?} offers {f}, which it refuses: {text}"
            );
        }
    }
}
