//! Every command under `--lang ja` speaks Japanese: no English sentence is left outside
//! names, values and commands. Names and values are what the command's own JSON answer
//! holds (registry descriptions, process names, command lines, addresses); curated text
//! and the audit's reasons are not taken from there, so that an English sentence in
//! them is caught. Error messages (exit 2) are Japanese too, except the argument
//! parser's own (clap has no translations).

mod common;

use common::{portdex, Helper};
use serde_json::Value;

/// The strings of a JSON answer that are names or values, longest first: everything
/// except curated text ({en, ja} objects) and the audit's own sentences.
fn values(json: &Value, out: &mut Vec<String>) {
    match json {
        Value::String(s) if !s.is_empty() => out.push(s.clone()),
        Value::Array(a) => a.iter().for_each(|v| values(v, out)),
        Value::Object(o) if !(o.contains_key("en") && o.contains_key("ja")) => {
            for (k, v) in o {
                if !matches!(k.as_str(), "why" | "fix") {
                    values(v, out);
                }
            }
        }
        _ => {}
    }
}

/// Runs the command with `--lang ja` and with `--json`, and returns the Japanese output
/// (stdout and stderr) with the JSON answer's names and values taken out.
fn japanese(args: &[&str], json: bool) -> String {
    let run = |extra: &[&str]| {
        let out = portdex()
            .args(args)
            .args(extra)
            .env("COLUMNS", "80")
            .env_remove("SSH_CONNECTION")
            .env_remove("SSH_CLIENT")
            .timeout(std::time::Duration::from_secs(60))
            .output()
            .unwrap();
        assert!(
            matches!(out.status.code(), Some(0 | 1)),
            "{args:?} {extra:?}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        (
            String::from_utf8_lossy(&out.stdout).into_owned(),
            String::from_utf8_lossy(&out.stderr).into_owned(),
        )
    };
    let (stdout, stderr) = run(&["--lang", "ja"]);
    let mut text = format!("{stdout}\n{stderr}");
    if json {
        let (answer, _) = run(&["--json", "--lang", "ja"]);
        let answer: Value = serde_json::from_str(&answer)
            .unwrap_or_else(|e| panic!("{args:?} --json: {e}: {answer}"));
        let mut strings = Vec::new();
        values(&answer, &mut strings);
        strings.sort_by_key(|s| std::cmp::Reverse(s.len()));
        for s in strings.iter().filter(|s| s.len() > 2) {
            text = text.replace(s.as_str(), " ");
        }
    }
    text
}

/// Takes out what is a command, not a sentence: `backtick` spans, `portdex …` up to
/// the next non-ASCII character, and URLs.
fn without_commands(line: &str) -> String {
    let mut out = String::new();
    let mut rest = line;
    while !rest.is_empty() {
        if let Some(r) = rest.strip_prefix('`') {
            rest = r.find('`').map_or("", |e| &r[e + 1..]);
            out.push(' ');
        } else if rest.starts_with("portdex ") || rest.starts_with("http") && rest.contains("://") {
            let end = rest
                .find(|c: char| !c.is_ascii() || (c == ' ' && rest.starts_with("http")))
                .unwrap_or(rest.len());
            rest = &rest[end..];
            out.push(' ');
        } else {
            let c = rest.chars().next().unwrap_or(' ');
            out.push(c);
            rest = &rest[c.len_utf8()..];
        }
    }
    out
}

/// Words that make English a sentence rather than a name, a command or a setting
/// (`protected-mode yes`, `nft delete table inet portdex`).
const GLUE: &[&str] = &[
    "the", "a", "an", "of", "to", "in", "on", "is", "are", "was", "be", "and", "or", "for", "with",
    "by", "from", "not", "it", "its", "this", "that", "as", "at", "which", "when", "what", "who",
    "can", "will", "must", "should", "may", "has", "have", "than", "there", "their", "you", "your",
    "all", "any", "every", "more", "other", "some", "only", "also", "but", "if", "into", "out",
    "so", "does", "do", "here", "run", "see",
];

/// Three English words in a row, one of them a word that glues a sentence together
/// (numbers and flags between them do not count), outside commands, URLs and the rule
/// lines of nft, iptables and ufw.
fn english(text: &str) -> Vec<String> {
    let mut found = Vec::new();
    for line in text.lines() {
        let t = line.trim_start();
        // The rules themselves are nft/iptables/ufw/firewall-cmd syntax, not sentences.
        if !t.starts_with('#') {
            let rule = [
                "accept",
                "ufw ",
                "$p ",
                "$d ",
                "for x ",
                "if [",
                "set -",
                "table ",
                "chain ",
                "type filter",
                "ct state",
                "iif ",
                "meta ",
                "ip6 ",
                "else ",
                "}",
                "*filter",
                ":PORTDEX",
                "COMMIT",
                "#!",
            ];
            if t.starts_with('-')
                || rule
                    .iter()
                    .any(|r| t.starts_with(r) || t.contains("accept"))
            {
                continue;
            }
        }
        let clean = without_commands(t);
        let mut run: Vec<&str> = Vec::new();
        for token in clean.split(|c: char| c.is_whitespace() || "（）、。：「」·".contains(c))
        {
            let word = token
                .trim_end_matches("(s)")
                .trim_matches(|c: char| ".,;:!?()\"'[]/".contains(c));
            if word.is_empty()
                || word
                    .chars()
                    .all(|c| c.is_ascii_digit() || ".-:/,".contains(c))
                || word.starts_with("--")
            {
                continue; // numbers, addresses and flags neither count nor break a run
            }
            let english = word.len() > 1
                && word
                    .chars()
                    .all(|c| c.is_ascii_alphabetic() || c == '\'' || c == '-')
                && word.chars().any(|c| c.is_ascii_lowercase());
            if english {
                run.push(word);
                if run.len() >= 3
                    && run
                        .iter()
                        .any(|w| GLUE.contains(&w.to_ascii_lowercase().as_str()))
                {
                    found.push(format!("{:?} in {line:?}", run.join(" ")));
                    run.clear();
                }
            } else {
                run.clear();
            }
        }
    }
    found
}

#[test]
fn every_command_speaks_japanese() {
    // An exposed unknown service, an exposed known one (redis's port) and a loopback one.
    let h = Helper::hold(&[], &["tcp4:0.0.0.0:0", "tcp4:127.0.0.1:0"]);
    let (exposed, local) = (h.ports[0].to_string(), h.ports[1].to_string());
    let cases: Vec<(Vec<&str>, bool)> = vec![
        (vec!["443"], true),
        (vec!["80", "22", "6379"], true),
        (vec!["8000-8010"], true),
        (vec!["ldaps"], true),
        (vec!["nosuchservice"], false),
        (vec!["search", "mail"], true),
        (vec!["guide"], false),
        (vec!["ls"], true),
        (vec!["who", &exposed], true),
        (vec!["audit"], true),
        (
            vec!["firewall", "--allow", "ssh,https", "--allow-lockout"],
            false,
        ),
        (
            vec![
                "firewall",
                "--allow",
                "ssh",
                "--backend",
                "iptables",
                "--allow-lockout",
            ],
            false,
        ),
        (
            vec![
                "firewall",
                "--allow",
                "ssh",
                "--backend",
                "ufw",
                "--allow-lockout",
            ],
            false,
        ),
        (
            vec![
                "firewall",
                "--allow",
                "ssh",
                "--backend",
                "firewalld",
                "--allow-lockout",
            ],
            false,
        ),
        (vec!["scan", "127.0.0.1", "-p", &local, "--no-detect"], true),
    ];
    let mut problems = Vec::new();
    for (args, json) in &cases {
        let text = japanese(args, *json);
        assert!(
            text.chars().any(|c| ('\u{3040}'..='\u{30ff}').contains(&c)
                || ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{args:?} wrote no Japanese at all: {text}"
        );
        for e in english(&text) {
            problems.push(format!("{args:?}: {e}"));
        }
    }
    // kill last: it ends the helper.
    let text = japanese(&["kill", &local, "--yes"], false);
    for e in english(&text) {
        problems.push(format!("kill: {e}"));
    }
    assert!(
        problems.is_empty(),
        "English under --lang ja:\n{}",
        problems.join("\n")
    );
}

/// Bad input under Japanese: every error message portdex writes itself (exit 2) is
/// Japanese, values, flags and commands aside. clap's own parse errors (an unknown
/// option, a missing value, a value outside a fixed list) stay English: clap has no
/// translations, so no case here is one of them.
#[test]
fn errors_speak_japanese() {
    let dir = std::env::temp_dir().join(format!("portdex-lang-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    // A CSV that is not the registry, and an --output-dir that holds rules.v4 already.
    std::fs::write(dir.join("registry.csv"), "not,the,registry\n").unwrap();
    std::fs::write(dir.join("rules.v4"), "").unwrap();
    let csv = dir.join("registry.csv").to_str().unwrap().to_owned();
    let full = dir.to_str().unwrap().to_owned();
    let absent = "/nonexistent/portdex-lang";
    // Every case fails before anything is done: none applies rules, signals or writes.
    // `free` and `completions` take no --lang: the locale makes them Japanese.
    let by_locale: &[&[&str]] = &[
        &["free", "--range", "5-1"],
        &["free", "--range", "0"],
        &["free", "--count", "0"],
        &["free", "--udp", "--proto", "tcp"],
        &["free", "--proto", "sctp"],
        &["free", "--near", "80", "--range", "1000-2000"],
        &["free", "--near", "0"],
        &["completions", "bash", "--proto", "tcp"],
        &["completions", "bash", "--lang", "ja"],
    ];
    let by_flag: &[&[&str]] = &[
        // lookups and search
        &[],
        &["70000"],
        &["abc%%"],
        &["5-1"],
        &["8000-"],
        &["443", "99999", "x%"],
        &["search", ""],
        &["search", "mail", "-n", "0"],
        &["search", &"word ".repeat(60)],
        &["who", "443", "--csv"],
        // ls, who, kill
        &["ls", "--port", "99999"],
        &["ls", "--port", "0"],
        &["ls", "--proto", "sctp"],
        &["ls", "--pid", "4000000000"],
        &["ls", "--format", "services"],
        &["who", "0"],
        &["who", "nosuchservicezz"],
        &["conns", "--port", "70000"],
        &["conns", "--state", "nonsense"],
        &["conns", "--remote", "300.1.1.1"],
        &["conns", "--remote", "example.com"],
        &["conns", "--process", ""],
        &["kill", "9999", "--signal", "FOO", "--yes"],
        &["kill", "9999", "--wait", "5000", "--yes"],
        // audit, firewall
        &["audit", "--fail-on", "extreme"],
        &["audit", "--config", absent],
        &["audit", "--config", "/"],
        &["audit", "--proto", "sctp"],
        &["firewall", "--allow", "nosuchservice"],
        &["firewall", "--allow", "sshh"],
        &["firewall", "--allow", "tftp", "--proto", "tcp"],
        &["firewall", "--allow", "ssh/udp", "--proto", "tcp"],
        &["firewall", "--allow", "70000"],
        &["firewall", "--allow", "0"],
        &["firewall", "--allow", "ssh,"],
        &["firewall", "--allow", "ssh", "--proto", "sctp"],
        &[
            "firewall",
            "--allow",
            "ssh",
            "--backend",
            "ufw",
            "--family",
            "4",
        ],
        &[
            "firewall",
            "--allow",
            "ssh",
            "--backend",
            "ufw",
            "--output-dir",
            "/tmp",
        ],
        &["firewall", "--allow", "ssh", "--apply", "--json"],
        &[
            "firewall",
            "--allow",
            "ssh",
            "--backend",
            "firewalld",
            "--apply",
        ],
        &[
            "firewall",
            "--allow",
            "ssh",
            "--backend",
            "iptables",
            "--apply",
            "--output-dir",
            "/tmp",
        ],
        &[
            "firewall",
            "--allow",
            "ssh",
            "--backend",
            "iptables",
            "--output-dir",
            "/tmp",
            "--json",
        ],
        &[
            "firewall",
            "--allow",
            "ssh",
            "--backend",
            "iptables",
            "--output-dir",
            "/tmp",
            "--family",
            "4",
        ],
        &[
            "firewall",
            "--allow",
            "ssh",
            "--backend",
            "iptables",
            "--output-dir",
            &full,
        ],
        &["firewall", "--allow", "ssh", "--apply", "--confirm", "5"],
        &["firewall", "--confirm", "60s"],
        &["firewall", "--confirm", "--backend", "ufw"],
        // scan
        &["scan", "999.1.1.1"],
        &["scan", "10.0.0.0/33"],
        &["scan", "10.0.0.0/8"],
        &["scan", "[::1"],
        &["scan", "nosuchhost.invalid"],
        &["scan", "127.0.0.1", "-p", "70000"],
        &["scan", "127.0.0.1", "-p", "0"],
        &["scan", "127.0.0.1", "-p", ""],
        &["scan", "127.0.0.1", "-p", "9-1"],
        &["scan", "127.0.0.1", "--timeout", "5y"],
        &["scan", "127.0.0.1", "--rate", "0"],
        &["scan", "127.0.0.1", "--concurrency", "0"],
        &["scan", "127.0.0.1", "--top", "0"],
        &["scan", "127.0.0.1", "--proto", "udp"],
        // serve, update, data
        &["serve", "--bind", "nowhere"],
        &["serve", "--allowed-host", "a b"],
        &["serve", "--timeout", "forever"],
        &["update", "--from", absent],
        &["update", "--from", "/"],
        &["update", "--from", "ftp://example.org/x.csv"],
        &["update", "--from", &csv],
        &["data", "--color", "always"],
        &["data", "--proto", "tcp"],
    ];
    let runs = by_locale
        .iter()
        .map(|args| (*args, false))
        .chain(by_flag.iter().map(|args| (*args, true)));
    let mut problems = Vec::new();
    for (args, flag) in runs {
        let mut cmd = portdex();
        cmd.args(args)
            .env("PORTDEX_DATA_DIR", absent)
            .timeout(std::time::Duration::from_secs(60));
        if flag {
            cmd.args(["--lang", "ja"]);
        } else {
            cmd.env("LANG", "ja_JP.UTF-8");
        }
        let out = cmd.output().unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        if out.status.code() != Some(2) {
            problems.push(format!("{args:?}: exit {:?}: {stderr}", out.status.code()));
            continue;
        }
        if !stderr
            .chars()
            .any(|c| ('\u{3040}'..='\u{30ff}').contains(&c))
        {
            problems.push(format!("{args:?}: no Japanese: {stderr}"));
        }
        for e in english(&stderr) {
            problems.push(format!("{args:?}: {e}"));
        }
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(
        problems.is_empty(),
        "errors not in Japanese:\n{}",
        problems.join("\n")
    );
}

#[test]
fn the_detector_finds_english() {
    assert!(!english("2 finding(s) in 3 listener(s)").is_empty());
    assert!(english("指摘 2 件（portdex who PORT を実行）").is_empty());
    assert!(english("ポート 443 · https://www.rfc-editor.org/rfc/rfc9110").is_empty());
}

/// Every line of every table fits the terminal (COLUMNS 50 and 80) in both languages;
/// only URLs, which are never broken so that they stay clickable, may run over.
#[test]
fn every_table_fits_the_terminal() {
    use unicode_width::UnicodeWidthStr;
    let h = Helper::hold(&[], &["tcp4:0.0.0.0:0", "tcp4:127.0.0.1:0"]);
    let (exposed, local) = (h.ports[0].to_string(), h.ports[1].to_string());
    let cases: Vec<Vec<&str>> = vec![
        vec!["443"],
        vec!["9200"],
        vec!["80", "22", "6379"],
        vec!["8000-8100"],
        vec!["search", "mail"],
        vec!["search", "database", "-n", "40"],
        vec!["guide"],
        vec!["ls"],
        vec!["who", &exposed],
        vec!["conns"],
        vec!["audit"],
        vec!["scan", "127.0.0.1", "-p", &local, "--no-detect"],
    ];
    let mut problems = Vec::new();
    for columns in [50, 80] {
        for lang in ["en", "ja"] {
            for args in &cases {
                let out = portdex()
                    .args(args)
                    .args(["--lang", lang])
                    .env("COLUMNS", columns.to_string())
                    .output()
                    .unwrap();
                let text = String::from_utf8_lossy(&out.stdout);
                for line in text.lines().filter(|l| !l.contains("://")) {
                    if line.width() > columns {
                        problems.push(format!(
                            "{args:?} --lang {lang} at {columns}: {line:?} ({} columns)",
                            line.width()
                        ));
                    }
                }
            }
        }
    }
    assert!(
        problems.is_empty(),
        "lines wider than the terminal:\n{}",
        problems.join("\n")
    );
}
