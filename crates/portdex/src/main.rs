//! The `portdex` binary: parses arguments, asks the library, renders. No domain logic.

#![forbid(unsafe_code)]

mod audit;
mod blocks;
mod cli;
mod complete;
mod conns;
mod data;
mod grid;
mod guide;
mod machine;
mod manpage;
mod render;
mod scan;
#[cfg(test)]
mod snapshots;
mod text;

use clap::{CommandFactory, FromArgMatches};
use cli::{Cli, ColorArg, Command, Format, LangArg, Proto};
use portdex_registry::{Lang, Query, Transport};
use std::io::Write;
use std::process::ExitCode;

/// Exit status: something found.
const FOUND: u8 = 0;
/// Exit status: nothing found.
const NOT_FOUND: u8 = 1;
/// Exit status: bad input.
const USAGE: u8 = 2;

/// Options resolved from the command line and the environment; no clap types past here.
pub struct Config {
    /// How to write the answer.
    pub format: Format,
    /// Language of curated and interface text.
    pub lang: Lang,
    /// Only this transport, when given.
    pub transport: Option<Transport>,
    /// Terminal width when writing to a terminal; None when piped (no wrapping).
    pub width: Option<usize>,
    /// Whether to write ANSI colour.
    pub color: bool,
}

fn resolve(cli: &Cli) -> Config {
    let o = &cli.output;
    let format = if o.json {
        Format::Json
    } else if o.csv {
        Format::Csv
    } else {
        o.format
    };
    let lang = match o.lang {
        Some(LangArg::En) => Lang::En,
        Some(LangArg::Ja) => Lang::Ja,
        None => ["LC_ALL", "LC_MESSAGES", "LANG"]
            .iter()
            .filter_map(|v| std::env::var(v).ok())
            .find(|v| !v.is_empty())
            .map(|v| Lang::from_locale(&v))
            .unwrap_or_default(),
    };
    let transport = o.proto.map(|p| match p {
        Proto::Tcp => Transport::Tcp,
        Proto::Udp => Transport::Udp,
        Proto::Sctp => Transport::Sctp,
        Proto::Dccp => Transport::Dccp,
    });
    let choice = match o.color {
        ColorArg::Auto => anstream::ColorChoice::Auto,
        ColorArg::Always => anstream::ColorChoice::Always,
        ColorArg::Never => anstream::ColorChoice::Never,
    };
    choice.write_global();
    let stdout = std::io::stdout();
    let color = anstream::AutoStream::choice(&stdout) != anstream::ColorChoice::Never;
    let width = terminal_size::terminal_size_of(&stdout)
        .map(|(w, _)| usize::from(w.0))
        .or_else(|| std::env::var("COLUMNS").ok()?.parse().ok())
        .map(|w: usize| w.max(40));
    Config {
        format,
        lang,
        transport,
        width,
        color,
    }
}

/// What a command takes of the global options.
struct Takes {
    /// Its name, for messages.
    name: &'static str,
    /// The output formats it writes (table is always one).
    formats: &'static [Format],
    /// Whether --proto narrows it.
    proto: bool,
    /// Whether --lang changes what it says.
    lang: bool,
    /// Whether it writes colour (else --color always is refused).
    color: bool,
}

fn takes(command: &Option<Command>) -> Takes {
    use Format::{Csv, Json, Jsonl, Services, Table};
    let (name, formats, proto, lang, color): (_, &'static [Format], _, _, _) = match command {
        None => (
            "portdex QUERY",
            &[Table, Json, Jsonl, Csv, Services],
            true,
            true,
            true,
        ),
        Some(Command::Guide) => ("guide", &[Table], false, true, true),
        Some(Command::Search { .. }) => ("search", &[Table, Json, Jsonl, Csv], true, true, true),
        Some(Command::Ls(_)) => ("ls", &[Table, Json, Jsonl, Csv], true, true, true),
        Some(Command::Conns(_)) => ("conns", &[Table, Json, Jsonl, Csv], true, true, false),
        Some(Command::Who { .. }) => ("who", &[Table, Json, Jsonl], true, true, false),
        Some(Command::Kill { .. }) => ("kill", &[Table, Json, Jsonl], true, true, false),
        Some(Command::Free { .. }) => ("free", &[Table, Json, Jsonl], true, false, false),
        Some(Command::Audit { .. }) => ("audit", &[Table, Json, Jsonl, Csv], true, true, true),
        Some(Command::Firewall(_)) => ("firewall", &[Table, Json, Jsonl, Csv], true, true, false),
        Some(Command::Scan(_)) => ("scan", &[Table, Json, Jsonl, Csv], true, true, true),
        Some(Command::Serve { .. }) => ("serve", &[Table], false, true, false),
        Some(Command::Update { .. }) => ("update", &[Table, Json, Jsonl], false, true, false),
        Some(Command::Data { .. }) => ("data", &[Table, Json, Jsonl], false, true, false),
        Some(Command::Completions { .. }) => ("completions", &[Table], false, false, false),
        Some(Command::Man { .. }) => ("man", &[Table], false, false, false),
    };
    Takes {
        name,
        formats,
        proto,
        lang,
        color,
    }
}

/// Refuses (exit 2) a global option the command does not honour: nothing a user asks for
/// is silently ignored.
fn refuse_unsupported(cli: &Cli, config: &Config) -> Result<(), String> {
    let words = portdex_text::Words(config.lang);
    let t = takes(&cli.command);
    let o = &cli.output;
    let format_name = match config.format {
        Format::Table => "table",
        Format::Json => "json",
        Format::Jsonl => "jsonl",
        Format::Csv => "csv",
        Format::Services => "services",
    };
    if !t.formats.contains(&config.format) {
        let offered: Vec<&str> = t
            .formats
            .iter()
            .map(|f| match f {
                Format::Table => "table",
                Format::Json => "json",
                Format::Jsonl => "jsonl",
                Format::Csv => "csv",
                Format::Services => "services",
            })
            .collect();
        let given = if o.json {
            "--json".to_owned()
        } else if o.csv {
            "--csv".to_owned()
        } else {
            format!("--format {format_name}")
        };
        return Err(words.err_format_not_for(&given, t.name, &offered.join(", ")));
    }
    if o.proto.is_some() && !t.proto {
        return Err(words.err_proto_not_for(t.name));
    }
    if o.lang.is_some() && !t.lang {
        return Err(words.err_lang_not_for(t.name));
    }
    if matches!(o.color, ColorArg::Always) && !t.color {
        return Err(words.err_color_not_for(t.name));
    }
    Ok(())
}

fn run(cli: Cli) -> Result<u8, String> {
    let config = resolve(&cli);
    refuse_unsupported(&cli, &config)?;
    let w = portdex_text::Words(config.lang);
    let mut out = String::new();
    // An updated registry (portdex update) answers from here on; `data` looks at it
    // itself, and completions and man pages need no registry.
    if !matches!(
        cli.command,
        Some(Command::Data { .. } | Command::Completions { .. } | Command::Man { .. })
    ) {
        // A lookup of a port or a name, and who/kill/free, read a few rows: they read
        // the stored registry where they need it. The rest look at many ports (a
        // listing, an audit, a scan, a search, a server): they read it whole at once.
        let few = matches!(
            cli.command,
            None | Some(Command::Who { .. } | Command::Kill { .. } | Command::Free { .. })
        );
        data::activate(w, !few);
    }
    let code = match &cli.command {
        Some(Command::Completions { shell }) => {
            out = complete::script(*shell)?;
            FOUND
        }
        Some(Command::Man { page, output_dir }) => {
            manpage::man(&mut out, page.as_deref(), output_dir.as_deref())?
        }
        Some(Command::Guide) => guide::guide(
            &mut out,
            &config,
            &portdex_net::SystemSource,
            portdex_net::ephemeral_range(),
        )?,
        Some(Command::Search { words, limit }) => {
            let query = words.join(" ");
            if query.trim().is_empty() {
                return Err(w.err_empty_search().into());
            }
            if config.format == Format::Services {
                return Err(w.err_search_services().into());
            }
            portdex_registry::check_search(&query).map_err(|e| e.message(config.lang))?;
            if *limit == 0 {
                return Err(w.err_limit_zero().into());
            }
            let (hits, total) =
                portdex_registry::search_transport(&query, *limit, config.transport);
            render::search(&mut out, &config, &query, &hits, total);
            if total == 0 {
                NOT_FOUND
            } else {
                FOUND
            }
        }
        Some(Command::Ls(args)) => machine::ls(
            // A listing of thousands of sockets goes out as it is written.
            &mut blocks::Blocks::to_stdout(&mut out, config.color),
            &config,
            args,
            &portdex_net::SystemSource,
            &portdex_net::netns::SystemNetns,
        )?,
        Some(Command::Conns(args)) => {
            conns::conns(&mut out, &config, args, &portdex_net::SystemSource)?
        }
        Some(Command::Who { port }) => machine::who(
            &mut out,
            &config,
            port,
            &portdex_net::SystemSource,
            &portdex_net::netns::SystemNetns,
        )?,
        Some(Command::Kill {
            port,
            signal,
            yes,
            wait,
        }) => machine::kill(
            &mut out,
            &config,
            port,
            signal,
            *yes,
            *wait,
            &portdex_net::SystemSource,
        )?,
        Some(Command::Free {
            count,
            near,
            range,
            udp,
            allow_ephemeral,
        }) => machine::free(
            &mut out,
            &config,
            *count,
            near.as_deref(),
            range.as_deref(),
            *udp,
            *allow_ephemeral,
        )?,
        Some(Command::Audit {
            fail_on,
            config: file,
        }) => audit::audit(
            &mut out,
            &config,
            fail_on.as_deref(),
            file.as_deref(),
            &portdex_net::SystemSource,
        )?,
        Some(Command::Firewall(args)) => {
            audit::firewall(&mut out, &config, args, &portdex_net::SystemSource)?
        }
        Some(Command::Scan(args)) => scan::scan(&mut out, &config, args)?,
        Some(Command::Serve {
            bind,
            expose_local,
            allowed_host,
            max_connections,
            timeout,
            config: file,
        }) => {
            let limits = portdex_server::Limits {
                max_connections: *max_connections as usize,
                timeout: scan::parse_duration(timeout, w)?,
            };
            // The accepted listeners only matter where this machine is served.
            if file.is_some() && !*expose_local {
                return Err(w.err_serve_config_needs_expose_local());
            }
            let accepted = audit::load_config(file.as_deref(), w)?;
            serve(w, bind, *expose_local, allowed_host, limits, accepted)?
        }
        Some(Command::Update {
            from,
            check,
            force,
            data_dir,
            timeout,
        }) => data::update(
            &mut out,
            &config,
            &data::UpdateArgs {
                from: from.as_deref(),
                check: *check,
                force: *force,
                data_dir: data_dir.as_deref(),
                timeout: scan::parse_duration(timeout, w)?,
            },
        )?,
        Some(Command::Data { data_dir }) => data::data(&mut out, &config, data_dir.as_deref())?,
        None => lookup(&mut out, &config, &cli.queries)?,
    };
    write_out(&out, config.color, w)?;
    Ok(code)
}

fn lookup(out: &mut String, config: &Config, queries: &[String]) -> Result<u8, String> {
    let words = portdex_text::Words(config.lang);
    if queries.is_empty() {
        if config.format == Format::Services {
            portdex_registry::write_services(out).map_err(|e| e.to_string())?;
            return Ok(FOUND);
        }
        return Err(words.err_nothing_to_look_up().into());
    }
    // Read every query before answering any: bad input prints nothing to stdout.
    let mut parsed = Vec::with_capacity(queries.len());
    let mut errors = Vec::new();
    for q in queries {
        match q.parse::<Query>() {
            Ok(p) => parsed.push((q.as_str(), p)),
            Err(e) => errors.push(e.message(config.lang)),
        }
    }
    if !errors.is_empty() {
        return Err(errors.join("\nerror: "));
    }
    let answers: Vec<_> = parsed
        .iter()
        .map(|(q, p)| (*q, p, portdex_registry::lookup(p, config.transport)))
        .collect();
    render::answers(out, config, &answers);
    for ((q, parsed), (_, _, answer)) in parsed.iter().zip(&answers) {
        if let (Query::Name(name), true) = (parsed, answer.is_empty()) {
            hint_for_name(config, q, name);
        }
    }
    Ok(if answers.iter().any(|(_, _, a)| a.is_empty()) {
        NOT_FOUND
    } else {
        FOUND
    })
}

/// `portdex serve`: runs until Ctrl-C or SIGTERM.
fn serve(
    words: portdex_text::Words,
    bind: &str,
    expose_local: bool,
    allowed_hosts: &[String],
    limits: portdex_server::Limits,
    accepted: portdex_audit::AuditConfig,
) -> Result<u8, String> {
    for h in allowed_hosts {
        let ok = !h.is_empty()
            && h.len() <= 253
            && h.bytes()
                .all(|b| b.is_ascii_alphanumeric() || b"-.:[]".contains(&b));
        if !ok {
            return Err(words.err_allowed_host(&text::clean(h)));
        }
    }
    let addr: std::net::SocketAddr = bind
        .parse()
        .map_err(|_| words.err_bind(&text::clean(bind)))?;
    let state = portdex_server::AppState {
        expose_local,
        source: std::sync::Arc::new(portdex_net::SystemSource),
        allowed_hosts: allowed_hosts.to_vec(),
        // A registry `portdex update` stores later is picked up without a restart.
        data_dir: data::data_dir(None, words.0).ok(),
        audit: accepted,
    };
    portdex_server::run(addr, state, limits, |bound| {
        eprintln!("{}", words.serve_listening(bound));
        if let Some((socket, e)) = notify_ready() {
            eprintln!(
                "{}",
                words.serve_not_notified(&text::clean(&socket), &words.io_error(&e))
            );
        }
        if portdex_net::Exposure::of(bound.ip()).is_exposed() {
            eprintln!("{}", words.serve_reachable(bound));
            if expose_local {
                eprintln!("{}", words.serve_exposed());
            }
        }
    })
    .map_err(|e| words.err_serve(&addr.to_string(), &words.io_error(&e)))?;
    Ok(FOUND)
}

/// Under systemd with `Type=notify` (deploy/systemd/portdex.service): READY=1 once the
/// socket listens, so that `systemctl start portdex` returns, and units ordered after it
/// start, only when a scrape will be answered. sd_notify(3)'s protocol: one datagram to
/// the Unix socket $NOTIFY_SOCKET names (a leading '@': the abstract namespace). Without
/// the variable, nothing. On failure, the variable and the error.
fn notify_ready() -> Option<(String, std::io::Error)> {
    use std::os::linux::net::SocketAddrExt;
    use std::os::unix::net::{SocketAddr, UnixDatagram};
    let socket = std::env::var_os("NOTIFY_SOCKET")?;
    let send = || -> std::io::Result<()> {
        let bytes = socket.as_encoded_bytes();
        let addr = match bytes.strip_prefix(b"@") {
            Some(name) => SocketAddr::from_abstract_name(name)?,
            None if bytes.starts_with(b"/") => SocketAddr::from_pathname(&socket)?,
            None => {
                return Err(std::io::Error::new(
                    std::io::ErrorKind::Unsupported,
                    "not a Unix socket path",
                ))
            }
        };
        UnixDatagram::unbound()?.send_to_addr(b"READY=1", &addr)?;
        Ok(())
    };
    send()
        .err()
        .map(|e| (socket.to_string_lossy().into_owned(), e))
}

/// On stderr: names close to an unknown name, and how to search descriptions.
fn hint_for_name(config: &Config, query: &str, name: &str) {
    let l = portdex_text::labels(config.lang);
    let mut err = anstream::stderr().lock();
    let _ = writeln!(err, "{} '{}'", l.unknown_name, text::clean(query));
    // A typo of a command (`portdex sacn 127.0.0.1`) reads as a name: say the command.
    let command = cli::SUBCOMMANDS
        .iter()
        .find(|c| **c != "help" && name.len() >= 3 && strsim::damerau_levenshtein(name, c) == 1);
    if let Some(c) = command {
        let _ = writeln!(err, "{}: portdex {c}", l.did_you_mean);
    }
    let close = portdex_registry::suggest(name, 5);
    if !close.is_empty() {
        let _ = writeln!(err, "{}: {}", l.did_you_mean, close.join(", "));
    }
    let _ = writeln!(err, "{} {}", l.try_search, text::clean(query));
}

/// Writes everything at once; a closed pipe (`portdex … | head`) is not an error, any
/// other failure (a full disk) is: the answer did not arrive.
/// Without colour the text goes straight out: nothing to strip, and long listings
/// (`ls` with 10,000 sockets) do not pay for a scan of every byte.
fn write_out(out: &str, color: bool, words: portdex_text::Words) -> Result<(), String> {
    match write_stdout(out, color) {
        Err(e) if e.kind() != std::io::ErrorKind::BrokenPipe => {
            Err(words.err_write_output(&words.io_error(&e)))
        }
        _ => Ok(()),
    }
}

/// Writes and flushes standard output, through anstream when colour is on.
pub(crate) fn write_stdout(out: &str, color: bool) -> std::io::Result<()> {
    if color {
        let mut stdout = anstream::stdout().lock();
        stdout
            .write_all(out.as_bytes())
            .and_then(|()| stdout.flush())
    } else {
        let mut stdout = std::io::stdout().lock();
        stdout
            .write_all(out.as_bytes())
            .and_then(|()| stdout.flush())
    }
}

/// `portdex QUERY…` without a subcommand name, help or version among the arguments,
/// parsed without building the subcommands; None sends parsing to [`full_parse`].
fn lookup_only() -> Option<Cli> {
    let args: Vec<std::ffi::OsString> = std::env::args_os().collect();
    let before_dashes = args.iter().skip(1).take_while(|a| *a != "--");
    let mut any = false;
    for a in before_dashes {
        any = true;
        let a = a.to_str()?;
        if cli::SUBCOMMANDS.contains(&a) || matches!(a, "-h" | "--help" | "-V" | "--version") {
            return None;
        }
    }
    if !any {
        return None;
    }
    let mut cmd = cli::Lookup::command();
    let parsed = cmd.try_get_matches_from_mut(&args).ok().and_then(|mut m| {
        let l = cli::Lookup::from_arg_matches_mut(&mut m).ok();
        std::mem::forget(m);
        l
    });
    std::mem::forget(cmd); // see full_parse
    parsed.map(|l| Cli {
        queries: l.queries,
        command: None,
        output: l.output,
    })
}

/// Cli::try_parse() as clap writes it, but the command tree and the matches are not
/// freed: the process ends right after, and freeing them cost more instructions (about
/// 65k) than the lookup itself (docs/BENCHMARKS.md, `portdex 443`).
fn full_parse() -> Result<Cli, clap::Error> {
    let mut cmd = Cli::command();
    let parsed = cmd
        .try_get_matches_from_mut(std::env::args_os())
        .and_then(|mut m| {
            let cli = Cli::from_arg_matches_mut(&mut m);
            std::mem::forget(m);
            cli
        })
        .map_err(|e| e.format(&mut cmd));
    std::mem::forget(cmd);
    parsed
}

/// A command's `--help` lists only the global options it honours: the help is written
/// from the tree completions and man pages use ([`complete::shaped`]).
fn shaped_help(e: clap::Error) -> clap::Error {
    use clap::error::ErrorKind::{DisplayHelp, DisplayHelpOnMissingArgumentOrSubcommand};
    if !matches!(
        e.kind(),
        DisplayHelp | DisplayHelpOnMissingArgumentOrSubcommand
    ) {
        return e;
    }
    match complete::shaped().try_get_matches_from(std::env::args_os()) {
        Err(shaped) if shaped.kind() == e.kind() => shaped,
        _ => e,
    }
}

fn main() -> ExitCode {
    // A shell asking for completions (PORTDEX_COMPLETE set): answered, and the process ends.
    complete::answer_if_asked();
    // Cli::try_parse() as clap writes it, but the command tree and the matches are not
    // freed: the process ends right after, and freeing them cost more instructions
    // (about 65k) than the lookup itself (docs/BENCHMARKS.md, `portdex 443`).
    let parsed = match lookup_only() {
        Some(cli) => Ok(cli),
        None => full_parse(),
    };
    let cli = match parsed {
        Ok(cli) => cli,
        Err(e) => {
            let e = shaped_help(e);
            let _ = e.print();
            return ExitCode::from(if e.use_stderr() { USAGE } else { FOUND });
        }
    };
    match run(cli) {
        Ok(code) => ExitCode::from(code),
        Err(msg) => {
            let mut err = anstream::stderr().lock();
            let _ = writeln!(err, "error: {msg}");
            ExitCode::from(USAGE)
        }
    }
}
