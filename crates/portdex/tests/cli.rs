//! End-to-end tests: the real `portdex` binary, run the way a user runs it.

use assert_cmd::Command;
use predicates::prelude::*;
use serde_json::Value;

fn portdex() -> Command {
    let mut c = Command::cargo_bin("portdex").unwrap();
    // A fixed environment: English unless a test says otherwise, no colour forcing.
    c.env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C");
    c.env_remove("CLICOLOR_FORCE").env_remove("NO_COLOR");
    c
}

fn json(args: &[&str]) -> Value {
    let out = portdex().args(args).arg("--json").output().unwrap();
    assert!(
        out.status.code() == Some(0) || out.status.code() == Some(1),
        "{args:?}: {out:?}"
    );
    serde_json::from_slice(&out.stdout).unwrap()
}

/// The ports of the guide portdex grew from: (port, transport, the name portdex must
/// give, whether that is an IANA assignment rather than a common use).
const GUIDE: &[(u16, &str, &str, bool)] = &[
    (20, "tcp", "ftp-data", true),
    (21, "tcp", "ftp", true),
    (22, "tcp", "ssh", true),
    (23, "tcp", "telnet", true),
    (25, "tcp", "smtp", true),
    (53, "udp", "domain", true),
    (67, "udp", "bootps", true),
    (68, "udp", "bootpc", true),
    (69, "udp", "tftp", true),
    (80, "tcp", "http", true),
    (110, "tcp", "pop3", true),
    (119, "tcp", "nntp", true),
    (123, "udp", "ntp", true),
    (143, "tcp", "imap", true),
    (161, "udp", "snmp", true),
    (162, "udp", "snmptrap", true),
    (194, "tcp", "irc", true),
    (220, "tcp", "imap3", true),
    (443, "tcp", "https", true),
    (465, "tcp", "submissions", true),
    (514, "udp", "syslog", true),
    (587, "tcp", "submission", true),
    (631, "tcp", "ipp", true),
    (636, "tcp", "ldaps", true),
    (989, "tcp", "ftps-data", true),
    (990, "tcp", "ftps", true),
    (993, "tcp", "imaps", true),
    (995, "tcp", "pop3s", true),
    (1080, "tcp", "socks", true),
    (1433, "tcp", "ms-sql-s", true),
    (1434, "udp", "ms-sql-m", true),
    (1521, "tcp", "oracle", false),
    (3306, "tcp", "mysql", true),
    (3389, "tcp", "ms-wbt-server", true),
    (5432, "tcp", "postgresql", true),
    (5900, "tcp", "rfb", true),
    (6379, "tcp", "redis", true),
    (7000, "tcp", "afs3-fileserver", true),
    (8000, "tcp", "http-dev", false),
    (8080, "tcp", "http-alt", true),
    (8443, "tcp", "https-alt", false),
    (9000, "tcp", "php-fpm", false),
    (9200, "tcp", "elasticsearch", false),
    (11211, "tcp", "memcache", true),
    (27017, "tcp", "mongodb", true),
    (33060, "tcp", "mysqlx", true),
    (4040, "tcp", "spark-ui", false),
    (54321, "tcp", "h2o", false),
];

#[test]
fn every_port_of_the_guide_is_answered_correctly() {
    for &(port, transport, name, iana) in GUIDE {
        let v = json(&[&port.to_string()]);
        let report = &v[0]["reports"][0];
        assert_eq!(report["port"], port);
        let k = report["knowledge"]
            .as_array()
            .unwrap()
            .iter()
            .find(|k| k["names"][0] == name)
            .unwrap_or_else(|| panic!("{port}: no curated entry {name}: {report}"));
        assert_eq!(k["iana_assigned"], iana, "{port} {name}");
        assert!(
            k["transports"]
                .as_array()
                .unwrap()
                .iter()
                .any(|t| t == transport),
            "{port}"
        );
        assert!(!k["risk"]["ja"].as_str().unwrap().is_empty());
        let assigned = report["assignments"].as_array().unwrap().iter().any(|a| {
            a["service"] == name && a["transport"] == transport && a["status"] == "assigned"
        });
        assert_eq!(
            assigned, iana,
            "{port}: IANA assignment of {name} on {transport}"
        );
    }
}

#[test]
fn the_guides_mistakes_are_corrected() {
    let out = portdex().arg("54321").assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    assert!(text.contains("dynamic/private (49152-65535"), "{text}");
    assert!(text.contains("139/tcp"), "{text}");
    assert!(text.contains("not an IANA assignment"), "{text}");
    portdex()
        .arg("7000")
        .assert()
        .success()
        .stdout(predicate::str::contains("Andrew File System"));
    portdex()
        .arg("139")
        .assert()
        .success()
        .stdout(predicate::str::contains("netbios-ssn"));
}

#[test]
fn human_output_for_a_port() {
    portdex()
        .arg("443")
        .assert()
        .success()
        .stdout(predicate::str::contains(
            "port 443 · well-known (0-1023, System Ports)",
        ))
        .stdout(predicate::str::contains("tcp,udp  https"))
        .stdout(predicate::str::contains("sctp"))
        .stdout(predicate::str::contains("security"));
}

#[test]
fn several_ports_at_once() {
    let v = json(&["80", "22", "3306"]);
    let ports: Vec<_> = v
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["reports"][0]["port"].clone())
        .collect();
    assert_eq!(ports, [80, 22, 3306]);
}

#[test]
fn by_name_case_insensitive_with_aliases() {
    for (name, port) in [
        ("redis", 6379),
        ("REDIS", 6379),
        ("www", 80),
        ("postgres", 5432),
        ("ldaps", 636),
        ("elasticsearch", 9200),
    ] {
        let v = json(&[name]);
        assert_eq!(v[0]["reports"][0]["port"], port, "{name}");
    }
    let v = json(&["x11"]);
    assert_eq!(v[0]["reports"][0]["port"], 6000);
    assert_eq!(v[0]["reports"][0]["port_end"], 6063);
}

#[test]
fn a_name_that_is_also_a_command_after_double_dash() {
    let out = portdex().args(["--json", "--", "who"]).assert().success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v[0]["reports"][0]["port"], 513);
}

#[test]
fn a_range() {
    let v = json(&["8000-8100"]);
    let reports = v[0]["reports"].as_array().unwrap();
    assert!(reports.iter().any(|r| r["port"] == 8080));
    assert!(reports
        .iter()
        .all(|r| (8000..=8100).contains(&r["port"].as_u64().unwrap())));
    portdex()
        .arg("8000-8100")
        .assert()
        .success()
        .stdout(predicate::str::contains("http-alt"));
}

#[test]
fn an_unassigned_port_still_has_its_category() {
    portdex()
        .arg("50000")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("dynamic/private (49152-65535"))
        .stdout(predicate::str::contains("nothing assigned"));
}

#[test]
fn an_unknown_name_suggests_close_ones() {
    portdex()
        .arg("postgress")
        .assert()
        .code(1)
        .stderr(predicate::str::contains("did you mean: postgres"));
}

#[test]
fn proto_narrows_a_lookup() {
    let v = json(&["53", "--proto", "udp"]);
    let a = v[0]["reports"][0]["assignments"].as_array().unwrap();
    assert!(!a.is_empty());
    assert!(a.iter().all(|a| a["transport"] == "udp"));
    let v = json(&["6379", "--proto", "sctp"]);
    assert!(v[0]["reports"][0]["knowledge"]
        .as_array()
        .unwrap()
        .is_empty());
}

#[test]
fn bad_input_is_a_clear_error_with_exit_2() {
    let cases: &[(&str, &str)] = &[
        ("65536", "'65536' is out of range: ports are 0-65535"),
        ("-1", "'-1' is out of range"),
        ("99999999999999999999", "is out of range"),
        ("8000-", "'8000-' is not a range"),
        ("9-3", "'9-3' is not a range: the start is above the end"),
        ("", "empty query"),
        ("http$$", "'http$$' is not a port, range or service name"),
        ("٤٤٣", "ASCII digits"),
        ("1-70000", "out of range"),
    ];
    for (arg, want) in cases {
        portdex().arg(arg).assert().code(2).stdout("").stderr(
            predicate::str::contains(*want).and(predicate::str::contains("panicked").not()),
        );
    }
    // One bad query among good ones: nothing is answered, every bad one is named.
    portdex()
        .args(["80", "70000", "http$$"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("70000").and(predicate::str::contains("http$$")));
    portdex()
        .args(["--proto", "icmp", "80"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("icmp"));
    portdex()
        .assert()
        .code(2)
        .stderr(predicate::str::contains("nothing to look up"));
}

#[test]
fn a_huge_argument_is_refused_without_echoing_it() {
    // Linux caps one argument at 128 KiB (MAX_ARG_STRLEN), so this is the largest a
    // user can pass; the library test covers 10 MB.
    let huge = "9".repeat(128 * 1024 - 1);
    let out = portdex().arg(&huge).assert().code(2);
    let err = String::from_utf8_lossy(&out.get_output().stderr).into_owned();
    assert!(
        err.contains("out of range") && err.len() < 300,
        "{}",
        err.len()
    );
    let huge = "x$".repeat(60 * 1024);
    portdex()
        .arg(&huge)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("bytes)"));
}

#[test]
fn search() {
    let out = portdex()
        .args(["search", "mysql", "--json"])
        .assert()
        .success();
    let v: Value = serde_json::from_slice(&out.get_output().stdout).unwrap();
    assert_eq!(v["hits"][0]["knowledge"]["port"], 3306);
    portdex()
        .args(["search", "mail"])
        .assert()
        .success()
        .stdout(predicate::str::contains("smtp").and(predicate::str::contains("imap")));
    portdex().args(["search", "zzzqqqxxx"]).assert().code(1);
    portdex()
        .args(["search", "remote", "desktop", "-n", "3"])
        .assert()
        .success()
        .stdout(predicate::str::contains("…"));
}

#[test]
fn json_schema_fields() {
    let v = json(&["80"]);
    let a = &v[0]["reports"][0]["assignments"][0];
    for field in [
        "service",
        "port",
        "port_end",
        "transport",
        "status",
        "source",
        "description",
        "assignee",
        "contact",
        "registration_date",
        "modification_date",
        "reference",
        "service_code",
        "known_unauthorized_uses",
        "assignment_notes",
    ] {
        assert!(a.get(field).is_some(), "missing {field}");
    }
    assert_eq!(v[0]["query"], "80");
    assert_eq!(v[0]["reports"][0]["category"], "well-known");
    let k = &v[0]["reports"][0]["knowledge"][0];
    for field in [
        "names",
        "usage",
        "iana_assigned",
        "cleartext",
        "severity",
        "risk",
        "secure_alternative",
        "reference",
    ] {
        assert!(k.get(field).is_some(), "missing {field}");
    }
}

#[test]
fn csv_output() {
    let out = portdex().args(["3306", "--csv"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let mut lines = text.lines();
    assert_eq!(
        lines.next(),
        Some("query,kind,port,port_end,category,transport,service,status,description,severity,cleartext,iana_assigned,reference")
    );
    assert!(text.contains("3306,assignment,3306,3306,registered,tcp,mysql,assigned,MySQL"));
    assert!(text.contains("knowledge"));
}

#[test]
fn etc_services_file() {
    let out = portdex().args(["--format", "services"]).assert().success();
    let text = String::from_utf8_lossy(&out.get_output().stdout).into_owned();
    let entries: Vec<&str> = text.lines().filter(|l| !l.starts_with('#')).collect();
    assert!(entries.len() > 10_000, "{}", entries.len());
    for line in &entries {
        // services(5): name port/proto [aliases…] [# comment]
        let fields: Vec<&str> = line.split('#').next().unwrap().split_whitespace().collect();
        assert!(fields.len() >= 2, "{line}");
        let (port, proto) = fields[1].split_once('/').unwrap();
        port.parse::<u16>().unwrap();
        // ddp: the AppleTalk entries of Debian's file.
        assert!(
            ["tcp", "udp", "sctp", "dccp", "ddp"].contains(&proto),
            "{line}"
        );
    }
    assert!(entries
        .iter()
        .any(|l| l.starts_with("http ") && l.contains("80/tcp") && l.contains("www www-http")));
    assert!(entries
        .iter()
        .any(|l| l.starts_with("ssh ") && l.contains("22/tcp")));
}

#[test]
fn japanese_by_flag_and_by_locale() {
    portdex()
        .args(["22", "--lang", "ja"])
        .assert()
        .success()
        .stdout(
            predicate::str::contains("ウェルノウンポート").and(predicate::str::contains("鍵認証")),
        );
    portdex()
        .arg("22")
        .env("LANG", "ja_JP.UTF-8")
        .assert()
        .success()
        .stdout(predicate::str::contains("セキュリティ"));
    portdex()
        .args(["22", "--lang", "en"])
        .env("LANG", "ja_JP.UTF-8")
        .assert()
        .success()
        .stdout(predicate::str::contains("security"));
}

#[test]
fn colour_only_when_asked_or_on_a_terminal() {
    let has_escape = |c: &mut Command| c.output().unwrap().stdout.contains(&0x1b);
    assert!(
        !has_escape(portdex().arg("23")),
        "piped output must be plain"
    );
    assert!(has_escape(portdex().args(["23", "--color", "always"])));
    assert!(!has_escape(portdex().args(["23"]).env("NO_COLOR", "1")));
    assert!(!has_escape(
        portdex()
            .args(["23", "--color", "never"])
            .env("CLICOLOR_FORCE", "1")
    ));
}

#[test]
fn completions_and_man_page() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        portdex()
            .args(["completions", shell])
            .assert()
            .success()
            .stdout(predicate::str::contains("portdex"));
    }
    portdex()
        .arg("man")
        .assert()
        .success()
        .stdout(predicate::str::contains(".TH PORTDEX 1"));
}

#[test]
fn a_closed_pipe_is_not_an_error() {
    use std::io::Read;
    use std::process::{Command as Std, Stdio};
    let mut child = Std::new(assert_cmd::cargo::cargo_bin("portdex"))
        .args(["--format", "services"])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut first = [0u8; 16];
    child
        .stdout
        .as_mut()
        .unwrap()
        .read_exact(&mut first)
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    assert!(
        out.stderr.is_empty(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn help_and_version() {
    portdex()
        .arg("--help")
        .assert()
        .success()
        .stdout(predicate::str::contains("Exit status"));
    portdex().arg("--version").assert().success();
}

/// `--format jsonl`: one compact answer (or hit) per line, each the object `--json` has.
#[test]
fn json_lines_one_object_per_line() {
    let out = portdex()
        .args(["22", "ldaps", "8000-8002", "--format", "jsonl"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(0));
    let text = String::from_utf8(out.stdout).unwrap();
    let lines: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect();
    assert_eq!(lines.len(), 3, "{text}");
    assert_eq!(lines[0]["query"], "22");
    assert_eq!(lines[1]["reports"][0]["port"], 636);
    assert_eq!(lines[2]["query"], "8000-8002");
    let out = portdex()
        .args(["search", "mail", "--limit", "4", "-f", "jsonl"])
        .output()
        .unwrap();
    let text = String::from_utf8(out.stdout).unwrap();
    assert_eq!(text.lines().count(), 4, "{text}");
    for l in text.lines() {
        let v: serde_json::Value = serde_json::from_str(l).unwrap();
        assert!(v["score"].is_number());
        assert!(
            v.get("assignment").is_some() || v.get("knowledge").is_some(),
            "{l}"
        );
    }
}

#[test]
fn hostile_input_is_refused_with_exit_2() {
    // A single argument may hold at most 128 KiB (MAX_ARG_STRLEN).
    let long_name = "x".repeat(100 * 1024);
    portdex()
        .arg(&long_name)
        .timeout(std::time::Duration::from_secs(10))
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("too long for a service name"));
    portdex()
        .arg("search")
        .args(vec!["mail"; 60_000])
        .timeout(std::time::Duration::from_secs(10))
        .assert()
        .code(2)
        .stderr(predicate::str::contains(
            "at most 16 words and 200 characters",
        ));
    portdex()
        .args(["search", "mail", "-n", "0"])
        .assert()
        .code(2)
        .stdout("")
        .stderr(predicate::str::contains("-n 0"));
    portdex()
        .args(["scan", "127.0.0.1", "-p", "1", "--timeout", "0.0000001ms"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("from 1ms to 1 hour"));
    for config in ["/dev/zero", "/dev/urandom", "/"] {
        portdex()
            .args(["audit", "--config", config])
            .timeout(std::time::Duration::from_secs(10))
            .assert()
            .code(2)
            .stderr(predicate::str::contains("not a regular file"));
    }
    let big = std::env::temp_dir().join(format!("portdex-big-{}.toml", std::process::id()));
    std::fs::write(&big, "#".repeat(2 * 1024 * 1024)).unwrap();
    portdex()
        .args(["audit", "--config"])
        .arg(&big)
        .assert()
        .code(2)
        .stderr(predicate::str::contains("larger than 1 MiB"));
    std::fs::remove_file(&big).unwrap();
}

#[test]
fn a_failed_write_is_an_error() {
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("portdex"))
        .arg("443")
        .env("LANG", "C")
        .stdout(full)
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("cannot write the output"));
    // A pipe closed by the reader is not an error: see the test above that reads one
    // line of --format services.
}

#[test]
fn not_enough_free_ports_is_nothing_found() {
    // Valid input that cannot be met: exit 1, not 2.
    portdex()
        .args(["free", "--count", "10000", "--range", "61000-61100"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("asked for"));
}

#[test]
fn messages_say_what_the_user_meant() {
    // A typo of a command reads as a name (nothing found, exit 1): the command is
    // suggested first.
    portdex()
        .args(["sacn", "127.0.0.1"])
        .assert()
        .code(1)
        .stderr(predicate::str::contains("did you mean: portdex scan"));
    portdex()
        .args(["free", "--udp", "--proto", "tcp"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--udp and --proto tcp"));
    portdex()
        .args(["scan", "127.0.0.1", "-p", "0-70000"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("scanned ports are 1-65535"));
}

#[test]
fn a_name_that_starts_with_a_digit_is_answered_as_a_name() {
    // 3com-tsmux looks like a range to a glance at its text; the parsed query says name.
    portdex()
        .arg("3com-tsmux")
        .assert()
        .success()
        .stdout(predicate::str::starts_with("port 106 ·"));
}

/// Registry rows of a lookup's first report, as (service, transport, status, source).
fn rows_of(v: &Value) -> Vec<(String, String, String, String)> {
    v[0]["reports"][0]["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            let s = |k: &str| a[k].as_str().unwrap_or("").to_owned();
            (s("service"), s("transport"), s("status"), s("source"))
        })
        .collect()
}

fn row(service: &str, t: &str, status: &str, source: &str) -> (String, String, String, String) {
    (service.into(), t.into(), status.into(), source.into())
}

/// IANA's CSV says 3283 is net-assistant and 3679 newton-dock; the 2015 display strings
/// are history, not services.
#[test]
fn renamed_services_answer_with_iana_s_names() {
    for (port, now, then, desc) in [
        (
            "3283",
            "net-assistant",
            "Apple Remote Desktop (Net Assistant)",
            "Net Assistant",
        ),
        ("3679", "newton-dock", "Escale (Newton Dock)", "Newton Dock"),
    ] {
        assert_eq!(
            rows_of(&json(&[port])),
            [
                row(now, "tcp", "assigned", "iana"),
                row(then, "tcp", "de-assigned", "history"),
                row(now, "udp", "assigned", "iana"),
                row(then, "udp", "de-assigned", "history"),
            ]
        );
        let out = portdex().arg(port).output().unwrap();
        let text = String::from_utf8(out.stdout).unwrap();
        let line = |name: &str| text.lines().find(|l| l.contains(name)).unwrap().to_owned();
        assert!(
            line(now).contains(desc) && line(now).ends_with("assigned"),
            "{text}"
        );
        assert!(line(then).ends_with("de-assigned"), "{text}");
    }
}

#[test]
fn de_assigned_ports_say_reserved_and_why() {
    for (port, old, note) in [
        (
            "2",
            "compressnet",
            "De-assigned on 2025-02-13, previously compressnet by [Bernie_Volz]",
        ),
        (
            "831",
            "netconf-beep",
            "Previously assigned to NETCONF over BEEP but released by [RFC9900]",
        ),
    ] {
        let v = json(&[port]);
        assert_eq!(
            rows_of(&v),
            [
                row("", "tcp", "reserved", "iana"),
                row(old, "tcp", "de-assigned", "history"),
                row("", "udp", "reserved", "iana"),
                row(old, "udp", "de-assigned", "history"),
            ]
        );
        assert_eq!(
            v[0]["reports"][0]["assignments"][0]["assignment_notes"],
            note
        );
        portdex()
            .arg(port)
            .env("COLUMNS", "200")
            .assert()
            .success()
            .stdout(predicate::str::contains(format!(
                "Reserved [tcp,udp]: {note}"
            )))
            .stdout(predicate::str::is_match(format!(r"{old} +\S.* de-assigned\n")).unwrap());
    }
}

#[test]
fn mongodb_s_port_and_the_unassigned_ranges_around_it() {
    // 27017: mongodb on tcp, Reserved on udp, and no Unassigned row.
    assert_eq!(
        rows_of(&json(&["27017"])),
        [
            row("mongodb", "tcp", "assigned", "iana"),
            row("", "udp", "reserved", "iana")
        ]
    );
    // 27011 lies in IANA's Unassigned range 27011-27015: the row says so, and the port
    // is still one with nothing assigned (exit 1).
    let v = json(&["27011"]);
    let a = &v[0]["reports"][0]["assignments"][0];
    assert_eq!(
        (a["status"].as_str(), a["transport"].as_str()),
        (Some("unassigned"), None)
    );
    assert_eq!(
        (&a["port"], &a["port_end"]),
        (&Value::from(27011), &Value::from(27015))
    );
    portdex()
        .arg("27011")
        .assert()
        .code(1)
        .stdout(predicate::str::contains("Unassigned (27011-27015)"));
    portdex()
        .arg("27018")
        .env("COLUMNS", "200")
        .assert()
        .success()
        .stdout(predicate::str::contains("Unassigned (27018-27344)"))
        .stdout(predicate::str::contains(
            "Unassigned: Unauthorized Use Known on ports 27018 and 27019",
        ));
}

#[test]
fn x11_is_its_registered_range() {
    let v = json(&["6000-6063"]);
    let report = v[0]["reports"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["port"] == 6000 && r["port_end"] == 6063)
        .unwrap();
    let x11: Vec<_> = report["assignments"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| {
            (
                a["service"].as_str(),
                a["transport"].as_str(),
                a["source"].as_str(),
            )
        })
        .collect();
    assert_eq!(
        x11,
        [
            (Some("x11"), Some("tcp"), Some("iana")),
            (Some("x11"), Some("udp"), Some("iana"))
        ]
    );
    assert_eq!(
        report["assignments"][0]["known_unauthorized_uses"],
        "Known Unauthorized Use on port 6003"
    );
    portdex()
        .arg("6000-6063")
        .assert()
        .success()
        .stdout(predicate::str::is_match(r"6000-6063 +tcp,udp +x11 +X Window System").unwrap());
    // One port of the range says the range.
    portdex()
        .arg("6010")
        .assert()
        .success()
        .stdout(predicate::str::contains("X Window System (6000-6063)"));
}

/// A shared port shows every use, in the text and the JSON, and a range entry is found
/// by any port inside it (X11 on 6010).
#[test]
fn every_use_of_a_shared_port_and_ranges_by_any_port_inside() {
    use portdex_registry::{knowledge_at, Lang};
    for port in [9100u16, 514, 7000, 6010] {
        let want: Vec<_> = knowledge_at(port).collect();
        assert!(!want.is_empty(), "{port}");
        let v = json(&[&port.to_string()]);
        let got: Vec<(u64, &str)> = v[0]["reports"][0]["knowledge"]
            .as_array()
            .unwrap()
            .iter()
            .map(|k| (k["port"].as_u64().unwrap(), k["names"][0].as_str().unwrap()))
            .collect();
        let names: Vec<(u64, &str)> = want
            .iter()
            .map(|k| (u64::from(k.ports().lo), k.name()))
            .collect();
        assert_eq!(got, names, "{port}");
        for lang in ["en", "ja"] {
            let out = portdex()
                .args([&port.to_string(), "--lang", lang])
                .env("COLUMNS", "400")
                .output()
                .unwrap();
            let text = String::from_utf8(out.stdout).unwrap();
            let l = if lang == "en" { Lang::En } else { Lang::Ja };
            for k in &want {
                assert!(
                    text.contains(k.usage(l)) && text.contains(k.risk(l)),
                    "{port} {lang}: {} missing:\n{text}",
                    k.name()
                );
            }
        }
    }
}
