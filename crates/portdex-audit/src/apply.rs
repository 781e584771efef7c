//! Applying firewall rules with the backend's own tool, and taking them back: the
//! `iptables-apply` habit. [`apply`] saves what portdex's own part of the firewall held
//! before, checks the new rules with the tool's dry run, then loads them; [`rollback`]
//! puts the saved state back. [`wait_for_confirmation`] and [`confirm`] are the two ends
//! of "keep them": the applying process waits, another one (from a new SSH session)
//! confirms. One [`Lock`] is held from before the apply until the rules are kept or
//! rolled back, so two applies never overlap (one would save the other's rules as "what
//! was there"). The firewall tools run in process groups of their own: a Ctrl-C on the
//! terminal reaches portdex, which rolls back, and never kills a tool halfway.
//!
//! What is applied is one transaction where the tool allows it: `nft -f` replaces the
//! table inet portdex at once, and iptables-restore each family's chain at once (IPv4,
//! then IPv6). ufw has no transaction: its commands run one after the other, and its
//! previous state is its own files (user rules, defaults), restored and reloaded.

use crate::firewall::{
    render_with, Allow, Backend, Family, RenderOptions, IPTABLES_CHAIN, NFT_TABLE,
};
use std::fs::File;
use std::io::Write;
use std::os::unix::process::CommandExt;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

/// Why rules could not be applied, rolled back or confirmed.
#[derive(Debug, thiserror::Error)]
pub enum ApplyError {
    /// Changing the firewall needs root.
    #[error("--apply changes the firewall and needs root: run it with sudo (nothing was applied)")]
    NotRoot,
    /// The backend's tool is not installed.
    #[error("--apply with {backend}: {tool} is not installed (nothing was applied)")]
    Missing {
        /// The backend.
        backend: &'static str,
        /// Its tool.
        tool: &'static str,
    },
    /// The tool's dry run refused the rules.
    #[error("{tool} refused the rules in its dry run (nothing was applied): {message}")]
    Check {
        /// The tool.
        tool: String,
        /// What it said.
        message: String,
    },
    /// The tool failed.
    #[error("{tool} failed: {message}")]
    Tool {
        /// The command.
        tool: String,
        /// What it said.
        message: String,
    },
    /// A backend without --apply.
    #[error("--apply is not available for firewalld: firewall-cmd changes the running firewall one command at a time, with no state portdex can restore as a whole; run the printed script (sh FILE), and firewalld's own `firewall-cmd --reload` takes back what was not made permanent")]
    Unsupported,
    /// The state directory.
    #[error("{path}: {source}")]
    State {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// Another apply runs or waits already.
    #[error("another `portdex firewall --apply` ({0}) is applying or waits for confirmation: confirm it (portdex firewall --confirm) or let it roll back first")]
    Busy(String),
}

impl ApplyError {
    /// The message in `lang`: the English is the `Display` text, the Japanese comes
    /// from `portdex-text`; both name the values.
    pub fn message(&self, lang: portdex_text::Lang) -> String {
        use portdex_text::errors_ja as ja;
        if lang == portdex_text::Lang::En {
            return self.to_string();
        }
        match self {
            ApplyError::NotRoot => ja::not_root(),
            ApplyError::Missing { backend, tool } => ja::tool_missing(backend, tool),
            ApplyError::Check { tool, message } => ja::tool_check(tool, message),
            ApplyError::Tool { tool, message } => ja::tool_failed(tool, message),
            ApplyError::Unsupported => ja::apply_unsupported(),
            ApplyError::State { path, source } => {
                format!("{path}: {}", portdex_text::Words(lang).io_error(source))
            }
            ApplyError::Busy(who) => ja::apply_busy(who),
        }
    }
}

/// What portdex's part of the firewall held before [`apply`].
#[derive(Debug, Clone)]
enum Previous {
    /// `nft list table inet portdex`, when the table existed.
    Nft(Option<String>),
    /// Per family loaded: the chain's rules (iptables-save lines) when it existed, and
    /// whether INPUT jumped to it.
    Iptables(Vec<(Family, Option<Vec<String>>, bool)>),
    /// ufw's files (None: the file did not exist) and whether ufw was active.
    Ufw(Vec<(PathBuf, Option<Vec<u8>>)>, bool),
}

/// Rules in place, and what to put back.
#[derive(Debug, Clone)]
pub struct Applied {
    /// The backend.
    pub backend: Backend,
    /// iptables: rules already in INPUT that accept packets before the jump to
    /// PORTDEX-INPUT (iptables-save lines): what they accept is not filtered by portdex.
    pub input_accepts: Vec<String>,
    previous: Previous,
}

fn run(program: &str, args: &[&str], input: Option<&str>) -> Result<String, ApplyError> {
    let shown = || format!("{program} {}", args.join(" "));
    let mut child = Command::new(program)
        .args(args)
        // Its own process group: the terminal's Ctrl-C or hang-up goes to portdex,
        // which decides (roll back), and never kills a tool in the middle of a load.
        .process_group(0)
        .stdin(if input.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| ApplyError::Tool {
            tool: shown(),
            message: e.to_string(),
        })?;
    if let (Some(text), Some(mut stdin)) = (input, child.stdin.take()) {
        let _ = stdin.write_all(text.as_bytes());
    }
    let out = child.wait_with_output().map_err(|e| ApplyError::Tool {
        tool: shown(),
        message: e.to_string(),
    })?;
    if out.status.success() {
        Ok(String::from_utf8_lossy(&out.stdout).into_owned())
    } else {
        let mut message = String::from_utf8_lossy(&out.stderr).trim().to_owned();
        if message.is_empty() {
            message = String::from_utf8_lossy(&out.stdout).trim().to_owned();
        }
        if message.is_empty() {
            message = out.status.to_string();
        }
        Err(ApplyError::Tool {
            tool: shown(),
            message,
        })
    }
}

fn installed(program: &str) -> bool {
    std::env::var_os("PATH")
        .map(|p| std::env::split_paths(&p).collect::<Vec<_>>())
        .unwrap_or_default()
        .into_iter()
        .chain(["/usr/sbin".into(), "/sbin".into()])
        .any(|d| d.join(program).is_file())
}

fn need(backend: Backend, tools: &[&'static str]) -> Result<(), ApplyError> {
    for tool in tools {
        if !installed(tool) {
            return Err(ApplyError::Missing {
                backend: backend.as_str(),
                tool,
            });
        }
    }
    Ok(())
}

fn as_check(e: ApplyError) -> ApplyError {
    match e {
        ApplyError::Tool { tool, message } => ApplyError::Check { tool, message },
        e => e,
    }
}

/// The tools of a family: (iptables-save, iptables-restore).
fn xt(f: Family) -> (&'static str, &'static str) {
    match f {
        Family::V4 => ("iptables-save", "iptables-restore"),
        Family::V6 => ("ip6tables-save", "ip6tables-restore"),
    }
}

/// What the filter table holds of portdex's: the chain's rules (None: no chain), whether
/// INPUT jumps to it, and the INPUT rules that accept (they come before an appended jump).
fn iptables_state(save: &str) -> (Option<Vec<String>>, bool, Vec<String>) {
    let c = IPTABLES_CHAIN;
    let mut in_filter = false;
    let (mut chain, mut rules, mut jump, mut accepts) = (false, Vec::new(), false, Vec::new());
    for line in save.lines() {
        if line.starts_with('*') {
            in_filter = line == "*filter";
            continue;
        }
        if !in_filter {
            continue;
        }
        if line.split_whitespace().next() == Some(format!(":{c}").as_str()) {
            chain = true;
        } else if line.starts_with(&format!("-A {c} ")) {
            rules.push(line.to_owned());
        } else if line == format!("-A INPUT -j {c}") {
            jump = true;
        } else if line.starts_with("-A INPUT ") && line.ends_with("-j ACCEPT") {
            accepts.push(line.to_owned());
        }
    }
    (chain.then_some(rules), jump, accepts)
}

/// The ufw files that hold its rules and defaults.
const UFW_FILES: &[&str] = &[
    "/etc/ufw/user.rules",
    "/etc/ufw/user6.rules",
    "/etc/ufw/ufw.conf",
    "/etc/default/ufw",
];

/// Saves portdex's part of the firewall, checks the rules with the tool's dry run and
/// loads them. `families` matters for iptables only (both by default). Needs root.
pub fn apply(
    _lock: &Lock,
    backend: Backend,
    allow: &[Allow],
    opts: RenderOptions,
    families: &[Family],
) -> Result<Applied, ApplyError> {
    require_root()?;
    match backend {
        Backend::Firewalld => Err(ApplyError::Unsupported),
        Backend::Nftables => {
            need(backend, &["nft"])?;
            let rules = render_with(backend, allow, opts, true);
            let previous = run("nft", &["list", "table", "inet", NFT_TABLE], None).ok();
            run("nft", &["-c", "-f", "-"], Some(&rules)).map_err(as_check)?;
            run("nft", &["-f", "-"], Some(&rules))?;
            Ok(Applied {
                backend,
                input_accepts: Vec::new(),
                previous: Previous::Nft(previous),
            })
        }
        Backend::Iptables => {
            let mut tools = Vec::new();
            for &f in families {
                let (x, r) = xt(f);
                tools.extend([x, r]);
            }
            need(backend, &tools)?;
            let mut saved = Vec::new();
            let mut input_accepts = Vec::new();
            let mut files = Vec::new();
            for &f in families {
                let (x, r) = xt(f);
                // A listing that fails is not "nothing there": stop before changing anything.
                let (chain, jump, accepts) = iptables_state(&run(x, &["-t", "filter"], None)?);
                let rules = render_with(backend, allow, RenderOptions { family: f, ..opts }, !jump);
                run(r, &["-w", "--test", "--noflush"], Some(&rules)).map_err(as_check)?;
                input_accepts.extend(accepts.into_iter().map(|l| format!("{x}: {l}")));
                saved.push((f, chain, jump));
                files.push((r, rules));
            }
            let mut applied = Applied {
                backend,
                input_accepts,
                previous: Previous::Iptables(Vec::new()),
            };
            for (state, (r, rules)) in saved.into_iter().zip(&files) {
                if let Err(e) = run(r, &["-w", "--noflush"], Some(rules)) {
                    // The families loaded so far go back before the error is told.
                    let _ = rollback(&applied);
                    return Err(e);
                }
                if let Previous::Iptables(loaded) = &mut applied.previous {
                    loaded.push(state);
                }
            }
            Ok(applied)
        }
        Backend::Ufw => {
            need(backend, &["ufw"])?;
            let mut saved = Vec::new();
            for f in UFW_FILES {
                let path = PathBuf::from(f);
                saved.push((path.clone(), std::fs::read(&path).ok()));
            }
            // Unknown is not "inactive": a rollback would turn ufw off.
            let active = run("ufw", &["status"], None)
                .map_err(as_check)?
                .contains("Status: active");
            let mut commands: Vec<Vec<String>> =
                vec![vec!["default".into(), "deny".into(), "incoming".into()]];
            for a in allow {
                let ports = if a.ports.lo == a.ports.hi {
                    a.ports.lo.to_string()
                } else {
                    format!("{}:{}", a.ports.lo, a.ports.hi)
                };
                commands.push(vec![
                    "allow".into(),
                    format!("{ports}/{}", a.transport),
                    "comment".into(),
                    crate::firewall::sanitize_comment(&a.label),
                ]);
            }
            for c in &commands {
                let mut args = vec!["--dry-run"];
                args.extend(c.iter().map(String::as_str));
                run("ufw", &args, None).map_err(as_check)?;
            }
            let applied = Applied {
                backend,
                input_accepts: Vec::new(),
                previous: Previous::Ufw(saved, active),
            };
            for c in &commands {
                let args: Vec<&str> = c.iter().map(String::as_str).collect();
                if let Err(e) = run("ufw", &args, None) {
                    // Half done: put the files back before saying so.
                    let _ = rollback(&applied);
                    return Err(e);
                }
            }
            if let Err(e) = run("ufw", &["--force", "enable"], None) {
                let _ = rollback(&applied);
                return Err(e);
            }
            Ok(applied)
        }
    }
}

/// Puts back what portdex's part of the firewall held before [`apply`].
pub fn rollback(applied: &Applied) -> Result<(), ApplyError> {
    match &applied.previous {
        Previous::Nft(Some(table)) => {
            let text = format!("table inet {NFT_TABLE}\ndelete table inet {NFT_TABLE}\n{table}");
            run("nft", &["-f", "-"], Some(&text)).map(drop)
        }
        Previous::Nft(None) => run("nft", &["delete", "table", "inet", NFT_TABLE], None).map(drop),
        Previous::Iptables(families) => {
            let mut first_error = None;
            for (f, chain, jump) in families {
                let (_, r) = xt(*f);
                let c = IPTABLES_CHAIN;
                let mut text = String::from("*filter\n");
                match chain {
                    Some(lines) => {
                        text.push_str(&format!(":{c} - [0:0]\n"));
                        for l in lines.iter().filter(|l| l.starts_with("-A ")) {
                            text.push_str(l);
                            text.push('\n');
                        }
                        if !jump {
                            text.push_str(&format!("-D INPUT -j {c}\n"));
                        }
                    }
                    None => {
                        if !jump {
                            text.push_str(&format!("-D INPUT -j {c}\n"));
                        }
                        text.push_str(&format!("-F {c}\n-X {c}\n"));
                    }
                }
                text.push_str("COMMIT\n");
                if let Err(e) = run(r, &["-w", "--noflush"], Some(&text)) {
                    first_error.get_or_insert(e);
                }
            }
            first_error.map_or(Ok(()), Err)
        }
        Previous::Ufw(files, active) => {
            for (path, content) in files {
                let result = match content {
                    Some(bytes) => write_atomically(path, bytes),
                    None => match std::fs::remove_file(path) {
                        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
                        _ => Ok(()),
                    },
                };
                result.map_err(|source| ApplyError::State {
                    path: path.display().to_string(),
                    source,
                })?;
            }
            if *active {
                run("ufw", &["reload"], None).map(drop)
            } else {
                run("ufw", &["disable"], None).map(drop)
            }
        }
    }
}

/// Writes a whole file by renaming a copy over it; in place where a rename cannot
/// replace it (a file that is a mount point, as in containers).
fn write_atomically(path: &Path, bytes: &[u8]) -> std::io::Result<()> {
    let tmp = path.with_extension("portdex-tmp");
    std::fs::write(&tmp, bytes)?;
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    match std::fs::rename(&tmp, path) {
        Ok(()) => Ok(()),
        Err(_) => {
            let _ = std::fs::remove_file(&tmp);
            std::fs::write(path, bytes)
        }
    }
}

/// Where the waiting apply and the confirming command meet: `PORTDEX_STATE_DIR`, else
/// /run/portdex.
pub fn state_dir() -> PathBuf {
    std::env::var_os("PORTDEX_STATE_DIR")
        .filter(|v| !v.is_empty())
        .map_or_else(|| PathBuf::from("/run/portdex"), PathBuf::from)
}

const PENDING: &str = "firewall.pending";
const CONFIRMED: &str = "firewall.confirmed";
const EXPIRED: &str = "firewall.expired";

fn state_error(path: &Path) -> impl FnOnce(std::io::Error) -> ApplyError + '_ {
    move |source| ApplyError::State {
        path: path.display().to_string(),
        source,
    }
}

fn pid_in(path: &Path) -> Option<u32> {
    std::fs::read_to_string(path).ok()?.trim().parse().ok()
}

fn alive(pid: u32) -> bool {
    Path::new("/proc").join(pid.to_string()).exists()
}

/// Fails without root: changing the firewall needs it.
pub fn require_root() -> Result<(), ApplyError> {
    if rustix::process::geteuid().is_root() {
        Ok(())
    } else {
        Err(ApplyError::NotRoot)
    }
}

/// The right to change portdex's part of the firewall: held from before [`apply`] until
/// the rules are kept or rolled back (it goes with the process, however it ends).
#[derive(Debug)]
pub struct Lock {
    _file: File,
}

const LOCK: &str = "firewall.lock";

/// Takes the [`Lock`], or says who holds it.
pub fn lock() -> Result<Lock, ApplyError> {
    let dir = state_dir();
    std::fs::create_dir_all(&dir).map_err(state_error(&dir))?;
    let path = dir.join(LOCK);
    let mut file = std::fs::OpenOptions::new()
        .read(true)
        .write(true)
        .create(true)
        .truncate(false)
        .open(&path)
        .map_err(state_error(&path))?;
    if rustix::fs::flock(&file, rustix::fs::FlockOperation::NonBlockingLockExclusive).is_err() {
        let who =
            pid_in(&path).map_or_else(|| "another process".to_owned(), |p| format!("pid {p}"));
        return Err(ApplyError::Busy(who));
    }
    let _ = file.set_len(0);
    let _ = write!(file, "{}", std::process::id());
    // A confirmation left by an earlier run must not count for this one.
    let _ = std::fs::remove_file(dir.join(CONFIRMED));
    Ok(Lock { _file: file })
}

/// Says that rules are in place and wait for [`confirm`]; only after [`apply`]
/// succeeded, so that nothing is confirmed before it is there.
pub fn publish_pending(_lock: &Lock) -> Result<(), ApplyError> {
    let pending = state_dir().join(PENDING);
    write_atomically(&pending, std::process::id().to_string().as_bytes())
        .map_err(state_error(&pending))
}

/// How a wait for confirmation ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    /// `portdex firewall --confirm` came in time.
    Confirmed,
    /// The time ran out.
    TimedOut,
    /// `stop` was set (a signal).
    Interrupted,
}

/// Waits until [`confirm`] is called from another process, `timeout` passes or `stop`
/// is set. The end is decided by one rename, so a confirmation that races the timeout
/// either counts (and the rules stay) or is told that nothing waits.
pub fn wait_for_confirmation(_lock: &Lock, timeout: Duration, stop: &AtomicBool) -> Outcome {
    let dir = state_dir();
    let (pending, confirmed, expired) = (dir.join(PENDING), dir.join(CONFIRMED), dir.join(EXPIRED));
    let deadline = Instant::now() + timeout;
    let outcome = loop {
        if pid_in(&confirmed) == Some(std::process::id()) {
            let _ = std::fs::remove_file(&confirmed);
            return Outcome::Confirmed;
        }
        if stop.load(Ordering::SeqCst) {
            break Outcome::Interrupted;
        }
        if Instant::now() >= deadline {
            break Outcome::TimedOut;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    // Take the pending file away; if it is gone, a confirmation won the race.
    match std::fs::rename(&pending, &expired) {
        Ok(()) => {
            let _ = std::fs::remove_file(&expired);
            outcome
        }
        Err(_) if pid_in(&confirmed) == Some(std::process::id()) => {
            let _ = std::fs::remove_file(&confirmed);
            Outcome::Confirmed
        }
        Err(_) => outcome,
    }
}

/// What [`confirm`] found.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Confirmation {
    /// The waiting apply (this pid) keeps its rules.
    Kept(u32),
    /// Nothing waits.
    NothingWaits,
    /// The apply that waited (this pid) is gone; its rules stay as they were left.
    Gone(u32),
}

/// Confirms the apply that waits, from another process.
pub fn confirm() -> Result<Confirmation, ApplyError> {
    let dir = state_dir();
    let pending = dir.join(PENDING);
    let Some(pid) = pid_in(&pending) else {
        return Ok(Confirmation::NothingWaits);
    };
    if !alive(pid) {
        let _ = std::fs::remove_file(&pending);
        return Ok(Confirmation::Gone(pid));
    }
    match std::fs::rename(&pending, dir.join(CONFIRMED)) {
        Ok(()) => Ok(Confirmation::Kept(pid)),
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Confirmation::NothingWaits),
        Err(e) => Err(state_error(&pending)(e)),
    }
}
