//! `portdex conns`: reads the filters, asks portdex-net for the connections, renders.

use crate::cli::{ConnsArgs, Format};
use crate::machine::{hidden_hint, or_dash, transports};
use crate::text::clean;
use crate::{Config, FOUND, NOT_FOUND};
use portdex_net::{
    connections, ConnOptions, Connection, End, ProcessMatch, Remote, SocketSource, States,
};
use portdex_registry::Transport;
use portdex_text::{conns as words, Words};
use std::net::SocketAddr;

fn options(config: &Config, args: &ConnsArgs) -> Result<ConnOptions, String> {
    let t = transports(config, args.tcp, args.udp)?;
    // Not machine.rs's listen_port: its message for 0 speaks of listening.
    let port = match args.port.as_deref() {
        None => None,
        Some(p) => match p.parse::<portdex_registry::Port>() {
            Err(e) => return Err(e.message(config.lang)),
            Ok(portdex_registry::Port(0)) => return Err(words::err_port_zero(config.lang).into()),
            Ok(n) => Some(n.0),
        },
    };
    let process = match args.process.as_deref() {
        None => None,
        Some(p) => Some(
            ProcessMatch::parse(p)
                .ok_or_else(|| words::err_process_empty(config.lang).to_owned())?,
        ),
    };
    let states = if args.state.is_empty() {
        States::connections()
    } else {
        States::parse(&args.state).map_err(|e| clean(&e.message(config.lang)).into_owned())?
    };
    let remote = args
        .remote
        .as_deref()
        .map(Remote::parse)
        .transpose()
        .map_err(|e| clean(&e.message(config.lang)).into_owned())?;
    Ok(ConnOptions {
        tcp: t.contains(&Transport::Tcp),
        udp: t.contains(&Transport::Udp),
        port,
        process,
        states,
        remote,
        owners: !args.no_owners,
        each_time_wait: args.all_time_wait,
    })
}

/// "127.0.0.1:5432 (postgresql)", or the address and port alone.
fn end_text(end: &End) -> String {
    let at = SocketAddr::new(end.address, end.port);
    match end.service() {
        Some(s) => format!("{at} ({s})"),
        None => at.to_string(),
    }
}

fn joined(c: &Connection, f: impl Fn(&portdex_net::Process) -> String) -> String {
    c.processes.iter().map(f).collect::<Vec<_>>().join(" ")
}

/// `portdex conns`
pub fn conns(
    out: &mut String,
    config: &Config,
    args: &ConnsArgs,
    source: &dyn SocketSource,
) -> Result<u8, String> {
    let w = Words(config.lang);
    let opts = options(config, args)?;
    let c = connections(source, &opts).map_err(|e| w.err_list_sockets(&w.io_error(&e)))?;
    match config.format {
        Format::Json => crate::render::json(out, &c),
        Format::Jsonl => {
            for x in &c.connections {
                crate::render::json_line(out, x);
            }
            for x in &c.time_wait {
                crate::render::json_line(out, x);
            }
        }
        Format::Csv => {
            let mut csv = crate::render::csv_writer();
            let _ = csv.write_record([
                "transport",
                "family",
                "state",
                "direction",
                "local_address",
                "local_port",
                "local_registry_service",
                "local_common_use",
                "remote_address",
                "remote_port",
                "remote_registry_service",
                "remote_common_use",
                "pids",
                "processes",
                "user",
                "uid",
                "inode",
                "count",
            ]);
            let dir = |d: Option<portdex_net::Direction>| match d {
                Some(portdex_net::Direction::In) => "in",
                Some(portdex_net::Direction::Out) => "out",
                None => "",
            };
            for x in &c.connections {
                let _ = csv.write_record([
                    x.transport.as_str(),
                    &x.family.to_string(),
                    x.state.as_str(),
                    dir(x.direction),
                    &x.local.address.to_string(),
                    &x.local.port.to_string(),
                    x.local.registry_service.unwrap_or(""),
                    x.local.common_use.unwrap_or(""),
                    &x.remote.address.to_string(),
                    &x.remote.port.to_string(),
                    x.remote.registry_service.unwrap_or(""),
                    x.remote.common_use.unwrap_or(""),
                    &joined(x, |p| p.pid.to_string()),
                    &joined(x, |p| p.name.clone()),
                    x.user.as_deref().unwrap_or(""),
                    &x.uid.map_or(String::new(), |u| u.to_string()),
                    &x.inode.to_string(),
                    "1",
                ]);
            }
            // A TIME_WAIT count fills the service end's columns, the other end's empty.
            for t in &c.time_wait {
                let e = &t.end;
                let (addr, port) = (e.address.to_string(), e.port.to_string());
                let incoming = t.direction == Some(portdex_net::Direction::In);
                let mine = [
                    addr.as_str(),
                    port.as_str(),
                    e.registry_service.unwrap_or(""),
                    e.common_use.unwrap_or(""),
                ];
                let blank = ["", "", "", ""];
                let (local, remote) = if incoming {
                    (mine, blank)
                } else {
                    (blank, mine)
                };
                let family = if e.address.is_ipv4() { "4" } else { "6" };
                let head = [
                    t.transport.as_str(),
                    family,
                    t.state.as_str(),
                    dir(t.direction),
                ];
                let count = t.count.to_string();
                let tail = ["", "", "", "", "0", count.as_str()];
                let row: Vec<&str> = head
                    .into_iter()
                    .chain(local)
                    .chain(remote)
                    .chain(tail)
                    .collect();
                let _ = csv.write_record(row);
            }
            crate::render::finish_csv(out, csv);
        }
        Format::Table | Format::Services => {
            if c.connections.is_empty() && c.time_wait.is_empty() {
                eprintln!("{}", words::none(config.lang));
            }
            if !c.connections.is_empty() {
                let header = words::header(config.lang);
                let mut grid = crate::grid::Grid::<9>::with_capacity(c.connections.len());
                for x in &c.connections {
                    grid.text(x.transport.as_str());
                    grid.text(x.state.kernel_name());
                    grid.socket_addr(SocketAddr::new(x.local.address, x.local.port));
                    grid.text(or_dash(x.local.service()));
                    grid.socket_addr(SocketAddr::new(x.remote.address, x.remote.port));
                    grid.text(or_dash(x.remote.service()));
                    grid.numbers(x.processes.iter().map(|p| p.pid), ",", "-");
                    match x.processes.as_slice() {
                        [] => grid.text("-"),
                        [one] => grid.text(&clean(&one.name)),
                        more => grid.text(&clean(
                            &more
                                .iter()
                                .map(|p| p.name.as_str())
                                .collect::<Vec<_>>()
                                .join(","),
                        )),
                    }
                    grid.text(or_dash(x.user.as_deref()));
                }
                // Hidden first when the terminal is narrow: user, pid, what the local
                // port is, the transport.
                grid.render(
                    out,
                    &crate::grid::Layout {
                        header: &header,
                        width: config.width,
                        hide: &[8, 6, 3, 0],
                        wrap: None,
                        color: config.color,
                    },
                );
            }
            if !c.time_wait.is_empty() {
                if !c.connections.is_empty() {
                    out.push('\n');
                }
                let total = c.time_wait.iter().map(|t| t.count).sum();
                let head = words::time_wait_head(config.lang, total);
                crate::grid::write_wrapped(out, config.width, "", &head);
                for t in &c.time_wait {
                    let incoming = t.direction == Some(portdex_net::Direction::In);
                    let line =
                        words::time_wait_line(config.lang, t.count, incoming, &end_text(&t.end));
                    crate::grid::write_wrapped(out, config.width, "  ", &line);
                }
            }
        }
    }
    if opts.owners {
        hidden_hint(c.owners_hidden, w);
    }
    Ok(if c.connections.is_empty() && c.time_wait.is_empty() {
        NOT_FOUND
    } else {
        FOUND
    })
}
