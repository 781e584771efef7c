//! The exporter with Debian's Prometheus tools (`prometheus` package; .ci/run installs
//! it): /metrics through `promtool check metrics`, the shipped alert rules
//! (deploy/prometheus) through `promtool check rules` and their unit tests, and a real
//! Prometheus server scraping two portdex exporters on loopback that sees a Redis
//! exposed on one of them fire an alert, then resolve. Everything listens on this
//! machine; nothing is sent anywhere else (the Redis is bound to 0.0.0.0, which is what
//! "exposed" means, and only ever reached on 127.0.0.1).

mod common;

use common::{have, redis, required, Server};
use serde_json::Value;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

fn rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/prometheus")
}

/// An HTTP/1.0 GET on loopback: the status line and the body.
fn get(addr: &str, path: &str) -> (String, String) {
    common::get10(addr, path)
}

/// A port on 127.0.0.1 (or 0.0.0.0) nothing listens on now.
fn free_port(ip: &str) -> u16 {
    std::net::TcpListener::bind((ip, 0))
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn promtool(args: &[&str], stdin: Option<&str>) -> std::process::Output {
    let mut child = Command::new("promtool")
        .args(args)
        .current_dir(rules_dir())
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("promtool runs");
    let mut input = child.stdin.take().unwrap();
    input.write_all(stdin.unwrap_or("").as_bytes()).unwrap();
    drop(input);
    child.wait_with_output().unwrap()
}

#[test]
fn metrics_pass_promtool_check_metrics() {
    if !required(
        "metrics_pass_promtool_check_metrics",
        have("promtool"),
        "apt-get install prometheus (.ci/run does)",
    ) {
        return;
    }
    // Something for every family: an exposed socket is a finding.
    let exposed = std::net::TcpListener::bind("0.0.0.0:0").unwrap();
    let (_server, addr) = common::serve(&["--expose-local"]);
    let (status, body) = get(&addr, "/metrics");
    assert!(status.contains(" 200 "), "{status}");
    let port = exposed.local_addr().unwrap().port();
    assert!(
        body.lines()
            .any(|l| l.starts_with("portdex_finding_info{")
                && l.contains(&format!("port=\"{port}\""))),
        "{body}"
    );
    let out = promtool(&["check", "metrics"], Some(&body));
    let said = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    // Lint problems are printed (and exit 3); a clean exposition says nothing.
    assert!(
        out.status.success() && said.trim().is_empty(),
        "promtool check metrics: {:?}\n{said}\n{body}",
        out.status
    );
    drop(exposed);
}

#[test]
fn the_alert_rules_pass_their_unit_tests() {
    if !required(
        "the_alert_rules_pass_their_unit_tests",
        have("promtool"),
        "apt-get install prometheus (.ci/run does)",
    ) {
        return;
    }
    for args in [
        ["check", "rules", "portdex-rules.yml"],
        ["test", "rules", "portdex-rules.test.yml"],
    ] {
        let out = promtool(&args, None);
        let said = format!(
            "{}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(out.status.success(), "promtool {args:?}:\n{said}");
        assert!(said.contains("SUCCESS"), "promtool {args:?}:\n{said}");
    }
}

/// Prometheus's active alerts named PortdexSevereFinding.
fn severe_alerts(prometheus: &str) -> Vec<Value> {
    let (status, body) = get(prometheus, "/api/v1/alerts");
    assert!(status.contains(" 200 "), "{status}: {body}");
    let v: Value = serde_json::from_str(&body).unwrap_or_else(|e| panic!("{e}: {body}"));
    v["data"]["alerts"]
        .as_array()
        .unwrap_or_else(|| panic!("{v}"))
        .iter()
        .filter(|a| a["labels"]["alertname"] == "PortdexSevereFinding")
        .cloned()
        .collect()
}

/// Polls every 100 ms until `done` says yes; panics with `what` (and Prometheus's log)
/// after `limit`. How long it took.
fn wait_until(limit: Duration, what: &str, log: &Path, mut done: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while !done() {
        if start.elapsed() > limit {
            let log = std::fs::read_to_string(log).unwrap_or_default();
            let tail: Vec<&str> = log.lines().rev().take(30).collect();
            panic!(
                "{what}: not within {limit:?}; Prometheus's log (last lines first):\n{}",
                tail.join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    start.elapsed()
}

#[test]
fn a_real_prometheus_fires_and_resolves_the_exposed_redis_alert() {
    if !required(
        "a_real_prometheus_fires_and_resolves_the_exposed_redis_alert",
        have("prometheus") && have("redis-server"),
        "apt-get install prometheus redis-server (.ci/run does)",
    ) {
        return;
    }
    let dir = std::env::temp_dir().join(format!("portdex-prometheus-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("data")).unwrap();

    // The Redis's port, free on every address now; two hosts: host-a audits with no
    // configuration, host-b accepts a listener on that port (its audit.toml).
    let redis_port = free_port("0.0.0.0");
    let accept = dir.join("audit.toml");
    std::fs::write(
        &accept,
        format!("[[accept]]\nport = {redis_port}\nreason = \"host-b's cache, firewalled\"\n"),
    )
    .unwrap();
    let (_a, host_a) = common::serve(&["--expose-local"]);
    let (_b, host_b) = common::serve(&["--expose-local", "--config", accept.to_str().unwrap()]);

    let web = format!("127.0.0.1:{}", free_port("127.0.0.1"));
    let rules = rules_dir()
        .join("portdex-rules.yml")
        .canonicalize()
        .unwrap();
    std::fs::write(
        dir.join("prometheus.yml"),
        format!(
            "global:\n  scrape_interval: 1s\n  scrape_timeout: 1s\n  evaluation_interval: 1s\n\
             rule_files:\n  - {}\n\
             scrape_configs:\n  - job_name: portdex\n    static_configs:\n\
             \x20     - targets: ['{host_a}']\n        labels: {{instance: host-a}}\n\
             \x20     - targets: ['{host_b}']\n        labels: {{instance: host-b}}\n",
            rules.display()
        ),
    )
    .unwrap();
    let log = dir.join("prometheus.log");
    let prometheus = Server(
        Command::new("prometheus")
            .arg(format!(
                "--config.file={}",
                dir.join("prometheus.yml").display()
            ))
            .arg(format!(
                "--storage.tsdb.path={}",
                dir.join("data").display()
            ))
            .arg(format!("--web.listen-address={web}"))
            .stdout(Stdio::null())
            .stderr(std::fs::File::create(&log).unwrap())
            .spawn()
            .expect("prometheus starts"),
    );

    // Both exporters scraped and up, each with its own instance.
    let up = |v: &Value| -> Vec<(String, String)> {
        let mut r: Vec<(String, String)> = v["data"]["result"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|s| {
                        (
                            s["metric"]["instance"].as_str().unwrap_or("").to_owned(),
                            s["value"][1].as_str().unwrap_or("").to_owned(),
                        )
                    })
                    .collect()
            })
            .unwrap_or_default();
        r.sort();
        r
    };
    let both_up = vec![
        ("host-a".to_owned(), "1".to_owned()),
        ("host-b".to_owned(), "1".to_owned()),
    ];
    wait_until(Duration::from_secs(20), "both exporters up", &log, || {
        std::net::TcpStream::connect(&web).is_ok() && {
            let (_, body) = get(&web, "/api/v1/query?query=up%7Bjob%3D%22portdex%22%7D");
            serde_json::from_str::<Value>(&body).is_ok_and(|v| up(&v) == both_up)
        }
    });
    let on_port = |alerts: &[Value], instance: &str| {
        alerts
            .iter()
            .filter(|a| {
                a["labels"]["instance"] == instance
                    && a["labels"]["port"] == redis_port.to_string().as_str()
            })
            .cloned()
            .collect::<Vec<Value>>()
    };
    assert!(
        on_port(&severe_alerts(&web), "host-a").is_empty(),
        "nothing listens on {redis_port} yet"
    );

    // The Redis, exposed: host-a's alert fires and names host, port and service;
    // host-b accepts it.
    let server = redis("0.0.0.0", redis_port);
    let mut alert = Value::Null;
    let fired = wait_until(Duration::from_secs(20), "the alert fires", &log, || {
        let alerts = severe_alerts(&web);
        match on_port(&alerts, "host-a").as_slice() {
            [a] if a["state"] == "firing" => {
                alert = a.clone();
                true
            }
            _ => false,
        }
    });
    eprintln!("fired {fired:?} after the Redis started");
    let labels = &alert["labels"];
    assert_eq!(labels["severity"], "critical", "{alert}");
    assert_eq!(labels["service"], "redis", "{alert}");
    assert_eq!(labels["rule"], "service-exposed", "{alert}");
    assert_eq!(labels["address"], "0.0.0.0", "{alert}");
    assert_eq!(labels["process"], "redis-server", "{alert}");
    let summary = alert["annotations"]["summary"].as_str().unwrap();
    assert_eq!(
        summary,
        format!(
            "host-a: redis on port {redis_port}/tcp is reachable from other machines (critical)"
        )
    );
    // host-b has been scraped since too (a scrape a second, for as long as host-a's
    // alert took): its audit.toml keeps it quiet.
    std::thread::sleep(Duration::from_secs(2));
    assert!(
        on_port(&severe_alerts(&web), "host-b").is_empty(),
        "host-b accepts port {redis_port}: {:?}",
        severe_alerts(&web)
    );
    let (_, metrics_b) = get(&host_b, "/metrics");
    assert!(
        metrics_b
            .lines()
            .any(|l| l.starts_with("portdex_listener_info{")
                && l.contains(&format!("port=\"{redis_port}\""))
                && l.contains("service=\"redis\"")),
        "host-b still lists the Redis: {metrics_b}"
    );

    // Closed: resolved (Prometheus lists active alerts only).
    drop(server);
    let resolved = wait_until(Duration::from_secs(20), "the alert resolves", &log, || {
        on_port(&severe_alerts(&web), "host-a").is_empty()
    });
    eprintln!("resolved {resolved:?} after the Redis stopped");
    drop(prometheus);
    let _ = std::fs::remove_dir_all(&dir);
}
