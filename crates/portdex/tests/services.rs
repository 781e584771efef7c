//! `--format services` as a real /etc/services: the binary's output is bind-mounted over
//! /etc/services in a private mount namespace (`unshare -m`, as root), and glibc's own
//! `getent services` answers from it. Every entry of Debian's file
//! (data/sources/netbase/services, not this machine's /etc/services, which may differ)
//! must resolve as it does from Debian's file itself, asked the same way in the same
//! namespace. The machine's files are never touched.

mod common;

use common::{have, portdex, required};
use std::collections::{BTreeMap, BTreeSet};
use std::path::PathBuf;

fn debian_file() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../data/sources/netbase/services")
}

/// The keys to ask for each Debian entry: `port/proto`, and each name and alias alone
/// and with its transport.
fn debian_keys(text: &str) -> (BTreeSet<String>, usize) {
    let mut keys = BTreeSet::new();
    let mut entries = 0;
    for line in text.lines() {
        let mut f = line.split('#').next().unwrap().split_whitespace();
        let Some(name) = f.next() else { continue };
        let port = f.next().unwrap_or_else(|| panic!("no port/proto: {line}"));
        let proto = port.split_once('/').unwrap().1;
        entries += 1;
        keys.insert(port.to_owned());
        for n in std::iter::once(name).chain(f) {
            keys.insert(n.to_owned());
            keys.insert(format!("{n}/{proto}"));
        }
    }
    (keys, entries)
}

/// getent's answers per key, from the `== NAME` section of the script's output.
fn answers<'a>(out: &'a str, section: &str) -> BTreeMap<&'a str, &'a str> {
    out.split(&format!("== {section}\n"))
        .nth(1)
        .unwrap_or_else(|| panic!("no section {section}: {out}"))
        .lines()
        .take_while(|l| !l.starts_with("== "))
        .map(|l| l.split_once('\t').unwrap_or((l, "")))
        .collect()
}

/// `name port/proto` and the aliases of one getent answer.
fn split(answer: &str) -> (String, BTreeSet<&str>) {
    let f: Vec<&str> = answer.split_whitespace().collect();
    let head = f.iter().take(2).copied().collect::<Vec<_>>().join(" ");
    (head, f.iter().skip(2).copied().collect())
}

#[test]
fn getent_resolves_every_debian_entry_from_our_file() {
    let present = rustix::process::geteuid().is_root() && have("unshare") && have("getent");
    if !required(
        "getent_resolves_every_debian_entry_from_our_file",
        present,
        "run as root with unshare (util-linux) and getent (libc-bin)",
    ) {
        return;
    }
    let dir = std::env::temp_dir().join(format!("portdex-services-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();

    let out = portdex().args(["--format", "services"]).assert().success();
    let ours = String::from_utf8(out.get_output().stdout.clone()).unwrap();
    let ours_path = dir.join("services");
    std::fs::write(&ours_path, &ours).unwrap();
    let debian = std::fs::read_to_string(debian_file()).unwrap();
    let (mut keys, entries) = debian_keys(&debian);
    assert_eq!(entries, 318, "entries of Debian netbase 6.4's file");
    let named = [
        "x11", "www", "http-alt", "postgres", "smtps", "443/tcp", "591/tcp", "6063/tcp", "6063/udp",
    ];
    keys.extend(named.map(String::from));
    let keys_path = dir.join("keys");
    std::fs::write(
        &keys_path,
        keys.iter().map(|k| format!("{k}\n")).collect::<String>(),
    )
    .unwrap();
    // Only the files backend: a services.db ("db files" in Debian's nsswitch.conf) would
    // answer before the file.
    let nss = dir.join("nsswitch.conf");
    std::fs::write(&nss, "services: files\n").unwrap();

    let script = r#"
        [ -e /etc/nsswitch.conf ] && mount --bind "$NSS" /etc/nsswitch.conf
        q() { while read -r k; do printf '%s\t%s\n' "$k" "$(getent services "$k")"; done < "$KEYS"; }
        mount --bind "$DEBIAN" /etc/services
        echo "== debian"; q
        mount --bind "$OURS" /etc/services
        echo "== ours"; q
        echo "== all"; getent services | wc -l
    "#;
    let run = std::process::Command::new("unshare")
        .args(["-m", "sh", "-ec", script])
        .env("NSS", &nss)
        .env("KEYS", &keys_path)
        .env("DEBIAN", debian_file())
        .env("OURS", &ours_path)
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    let text = String::from_utf8_lossy(&run.stdout);
    assert!(
        run.status.success(),
        "{text}{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let (theirs, mine) = (answers(&text, "debian"), answers(&text, "ours"));
    assert_eq!(theirs.len(), keys.len());
    assert_eq!(mine.len(), keys.len());

    // Every Debian name, alias and port resolves as from Debian's own file: the same name
    // and port/proto, and at least Debian's aliases.
    let mut checked = 0;
    for (key, want) in &theirs {
        if named.contains(key) && want.is_empty() {
            continue; // asked for below, not a Debian entry
        }
        assert!(!want.is_empty(), "Debian's file does not resolve {key}");
        let (want_head, want_aliases) = split(want);
        let (got_head, got_aliases) = split(mine[key]);
        assert_eq!(
            got_head, want_head,
            "{key}: ours {:?}, Debian's {want:?}",
            mine[key]
        );
        assert!(
            got_aliases.is_superset(&want_aliases),
            "{key}: ours {:?} lacks Debian's aliases {want:?}",
            mine[key]
        );
        checked += 1;
    }
    assert!(checked > 900, "{checked} keys checked");

    let head = |k: &str| split(mine[k]).0;
    assert_eq!(head("x11"), "x11 6000/tcp");
    assert_eq!(head("www"), "http 80/tcp");
    assert_eq!(head("http-alt"), "http-alt 8080/tcp");
    assert_eq!(head("postgres"), "postgresql 5432/tcp");
    assert_eq!(head("smtps"), "submissions 465/tcp");
    assert_eq!(head("443/tcp"), "https 443/tcp");
    // IANA's other ports of a name stay reachable, and ranges are there port by port.
    assert_eq!(head("591/tcp"), "http-alt 591/tcp");
    assert_eq!(head("6063/tcp"), "x11 6063/tcp");
    assert_eq!(head("6063/udp"), "x11 6063/udp");

    // glibc reads every line of ours.
    let all: usize = text
        .split("== all\n")
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let lines = ours
        .lines()
        .filter(|l| !l.starts_with('#') && !l.trim().is_empty())
        .count();
    assert_eq!(
        all, lines,
        "getent services lists {all} of our {lines} lines"
    );
}
