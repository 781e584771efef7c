//! Signalling the processes that listen on a port: only the listeners (not processes
//! merely connected to the port), never pid 1, portdex itself or the processes it runs
//! under (the shell that started it); and saying truthfully what happened.
//!
//! Between the listing that the user confirms and the signal, a listener can exit and
//! its pid go to another process. [`signal_holders`] therefore lists again, opens each
//! process as a pidfd, checks through /proc that the process behind the pidfd still
//! holds one of the port's listening sockets, and signals the pidfd: a reused pid is
//! never signalled.

use crate::{listeners, ListOptions, Listener, Process, SocketSource};
use portdex_registry::Transport;
use rustix::process::{Pid, Signal};
use serde::Serialize;
use std::time::{Duration, Instant};

/// The signals `kill` sends.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "UPPERCASE")]
pub enum KillSignal {
    /// SIGTERM: ask to exit (the default).
    Term,
    /// SIGINT: as Ctrl-C.
    Int,
    /// SIGHUP.
    Hup,
    /// SIGQUIT.
    Quit,
    /// SIGKILL: exit now, no clean-up.
    Kill,
}

impl KillSignal {
    /// Reads TERM, SIGTERM, term, 15 (and the same for INT 2, HUP 1, QUIT 3, KILL 9).
    pub fn parse(s: &str) -> Option<KillSignal> {
        let up = s.to_ascii_uppercase();
        let name = up.strip_prefix("SIG").unwrap_or(&up);
        Some(match name {
            "TERM" | "15" => KillSignal::Term,
            "INT" | "2" => KillSignal::Int,
            "HUP" | "1" => KillSignal::Hup,
            "QUIT" | "3" => KillSignal::Quit,
            "KILL" | "9" => KillSignal::Kill,
            _ => return None,
        })
    }
    /// SIGTERM, SIGKILL…
    pub fn name(self) -> &'static str {
        match self {
            KillSignal::Term => "SIGTERM",
            KillSignal::Int => "SIGINT",
            KillSignal::Hup => "SIGHUP",
            KillSignal::Quit => "SIGQUIT",
            KillSignal::Kill => "SIGKILL",
        }
    }
    fn raw(self) -> Signal {
        match self {
            KillSignal::Term => Signal::TERM,
            KillSignal::Int => Signal::INT,
            KillSignal::Hup => Signal::HUP,
            KillSignal::Quit => Signal::QUIT,
            KillSignal::Kill => Signal::KILL,
        }
    }
}

/// What was sent to one process.
#[derive(Debug, Clone, Serialize)]
pub struct Sent {
    /// The process.
    pub process: Process,
    /// The signal.
    pub signal: KillSignal,
    /// None when delivered; otherwise why not (e.g. "Operation not permitted").
    pub error: Option<String>,
}

/// Why nothing was signalled.
#[derive(Debug, thiserror::Error)]
pub enum KillError {
    /// Nothing listens on the port.
    #[error("nothing listens on port {0}")]
    NothingListens(u16),
    /// Something listens, but its owner is not visible (another user's process).
    #[error("port {0} is held, but by a process this user cannot see: run as root")]
    OwnerHidden(u16),
    /// Only protected processes hold the port.
    #[error("port {port} is held by {what}; portdex never signals these")]
    Protected {
        /// The port.
        port: u16,
        /// pid 1 or portdex itself, described.
        what: String,
    },
    /// A container engine's process holds the port for a container (conmon,
    /// docker-proxy, a containerd shim): signalling it would not stop the container.
    #[error("{}", self.message(portdex_text::Lang::En))]
    ContainerPublisher {
        /// The port.
        port: u16,
        /// The publisher's pid.
        pid: u32,
        /// The publisher's name (conmon, docker-proxy, containerd-shim).
        name: String,
        /// The container behind it, when it could be identified.
        container: Option<std::sync::Arc<crate::container::Container>>,
    },
    /// Listing the sockets failed.
    #[error("cannot list sockets: {0}")]
    Io(#[from] std::io::Error),
}

/// The command that lists the containers of the engine a publisher belongs to.
fn publisher_list_command(publisher: &str) -> &'static str {
    if publisher == "conmon" {
        "podman ps"
    } else {
        "docker ps"
    }
}

/// Refuses ([`KillError::ContainerPublisher`]) when one of `procs` publishes a port for a
/// container: signalling conmon, docker-proxy or a containerd shim breaks the container's
/// port or kills its supervision without stopping it, so no signal goes to any of the
/// port's holders. [`signal_holders`] and [`signal_port`] ask this first.
pub fn refuse_publishers(
    source: &dyn SocketSource,
    port: u16,
    procs: &[Process],
) -> Result<(), KillError> {
    let Some(p) = procs
        .iter()
        .find(|p| crate::container::is_publisher(&p.name))
    else {
        return Ok(());
    };
    Err(KillError::ContainerPublisher {
        port,
        pid: p.pid,
        name: p.name.clone(),
        container: source.containers(&[p]).into_iter().next().map(|(_, c)| c),
    })
}

impl KillError {
    /// The message in `lang`: the English is the `Display` text, the Japanese comes
    /// from `portdex-text`; both name the values.
    pub fn message(&self, lang: portdex_text::Lang) -> String {
        use portdex_text::errors_ja as ja;
        match self {
            // The longer words of portdex-text, in both languages: the engine, the
            // container's name and the command that stops it.
            KillError::ContainerPublisher {
                port,
                pid,
                name,
                container,
            } => {
                let w = portdex_text::Words(lang);
                match container {
                    Some(c) => w.ctr_kill_refused(
                        *pid,
                        name,
                        *port,
                        c.engine.as_str(),
                        c.label(),
                        &c.stop_command(),
                    ),
                    None => {
                        w.ctr_kill_refused_unknown(*pid, name, *port, publisher_list_command(name))
                    }
                }
            }
            // The Display text of the other variants is their English.
            _ if lang == portdex_text::Lang::En => self.to_string(),
            KillError::NothingListens(port) => ja::nothing_listens(*port),
            KillError::OwnerHidden(port) => ja::owner_hidden(*port),
            KillError::Protected { port, what } => ja::protected(*port, what),
            KillError::Io(e) => ja::list_sockets(&portdex_text::Words(lang).io_error(e)),
        }
    }
}

fn matches(l: &Listener, port: u16, transports: &[Transport]) -> bool {
    l.port == port && transports.contains(&l.transport)
}

/// The processes that listen on `port` (tcp listeners, bound udp sockets), each once.
pub fn holders(
    source: &dyn SocketSource,
    port: u16,
    transports: &[Transport],
) -> Result<(Vec<Process>, bool), KillError> {
    let snap = listeners(
        source,
        ListOptions {
            cmdline: true,
            ..ListOptions::default()
        },
    )?;
    let on_port: Vec<&Listener> = snap
        .listeners
        .iter()
        .filter(|l| matches(l, port, transports))
        .collect();
    let mut procs: Vec<Process> = Vec::new();
    for l in &on_port {
        for p in &l.processes {
            if !procs.iter().any(|x| x.pid == p.pid) {
                procs.push(p.clone());
            }
        }
    }
    let unowned = on_port.iter().any(|l| l.processes.is_empty());
    if on_port.is_empty() {
        return Err(KillError::NothingListens(port));
    }
    if procs.is_empty() && unowned {
        return Err(KillError::OwnerHidden(port));
    }
    Ok((procs, unowned))
}

/// Sends `signal` to every process that listens on `port`, except the protected ones.
pub fn signal_port(
    source: &dyn SocketSource,
    port: u16,
    transports: &[Transport],
    signal: KillSignal,
) -> Result<Vec<Sent>, KillError> {
    let (procs, _) = holders(source, port, transports)?;
    signal_holders(source, port, transports, &procs, signal)
}

/// Why a process was not signalled: it no longer holds the port.
const GONE: &str = "it no longer listens on this port (it exited, or its pid now belongs to another process): not signalled";
/// Why a process was not signalled: it exited first.
const EXITED: &str = "it exited before the signal";

/// Why a process is never signalled, if it is one of those: pid 1, portdex, or one of
/// the processes portdex runs under.
fn protected(pid: u32, ancestors: &[u32]) -> Option<&'static str> {
    if pid == 1 {
        Some("pid 1 is never signalled")
    } else if pid == std::process::id() {
        Some("portdex itself holds this socket (it inherited it from the process that started it)")
    } else if ancestors.contains(&pid) {
        Some("portdex runs under this process (it started portdex, directly or not), and never signals it; it holds the socket too, probably inherited")
    } else {
        None
    }
}

/// Signals, after a confirmation, the processes the user agreed to (`agreed`, from
/// [`holders`]), each only if it still listens on `port`: listed again, opened as a
/// pidfd, checked to hold one of the port's listening sockets, and signalled through the
/// pidfd. Processes that no longer hold the port, and protected ones, get a [`Sent`]
/// with the reason and no signal; a container's publisher among them refuses the whole
/// call ([`refuse_publishers`]).
pub fn signal_holders(
    source: &dyn SocketSource,
    port: u16,
    transports: &[Transport],
    agreed: &[Process],
    signal: KillSignal,
) -> Result<Vec<Sent>, KillError> {
    refuse_publishers(source, port, agreed)?;
    let snap = listeners(source, ListOptions::default())?;
    let on_port: Vec<&Listener> = snap
        .listeners
        .iter()
        .filter(|l| matches(l, port, transports))
        .collect();
    let inodes: std::collections::HashSet<u64> = on_port.iter().map(|l| l.inode).collect();
    let ancestors = crate::os::ancestors();
    let mut out = Vec::new();
    for process in agreed {
        let skip = |why: &str| Sent {
            process: process.clone(),
            signal,
            error: Some(why.to_owned()),
        };
        if let Some(why) = protected(process.pid, &ancestors) {
            out.push(skip(why));
            continue;
        }
        let gone = GONE;
        let still = on_port
            .iter()
            .any(|l| l.processes.iter().any(|p| p.pid == process.pid));
        let Some(pid) = Pid::from_raw(process.pid as i32).filter(|_| still) else {
            out.push(skip(gone));
            continue;
        };
        // The pidfd pins the process: whatever exits or reuses the pid from here on,
        // the signal reaches this process or nobody.
        let pidfd = match rustix::process::pidfd_open(pid, rustix::process::PidfdFlags::empty()) {
            Ok(fd) => fd,
            Err(rustix::io::Errno::SRCH) => {
                out.push(skip(gone));
                continue;
            }
            Err(rustix::io::Errno::NOSYS) => {
                // Kernels before 5.3: no pidfd. Check, then signal by pid at once.
                if !crate::os::pid_holds(process.pid, &inodes) {
                    out.push(skip(gone));
                    continue;
                }
                let error = rustix::process::kill_process(pid, signal.raw())
                    .err()
                    .map(|e| std::io::Error::from(e).to_string());
                out.push(Sent {
                    process: process.clone(),
                    signal,
                    error,
                });
                continue;
            }
            Err(e) => {
                out.push(skip(&std::io::Error::from(e).to_string()));
                continue;
            }
        };
        if !crate::os::pid_holds(process.pid, &inodes)
            || crate::os::process_name(process.pid).as_deref() != Some(process.name.as_str())
        {
            out.push(skip(gone));
            continue;
        }
        let error = rustix::process::pidfd_send_signal(&pidfd, signal.raw())
            .err()
            .map(|e| match e {
                rustix::io::Errno::SRCH => EXITED.to_owned(),
                e => std::io::Error::from(e).to_string(),
            });
        out.push(Sent {
            process: process.clone(),
            signal,
            error,
        });
    }
    if out.iter().all(|s| s.error.is_some())
        && agreed
            .iter()
            .all(|p| protected(p.pid, &ancestors).is_some())
    {
        let what = agreed
            .iter()
            .map(|p| {
                let why = protected(p.pid, &ancestors).unwrap_or_default();
                format!("pid {} ({}: {why})", p.pid, p.name)
            })
            .collect::<Vec<_>>()
            .join(", ");
        return Err(KillError::Protected { port, what });
    }
    Ok(out)
}

/// Sends `signal` to these processes, except pid 1 and portdex itself, by pid and
/// without looking again: for a listing that is fresh. After a prompt, use
/// [`signal_holders`].
pub fn signal_processes(
    port: u16,
    procs: Vec<Process>,
    signal: KillSignal,
) -> Result<Vec<Sent>, KillError> {
    if let Some(p) = procs
        .iter()
        .find(|p| crate::container::is_publisher(&p.name))
    {
        return Err(KillError::ContainerPublisher {
            port,
            pid: p.pid,
            name: p.name.clone(),
            container: None,
        });
    }
    let ancestors = crate::os::ancestors();
    let (protected, targets): (Vec<Process>, Vec<Process>) = procs
        .into_iter()
        .partition(|p| protected(p.pid, &ancestors).is_some());
    if targets.is_empty() {
        let what = protected
            .iter()
            .map(|p| format!("pid {} ({})", p.pid, p.name))
            .collect::<Vec<_>>()
            .join(", ");
        return Err(KillError::Protected { port, what });
    }
    Ok(targets
        .into_iter()
        .map(|process| {
            let error = match Pid::from_raw(process.pid as i32) {
                Some(pid) => rustix::process::kill_process(pid, signal.raw())
                    .err()
                    .map(|e| std::io::Error::from(e).to_string()),
                None => Some("invalid pid".to_owned()),
            };
            Sent {
                process,
                signal,
                error,
            }
        })
        .collect())
}

/// Waits until nothing listens on `port` any more, up to `timeout`. True when free.
pub fn wait_until_free(
    source: &dyn SocketSource,
    port: u16,
    transports: &[Transport],
    timeout: Duration,
) -> bool {
    let start = Instant::now();
    loop {
        let opts = ListOptions {
            owners: false,
            ..ListOptions::default()
        };
        let busy = listeners(source, opts)
            .map(|s| s.listeners.iter().any(|l| matches(l, port, transports)))
            .unwrap_or(true);
        if !busy {
            return true;
        }
        if start.elapsed() >= timeout {
            return false;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Each reason a process is left alone has its Japanese in portdex-text, which
    /// finds it by this English.
    #[test]
    fn every_reason_not_to_signal_is_translated() {
        let ours = std::process::id();
        let reasons = [
            protected(1, &[]),
            protected(ours, &[]),
            protected(ours + 1, &[ours + 1]),
        ];
        for why in reasons.into_iter().flatten() {
            assert_ne!(portdex_text::errors_ja::not_signalled(why), why);
        }
        for why in [GONE, EXITED] {
            assert_ne!(portdex_text::errors_ja::not_signalled(why), why);
        }
    }

    /// A container's publisher is refused by the library itself, before any listing or
    /// signal, in words that say how to stop the container. (The pid is this test's own,
    /// which nothing here would signal even without the refusal: portdex never signals
    /// itself, and the empty source lists no holder.)
    #[test]
    fn container_publishers_are_never_signalled() {
        struct Nothing;
        impl SocketSource for Nothing {
            fn sockets(
                &self,
                _: Transport,
                _: crate::Which,
            ) -> std::io::Result<Vec<crate::RawSocket>> {
                Ok(Vec::new())
            }
            fn owners(&self, _: &[u64], _: bool) -> crate::Owners {
                crate::Owners::default()
            }
            fn user_name(&self, _: u32) -> Option<String> {
                None
            }
        }
        let named = |name: &str| Process {
            pid: std::process::id(),
            name: name.into(),
            cmdline: None,
        };
        for (name, list) in [
            ("conmon", "podman ps"),
            ("docker-proxy", "docker ps"),
            ("containerd-shim", "docker ps"),
        ] {
            let p = named(name);
            let e = signal_holders(
                &Nothing,
                8080,
                &[Transport::Tcp],
                &[named("nginx"), p.clone()],
                KillSignal::Term,
            )
            .unwrap_err();
            assert!(
                matches!(e, KillError::ContainerPublisher { port: 8080, .. }),
                "{e:?}"
            );
            let en = e.message(portdex_text::Lang::En);
            assert!(en.contains(list) && en.contains(name), "{en}");
            assert_ne!(e.message(portdex_text::Lang::Ja), en);
            let e = signal_processes(8080, vec![p], KillSignal::Term).unwrap_err();
            assert!(matches!(e, KillError::ContainerPublisher { .. }), "{e:?}");
        }
        assert!(refuse_publishers(&Nothing, 8080, &[named("nginx")]).is_ok());
    }

    #[test]
    fn signal_names() {
        assert_eq!(KillSignal::parse("KILL"), Some(KillSignal::Kill));
        assert_eq!(KillSignal::parse("sigterm"), Some(KillSignal::Term));
        assert_eq!(KillSignal::parse("9"), Some(KillSignal::Kill));
        assert_eq!(KillSignal::parse("STOP"), None);
    }

    #[test]
    fn pid_1_and_self_are_never_signalled() {
        let me = Process {
            pid: std::process::id(),
            name: "portdex".into(),
            cmdline: None,
        };
        let init = Process {
            pid: 1,
            name: "init".into(),
            cmdline: None,
        };
        let err = signal_processes(80, vec![init, me], KillSignal::Term).unwrap_err();
        assert!(err.to_string().contains("pid 1 (init)"), "{err}");
    }
}
