//! The commands about this machine: `ls`, `who`, `kill`, `free`. Reads arguments,
//! asks portdex-net, renders; the decisions live in the library.

use crate::blocks::Blocks;
use crate::cli::{Format, LsArgs};
use crate::text::clean;
use crate::{Config, FOUND, NOT_FOUND};
use portdex_net::container::Container;
use portdex_net::netns::{listeners_by_netns, NetnsEntry, NetnsError, NetnsSource, Selection};
use portdex_net::{
    diagnose, ephemeral_range, free_ports, holders, listeners, process_exists, signal_holders,
    wait_until_free, FreeRequest, KillError, KillSignal, ListOptions, Listener, SocketSource,
};
use portdex_registry::{Category, PortRange, Transport};
use portdex_text::Words;
use std::fmt::Write;
use std::io::IsTerminal;
use std::time::Duration;

/// A port a process can listen on: 1-65535.
/// A port for `who` and `kill`: a number, or a service's name (the port its server
/// listens on here, else the registry's).
fn port_or_service(s: &str, source: &dyn SocketSource, w: Words) -> Result<u16, String> {
    // The query parser decides what the text is (3com-tsmux is a name).
    let Ok(portdex_registry::Query::Name(name)) = s.parse::<portdex_registry::Query>() else {
        return listen_port(s, w);
    };
    let snap = listeners(source, ListOptions::default())
        .map_err(|e| w.err_list_sockets(&w.io_error(&e)))?;
    portdex_audit::port_of_service(&snap, &name).map_err(|e| e.message(w.0))
}

pub(crate) fn listen_port(s: &str, w: Words) -> Result<u16, String> {
    let p = s
        .parse::<portdex_registry::Port>()
        .map_err(|e| e.message(w.0))?;
    if p.0 == 0 {
        return Err(w.err_port_zero().into());
    }
    Ok(p.0)
}

pub(crate) fn transports(config: &Config, tcp: bool, udp: bool) -> Result<Vec<Transport>, String> {
    let w = Words(config.lang);
    let mut t = Vec::new();
    match config.transport {
        Some(Transport::Tcp) => t.push(Transport::Tcp),
        Some(Transport::Udp) => t.push(Transport::Udp),
        Some(other) => return Err(w.err_sockets_not_listed(other.as_str())),
        None => {
            if tcp || !udp {
                t.push(Transport::Tcp);
            }
            if udp || !tcp {
                t.push(Transport::Udp);
            }
        }
    }
    Ok(t)
}

pub(crate) fn hidden_hint(hidden: bool, w: Words) {
    if hidden {
        eprintln!("{}", w.owners_hidden());
    }
}

pub(crate) fn or_dash(s: Option<&str>) -> &str {
    s.filter(|s| !s.is_empty()).unwrap_or("-")
}

/// `portdex ls`
pub fn ls(
    out: &mut Blocks,
    config: &Config,
    args: &LsArgs,
    source: &dyn SocketSource,
    nets: &dyn NetnsSource,
) -> Result<u8, String> {
    let w = Words(config.lang);
    let t = transports(config, args.tcp, args.udp)?;
    let port = args
        .port
        .as_deref()
        .map(|p| listen_port(p, w))
        .transpose()?;
    if let Some(pid) = args.pid {
        if !process_exists(pid) {
            return Err(w.err_no_pid(pid));
        }
    }
    let opts = ListOptions {
        tcp: t.contains(&Transport::Tcp),
        udp: t.contains(&Transport::Udp),
        owners: !args.no_owners || args.pid.is_some() || args.process.is_some(),
        cmdline: false,
    };
    let select = Selection::parse(args.netns.as_deref().unwrap_or("all"));
    let listing = listeners_by_netns(source, nets, opts, &select).map_err(|e| match e {
        NetnsError::Io(e) => w.err_list_sockets(&w.io_error(&e)),
        other => other.message(config.lang),
    })?;
    let snap = &listing.snapshot;
    let rows: Vec<&Listener> = snap
        .listeners
        .iter()
        .filter(|l| !args.exposed || l.exposure.is_exposed())
        .filter(|l| port.is_none_or(|p| l.port == p))
        .filter(|l| {
            args.pid
                .is_none_or(|pid| l.processes.iter().any(|p| p.pid == pid))
        })
        .filter(|l| {
            args.process
                .as_deref()
                .is_none_or(|name| l.processes.iter().any(|p| p.name.contains(name)))
        })
        .collect();
    // What is hidden without root, in one line; other failures one line each. Said
    // before the listing, which goes out as it is written: on a terminal the notes come
    // first, as they always did.
    let mut denied = Vec::new();
    for ns in &listing.namespaces {
        let Some(error) = &ns.error else { continue };
        let label = clean(&portdex_text::netns::label(
            ns.netns.inode,
            ns.netns.name.as_deref(),
        ))
        .into_owned();
        match ns.error_kind {
            Some(std::io::ErrorKind::PermissionDenied) => denied.push(label),
            kind => {
                let error = kind
                    .filter(|_| config.lang != portdex_text::Lang::En)
                    .map_or_else(|| error.clone(), |k| w.io_error(&k.into()));
                eprintln!(
                    "{}",
                    portdex_text::netns::unreadable(config.lang, &label, &clean(&error))
                );
            }
        }
    }
    let owners_hidden = opts.owners && snap.owners_hidden;
    if listing.namespaces_hidden || !denied.is_empty() {
        eprintln!(
            "{}",
            portdex_text::netns::hidden(
                config.lang,
                owners_hidden,
                listing.namespaces_hidden,
                &denied
            )
        );
    } else {
        hidden_hint(owners_hidden, w);
    }
    match config.format {
        Format::Json => {
            #[derive(serde::Serialize)]
            struct Out<'a> {
                listeners: &'a [&'a Listener],
                owners_hidden: bool,
                #[serde(skip_serializing_if = "<[_]>::is_empty")]
                namespaces: &'a [portdex_net::netns::NetnsEntry],
                #[serde(skip_serializing_if = "std::ops::Not::not")]
                namespaces_hidden: bool,
            }
            let v = Out {
                listeners: &rows,
                owners_hidden: snap.owners_hidden,
                namespaces: &listing.namespaces,
                namespaces_hidden: listing.namespaces_hidden,
            };
            // What render::json writes, a block at a time (4 MB for 10,000 listeners).
            let _ = serde_json::to_writer_pretty(&mut *out, &v);
            let _ = std::io::Write::flush(out);
            out.text().push('\n');
        }
        Format::Jsonl => {
            for l in &rows {
                crate::render::json_line(out.text(), l);
                out.maybe_flush();
            }
        }
        Format::Csv => {
            let mut w = crate::render::csv_writer();
            let _ = w.write_record([
                "transport",
                "family",
                "address",
                "port",
                "exposure",
                "registry_service",
                "common_use",
                "category",
                "severity",
                "pids",
                "processes",
                "user",
                "inode",
                "container",
                "netns",
                "netns_name",
            ]);
            for l in &rows {
                // What the writer holds goes out a block at a time, whole records.
                if w.get_ref().len() >= crate::blocks::BLOCK {
                    take_csv(out, &mut w);
                }
                let _ = w.write_record([
                    l.transport.as_str(),
                    &l.family.to_string(),
                    &l.address.to_string(),
                    &l.port.to_string(),
                    l.exposure.as_str(),
                    l.registry_service.unwrap_or(""),
                    &l.common_uses.join(", "),
                    l.category.as_str(),
                    l.severity.map_or("", |s| s.as_str()),
                    &l.processes
                        .iter()
                        .map(|p| p.pid.to_string())
                        .collect::<Vec<_>>()
                        .join(" "),
                    &l.processes
                        .iter()
                        .map(|p| p.name.as_str())
                        .collect::<Vec<_>>()
                        .join(" "),
                    l.user.as_deref().unwrap_or(""),
                    &l.inode.to_string(),
                    l.container.as_deref().map_or("", Container::label),
                    &l.netns.map_or(String::new(), |n| n.to_string()),
                    l.netns_name.as_deref().unwrap_or(""),
                ]);
            }
            crate::render::finish_csv(out.text(), w);
        }
        Format::Table | Format::Services => ls_groups(out, config, &listing, &rows),
    }
    out.finish()
        .map_err(|e| w.err_write_output(&w.io_error(&e)))?;
    Ok(if rows.is_empty() { NOT_FOUND } else { FOUND })
}

/// Moves the records a CSV writer holds into `out` (a fresh writer takes its place:
/// nothing of a writer's state outlives a record), and out when a block has gathered.
fn take_csv(out: &mut Blocks, w: &mut csv::Writer<Vec<u8>>) {
    let full = std::mem::replace(w, crate::render::csv_writer());
    crate::render::finish_csv(out.text(), full);
    out.maybe_flush();
}

/// The table of `ls`: the host's listeners as they always were, then each other
/// namespace's under a header of its own.
fn ls_groups(
    out: &mut Blocks,
    config: &Config,
    listing: &portdex_net::netns::NetnsListing,
    rows: &[&Listener],
) {
    // Rows come sorted by namespace, the host's first.
    let split = rows.partition_point(|l| l.netns.is_none());
    let (host, others) = rows.split_at(split);
    let with_host =
        listing.namespaces.is_empty() || listing.namespaces.iter().any(|n| n.netns.host);
    // The host's table, also when empty (its header says what ls lists), unless only
    // other namespaces have something to show.
    if !host.is_empty() || (with_host && others.is_empty()) {
        ls_table(out, config, host);
    }
    let mut rest = others;
    while let Some(first) = rest.first() {
        let n = rest.partition_point(|l| l.netns == first.netns);
        let (group, tail) = rest.split_at(n);
        rest = tail;
        let Some(ns) = listing
            .namespaces
            .iter()
            .find(|e| Some(e.netns.inode) == first.netns)
        else {
            continue;
        };
        if !out.is_empty() {
            out.text().push('\n');
        }
        crate::grid::write_wrapped(out.text(), config.width, "", &netns_header(config, ns));
        ls_table(out, config, group);
    }
}

/// The header of a namespace's listeners: the container whose namespace it is, else its
/// name (/run/netns), else a process in it.
fn netns_header(config: &Config, ns: &NetnsEntry) -> String {
    let process = ns
        .netns
        .pids
        .first()
        .map(|&pid| (pid, clean(ns.command.as_deref().unwrap_or("-"))));
    // The container whose namespace this is: engine, name and image.
    let container = ns.container.as_deref().map(|c| {
        portdex_text::netns::container(
            config.lang,
            c.engine.as_str(),
            &clean(c.label()),
            c.image.as_deref().map(clean).as_deref(),
        )
    });
    portdex_text::netns::header(
        config.lang,
        ns.netns.inode,
        ns.netns.name.as_deref().map(clean).as_deref(),
        process.as_ref().map(|(pid, cmd)| (*pid, cmd.as_ref())),
        container.as_deref(),
    )
}

/// One table of listeners, written a row at a time (grid::render_rows).
fn ls_table(out: &mut Blocks, config: &Config, rows: &[&Listener]) {
    let w = Words(config.lang);
    let header = w.ls_header();
    // Hidden first when the terminal is narrow: category, user, pid, exposure
    // (the address says it), the registry's name, then the common use.
    let layout = crate::grid::Layout {
        header: &header,
        width: config.width,
        hide: &[6, 9, 7, 3, 4, 5],
        wrap: None,
        color: config.color,
    };
    crate::grid::render_rows(out, &layout, rows, |row, l| {
        row.text(l.transport.as_str());
        row.ip(l.address);
        row.numbers([u32::from(l.port)], "", "");
        row.text(w.exposure(l.exposure.as_str()));
        row.text(or_dash(l.registry_service));
        row.joined(l.common_uses.iter().copied(), ", ", "-");
        row.text(l.category.label(config.lang));
        row.numbers(l.processes.iter().map(|p| p.pid), ",", "-");
        // A container's publisher with the container's name: conmon (web).
        let joined;
        let names = match l.processes.as_slice() {
            [] => std::borrow::Cow::Borrowed("-"),
            [one] => clean(&one.name),
            more => {
                joined = more
                    .iter()
                    .map(|p| p.name.as_str())
                    .collect::<Vec<_>>()
                    .join(",");
                clean(&joined)
            }
        };
        match &l.container {
            Some(c) => row.text(&format!("{names} ({})", clean(c.label()))),
            None => row.text(&names),
        }
        row.text(or_dash(l.user.as_deref()));
        row.styled(
            l.severity.map_or("-", |s| s.label(config.lang)),
            l.severity.map(crate::render::severity_style),
        );
    });
}

/// `portdex who PORT`
pub fn who(
    out: &mut String,
    config: &Config,
    port: &str,
    source: &dyn SocketSource,
    nets: &dyn NetnsSource,
) -> Result<u8, String> {
    let w = Words(config.lang);
    let port = port_or_service(port, source, w)?;
    let t = transports(config, false, false)?;
    let mut d = diagnose(source, port, &t).map_err(|e| w.err_list_sockets(&w.io_error(&e)))?;
    // Nothing on the host holds it: a container's or an `ip netns` namespace's listener
    // on that port may be what the user is after. (The exit code stays the host's.)
    let mut elsewhere = Vec::new();
    if d.listeners.is_empty() {
        let opts = portdex_net::ListOptions {
            tcp: t.contains(&Transport::Tcp),
            udp: t.contains(&Transport::Udp),
            owners: true,
            cmdline: true,
        };
        let (listeners, namespaces) = portdex_net::netns::port_elsewhere(source, nets, port, opts)
            .map_err(|e| w.err_list_sockets(&e.message(config.lang)))?;
        d.other_namespaces = listeners;
        elsewhere = namespaces;
    }
    if matches!(config.format, Format::Json | Format::Jsonl) {
        crate::render::object(out, config.format, &d);
        return Ok(if d.listeners.is_empty() {
            NOT_FOUND
        } else {
            FOUND
        });
    }
    // The same rule as ls and scan, on the first transport asked for that names it.
    let summaries: Vec<_> = t
        .iter()
        .map(|&x| portdex_registry::port_summary(port, x))
        .collect();
    let head = w.who_head(
        port,
        Category::of(port).label(config.lang),
        summaries.iter().find_map(|s| s.registry_service),
        t.iter()
            .map(|&x| {
                portdex_registry::common_uses(port, x)
                    .collect::<Vec<_>>()
                    .join(", ")
            })
            .find(|u| !u.is_empty())
            .as_deref(),
    );
    let _ = writeln!(out, "{head}");
    for l in &d.listeners {
        who_listener(out, config, l);
    }
    for ns in &elsewhere {
        let _ = writeln!(out);
        crate::grid::write_wrapped(out, config.width, "", &netns_header(config, ns));
        for l in d
            .other_namespaces
            .iter()
            .filter(|l| l.netns == Some(ns.netns.inode))
        {
            who_listener(out, config, l);
        }
    }
    let mut notes = Vec::new();
    if !d.other_namespaces.is_empty() {
        notes.push(portdex_text::netns::who_elsewhere(config.lang, port));
    } else if d.listeners.is_empty() {
        notes.push(w.nothing_listens(port));
    }
    // Why a port may be busy although no visible process listens on it.
    for (state, n) in &d.connections {
        notes.push(w.connections(*n, state, port));
    }
    if d.owners_hidden {
        notes.push(w.owner_other_user().to_owned());
    }
    if d.docker_proxy {
        notes.push(w.docker_proxy().to_owned());
    }
    if let (true, Some(r)) = (d.in_ephemeral_range, d.ephemeral_range) {
        notes.push(w.ephemeral(port, r));
    }
    for note in &notes {
        crate::grid::write_wrapped(out, config.width, " ", note);
    }
    Ok(if d.listeners.is_empty() {
        NOT_FOUND
    } else {
        FOUND
    })
}

/// One listener of `who`: address, exposure, each process (with its container and
/// command line), or that its owner is not visible.
fn who_listener(out: &mut String, config: &Config, l: &Listener) {
    let w = Words(config.lang);
    let user = l
        .user
        .as_deref()
        .map_or_else(|| format!("uid {}", l.uid), str::to_owned);
    let addr = std::net::SocketAddr::new(l.address, l.port);
    if l.processes.is_empty() {
        let line = format!(
            "{} {addr} ({}) {}",
            l.transport,
            w.exposure(l.exposure.as_str()),
            w.owner_not_visible(&user)
        );
        crate::grid::write_wrapped(out, config.width, " ", &line);
    }
    for (i, p) in l.processes.iter().enumerate() {
        let line = format!(
            "{} {addr} ({}) pid {} {} {} {user}",
            l.transport,
            w.exposure(l.exposure.as_str()),
            p.pid,
            clean(&p.name),
            w.user()
        );
        crate::grid::write_wrapped(out, config.width, " ", &line);
        // The container first: that is what the user wants to know, not conmon's
        // arguments.
        if let Some(c) = l.container.as_ref().filter(|_| i == 0) {
            crate::grid::write_wrapped(out, config.width, "   ", &container_line(l, c, w));
        }
        if let Some(cmd) = p.cmdline.as_ref().filter(|c| !c.is_empty()) {
            let prefix = format!("   {}: ", w.command());
            crate::grid::write_command(out, config.width, &prefix, &clean(&cmd.join(" ")));
        }
    }
}

/// What `who` says of the container a listener is published for.
fn container_line(l: &Listener, c: &Container, w: Words) -> String {
    let host = std::net::SocketAddr::new(l.address, l.port).to_string();
    let published = c
        .published_at(l.transport, l.address, l.port)
        .map(|p| (host.as_str(), p.container_port, p.transport.as_str()));
    let inside = c.pid.zip(c.process.as_deref().map(clean));
    w.ctr_who(
        c.engine.as_str(),
        &clean(c.label()),
        c.image.as_deref().map(clean).as_deref(),
        published,
        inside.as_ref().map(|(pid, name)| (*pid, &**name)),
    )
}

/// `portdex kill PORT`
pub fn kill(
    out: &mut String,
    config: &Config,
    port: &str,
    signal: &str,
    yes: bool,
    wait: f64,
    source: &dyn SocketSource,
) -> Result<u8, String> {
    let w = Words(config.lang);
    let port = port_or_service(port, source, w)?;
    let signal = KillSignal::parse(signal).ok_or_else(|| w.err_signal(&clean(signal)))?;
    if !(0.0..=3600.0).contains(&wait) || wait.is_nan() {
        return Err(w.err_wait(wait));
    }
    let t = transports(config, false, false)?;
    let procs = match holders(source, port, &t) {
        Ok((procs, _)) => procs,
        Err(e @ (KillError::NothingListens(_) | KillError::OwnerHidden(_))) => {
            eprintln!("{}", w.kill_nothing_sent(&e.message(w.0)));
            if matches!(config.format, Format::Json | Format::Jsonl) {
                let v = serde_json::json!({
                    "port": port,
                    "sent": [],
                    "port_free": matches!(e, KillError::NothingListens(_)),
                });
                crate::render::object(out, config.format, &v);
            }
            return Ok(NOT_FOUND);
        }
        Err(e) => return Err(e.message(w.0)),
    };
    // Before the prompt: a container's publisher is never signalled, whatever the answer
    // (signal_holders refuses it too).
    portdex_net::refuse_publishers(source, port, &procs)
        .map_err(|e| clean(&e.message(w.0)).into_owned())?;
    if !yes {
        if !std::io::stdin().is_terminal() {
            return Err(w.err_not_confirmed(signal.name()));
        }
        let who: Vec<String> = procs
            .iter()
            .map(|p| format!("pid {} ({})", p.pid, clean(&p.name)))
            .collect();
        eprint!("{}", w.kill_prompt(signal.name(), &who.join(", "), port));
        let mut answer = String::new();
        let _ = std::io::stdin().read_line(&mut answer);
        if !matches!(answer.trim(), "y" | "Y" | "yes" | "YES") {
            eprintln!("{}", w.nothing_sent());
            return Ok(NOT_FOUND);
        }
    }
    // Looked up again after the prompt, and signalled through pidfds: a listener that
    // exited meanwhile, and whoever got its pid, are left alone.
    let sent = signal_holders(source, port, &t, &procs, signal)
        .map_err(|e| clean(&e.message(w.0)).into_owned())?;
    let delivered = sent.iter().any(|s| s.error.is_none());
    // portdex holding the socket itself (inherited) would keep it busy for any wait.
    let holds_it_itself = sent.iter().any(|s| s.process.pid == std::process::id());
    let wait = if delivered && !holds_it_itself {
        wait
    } else {
        0.0
    };
    let free = wait_until_free(source, port, &t, Duration::from_secs_f64(wait));
    if matches!(config.format, Format::Json | Format::Jsonl) {
        #[derive(serde::Serialize)]
        struct Out<'a> {
            port: u16,
            sent: &'a [portdex_net::Sent],
            port_free: bool,
        }
        let v = Out {
            port,
            sent: &sent,
            port_free: free,
        };
        crate::render::object(out, config.format, &v);
    } else {
        for s in &sent {
            let why = s.error.as_ref().map_or(String::new(), |e| {
                let e = match w.0 {
                    portdex_text::Lang::En => e.clone(),
                    portdex_text::Lang::Ja => portdex_text::errors_ja::not_signalled(e),
                };
                format!(": {e}")
            });
            let (sig, pid, name) = (s.signal.name(), s.process.pid, clean(&s.process.name));
            let _ = writeln!(out, "{}", w.sent(s.error.is_none(), sig, pid, &name, &why));
        }
        if free {
            let _ = writeln!(out, "{}", w.port_free(port));
        } else if delivered && !holds_it_itself {
            let _ = writeln!(
                out,
                "{}",
                w.still_in_use(port, wait, signal != KillSignal::Kill)
            );
        }
    }
    Ok(if free { FOUND } else { NOT_FOUND })
}

/// Whether `outer` holds every port of `inner`.
fn covers(outer: PortRange, inner: PortRange) -> bool {
    outer.lo <= inner.lo && inner.hi <= outer.hi
}

fn parse_range(s: &str, w: Words) -> Result<PortRange, String> {
    if let Ok(c) = s.parse::<Category>() {
        return Ok(c.range());
    }
    s.parse::<PortRange>()
        .map_err(|e| w.err_range(&e.message(w.0)))
}

/// `portdex free`
pub fn free(
    out: &mut String,
    config: &Config,
    count: usize,
    near: Option<&str>,
    range: Option<&str>,
    udp: bool,
    allow_ephemeral: bool,
) -> Result<u8, String> {
    let w = Words(config.lang);
    if count == 0 || count > 10_000 {
        return Err(w.err_count(count));
    }
    let transport = match (config.transport, udp) {
        (Some(Transport::Udp), _) | (None, true) => Transport::Udp,
        (Some(Transport::Tcp), false) | (None, false) => Transport::Tcp,
        (Some(Transport::Tcp), true) => return Err(w.err_udp_and_tcp().into()),
        (Some(t), _) => return Err(w.err_not_bindable(t.as_str())),
    };
    let near = near.map(|n| listen_port(n, w)).transpose()?;
    let range = match (range, near) {
        (Some(r), _) => parse_range(r, w)?,
        (None, Some(n)) => PortRange {
            lo: n,
            hi: u16::MAX,
        },
        (None, None) => Category::Dynamic.range(),
    };
    if range.lo == 0 && range.hi == 0 {
        return Err(w.err_range_zero().into());
    }
    let range = PortRange {
        lo: range.lo.max(1),
        hi: range.hi,
    };
    if let Some(n) = near {
        if !range.contains(n) {
            return Err(w.err_near_outside(n, &range.to_string()));
        }
    }
    let eph = ephemeral_range();
    // Leave the ephemeral range out unless that would leave nothing.
    let avoid = match eph {
        Some(e) if !allow_ephemeral && !covers(e, range) => Some(e),
        _ => None,
    };
    let req = FreeRequest {
        transport,
        range,
        count,
        near,
        avoid_ephemeral: avoid,
    };
    let ports = match free_ports(&req) {
        Ok(p) => p,
        // Valid input, not enough free ports: "nothing found", exit 1.
        Err(e @ portdex_net::FreeError::NotEnough { .. }) => {
            eprintln!("portdex: {}", e.message(w.0));
            return Ok(NOT_FOUND);
        }
        Err(e) => return Err(e.message(w.0)),
    };
    match config.format {
        Format::Json | Format::Jsonl => {
            #[derive(serde::Serialize)]
            struct Out {
                transport: Transport,
                ports: Vec<u16>,
                range: PortRange,
                ephemeral_range: Option<PortRange>,
                ephemeral_range_avoided: bool,
            }
            let v = Out {
                transport,
                ports,
                range,
                ephemeral_range: eph,
                ephemeral_range_avoided: avoid.is_some(),
            };
            crate::render::object(out, config.format, &v);
        }
        _ => {
            for p in &ports {
                let _ = writeln!(out, "{p}");
            }
        }
    }
    Ok(FOUND)
}
