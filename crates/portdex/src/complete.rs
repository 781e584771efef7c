//! Shell completion. `portdex completions SHELL` prints a short script that hands every
//! completion back to portdex (`PORTDEX_COMPLETE=SHELL portdex -- WORDS…`), where
//! clap_complete's engine answers it from the same command tree that parses the command
//! line. One engine for bash, zsh, fish, elvish and PowerShell: subcommands, each
//! command's own options, the values of its options, and ports that listen right now.
//!
//! The tree is [`shaped`]: each command carries only the global options it honours
//! (`takes()` in main.rs), with `--format` offering only the formats it writes. The man
//! pages (manpage.rs) document the same tree.

use crate::cli::{Cli, Command, Format};
use clap::builder::PossibleValuesParser;
use clap::{CommandFactory, Parser, ValueEnum};
use clap_complete::engine::{ArgValueCandidates, CompletionCandidate};

/// The variable that turns a run of portdex into a completion request.
pub const VAR: &str = "PORTDEX_COMPLETE";

/// When a shell asks for completions, answers and ends the process; otherwise returns at
/// once (one environment lookup).
pub fn answer_if_asked() {
    if std::env::var_os(VAR).is_none() {
        return;
    }
    clap_complete::CompleteEnv::with_factory(shaped)
        .var(VAR)
        .bin("portdex")
        .completer("portdex")
        .complete();
}

/// The completion script for a shell: it calls `portdex` on the PATH for each completion.
pub fn script(shell: clap_complete::Shell) -> Result<String, String> {
    let shells = clap_complete::env::Shells::builtins();
    let completer = shells
        .completer(&shell.to_string())
        .ok_or_else(|| format!("no completions for {shell}"))?;
    let mut buf = Vec::new();
    completer
        .write_registration(VAR, "portdex", "portdex", "portdex", &mut buf)
        .map_err(|e| e.to_string())?;
    let text = String::from_utf8_lossy(&buf).into_owned();
    Ok(if shell == clap_complete::Shell::Zsh {
        zsh_autoload(&text)
    } else {
        text
    })
}

/// The last line of clap_complete's zsh script binds the function to portdex. Saved as
/// `_portdex` in `$fpath`, compinit autoloads the file as the function `_portdex` and
/// calls it for the first completion: that call must complete too, not only bind.
const ZSH_BIND: &str = "compdef _clap_dynamic_completer_portdex portdex";

fn zsh_autoload(text: &str) -> String {
    let tail = "if [ \"$funcstack[1]\" = \"_portdex\" ]; then\n    \
                _clap_dynamic_completer_portdex \"$@\"\nelse\n    \
                compdef _clap_dynamic_completer_portdex portdex\nfi";
    match text.rfind(ZSH_BIND) {
        Some(at) => format!("{}{tail}{}", &text[..at], &text[at + ZSH_BIND.len()..]),
        // A clap_complete that writes another script: left as it is (a test notices).
        None => text.to_owned(),
    }
}

/// A parsed example of the subcommand `name`: `takes()` reads parsed commands.
fn sample(name: &str) -> Option<Command> {
    let needs: &[&str] = match name {
        "search" => &["mail"],
        "who" | "kill" => &["22"],
        "firewall" => &["--confirm"],
        "scan" => &["127.0.0.1"],
        "completions" => &["bash"],
        _ => &[],
    };
    let argv = ["portdex", name].into_iter().chain(needs.iter().copied());
    Cli::try_parse_from(argv).ok()?.command
}

/// The global options a command honours, as its own (not global) arguments.
fn honoured(globals: &[clap::Arg], command: &Option<Command>) -> Vec<clap::Arg> {
    let t = crate::takes(command);
    let mut args = Vec::new();
    for a in globals {
        let a = a.clone().global(false);
        let keep = match a.get_id().as_str() {
            "format" => t.formats.len() > 1,
            "json" => t.formats.contains(&Format::Json),
            "csv" => t.formats.contains(&Format::Csv),
            "proto" => t.proto,
            "lang" => t.lang,
            "color" => t.color,
            _ => true,
        };
        if !keep {
            continue;
        }
        let a = match a.get_id().as_str() {
            "format" => a.value_parser(PossibleValuesParser::new(
                Format::value_variants()
                    .iter()
                    .filter(|f| t.formats.contains(f))
                    .filter_map(ValueEnum::to_possible_value),
            )),
            "json" if !t.formats.contains(&Format::Csv) => {
                a.conflicts_with(clap::builder::Resettable::<clap::Id>::Reset)
            }
            _ => a,
        };
        args.push(a);
    }
    args
}

/// Values offered for an argument whose parser takes any text.
fn words<S: ToString>(list: &[S]) -> ArgValueCandidates {
    let list: Vec<String> = list.iter().map(ToString::to_string).collect();
    ArgValueCandidates::new(move || list.iter().map(CompletionCandidate::new).collect())
}

/// The ports something listens on now (TCP listeners and bound UDP sockets), each with
/// its transport and owner as the help.
fn listening_ports() -> Vec<CompletionCandidate> {
    let opts = portdex_net::ListOptions {
        tcp: true,
        udp: true,
        owners: true,
        cmdline: false,
    };
    let Ok(snap) = portdex_net::listeners(&portdex_net::SystemSource, opts) else {
        return Vec::new();
    };
    let mut seen: Vec<(u16, String)> = Vec::new();
    for l in &snap.listeners {
        let owner = l
            .processes
            .first()
            .map_or_else(String::new, |p| format!(" {}", crate::text::clean(&p.name)));
        let what = format!("{}{owner}", l.transport);
        match seen.iter_mut().find(|(p, _)| *p == l.port) {
            Some((_, help)) if !help.contains(&what) => {
                help.push_str(", ");
                help.push_str(&what);
            }
            Some(_) => {}
            None => seen.push((l.port, what)),
        }
    }
    seen.sort_by_key(|(p, _)| *p);
    seen.into_iter()
        .map(|(p, help)| CompletionCandidate::new(p.to_string()).help(Some(help.into())))
        .collect()
}

/// `all`, `host` and the names of /run/netns, each with the pid of a process in it as
/// the help.
fn netns_values() -> Vec<CompletionCandidate> {
    let mut out = vec![
        CompletionCandidate::new("all"),
        CompletionCandidate::new("host"),
    ];
    for ns in portdex_net::netns::namespaces() {
        if let Some(name) = ns.name {
            let help = ns.pids.first().map(|p| format!("pid {p}"));
            out.push(CompletionCandidate::new(name).help(help.map(Into::into)));
        }
    }
    out
}

/// [`Cli`] as completions and man pages present it: every command with only the global
/// options it honours, and value candidates where the parser takes any text.
pub fn shaped() -> clap::Command {
    let cmd = Cli::command();
    let globals: Vec<clap::Arg> = cmd
        .get_arguments()
        .filter(|a| a.is_global_set())
        .cloned()
        .collect();
    let pages: Vec<String> = cmd
        .get_subcommands()
        .map(|s| s.get_name().to_owned())
        .collect();
    // `portdex QUERY` takes every global option: they stay on it, no longer global.
    let cmd = cmd.mut_args(|a| {
        if a.is_global_set() {
            a.global(false)
        } else {
            a
        }
    });
    cmd.mut_subcommands(|sub| {
        let name = sub.get_name().to_owned();
        // `list` still works, but `l<TAB>` offers `ls` (the engine keeps one name each).
        let aliases: Vec<&'static str> = sub
            .get_visible_aliases()
            .filter_map(|a| crate::cli::SUBCOMMANDS.iter().copied().find(|s| *s == a))
            .collect();
        let sub = sub.visible_alias(None::<&'static str>).aliases(aliases);
        sub.args(honoured(&globals, &sample(&name))).mut_args(|a| {
            match (name.as_str(), a.get_id().as_str()) {
                ("who" | "kill" | "ls" | "conns", "port") => {
                    a.add(ArgValueCandidates::new(listening_ports))
                }
                ("conns", "state") => {
                    a.add(words(&portdex_net::ConnState::ALL.map(|s| s.as_str())))
                }
                ("ls", "netns") => a.add(ArgValueCandidates::new(netns_values)),
                ("kill", "signal") => a.add(words(&["TERM", "INT", "HUP", "QUIT", "KILL"])),
                ("audit", "fail_on") => {
                    a.add(words(&["info", "low", "medium", "high", "critical"]))
                }
                ("free", "range") => a.add(words(&["well-known", "registered", "dynamic"])),
                ("man", "page") => a.add(words(&pages)),
                _ => a,
            }
        })
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_subcommand_is_shaped_by_what_it_takes() {
        for sub in Cli::command().get_subcommands() {
            let parsed = sample(sub.get_name());
            assert!(parsed.is_some(), "no sample of {}", sub.get_name());
            assert_eq!(crate::takes(&parsed).name, sub.get_name());
        }
        shaped().debug_assert();
    }

    #[test]
    fn the_zsh_script_completes_when_autoloaded() {
        let text = script(clap_complete::Shell::Zsh).unwrap();
        assert!(text.contains("funcstack[1]"), "{text}");
        assert!(text.starts_with("#compdef portdex"), "{text}");
    }
}
