//! Snapshots of what people read: `--help`, a lookup, an `ls` and an `audit` in English
//! and Japanese at 80 columns, the machine's sockets replaced by a fixed set. A change
//! to any of them shows up as a diff to review (`cargo insta review`).

use crate::cli::{Cli, Format, LsArgs};
use crate::Config;
use clap::CommandFactory;
use portdex_net::{Owners, Process, RawSocket, SocketSource, Which};
use portdex_registry::{Lang, Transport};
use std::collections::HashMap;

/// A machine with an exposed Redis, an SSH server, a loopback-only dev server, an
/// unknown exposed port, and one socket whose owner is hidden.
struct Machine;

fn sock(transport: Transport, local: &str, uid: u32, inode: u64) -> RawSocket {
    RawSocket {
        transport,
        local: local.parse().unwrap(),
        remote: "0.0.0.0:0".parse().unwrap(),
        state: 10,
        uid,
        inode,
    }
}

fn process(pid: u32, name: &str, cmdline: &[&str]) -> Vec<Process> {
    vec![Process {
        pid,
        name: name.to_owned(),
        cmdline: Some(cmdline.iter().map(|s| (*s).to_owned()).collect()),
    }]
}

impl SocketSource for Machine {
    fn sockets(&self, transport: Transport, _which: Which) -> std::io::Result<Vec<RawSocket>> {
        let all = [
            sock(Transport::Tcp, "0.0.0.0:22", 0, 1),
            sock(Transport::Tcp, "[::]:22", 0, 2),
            sock(Transport::Tcp, "0.0.0.0:6379", 999, 3),
            sock(Transport::Tcp, "127.0.0.1:5173", 1000, 4),
            sock(Transport::Tcp, "0.0.0.0:2024", 1000, 5),
            sock(Transport::Udp, "0.0.0.0:5353", 104, 6),
        ];
        Ok(all
            .into_iter()
            .filter(|s| s.transport == transport)
            .collect())
    }

    fn owners(&self, inodes: &[u64], _cmdline: bool) -> Owners {
        let owners: HashMap<u64, Vec<Process>> = HashMap::from([
            (
                1,
                process(
                    812,
                    "sshd",
                    &["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"],
                ),
            ),
            (
                2,
                process(
                    812,
                    "sshd",
                    &["sshd: /usr/sbin/sshd -D [listener] 0 of 10-100 startups"],
                ),
            ),
            (
                3,
                process(901, "redis-server", &["/usr/bin/redis-server *:6379"]),
            ),
            (
                4,
                process(
                    4242,
                    "node",
                    &["node", "/home/dev/app/node_modules/.bin/vite"],
                ),
            ),
            (
                5,
                process(4300, "python3", &["python3", "-m", "http.server", "2024"]),
            ),
            // In other network namespaces (Namespaces).
            (10, process(5000, "nginx", &["nginx: master process"])),
            (11, process(6000, "postgres", &["postgres"])),
            (12, process(6000, "postgres", &["postgres"])),
        ]);
        Owners {
            by_inode: owners
                .into_iter()
                .filter(|(i, _)| inodes.contains(i))
                .collect(),
            hidden: true,
        }
    }

    fn user_name(&self, uid: u32) -> Option<String> {
        match uid {
            0 => Some("root".into()),
            999 => Some("redis".into()),
            1000 => Some("dev".into()),
            104 => Some("avahi".into()),
            _ => None,
        }
    }
}

fn config(lang: Lang) -> Config {
    Config {
        format: Format::Table,
        lang,
        transport: None,
        width: Some(80),
        color: false,
    }
}

fn ls_args() -> LsArgs {
    LsArgs {
        exposed: false,
        tcp: false,
        udp: false,
        port: None,
        pid: None,
        process: None,
        no_owners: false,
        netns: None,
    }
}

#[test]
fn help() {
    let help = Cli::command().term_width(80).render_help().to_string();
    insta::assert_snapshot!(help);
}

#[test]
fn lookup() {
    for (lang, name) in [(Lang::En, "lookup_en"), (Lang::Ja, "lookup_ja")] {
        let mut out = String::new();
        let queries: Vec<(&str, portdex_registry::Query)> = ["9200", "ldaps"]
            .into_iter()
            .map(|q| (q, q.parse().unwrap()))
            .collect();
        let answers: Vec<_> = queries
            .iter()
            .map(|(q, query)| (*q, query, portdex_registry::lookup(query, None)))
            .collect();
        crate::render::answers(&mut out, &config(lang), &answers);
        insta::assert_snapshot!(name, out);
    }
}

#[test]
fn ls() {
    for (lang, name) in [(Lang::En, "ls_en"), (Lang::Ja, "ls_ja")] {
        let mut out = String::new();
        crate::machine::ls(
            &mut crate::blocks::Blocks::in_memory(&mut out),
            &config(lang),
            &ls_args(),
            &Machine,
            &portdex_net::netns::HostOnly,
        )
        .unwrap();
        insta::assert_snapshot!(name, out);
    }
}

/// The host's namespace, a named one ("web": nginx on 80) and one known by its process
/// (postgres on 127.0.0.1:5432, IPv4 and IPv6).
struct Namespaces;

impl portdex_net::netns::NetnsSource for Namespaces {
    fn survey(&self) -> portdex_net::netns::Survey {
        let ns = |inode, name: Option<&str>, pids: &[u32], host| portdex_net::netns::Netns {
            inode,
            name: name.map(str::to_owned),
            pids: pids.to_vec(),
            host,
        };
        portdex_net::netns::Survey {
            namespaces: vec![
                ns(4026531840, None, &[1], true),
                ns(4026532300, Some("web"), &[5000], false),
                ns(4026532400, None, &[6000], false),
            ],
            hidden: false,
        }
    }
    fn netns_of(&self, _pid: u32) -> std::io::Result<u64> {
        Err(std::io::ErrorKind::NotFound.into())
    }
    fn sockets_in(
        &self,
        namespaces: &[&portdex_net::netns::Netns],
        transports: &[Transport],
        _which: Which,
    ) -> Vec<std::io::Result<portdex_net::netns::NsSockets>> {
        namespaces
            .iter()
            .map(|n| {
                let all = match n.inode {
                    4026532300 => vec![sock(Transport::Tcp, "0.0.0.0:80", 0, 10)],
                    _ => vec![
                        sock(Transport::Tcp, "127.0.0.1:5432", 999, 11),
                        sock(Transport::Tcp, "[::1]:5432", 999, 12),
                    ],
                };
                Ok(portdex_net::netns::NsSockets {
                    sockets: all
                        .into_iter()
                        .filter(|s| transports.contains(&s.transport))
                        .collect(),
                    via: portdex_net::netns::Via::Setns,
                })
            })
            .collect()
    }
    fn command(&self, pid: u32) -> Option<String> {
        Some(if pid == 5000 { "nginx" } else { "postgres" }.to_owned())
    }
}

/// `ls` with other network namespaces: the host's table, then one per namespace.
#[test]
fn ls_netns() {
    for (lang, name) in [(Lang::En, "ls_netns_en"), (Lang::Ja, "ls_netns_ja")] {
        let mut out = String::new();
        crate::machine::ls(
            &mut crate::blocks::Blocks::in_memory(&mut out),
            &config(lang),
            &ls_args(),
            &Machine,
            &Namespaces,
        )
        .unwrap();
        insta::assert_snapshot!(name, out);
    }
}

#[test]
fn audit() {
    for (lang, name) in [(Lang::En, "audit_en"), (Lang::Ja, "audit_ja")] {
        let mut out = String::new();
        crate::audit::audit(&mut out, &config(lang), None, None, &Machine).unwrap();
        insta::assert_snapshot!(name, out);
    }
}

/// The guide on the fixed machine: its exposed Redis is the cleartext service the audit
/// finds, some owners are hidden, and the ephemeral range is Linux's usual one.
#[test]
fn guide() {
    for (lang, name) in [(Lang::En, "guide_en"), (Lang::Ja, "guide_ja")] {
        let mut out = String::new();
        let ephemeral = portdex_registry::PortRange {
            lo: 32768,
            hi: 60999,
        };
        crate::guide::guide(&mut out, &config(lang), &Machine, Some(ephemeral)).unwrap();
        insta::assert_snapshot!(name, out);
    }
}
