//! End-to-end tests of `firewall`: every backend's output is loaded into the real tool
//! (nft, iptables-restore, ip6tables-restore, ufw, firewall-offline-cmd) inside a
//! network namespace that the test creates (`unshare -n`), and for ufw and firewalld a
//! mount namespace with a copy of their configuration, so the machine's own firewall
//! and files are never touched. portdex itself runs in the namespace too: it sees only
//! the listeners the test starts there (a process named sshd, say).

mod common;

use common::{have, portdex, required};
use predicates::prelude::*;
use std::path::{Path, PathBuf};
use std::process::Output;

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("portdex-fw-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn root() -> bool {
    rustix::process::geteuid().is_root()
}

/// Runs `sh -ec SCRIPT` in new network (and, with `mount`, mount) namespaces. The
/// script finds the binary in $PORTDEX and the socket holder in $HOLD.
fn netns(script: &str, mount: bool, env: &[(&str, &str)]) -> Output {
    let mut c = std::process::Command::new("unshare");
    c.arg("-n");
    if mount {
        c.arg("-m");
    }
    // Socket holders started by the script are stopped when it ends.
    // `pending` waits until a background --apply says it waits for confirmation.
    let prelude = "ip link set lo up\nHOLDPIDS=\ntrap 'kill $HOLDPIDS 2>/dev/null || true' EXIT\n\
        pending() { for i in $(seq 100); do [ -e \"$PORTDEX_STATE_DIR/firewall.pending\" ] && break; sleep 0.05; done; sleep 0.3; }\n";
    c.args(["sh", "-ec", &format!("{prelude}{script}")])
        .env("PORTDEX", assert_cmd::cargo::cargo_bin("portdex"))
        .env(
            "HOLD",
            format!("{}/tests/helpers/hold.py", env!("CARGO_MANIFEST_DIR")),
        )
        .env("LANG", "C")
        .env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        // Empty, not unset: portdex would look for them in its parent processes (for
        // sudo), and find the developer's own SSH session.
        .env("SSH_CONNECTION", "")
        .env("SSH_CLIENT", "");
    for (k, v) in env {
        c.env(k, v);
    }
    c.output().unwrap()
}

fn ok(out: &Output) -> String {
    assert!(
        out.status.success(),
        "status {:?}\nstdout:\n{}\nstderr:\n{}",
        out.status,
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

fn can(test: &str, tools: &[&str]) -> bool {
    let present = root() && have("unshare") && tools.iter().all(|t| have(t));
    required(
        test,
        present,
        &format!("run as root with {} installed", tools.join(", ")),
    )
}

/// A hold.py line that starts a socket holder named NAME in the background and puts
/// its port in $P.
fn hold(name: &str, spec: &str) -> String {
    format!(
        "python3 \"$HOLD\" --name {name} {spec} > /tmp/hold.$$ 2>/dev/null < /dev/null & \
         HOLDPIDS=\"$HOLDPIDS $!\"; \
         for i in $(seq 100); do [ -s /tmp/hold.$$ ] && break; sleep 0.05; done; \
         P=$(tr -d '[]' < /tmp/hold.$$); rm -f /tmp/hold.$$;"
    )
}

fn expected(name: &str) -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR"))
            .join("tests/expected")
            .join(name),
    )
    .unwrap()
}

#[test]
fn rules_match_the_expected_files() {
    if !can("rules_match_the_expected_files", &[]) {
        return;
    }
    let allow = "ssh,https,8000-8100,53/udp";
    for (backend, file) in [
        ("nftables", "firewall.nft"),
        ("ufw", "firewall.ufw"),
        ("iptables", "firewall.iptables"),
        ("firewalld", "firewall.firewalld"),
    ] {
        let out = ok(&netns(
            &format!("\"$PORTDEX\" firewall --allow {allow} --backend {backend}"),
            false,
            &[],
        ));
        assert_eq!(out, expected(file), "{backend}");
    }
}

#[test]
fn iptables_rules_load_with_noflush_and_leave_other_chains_alone() {
    if !can(
        "iptables_rules_load_with_noflush_and_leave_other_chains_alone",
        &["iptables-restore", "ip6tables-restore"],
    ) {
        return;
    }
    let dir = scratch("iptables");
    let script = format!(
        r#"
        # What Docker and fail2ban leave behind.
        iptables -N DOCKER-USER; iptables -A FORWARD -j DOCKER-USER; iptables -P FORWARD DROP
        iptables -N f2b-sshd; iptables -A INPUT -j f2b-sshd
        ip6tables -N DOCKER-USER; ip6tables -A FORWARD -j DOCKER-USER
        "$PORTDEX" firewall --allow ssh,https,53/udp --backend iptables > {d}/v4
        "$PORTDEX" firewall --allow ssh,https,53/udp --backend iptables --family 6 > {d}/v6
        iptables-restore --test --noflush < {d}/v4
        iptables-restore --noflush < {d}/v4
        ip6tables-restore --noflush < {d}/v6
        # Loaded twice: the chain is rewritten, not doubled.
        iptables-restore --noflush < {d}/v4
        echo '== v4'; iptables -S
        echo '== v6'; ip6tables -S
        "#,
        d = dir.display()
    );
    let out = ok(&netns(&script, false, &[]));
    let (v4, v6) = out.split_once("== v6").unwrap();
    for want in [
        "-P FORWARD DROP",
        "-N DOCKER-USER",
        "-A FORWARD -j DOCKER-USER",
        "-A INPUT -j f2b-sshd",
        "-A INPUT -j PORTDEX-INPUT",
        "-A PORTDEX-INPUT -i lo -j ACCEPT",
        "-A PORTDEX-INPUT -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
        "-A PORTDEX-INPUT -p icmp -j ACCEPT",
        "-A PORTDEX-INPUT -p tcp -m tcp --dport 22 -m comment --comment ssh -j ACCEPT",
        "-A PORTDEX-INPUT -p tcp -m tcp --dport 443 -m comment --comment https -j ACCEPT",
        "-A PORTDEX-INPUT -p udp -m udp --dport 53 -m comment --comment \"53/udp\" -j ACCEPT",
        "-A PORTDEX-INPUT -j DROP",
    ] {
        assert!(v4.contains(want), "IPv4 lacks {want:?}:\n{v4}");
    }
    assert!(!v4.contains("ipv6-icmp"), "{v4}");
    // f2b-sshd still comes first: portdex's jump is appended.
    assert!(v4.find("-j f2b-sshd").unwrap() < v4.find("-j PORTDEX-INPUT").unwrap());
    assert_eq!(
        v4.matches("--dport 22 ").count(),
        1,
        "loaded twice, the chain holds each rule once:\n{v4}"
    );
    for want in [
        "-A FORWARD -j DOCKER-USER",
        "-A INPUT -j PORTDEX-INPUT",
        "-A PORTDEX-INPUT -p ipv6-icmp -j ACCEPT",
        "-A PORTDEX-INPUT -s fe80::/10 -d fe80::/10 -p udp -m udp --sport 547 --dport 546 -j ACCEPT",
        "-A PORTDEX-INPUT -p tcp -m tcp --dport 22 -m comment --comment ssh -j ACCEPT",
        "-A PORTDEX-INPUT -j DROP",
    ] {
        assert!(v6.contains(want), "IPv6 lacks {want:?}:\n{v6}");
    }
    assert!(!v4.contains("546"), "DHCPv6 is for IPv6 only: {v4}");
    assert!(!v6.contains("-p icmp "), "{v6}");
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn output_dir_writes_both_families_and_never_over_a_file() {
    if !can("output_dir_writes_both_families_and_never_over_a_file", &[]) {
        return;
    }
    let dir = scratch("outdir");
    let d = dir.display();
    let out = ok(&netns(
        &format!("\"$PORTDEX\" firewall --allow ssh --backend iptables --output-dir {d}"),
        false,
        &[],
    ));
    assert!(
        out.contains("rules.v4") && out.contains("rules.v6"),
        "{out}"
    );
    let v4 = std::fs::read_to_string(dir.join("rules.v4")).unwrap();
    let v6 = std::fs::read_to_string(dir.join("rules.v6")).unwrap();
    assert!(v4.contains("-p icmp -j ACCEPT") && v6.contains("-p ipv6-icmp -j ACCEPT"));
    std::fs::write(dir.join("rules.v4"), "mine\n").unwrap();
    let again = netns(
        &format!("\"$PORTDEX\" firewall --allow ssh --backend iptables --output-dir {d}"),
        false,
        &[],
    );
    assert_eq!(again.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&again.stderr).contains("rules.v4 exists"));
    assert_eq!(
        std::fs::read_to_string(dir.join("rules.v4")).unwrap(),
        "mine\n"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn nftables_rules_load_into_their_own_table() {
    if !can(
        "nftables_rules_load_into_their_own_table",
        &["nft", "iptables"],
    ) {
        return;
    }
    let dir = scratch("nft");
    let script = format!(
        r#"
        iptables -N DOCKER-USER; iptables -A FORWARD -j DOCKER-USER
        "$PORTDEX" firewall --allow ssh,8000-8100,53/udp > {d}/a.nft
        "$PORTDEX" firewall --allow https > {d}/b.nft
        nft -f {d}/a.nft
        nft -f {d}/b.nft
        nft list ruleset
        "#,
        d = dir.display()
    );
    let out = ok(&netns(&script, false, &[]));
    assert!(out.contains("chain DOCKER-USER"), "{out}");
    assert!(out.contains("jump DOCKER-USER"), "{out}");
    assert!(out.contains("table inet portdex"), "{out}");
    assert!(out.contains("tcp dport 443 accept"), "{out}");
    assert!(
        out.contains("ip6 saddr fe80::/10 ip6 daddr fe80::/10 udp sport 547 udp dport 546 accept"),
        "{out}"
    );
    assert!(
        !out.contains("8000-8100"),
        "the second load replaces the first: {out}"
    );
    assert_eq!(out.matches("table inet portdex").count(), 1, "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
}

/// Mounts copies of ufw's configuration over the real one (in the mount namespace).
fn ufw_copy(dir: &Path) -> String {
    format!(
        "mkdir -p {d}/etc {d}/default; cp -a /etc/ufw {d}/etc/; cp /etc/default/ufw {d}/default/ufw; \
         mount --bind {d}/etc/ufw /etc/ufw; mount --bind {d}/default/ufw /etc/default/ufw;",
        d = dir.display()
    )
}

#[test]
fn ufw_commands_run_in_ufw_and_keep_its_other_rules() {
    if !can(
        "ufw_commands_run_in_ufw_and_keep_its_other_rules",
        &["ufw", "iptables"],
    ) {
        return;
    }
    let before = std::fs::read("/etc/ufw/user.rules").unwrap();
    let dir = scratch("ufw");
    let script = format!(
        r#"
        {copy}
        ufw allow 9999/tcp >/dev/null
        "$PORTDEX" firewall --allow ssh,8000-8100 --backend ufw > {d}/rules.sh
        ufw --dry-run default deny incoming >/dev/null
        sh {d}/rules.sh < /dev/null
        ufw status verbose
        echo '== chain'; iptables -S ufw-user-input
        "#,
        copy = ufw_copy(&dir),
        d = dir.display()
    );
    let out = ok(&netns(&script, true, &[]));
    assert!(out.contains("Status: active"), "{out}");
    assert!(out.contains("deny (incoming)"), "{out}");
    assert!(out.contains("22/tcp") && out.contains("# ssh"), "{out}");
    assert!(out.contains("8000:8100/tcp"), "{out}");
    assert!(out.contains("9999/tcp"), "the rule ufw had stays: {out}");
    assert!(out.contains("allow (outgoing)"), "{out}");
    assert!(out.contains("--dport 22 -j ACCEPT"), "{out}");
    assert_eq!(
        std::fs::read("/etc/ufw/user.rules").unwrap(),
        before,
        "the machine's own ufw files are untouched"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn firewalld_script_makes_a_zone_of_its_own() {
    if !can(
        "firewalld_script_makes_a_zone_of_its_own",
        &["firewall-offline-cmd"],
    ) {
        return;
    }
    let dir = scratch("firewalld");
    let script = format!(
        r#"
        mkdir -p {d}/fw; cp -a /etc/firewalld/. {d}/fw/; mount --bind {d}/fw /etc/firewalld
        "$PORTDEX" firewall --allow ssh,8000-8100,53/udp --backend firewalld > {d}/a.sh
        "$PORTDEX" firewall --allow https --backend firewalld > {d}/b.sh
        sh {d}/a.sh --offline > /dev/null
        echo "== first: $(firewall-offline-cmd --zone=portdex --list-ports)"
        sh {d}/b.sh --offline > /dev/null
        echo "== default: $(firewall-offline-cmd --get-default-zone)"
        echo "== ports: $(firewall-offline-cmd --zone=portdex --list-ports)"
        echo "== services: $(firewall-offline-cmd --zone=portdex --list-services)"
        echo "== public: $(firewall-offline-cmd --zone=public --list-services)"
        "#,
        d = dir.display()
    );
    let out = ok(&netns(&script, true, &[]));
    assert!(
        out.contains("== first: 22/tcp 8000-8100/tcp 53/udp"),
        "{out}"
    );
    assert!(out.contains("== default: portdex"), "{out}");
    assert!(
        out.contains("== ports: 443/tcp 443/udp"),
        "the second run replaces the zone's ports: {out}"
    );
    assert!(out.contains("== services: dhcpv6-client\n"), "{out}");
    assert!(
        out.contains("== public: dhcpv6-client ssh"),
        "the old default zone is as it was: {out}"
    );
    std::fs::remove_dir_all(&dir).unwrap();
}

#[test]
fn ssh_follows_sshd_and_a_list_without_it_is_refused() {
    if !can("ssh_follows_sshd_and_a_list_without_it_is_refused", &[]) {
        return;
    }
    let script = format!(
        r#"
        {hold}
        echo "port=$P"
        "$PORTDEX" firewall --allow ssh,https --backend ufw
        echo "== refused"
        "$PORTDEX" firewall --allow https --backend ufw && exit 9 || echo "rc=$?"
        echo "== forced"
        "$PORTDEX" firewall --allow https --backend ufw --allow-lockout
        "#,
        hold = hold("sshd", "tcp4:0.0.0.0:0")
    );
    let out = netns(&script, false, &[]);
    let stdout = ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let port: u16 = stdout
        .lines()
        .find_map(|l| l.strip_prefix("port="))
        .unwrap()
        .parse()
        .unwrap();
    let (follow, rest) = stdout.split_once("== refused").unwrap();
    let (refused, forced) = rest.split_once("== forced").unwrap();
    assert!(
        follow.contains(&format!("ufw allow {port}/tcp comment 'ssh'")),
        "{follow}"
    );
    assert!(!follow.contains("ufw allow 22/tcp"), "{follow}");
    assert!(
        stderr.contains("sshd (pid")
            && stderr.contains(&format!("listens on {port}/tcp here"))
            && stderr.contains("not the registry's 22/tcp"),
        "{stderr}"
    );
    assert!(refused.contains("rc=2"), "{refused}");
    assert!(
        stderr.contains(&format!("would drop {port}/tcp, where sshd"))
            && stderr.contains("--allow-lockout"),
        "{stderr}"
    );
    assert!(forced.contains("ufw allow 443/tcp"), "{forced}");
    assert!(stderr.contains("warning: --allow-lockout"), "{stderr}");
}

#[test]
fn the_ssh_session_port_is_never_dropped_silently() {
    if !can("the_ssh_session_port_is_never_dropped_silently", &[]) {
        return;
    }
    for (var, value) in [
        ("SSH_CONNECTION", "127.0.0.1 50000 127.0.0.1 2200"),
        ("SSH_CLIENT", "127.0.0.1 50000 2200"),
    ] {
        let out = netns(
            "\"$PORTDEX\" firewall --allow https",
            false,
            &[(var, value)],
        );
        assert_eq!(out.status.code(), Some(2), "{var}");
        assert!(out.stdout.is_empty());
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(
            stderr.contains(&format!(
                "2200/tcp, the port of the SSH session you are in ({var})"
            )),
            "{stderr}"
        );
        ok(&netns(
            "\"$PORTDEX\" firewall --allow https,2200",
            false,
            &[(var, value)],
        ));
    }
}

#[test]
fn the_ssh_session_is_found_in_a_parent_process_as_under_sudo() {
    if !can(
        "the_ssh_session_is_found_in_a_parent_process_as_under_sudo",
        &[],
    ) {
        return;
    }
    // sudo resets the environment; the shell that ran it still has SSH_CONNECTION.
    let out = netns(
        "env -u SSH_CONNECTION -u SSH_CLIENT \"$PORTDEX\" firewall --allow https",
        false,
        &[("SSH_CONNECTION", "127.0.0.1 50000 127.0.0.1 2201")],
    );
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("2201/tcp, the port of the SSH session you are in"),
        "{stderr}"
    );
}

#[test]
fn from_listeners_names_the_risky_services_it_allows() {
    if !can("from_listeners_names_the_risky_services_it_allows", &[]) {
        return;
    }
    let script = format!(
        r#"
        {redis} R=$P
        {local} L=$P
        echo "redis=$R local=$L"
        "$PORTDEX" firewall --from-listeners --backend ufw
        "#,
        redis = hold("redis-server", "tcp4:0.0.0.0:0"),
        local = hold("python3", "tcp4:127.0.0.1:0"),
    );
    let out = netns(&script, false, &[]);
    let stdout = ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    let line = stdout.lines().find(|l| l.starts_with("redis=")).unwrap();
    let (r, l) = line.split_once(' ').unwrap();
    let (r, l) = (&r["redis=".len()..], &l["local=".len()..]);
    assert!(stdout.contains(&format!("ufw allow {r}/tcp")), "{stdout}");
    assert!(!stdout.contains(&format!("ufw allow {l}/tcp")), "{stdout}");
    assert!(
        stderr.contains(&format!(
            "warning: --from-listeners allows {r}/tcp (redis-server"
        )) && stderr.contains("critical")
            && stderr.contains("instead:"),
        "{stderr}"
    );
}

#[test]
fn apply_rolls_back_unless_confirmed() {
    if !can("apply_rolls_back_unless_confirmed", &["nft"]) {
        return;
    }
    let state = scratch("apply-nft");
    let s = state.display().to_string();
    let env = [("PORTDEX_STATE_DIR", s.as_str())];
    // What was there: a portdex table of an earlier run, and somebody else's table.
    let setup = r#"
        "$PORTDEX" firewall --allow 7000 | nft -f -
        nft add table ip other
        "#;
    // Not confirmed: after 2 s the earlier table is back, exactly.
    let out = netns(
        &format!(
            r#"{setup}
            nft list table inet portdex > /tmp/before.$$
            "$PORTDEX" firewall --allow ssh,https --apply --confirm 2s && exit 9 || echo "rc=$?"
            nft list table inet portdex | diff /tmp/before.$$ - && echo same
            nft list tables; rm -f /tmp/before.$$
            "#
        ),
        false,
        &env,
    );
    let stdout = ok(&out);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("portdex firewall --confirm` within 2 s"),
        "{stderr}"
    );
    assert!(stdout.contains("rc=1"), "{stdout}");
    assert!(stdout.contains("not confirmed within 2 s"), "{stdout}");
    assert!(stdout.contains("same"), "{stdout}");
    assert!(stdout.contains("table ip other"), "{stdout}");

    // Nothing there before: rolled back means no table at all.
    let out = ok(&netns(
        r#""$PORTDEX" firewall --allow ssh --apply --confirm 1s || true; nft list tables; echo end"#,
        false,
        &env,
    ));
    assert!(!out.contains("portdex"), "{out}");

    // Confirmed from another process: the rules stay.
    let out = ok(&netns(
        &format!(
            r#"{setup}
            "$PORTDEX" firewall --allow ssh,https --apply --confirm 30s > /tmp/apply.$$ 2>&1 & A=$!
            pending
            "$PORTDEX" firewall --confirm
            wait $A; echo "rc=$?"; cat /tmp/apply.$$; rm -f /tmp/apply.$$
            nft list table inet portdex
            "$PORTDEX" firewall --confirm || echo "again rc=$?"
            "#
        ),
        false,
        &env,
    ));
    assert!(out.contains("confirmed: the rules applied by pid"), "{out}");
    assert!(out.contains("rc=0"), "{out}");
    assert!(out.contains("the new rules stay"), "{out}");
    assert!(out.contains("tcp dport { 22, 443 } accept"), "{out}");
    assert!(out.contains("nothing waits for confirmation"), "{out}");
    assert!(out.contains("again rc=1"), "{out}");

    // SIGTERM while it waits: the previous rules come back. SIGKILL: the new ones stay,
    // whole (nft loads the table in one transaction; nothing is left to roll back).
    let out = ok(&netns(
        &format!(
            r#"{setup}
            nft list table inet portdex > /tmp/before.$$
            "$PORTDEX" firewall --allow ssh,https --apply --confirm 30s > /tmp/apply.$$ 2>&1 & A=$!
            pending
            kill -TERM $A; wait $A || echo "term rc=$?"; cat /tmp/apply.$$
            nft list table inet portdex | diff /tmp/before.$$ - && echo same-after-term
            "$PORTDEX" firewall --allow ssh,https --apply --confirm 30s > /dev/null 2>&1 & A=$!
            pending
            kill -KILL $A; wait $A || true
            echo '== after kill'; nft list table inet portdex
            "$PORTDEX" firewall --confirm || true
            rm -f /tmp/before.$$ /tmp/apply.$$
            "#
        ),
        false,
        &env,
    ));
    let (term, kill) = out.split_once("== after kill").unwrap();
    assert!(term.contains("term rc=1"), "{term}");
    assert!(
        term.contains("interrupted: the previous rules are back"),
        "{term}"
    );
    assert!(term.contains("same-after-term"), "{term}");
    assert!(kill.contains("tcp dport { 22, 443 } accept"), "{kill}");
    assert!(!kill.contains("7000"), "{kill}");
    assert!(kill.contains("is gone, its rules stay"), "{kill}");
    std::fs::remove_dir_all(&state).unwrap();
}

#[test]
fn apply_with_iptables_and_ufw_rolls_back_to_what_was_there() {
    if !can(
        "apply_with_iptables_and_ufw_rolls_back_to_what_was_there",
        &["iptables-restore", "ip6tables-restore", "ufw"],
    ) {
        return;
    }
    let state = scratch("apply-xt");
    let s = state.display().to_string();
    let env = [("PORTDEX_STATE_DIR", s.as_str())];
    let out = ok(&netns(
        r#"
        iptables -N DOCKER-USER; iptables -A FORWARD -j DOCKER-USER
        iptables -S > /tmp/v4.$$; ip6tables -S > /tmp/v6.$$
        "$PORTDEX" firewall --allow ssh --backend iptables --apply --confirm 1s || echo "rc=$?"
        iptables -S | diff /tmp/v4.$$ - && echo same4
        ip6tables -S | diff /tmp/v6.$$ - && echo same6
        rm -f /tmp/v4.$$ /tmp/v6.$$
        "#,
        false,
        &env,
    ));
    assert!(
        out.contains("rc=1") && out.contains("same4") && out.contains("same6"),
        "{out}"
    );

    // Confirmed: the chain and the jump are there, in both families, and DOCKER-USER too.
    let out = ok(&netns(
        r#"
            iptables -N DOCKER-USER; iptables -A FORWARD -j DOCKER-USER
            iptables -A INPUT -p tcp --dport 8080 -j ACCEPT
            "$PORTDEX" firewall --allow ssh --backend iptables --apply --confirm 30s > /dev/null 2> /tmp/err.$$ & A=$!
            pending
            # A second apply while the first waits is refused, and changes nothing.
            "$PORTDEX" firewall --allow https --backend iptables --apply --confirm 30s 2>&1 && exit 9 || echo "busy rc=$?"
            "$PORTDEX" firewall --confirm; wait $A; cat /tmp/err.$$; rm -f /tmp/err.$$
            # Applied again: the chain is replaced and INPUT keeps one jump.
            "$PORTDEX" firewall --allow ssh,https --backend iptables --apply --confirm 30s > /dev/null 2>&1 & A=$!
            pending; "$PORTDEX" firewall --confirm; wait $A
            iptables -S; echo '== v6'; ip6tables -S
            "#,
        false,
        &env,
    ));
    assert!(
        out.contains("busy rc=2") && out.contains("is applying or waits for confirmation"),
        "{out}"
    );
    assert!(
        out.contains("warning: INPUT accepts before it jumps to PORTDEX-INPUT")
            && out.contains("--dport 8080 -j ACCEPT"),
        "{out}"
    );
    let (v4, v6) = out.split_once("== v6").unwrap();
    assert_eq!(v4.matches("-A INPUT -j PORTDEX-INPUT").count(), 1, "{v4}");
    assert!(v4.contains("-A FORWARD -j DOCKER-USER"), "{v4}");
    assert!(v4.contains("--dport 443"), "{v4}");
    assert!(
        v6.contains("-A INPUT -j PORTDEX-INPUT") && v6.contains("ipv6-icmp"),
        "{v6}"
    );

    // ufw: its files and its state come back.
    let dir = scratch("apply-ufw");
    let out = ok(&netns(
        &format!(
            r#"
            {copy}
            ufw allow 9999/tcp > /dev/null
            cat /etc/ufw/user.rules /etc/default/ufw /etc/ufw/ufw.conf > /tmp/ufw.$$
            "$PORTDEX" firewall --allow ssh --backend ufw --apply --confirm 1s || echo "rc=$?"
            cat /etc/ufw/user.rules /etc/default/ufw /etc/ufw/ufw.conf | diff /tmp/ufw.$$ - && echo same
            ufw status; rm -f /tmp/ufw.$$
            "#,
            copy = ufw_copy(&dir)
        ),
        true,
        &env,
    ));
    assert!(out.contains("rc=1") && out.contains("same"), "{out}");
    assert!(out.contains("Status: inactive"), "{out}");
    std::fs::remove_dir_all(&dir).unwrap();
    std::fs::remove_dir_all(&state).unwrap();
}

#[test]
fn apply_needs_root_and_applies_nothing_without() {
    if !can("apply_needs_root_and_applies_nothing_without", &["setpriv"]) {
        return;
    }
    let out = netns(
        "setpriv --reuid=65534 --regid=65534 --clear-groups \"$PORTDEX\" firewall --allow ssh --apply || echo \"rc=$?\"; nft list tables 2>/dev/null | grep -c portdex || true",
        false,
        &[],
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stdout.contains("rc=2"), "{stdout}");
    assert_eq!(
        stdout.lines().last(),
        Some("0"),
        "no table was loaded: {stdout}"
    );
    assert!(
        stderr.contains("needs root") && stderr.contains("nothing was applied"),
        "{stderr}"
    );
}

#[test]
fn every_flag_is_honoured_or_refused() {
    if !can("every_flag_is_honoured_or_refused", &[]) {
        return;
    }
    let run = |args: &str| netns(&format!("\"$PORTDEX\" firewall {args}"), false, &[]);
    // --proto keeps one transport.
    let out = ok(&run("--allow https,53 --proto udp --backend ufw"));
    assert!(
        out.contains("ufw allow 443/udp") && out.contains("ufw allow 53/udp"),
        "{out}"
    );
    assert!(!out.contains("/tcp"), "{out}");
    // --json: the rules as data.
    let v: serde_json::Value =
        serde_json::from_slice(&run("--allow ssh,8000-8100 --json --backend iptables").stdout)
            .unwrap();
    assert_eq!(v["backend"], "iptables");
    assert_eq!(v["family"], "4");
    assert_eq!(v["allow"][0]["ports"]["lo"], 22);
    assert_eq!(v["allow"][0]["origin"], "registry");
    assert_eq!(v["allow"][1]["origin"], "port");
    assert!(v["rules"].as_str().unwrap().contains("PORTDEX-INPUT"));
    // jsonl and csv: one allowed port per line.
    let out = ok(&run("--allow ssh,8000-8100 --format jsonl"));
    assert_eq!(common::json_lines(&out).len(), 2, "{out}");
    let out = ok(&run("--allow ssh,8000-8100 --csv"));
    assert_eq!(
        out,
        "transport,ports,label,origin\ntcp,22,ssh,registry\ntcp,8000-8100,8000-8100,port\n"
    );
    // --lang ja: the comments.
    let out = ok(&run("--allow ssh --lang ja"));
    assert!(out.contains("だけを許可し"), "{out}");
    // Refused with exit 2, nothing on stdout.
    for (args, want) in [
        ("--allow ssh --format services", "--format services"),
        (
            "--allow ssh --family 6",
            "--family 6 is for --backend iptables",
        ),
        (
            "--allow ssh --backend ufw --output-dir /tmp",
            "--output-dir is for --backend iptables",
        ),
        ("--allow ssh --proto sctp", "tcp and udp"),
        ("--allow ssh --proto udp", "no udp port"),
        ("--allow 22/tcp --proto udp", "--proto"),
        ("--allow ssh --apply --json", "--apply"),
        ("--allow ssh --confirm 5s", "goes with --apply"),
        ("--allow ssh --apply --confirm 0s", "--confirm '0s'"),
        ("--allow ssh --apply --confirm 60", "with its unit"),
        ("--allow ssh --apply --confirm 500ms", "from 1s to 1h"),
        ("--confirm --backend ufw", "--backend has no meaning"),
        (
            "--confirm --json",
            "--json, --csv and --format has no meaning",
        ),
        (
            "--allow ssh --backend firewalld --apply",
            "not available for firewalld",
        ),
        ("--allow ssh --backend iptables --family 5", "5"),
    ] {
        let out = run(args);
        assert_eq!(out.status.code(), Some(2), "{args}");
        assert!(out.stdout.is_empty(), "{args}");
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert!(stderr.contains(want), "{args}: {stderr}");
    }
}

#[test]
fn bad_allow_lists_exit_2() {
    for (allow, want) in [
        ("ssh,nosuchservice", "'nosuchservice'"),
        ("22,70000", "'70000'"),
        ("ssh,,https", "empty"),
        ("postgress", "did you mean postgres"),
    ] {
        portdex()
            .env_remove("SSH_CONNECTION")
            .env_remove("SSH_CLIENT")
            .args(["firewall", "--allow", allow])
            .assert()
            .code(2)
            .stdout("")
            .stderr(predicate::str::contains(want));
    }
    portdex()
        .args(["firewall"])
        .assert()
        .code(2)
        .stderr(predicate::str::contains("--allow"));
    portdex()
        .args(["firewall", "--allow", "ssh", "--backend", "pf"])
        .assert()
        .code(2);
}

#[test]
fn the_rules_let_in_what_is_allowed_and_drop_the_rest() {
    if !can(
        "the_rules_let_in_what_is_allowed_and_drop_the_rest",
        &["ip", "nft", "iptables-restore", "ip6tables-restore"],
    ) {
        return;
    }
    // Two test hosts of this test's own: a server and a client namespace joined by a veth
    // pair (10.203.0.0/30 and fd0d:203::/64 exist only between them). The server holds
    // 2222 and 8080 on IPv4 and IPv6; the rules allow 2222 only.
    let id = std::process::id() % 100_000;
    let script = format!(
        r#"
        S=pdxfs{id}; C=pdxfc{id}
        trap 'ip netns del $S 2>/dev/null; ip netns del $C 2>/dev/null; kill $HOLDPIDS 2>/dev/null || true' EXIT
        ip netns add $S; ip netns add $C
        ip link add pfw{id}a type veth peer name pfw{id}b
        ip link set pfw{id}a netns $S; ip link set pfw{id}b netns $C
        ip -n $S addr add 10.203.0.1/30 dev pfw{id}a; ip -n $C addr add 10.203.0.2/30 dev pfw{id}b
        ip -n $S addr add fd0d:203::1/64 dev pfw{id}a nodad; ip -n $C addr add fd0d:203::2/64 dev pfw{id}b nodad
        for n in $S $C; do ip -n $n link set lo up; done
        ip -n $S link set pfw{id}a up; ip -n $C link set pfw{id}b up
        ip netns exec $S python3 "$HOLD" tcp4:0.0.0.0:2222 tcp4:0.0.0.0:8080 tcp6:[::]:2222 tcp6:[::]:8080 > /tmp/held.$$ 2>/dev/null < /dev/null &
        HOLDPIDS="$!"
        for i in $(seq 100); do [ -s /tmp/held.$$ ] && break; sleep 0.05; done; rm -f /tmp/held.$$
        probe() {{
            ip netns exec $C python3 -c '
import socket, sys
host, port = sys.argv[1], int(sys.argv[2])
s = socket.socket(socket.AF_INET6 if ":" in host else socket.AF_INET)
s.settimeout(1.5)
try:
    s.connect((host, port)); print(sys.argv[3], host, port, "open")
except socket.timeout:
    print(sys.argv[3], host, port, "dropped")
except OSError as e:
    print(sys.argv[3], host, port, "refused" if e.errno == 111 else e)
' "$1" "$2" "$3"
        }}
        all() {{ for h in 10.203.0.1 fd0d:203::1; do for p in 2222 8080; do probe $h $p "$1"; done; done; }}
        all before
        ip netns exec $S "$PORTDEX" firewall --allow 2222 | ip netns exec $S nft -f -
        all nft
        ip netns exec $S nft delete table inet portdex
        ip netns exec $S "$PORTDEX" firewall --allow 2222 --backend iptables | ip netns exec $S iptables-restore --noflush
        ip netns exec $S "$PORTDEX" firewall --allow 2222 --backend iptables --family 6 | ip netns exec $S ip6tables-restore --noflush
        all iptables
        "#
    );
    let out = ok(&netns(&script, false, &[]));
    for h in ["10.203.0.1", "fd0d:203::1"] {
        assert!(out.contains(&format!("before {h} 8080 open")), "{out}");
        for backend in ["nft", "iptables"] {
            assert!(out.contains(&format!("{backend} {h} 2222 open")), "{out}");
            assert!(
                out.contains(&format!("{backend} {h} 8080 dropped")),
                "{out}"
            );
        }
    }
}
