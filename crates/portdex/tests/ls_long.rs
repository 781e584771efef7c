//! `ls` with a listing longer than the block it is written in (64 KiB): 1,800 listeners
//! held by two child processes (tests/helpers/hold.py) on 127.0.0.1 and ::1. The table is
//! laid out in two passes and goes out a block at a time; these tests check that the
//! blocks make one whole, aligned table, that JSON, JSON Lines and CSV arrive whole, and
//! that a reader who closes the pipe early, or a full disk, is handled as for a short
//! answer. Only loopback binds; nothing is sent anywhere.

mod common;

use common::{portdex, Helper};
use serde_json::Value;
use std::io::{BufRead, BufReader};
use std::process::Stdio;

/// Listeners held by two processes of 600 IPv4 and 300 IPv6 listeners each (fewer
/// descriptors than the usual limit of 1,024 per process): with the machine's own, a
/// table of some 180 KB and a CSV of 120 KB, several blocks.
struct Many {
    _helpers: [Helper; 2],
    /// Each held listener: its port, and whether it is the IPv6 one.
    held: Vec<(u16, bool)>,
}

fn hold_many() -> Many {
    let mut specs = vec!["tcp4:127.0.0.1:0"; 600];
    specs.extend(["tcp6:[::1]:0"; 300]);
    let helpers = [Helper::hold(&[], &specs), Helper::hold(&[], &specs)];
    let mut held: Vec<(u16, bool)> = helpers
        .iter()
        .flat_map(|h| h.ports.iter().enumerate().map(|(i, &p)| (p, i >= 600)))
        .collect();
    held.sort_unstable();
    Many {
        _helpers: helpers,
        held,
    }
}

fn stdout_of(args: &[&str]) -> String {
    let out = portdex().args(args).output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_long_table_is_one_aligned_table_in_port_order() {
    let held = hold_many();
    let table = stdout_of(&["ls", "--tcp", "--no-owners", "--netns", "host"]);
    assert!(table.len() > 64 * 1024, "{} bytes", table.len());
    let mut lines = table.lines();
    let header = lines.next().unwrap();
    assert!(header.starts_with(" PROTO"), "{header}");
    // Every row's port starts under the header's PORT: the columns were measured over
    // every row before the first block went out.
    let at = header.find("PORT").unwrap();
    let mut seen = Vec::new();
    for line in lines {
        let port: u16 = line[at..].split(' ').next().unwrap().parse().unwrap();
        assert_eq!(&line[at - 2..at], "  ", "{line}");
        let listener = match line[..at].split_whitespace().nth(1).unwrap() {
            "127.0.0.1" => (port, false),
            "::1" => (port, true),
            _ => continue,
        };
        // Other tests hold loopback listeners of their own meanwhile.
        if held.held.binary_search(&listener).is_ok() {
            seen.push(listener);
        }
    }
    // Each held listener once, by port and then family (IPv4 first).
    assert_eq!(seen, held.held);
}

#[test]
fn long_json_jsonl_and_csv_arrive_whole() {
    let held = hold_many();
    // How many of the held listeners a listing names, from its (port, family) pairs.
    let count = |listed: Vec<(u64, u64)>| {
        held.held
            .iter()
            .filter(|&&(p, v6)| listed.contains(&(u64::from(p), if v6 { 6 } else { 4 })))
            .count()
    };
    let json: Value = serde_json::from_str(&stdout_of(&["ls", "--tcp", "--json"])).unwrap();
    let ports = json["listeners"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| (l["port"].as_u64().unwrap(), l["family"].as_u64().unwrap()))
        .collect();
    assert_eq!(count(ports), held.held.len());
    let jsonl = stdout_of(&["ls", "--tcp", "--no-owners", "--format", "jsonl"]);
    let ports = jsonl
        .lines()
        .map(|l| {
            let l: Value = serde_json::from_str(l).unwrap();
            (l["port"].as_u64().unwrap(), l["family"].as_u64().unwrap())
        })
        .collect();
    assert_eq!(count(ports), held.held.len());
    let csv = stdout_of(&["ls", "--tcp", "--csv"]);
    assert!(csv.len() > 64 * 1024, "{} bytes", csv.len());
    let mut lines = csv.lines();
    assert!(lines
        .next()
        .unwrap()
        .starts_with("transport,family,address,port,"));
    let ports = lines
        .map(|l| {
            let f: Vec<&str> = l.split(',').collect();
            (f[3].parse().unwrap(), f[1].parse().unwrap())
        })
        .collect();
    assert_eq!(count(ports), held.held.len());
}

#[test]
fn a_reader_that_stops_early_is_not_an_error() {
    let _held = hold_many();
    let mut child = std::process::Command::new(assert_cmd::cargo::cargo_bin("portdex"))
        .args(["ls", "--tcp", "--no-owners"])
        .env("LANG", "C")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    // One line, then the pipe is closed (`portdex ls | head -1`): the rest of the
    // listing cannot be written.
    let mut first = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    assert!(first.starts_with(" PROTO"), "{first}");
    let out = child.wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(0), "{out:?}");
    assert!(out.stderr.is_empty(), "{out:?}");
}

#[test]
fn a_long_listing_that_cannot_be_written_is_an_error() {
    let _held = hold_many();
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    for format in ["table", "json", "csv"] {
        let out = std::process::Command::new(assert_cmd::cargo::cargo_bin("portdex"))
            .args(["ls", "--tcp", "--format", format])
            .env("LANG", "C")
            .stdout(full.try_clone().unwrap())
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(2), "{format}: {out:?}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            stderr.matches("cannot write the output").count(),
            1,
            "{format}: {stderr}"
        );
    }
}
