//! Helpers shared by the end-to-end tests: the binary, child processes that hold
//! sockets (tests/helpers/*.py), and servers that are stopped when dropped.
#![allow(dead_code)]

use assert_cmd::Command;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Stdio};
use std::time::{Duration, Instant};

/// The binary, in English and without colour forced by the environment.
pub fn portdex() -> Command {
    let mut c = Command::cargo_bin("portdex").unwrap();
    c.env_remove("LC_ALL")
        .env_remove("LC_MESSAGES")
        .env("LANG", "C");
    c.env_remove("CLICOLOR_FORCE").env_remove("NO_COLOR");
    c
}

/// A python helper holding sockets; it prints its ports as one JSON line. Killed on drop.
pub struct Helper {
    pub child: Child,
    pub ports: Vec<u16>,
}

impl Helper {
    /// Runs tests/helpers/SCRIPT with ARGS.
    pub fn new(script: &str, args: &[&str]) -> Helper {
        let path = format!("{}/tests/helpers/{script}", env!("CARGO_MANIFEST_DIR"));
        let mut child = std::process::Command::new("python3")
            .arg(path)
            .args(args)
            .stdout(Stdio::piped())
            .spawn()
            .expect("python3 runs the helper");
        let mut line = String::new();
        BufReader::new(child.stdout.as_mut().unwrap())
            .read_line(&mut line)
            .unwrap();
        let ports = serde_json::from_str(&line).unwrap_or_else(|e| panic!("{e}: {line:?}"));
        Helper { child, ports }
    }

    /// hold.py: FLAGS then SPECS (tcp4:127.0.0.1:0, udp6:[::1]:0, connect:HOST:PORT).
    pub fn hold(flags: &[&str], specs: &[&str]) -> Helper {
        let args: Vec<&str> = flags.iter().chain(specs).copied().collect();
        Helper::new("hold.py", &args)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub fn alive(&mut self) -> bool {
        self.child.try_wait().unwrap().is_none()
    }
}

impl Drop for Helper {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// A server process, stopped with SIGTERM when dropped (nginx's master then stops its
/// workers; SIGKILL would orphan them), SIGKILL after 5 s.
pub struct Server(pub Child);

impl Drop for Server {
    fn drop(&mut self) {
        // Already stopped and reaped by the test: its pid may belong to someone else now.
        if matches!(self.0.try_wait(), Ok(Some(_))) {
            return;
        }
        if let Some(pid) = rustix::process::Pid::from_raw(self.0.id() as i32) {
            let _ = rustix::process::kill_process(pid, rustix::process::Signal::TERM);
        }
        let deadline = Instant::now() + Duration::from_secs(5);
        while self.0.try_wait().ok().flatten().is_none() && Instant::now() < deadline {
            std::thread::sleep(Duration::from_millis(20));
        }
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// Whether a program is installed.
pub fn have(program: &str) -> bool {
    ["/usr/bin", "/usr/sbin", "/bin", "/sbin"]
        .iter()
        .any(|d| Path::new(d).join(program).exists())
}

/// Waits up to 10 s until something accepts connections on 127.0.0.1:PORT.
pub fn wait_for_port(port: u16) {
    let deadline = Instant::now() + Duration::from_secs(10);
    while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(Instant::now() < deadline, "nothing came up on port {port}");
        std::thread::sleep(Duration::from_millis(50));
    }
}

/// `portdex serve --bind 127.0.0.1:0 ARGS`, and the address it says it bound.
pub fn serve(args: &[&str]) -> (Server, String) {
    serve_env(args, &[])
}

/// [`serve`] with environment variables set for it.
pub fn serve_env(args: &[&str], env: &[(&str, &std::ffi::OsStr)]) -> (Server, String) {
    let mut cmd = std::process::Command::new(assert_cmd::cargo::cargo_bin("portdex"));
    cmd.args(["serve", "--bind", "127.0.0.1:0"])
        .args(args)
        .envs(env.iter().copied());
    serve_command(cmd)
}

/// Starts a `portdex serve` command made by the caller (another user, other
/// capabilities), and the address it says it bound on its first line of stderr.
pub fn serve_command(mut cmd: std::process::Command) -> (Server, String) {
    let mut child = cmd.stderr(Stdio::piped()).spawn().unwrap();
    let mut line = String::new();
    BufReader::new(child.stderr.as_mut().unwrap())
        .read_line(&mut line)
        .unwrap();
    (Server(child), served_at(&line))
}

/// The address in `serve`'s first line on stderr ("listening on http://ADDR …").
pub fn served_at(line: &str) -> String {
    line.split("http://")
        .nth(1)
        .and_then(|r| r.split_whitespace().next())
        .unwrap_or_else(|| panic!("serve did not say where it listens: {line:?}"))
        .to_owned()
}

/// An HTTP/1.0 GET on loopback (so the answer is never chunked): the status line and
/// the body.
pub fn get10(addr: &str, path: &str) -> (String, String) {
    use std::io::{Read, Write};
    let mut s = std::net::TcpStream::connect(addr).unwrap_or_else(|e| panic!("{addr}: {e}"));
    s.set_read_timeout(Some(Duration::from_secs(10))).unwrap();
    write!(s, "GET {path} HTTP/1.0\r\nHost: {addr}\r\n\r\n").unwrap();
    let mut out = String::new();
    s.read_to_string(&mut out).unwrap();
    let (head, body) = out.split_once("\r\n\r\n").unwrap_or((&out, ""));
    (
        head.lines().next().unwrap_or("").to_owned(),
        body.to_owned(),
    )
}

/// Whether a test's outside tool is here. Without it the test is skipped with a note,
/// except under CI (`CI` set), where `.ci/run` installs it and its absence is a failure.
pub fn required(test: &str, present: bool, install: &str) -> bool {
    if !present {
        assert!(
            std::env::var_os("CI").is_none(),
            "{test}: {install} (CI must have it)"
        );
        eprintln!("SKIPPED {test}: {install}");
    }
    present
}

/// Each line of `--format jsonl` output, parsed.
pub fn json_lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("{e}: {l}")))
        .collect()
}

/// A program as a child process, its output thrown away; stopped when dropped.
pub fn start(cmd: &str, args: &[&str]) -> Server {
    Server(
        std::process::Command::new(cmd)
            .args(args)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap_or_else(|e| panic!("{cmd}: {e}")),
    )
}

/// Debian's redis-server on BIND:PORT, without persistence, once it accepts connections
/// (on 127.0.0.1:PORT, which 0.0.0.0 includes).
pub fn redis(bind: &str, port: u16) -> Server {
    let s = start(
        "redis-server",
        &[
            "--bind",
            bind,
            "--port",
            &port.to_string(),
            "--save",
            "",
            "--appendonly",
            "no",
        ],
    );
    wait_for_port(port);
    s
}

/// The shipped systemd unit, deploy/systemd/portdex.service.
pub fn unit() -> String {
    std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../../deploy/systemd/portdex.service"),
    )
    .unwrap()
}

/// The values of KEY= in a unit's [Service] section, in order.
pub fn unit_settings(unit: &str, key: &str) -> Vec<String> {
    let mut in_service = false;
    let mut out = Vec::new();
    for line in unit.lines().map(str::trim) {
        if line.starts_with('[') {
            in_service = line == "[Service]";
        } else if in_service {
            if let Some(v) = line.strip_prefix(key).and_then(|r| r.strip_prefix('=')) {
                out.push(v.to_owned());
            }
        }
    }
    out
}

/// The words of KEY= in a unit's [Service] section, every line's together.
pub fn unit_words(unit: &str, key: &str) -> Vec<String> {
    unit_settings(unit, key)
        .iter()
        .flat_map(|s| s.split_whitespace().map(str::to_owned).collect::<Vec<_>>())
        .collect()
}
