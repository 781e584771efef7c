//! `portdex man`: portdex(1) and one page per command (portdex-scan(1), …), from the same
//! command tree as the completions (complete.rs: each command with the global options it
//! honours), plus what clap does not know: exit statuses, environment, files, examples.

use crate::FOUND;
use roff::{bold, italic, roman, Inline, Roff};
use std::path::Path;

/// What a page says beyond the options.
struct Extra {
    /// (status, when).
    exit: &'static [(&'static str, &'static str)],
    /// (variable, what it does).
    env: &'static [(&'static str, &'static str)],
    /// (path, what it is).
    files: &'static [(&'static str, &'static str)],
    /// (command line, what it does).
    examples: &'static [(&'static str, &'static str)],
}

/// Bad input, common to every command.
const BAD_INPUT: (&str, &str) = (
    "2",
    "Bad input: an unknown option, a malformed value, or a global option this command does not honour. Also when portdex cannot do what was asked (an error is printed).",
);

const LANG: [(&str, &str); 3] = [
    ("LC_ALL", "The language of the text (en or ja) when --lang is not given; the first of LC_ALL, LC_MESSAGES and LANG that is set decides."),
    ("LC_MESSAGES", "See LC_ALL."),
    ("LANG", "See LC_ALL."),
];

const SOCKETS: (&str, &str) = (
    "/proc/net/tcp, /proc/net/tcp6, /proc/net/udp, /proc/net/udp6",
    "The machine's sockets, when netlink sock_diag is not available.",
);
const OWNERS: (&str, &str) = (
    "/proc/PID/fd, /proc/PID/comm",
    "Which processes hold the sockets (other users' processes only as root).",
);
const PASSWD: (&str, &str) = ("/etc/passwd", "User names of the sockets' owners.");
const EPHEMERAL: (&str, &str) = (
    "/proc/sys/net/ipv4/ip_local_port_range",
    "The kernel's ephemeral port range.",
);

/// The page of the command `name` (None: portdex itself).
fn extra(name: Option<&str>) -> Extra {
    const NONE: &[(&str, &str)] = &[];
    let none = Extra {
        exit: NONE,
        env: NONE,
        files: NONE,
        examples: NONE,
    };
    match name {
        None => Extra {
            exit: &[
                ("0", "Every QUERY was found (or --format services wrote the registry)."),
                ("1", "At least one QUERY matched nothing."),
                BAD_INPUT,
            ],
            env: &[
                LANG[0],
                LANG[1],
                LANG[2],
                ("NO_COLOR", "When set, no colour unless --color always."),
                ("CLICOLOR_FORCE", "When set, colour even when not writing to a terminal, unless --color never."),
                ("COLUMNS", "The width tables are wrapped to when it cannot be read from the terminal."),
            ],
            files: &[(
                "/etc/services",
                "The system's list of services (services(5)): --format services writes the registry in its format. portdex does not read it; its registry is built in.",
            )],
            examples: &[
                ("portdex 443", "What port 443 is."),
                ("portdex 80 22 3306", "Several ports at once."),
                ("portdex ldaps", "Which port a service uses."),
                ("portdex 8000-8100 --proto tcp", "Every assigned TCP port in a range."),
                ("portdex 443 --json", "The answer as JSON."),
                ("portdex --format services", "The whole registry as an /etc/services file."),
                ("portdex -- who", "A service named like a command."),
            ],
        },
        Some("guide") => Extra {
            exit: &[("0", "The guide was written."), BAD_INPUT],
            env: &[
                LANG[0],
                LANG[1],
                LANG[2],
                ("NO_COLOR", "When set, no colour unless --color always."),
                ("COLUMNS", "The width the text is wrapped to when it cannot be read from the terminal."),
            ],
            files: &[EPHEMERAL, SOCKETS, OWNERS],
            examples: &[
                ("portdex guide", "Port numbers for beginners, with this machine's ephemeral range and the cleartext services the audit finds on it now."),
                ("portdex guide --lang ja", "The same in Japanese."),
                ("sudo portdex guide", "The same, with every process's sockets seen by the audit."),
            ],
        },
        Some("search") => Extra {
            exit: &[("0", "At least one result."), ("1", "No result."), BAD_INPUT],
            env: &LANG,
            examples: &[
                ("portdex search mail", "Services whose names, descriptions or common uses mention mail."),
                ("portdex search message queue -n 5", "The five best results for both words."),
            ],
            ..none
        },
        Some("ls") => Extra {
            exit: &[
                ("0", "At least one socket was listed."),
                ("1", "No socket matches the filters."),
                BAD_INPUT,
            ],
            env: &LANG,
            files: &[SOCKETS, OWNERS, PASSWD],
            examples: &[
                ("portdex ls", "Every TCP listener and bound UDP socket, with its owner."),
                ("portdex ls --exposed", "Only what other machines can reach."),
                ("portdex ls --tcp --port 8080", "Who listens on TCP port 8080."),
                ("portdex ls --format jsonl", "One JSON object per socket."),
            ],
        },
        Some("conns") => Extra {
            exit: &[
                ("0", "At least one connection (or TIME_WAIT count) was listed."),
                ("1", "No connection matches the filters."),
                BAD_INPUT,
            ],
            env: &LANG,
            files: &[SOCKETS, OWNERS, PASSWD, EPHEMERAL],
            examples: &[
                ("portdex conns", "Every connection with both ends, its state and its owner; TIME_WAIT counted per port."),
                ("portdex conns --port 5432", "Who is connected to the PostgreSQL server here, and where this machine connects to port 5432."),
                ("portdex conns --process firefox --state established", "The open connections of processes whose name contains firefox."),
                ("portdex conns --remote 10.0.0.0/8 --format jsonl", "Connections to and from 10.0.0.0/8, one JSON object per line."),
                ("portdex conns --state time-wait --all-time-wait", "Each closed connection the kernel still keeps."),
            ],
        },
        Some("who") => Extra {
            exit: &[
                ("0", "Something listens on the port."),
                ("1", "Nothing listens on the port."),
                BAD_INPUT,
            ],
            env: &LANG,
            files: &[SOCKETS, OWNERS, PASSWD, EPHEMERAL],
            examples: &[
                ("portdex who 8080", "Which process listens on port 8080, or why the port is busy."),
                ("portdex who postgresql", "The same for the port of a service."),
            ],
        },
        Some("kill") => Extra {
            exit: &[
                ("0", "The signal was sent and the port became free within --wait."),
                ("1", "Nothing was sent (nothing listens, the owner is another user's process, or the question was answered no), or the port is still in use after --wait."),
                BAD_INPUT,
            ],
            env: &LANG,
            files: &[SOCKETS, OWNERS, PASSWD],
            examples: &[
                ("portdex kill 3000", "Ask, then send TERM to what listens on port 3000."),
                ("portdex kill 3000 --yes --signal KILL --wait 2", "Without asking: KILL, and wait up to 2 seconds for the port to become free."),
            ],
        },
        Some("free") => Extra {
            exit: &[
                ("0", "The ports were found."),
                ("1", "Not enough free ports in the range."),
                BAD_INPUT,
            ],
            files: &[EPHEMERAL],
            examples: &[
                ("portdex free", "One free TCP port in the dynamic range."),
                ("portdex free --near 3000 -n 3", "Three free ports from 3000 up."),
                ("portdex free --udp --range 40000-41000", "A free UDP port in a range."),
            ],
            ..none
        },
        Some("audit") => Extra {
            exit: &[
                ("0", "The audit ran, and no finding is at least as severe as --fail-on (always, without --fail-on)."),
                ("1", "A finding is at least as severe as --fail-on."),
                BAD_INPUT,
            ],
            env: &LANG,
            files: &[
                ("FILE (--config)", "A TOML file of accepted listeners: [[accept]] port = 22, process = \"sshd\". There is no default file."),
                SOCKETS,
                OWNERS,
                PASSWD,
            ],
            examples: &[
                ("portdex audit", "What this machine exposes, most severe first."),
                ("portdex audit --fail-on high", "Exit 1 when there is a high or critical finding (for CI)."),
                ("portdex audit --config accepted.toml --json", "Leave out accepted listeners; JSON output."),
            ],
        },
        Some("firewall") => Extra {
            exit: &[
                ("0", "The rules were printed or written; with --apply, applied and confirmed in time; --confirm alone: a waiting --apply was confirmed."),
                ("1", "--apply rolled the rules back (not confirmed in time, or interrupted); --confirm alone: nothing waits for confirmation."),
                ("2", "Bad input, rules that would drop an SSH port without --allow-lockout, --apply without root or refused by the backend, or a file in --output-dir that exists already."),
            ],
            env: &[
                LANG[0],
                LANG[1],
                LANG[2],
                ("SSH_CONNECTION, SSH_CLIENT", "The port of the SSH session the rules must not drop (also read from the parent processes, as sudo drops them)."),
                ("PORTDEX_STATE_DIR", "Where a waiting --apply and --confirm meet, instead of /run/portdex."),
            ],
            files: &[
                ("/run/portdex/", "The state of --apply: firewall.lock, firewall.pending, firewall.confirmed and firewall.expired (PORTDEX_STATE_DIR overrides the directory)."),
                ("DIR/rules.v4, DIR/rules.v6", "The iptables rules written by --output-dir DIR (never over existing files)."),
                ("/etc/ufw/user.rules, /etc/ufw/user6.rules, /etc/ufw/ufw.conf, /etc/default/ufw", "Saved before --apply --backend ufw, and put back on roll back."),
                SOCKETS,
                OWNERS,
            ],
            examples: &[
                ("portdex firewall --allow ssh,https", "nftables rules that allow SSH and HTTPS and drop the rest."),
                ("portdex firewall --allow ssh,https --backend iptables --family 6", "The same for ip6tables-restore."),
                ("portdex firewall --allow ssh,https --backend iptables --output-dir /etc/iptables", "Write rules.v4 and rules.v6."),
                ("sudo portdex firewall --allow ssh,https --apply --confirm 60s", "Apply the rules; roll them back unless confirmed within 60 seconds."),
                ("sudo portdex firewall --confirm", "From a new SSH session: keep the rules."),
            ],
        },
        Some("scan") => Extra {
            exit: &[
                ("0", "At least one open port."),
                ("1", "No open port."),
                ("2", "Bad input (a target, a port list, a duration, a network larger than /16 without --force, --proto other than tcp), or the scan failed."),
            ],
            env: &LANG,
            examples: &[
                ("portdex scan 127.0.0.1", "The 1000 ports most worth trying on this machine."),
                ("portdex scan myhost -p 22,80,443,8000-8100", "Chosen ports."),
                ("portdex scan 127.0.0.1 -p-", "Every port."),
                ("portdex scan 10.0.0.0/28 --top 100 --format jsonl", "A small network, one JSON object per open port."),
            ],
            ..none
        },
        Some("serve") => Extra {
            exit: &[
                ("0", "Stopped by Ctrl-C or SIGTERM (SIGHUP makes it use the registry portdex update stored, without a restart; so does the first request a second after one is stored)."),
                ("2", "Bad input (--bind, --allowed-host, --timeout, --config), --config without --expose-local, or the address could not be bound."),
            ],
            env: &[
                LANG[0],
                LANG[1],
                LANG[2],
                ("NOTIFY_SOCKET", "Set by systemd for a Type=notify unit: READY=1 is sent there (sd_notify) once the socket listens."),
            ],
            examples: &[
                ("portdex serve", "The web page and API on http://127.0.0.1:7878/."),
                ("portdex serve --bind 127.0.0.1:8080 --expose-local", "Also this machine's listeners, audit and /metrics."),
                ("portdex serve --bind 10.0.0.5:7878 --expose-local --config /etc/portdex/audit.toml", "A Prometheus exporter on the admin network, with the listeners audit.toml accepts left out of the findings (alert rules: deploy/prometheus/portdex-rules.yml)."),
            ],
            ..none
        },
        Some("update") => Extra {
            exit: &[
                ("0", "The registry was checked and is in use now, or was up to date already."),
                ("1", "With --check: the registry fetched differs from the one in use."),
                ("2", "Bad input, or the registry could not be fetched, is not IANA's CSV, fails a check (the line is named), changes more than 10% of the rows without --force, or could not be stored. The registry in use is unchanged."),
            ],
            env: &[
                ("PORTDEX_DATA_DIR", "Where the registry is kept, instead of $XDG_DATA_HOME/portdex."),
                ("XDG_DATA_HOME", "The registry is kept in its portdex folder (default ~/.local/share/portdex)."),
                ("HTTPS_PROXY, HTTP_PROXY, ALL_PROXY", "The proxy for https, http, or both (lowercase names are read first)."),
                ("NO_PROXY", "Hosts reached without the proxy: comma-separated names or suffixes, * for all."),
            ],
            files: &[
                ("$XDG_DATA_HOME/portdex/meta.json", "Which CSV is in use, its SHA-256, rows, dates and source: written last, so an interrupted update leaves the previous registry in use."),
                ("$XDG_DATA_HOME/portdex/iana-*.csv", "IANA's CSV, byte for byte as fetched."),
                ("$XDG_DATA_HOME/portdex/registry-*.bin", "The same registry in the compact form every start-up reads (with its own checksum)."),
            ],
            examples: &[
                ("portdex update", "Fetch IANA's CSV, check it, say what changed, and use it."),
                ("portdex update --check", "Exit 1 when IANA's registry differs from the one in use (for cron)."),
                ("portdex update --from service-names-port-numbers.csv", "The same from a file (an air-gapped machine) or another URL."),
            ],
        },
        Some("data") => Extra {
            exit: &[("0", "The state was written."), BAD_INPUT],
            env: &[("PORTDEX_DATA_DIR", "Where the registry is kept, instead of $XDG_DATA_HOME/portdex.")],
            files: &[("$XDG_DATA_HOME/portdex/", "The registry portdex update keeps (see portdex-update(1)).")],
            examples: &[
                ("portdex data", "Which registry is in use, its date and rows, and where it is kept."),
                ("portdex data --json", "The same as JSON, with the stored registry's SHA-256 and source."),
            ],
        },
        Some("completions") => Extra {
            exit: &[("0", "The script was written."), BAD_INPUT],
            env: &[(
                "PORTDEX_COMPLETE",
                "Set by the scripts when they ask portdex for completions; not for use by hand.",
            )],
            examples: &[
                ("portdex completions bash > ~/.local/share/bash-completion/completions/portdex", "bash completions for your user."),
                ("portdex completions zsh > ~/.zfunc/_portdex", "zsh completions, with fpath+=(~/.zfunc) before compinit in ~/.zshrc."),
                ("portdex completions fish > ~/.config/fish/completions/portdex.fish", "fish completions."),
            ],
            ..none
        },
        Some("man") => Extra {
            exit: &[
                ("0", "The page or pages were written."),
                ("2", "No command of that name, or the files could not be written."),
            ],
            examples: &[
                ("portdex man | man -l -", "Read portdex(1)."),
                ("portdex man scan | man -l -", "Read portdex-scan(1)."),
                ("portdex man --output-dir /usr/share/man/man1", "Write every page, for packaging."),
            ],
            ..none
        },
        Some(_) => none,
    }
}

/// `portdex man [COMMAND] [--output-dir DIR]`
pub fn man(out: &mut String, page: Option<&str>, dir: Option<&Path>) -> Result<u8, String> {
    let mut root = crate::complete::shaped().disable_help_subcommand(true);
    root.build();
    let names: Vec<String> = root
        .get_subcommands()
        .filter(|s| !s.is_hide_set())
        .map(|s| s.get_name().to_owned())
        .collect();
    let chosen: Vec<Option<&clap::Command>> = match page {
        None if dir.is_some() => std::iter::once(None)
            .chain(names.iter().map(|n| root.find_subcommand(n)))
            .collect(),
        None => vec![None],
        Some(p) => match root.find_subcommand(p) {
            Some(sub) => vec![Some(sub)],
            None => {
                return Err(format!(
                    "'{}' has no page: give one of {}, or nothing for portdex(1)",
                    crate::text::clean(p),
                    names.join(", ")
                ))
            }
        },
    };
    let pages: Vec<(String, String)> = chosen
        .iter()
        .map(|sub| {
            let cmd = sub.unwrap_or(&root);
            let name = sub.map(|s| s.get_name());
            render(cmd, name, &names).map(|text| (file_name(name), text))
        })
        .collect::<Result<_, String>>()
        .map_err(|e| format!("cannot render the man page: {e}"))?;
    match dir {
        None => {
            for (_, text) in pages {
                out.push_str(&text);
            }
        }
        Some(dir) => {
            std::fs::create_dir_all(dir)
                .map_err(|e| format!("--output-dir {}: {e}", dir.display()))?;
            for (file, text) in pages {
                let path = dir.join(file);
                std::fs::write(&path, text)
                    .map_err(|e| format!("--output-dir: {}: {e}", path.display()))?;
                out.push_str(&format!("wrote {}\n", path.display()));
            }
        }
    }
    Ok(FOUND)
}

/// portdex.1, portdex-scan.1, …
fn file_name(name: Option<&str>) -> String {
    match name {
        None => "portdex.1".to_owned(),
        Some(n) => format!("portdex-{n}.1"),
    }
}

/// The page of `cmd`: the command `name` of portdex, or portdex itself.
fn render(cmd: &clap::Command, name: Option<&str>, all: &[String]) -> Result<String, String> {
    let title = match name {
        None => "PORTDEX".to_owned(),
        Some(n) => format!("PORTDEX-{}", n.to_uppercase()),
    };
    let m = clap_mangen::Man::new(cmd.clone())
        .title(title)
        .section("1")
        .source(format!("portdex {}", env!("CARGO_PKG_VERSION")))
        .manual("User Commands");
    let e = extra(name);
    let mut buf: Vec<u8> = Vec::new();
    let io = |r: std::io::Result<()>| r.map_err(|e| e.to_string());
    io(m.render_title(&mut buf))?;
    io(m.render_name_section(&mut buf))?;
    io(m.render_synopsis_section(&mut buf))?;
    io(m.render_description_section(&mut buf))?;
    // The prose of --help's closing text; its examples and exit statuses have sections.
    let mut notes = Roff::new();
    let after = cmd.get_after_long_help().or_else(|| cmd.get_after_help());
    for para in after
        .map(|a| a.to_string())
        .unwrap_or_default()
        .split("\n\n")
    {
        let para = para.trim();
        if para.is_empty() || para.starts_with("Examples:") || para.starts_with("Exit status:") {
            continue;
        }
        notes.control("PP", []);
        notes.text([roman(para.replace('\n', " "))]);
    }
    buf.extend(notes.render().into_bytes());
    if cmd.get_arguments().any(|a| !a.is_hide_set()) {
        io(m.render_options_section(&mut buf))?;
    }
    if name.is_none() {
        io(m.render_subcommands_section(&mut buf))?;
    }
    let mut r = Roff::new();
    section(&mut r, "EXIT STATUS", e.exit, |t| bold(t));
    section(&mut r, "ENVIRONMENT", e.env, |t| bold(t));
    section(&mut r, "FILES", e.files, |t| italic(t));
    if !e.examples.is_empty() {
        r.control("SH", ["EXAMPLES"]);
        for (line, what) in e.examples {
            r.control("PP", []);
            r.text([roman(*what)]);
            r.control("RS", ["4"]);
            r.control("EX", []);
            r.text([roman(*line)]);
            r.control("EE", []);
            r.control("RE", []);
        }
    }
    r.control("SH", ["SEE ALSO"]);
    // Page names are not hyphenated (each section heading turns hyphenation back on).
    r.control("nh", []);
    r.control("ad", ["l"]);
    let refs: Vec<String> = match name {
        None => all.iter().map(|n| format!("portdex-{n}")).collect(),
        Some(n) => std::iter::once("portdex".to_owned())
            .chain(
                all.iter()
                    .filter(|o| *o != n)
                    .map(|o| format!("portdex-{o}")),
            )
            .collect(),
    };
    let mut line = Vec::new();
    for (i, page) in refs.iter().enumerate() {
        if i > 0 {
            line.push(roman(", "));
        }
        line.push(bold(page.as_str()));
        line.push(roman("(1)"));
    }
    r.text(line);
    buf.extend(r.render().into_bytes());
    let text = String::from_utf8(buf).map_err(|e| e.to_string())?;
    Ok(for_any_device(&single_preamble(&text)))
}

/// A section of tagged paragraphs: the tag in its style, then its text.
fn section(r: &mut Roff, heading: &str, items: &[(&str, &str)], style: fn(&str) -> Inline) {
    if items.is_empty() {
        return;
    }
    r.control("SH", [heading]);
    for (tag, text) in items {
        r.control("TP", []);
        r.text([style(tag)]);
        r.text([roman(*text)]);
    }
}

/// Every rendered piece starts with roff's apostrophe definition: once is enough.
fn single_preamble(text: &str) -> String {
    const PREAMBLE: &str = ".ie \\n(.g .ds Aq \\(aq\n.el .ds Aq '\n";
    match text.find(PREAMBLE) {
        Some(first) => {
            let rest = &text[first + PREAMBLE.len()..];
            format!("{}{PREAMBLE}{}", &text[..first], rest.replace(PREAMBLE, ""))
        }
        None => text.to_owned(),
    }
}

/// Help text may hold typographic characters (—, ×, …) that groff does not read as raw
/// UTF-8: each becomes a glyph every output device has (the ASCII terminal too).
fn for_any_device(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            c if c.is_ascii() => out.push(c),
            '\u{2014}' => out.push_str("\\(em"),
            '\u{2013}' => out.push_str("\\(en"),
            '\u{2026}' => out.push_str("\\&..."),
            '\u{00D7}' => out.push_str("\\(mu"),
            '\u{2192}' => out.push_str("\\(->"),
            '\u{2190}' => out.push_str("\\(<-"),
            '\u{2018}' => out.push_str("\\(oq"),
            '\u{2019}' => out.push_str("\\(cq"),
            '\u{201C}' => out.push_str("\\(lq"),
            '\u{201D}' => out.push_str("\\(rq"),
            '\u{00A0}' => out.push_str("\\ "),
            '\u{2264}' => out.push_str("\\(<="),
            '\u{2265}' => out.push_str("\\(>="),
            '\u{00B1}' => out.push_str("\\(+-"),
            '\u{00B0}' => out.push_str("\\(de"),
            c => out.push_str(&format!("\\[u{:04X}]", u32::from(c))),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use clap::{CommandFactory, Parser};

    #[test]
    fn every_command_has_exit_statuses_and_examples_that_parse() {
        let cmd = crate::cli::Cli::command();
        let names = std::iter::once(None).chain(cmd.get_subcommands().map(|s| Some(s.get_name())));
        for name in names {
            let e = extra(name);
            assert!(!e.exit.is_empty(), "{name:?}: no exit status");
            assert!(!e.examples.is_empty(), "{name:?}: no example");
            for (line, _) in e.examples {
                // The command line itself: without sudo, a redirection or a pipe.
                let line = line.trim_start_matches("sudo ");
                let line = line.split(['>', '|']).next().unwrap_or_default();
                let argv = line.split_whitespace();
                let parsed =
                    crate::cli::Cli::try_parse_from(argv).unwrap_or_else(|e| panic!("{line}: {e}"));
                assert_eq!(
                    parsed
                        .command
                        .is_some()
                        .then(|| crate::takes(&parsed.command).name),
                    name,
                    "{line}"
                );
            }
        }
    }

    #[test]
    fn typographic_characters_become_glyphs() {
        assert_eq!(
            for_any_device("a\u{2014}b \u{2026} 3\u{00D7}"),
            "a\\(emb \\&... 3\\(mu"
        );
        assert_eq!(for_any_device("\u{65E5}"), "\\[u65E5]");
    }
}
