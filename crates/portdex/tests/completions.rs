//! Completions in real shells: the script `portdex completions SHELL` prints, loaded the
//! way users load it (bash: sourced; zsh: from $fpath through compinit, in an interactive
//! zsh on a zpty; fish: sourced), completing with the binary under test on the PATH.

mod common;

use common::{have, portdex, required};
use std::path::{Path, PathBuf};
use std::process::Command;
use std::sync::atomic::{AtomicUsize, Ordering};

/// A fresh directory holding one file, somefile.txt: the current directory of the shells,
/// so that offering file names where none are wanted shows.
fn workdir(name: &str) -> PathBuf {
    static N: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "portdex-completions-{}-{name}-{}",
        std::process::id(),
        N.fetch_add(1, Ordering::Relaxed)
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("somefile.txt"), "").unwrap();
    dir
}

/// PATH with the binary under test first: the scripts call `portdex`.
fn path() -> String {
    let bin = assert_cmd::cargo::cargo_bin("portdex");
    let dir = bin.parent().unwrap().display().to_string();
    format!("{dir}:{}", std::env::var("PATH").unwrap_or_default())
}

fn script(shell: &str, dir: &Path, file: &str) -> PathBuf {
    let out = portdex().args(["completions", shell]).output().unwrap();
    assert!(out.status.success(), "{out:?}");
    let path = dir.join(file);
    std::fs::write(&path, &out.stdout).unwrap();
    path
}

/// A port something listens on for as long as the listener lives (127.0.0.1 only).
fn listening() -> (std::net::TcpListener, String) {
    let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port().to_string();
    (l, port)
}

/// What bash's completion function puts in COMPREPLY for the words (the last one is
/// being completed), as bash calls it: COMP_WORDS, COMP_CWORD, then the function.
fn bash(words: &[&str]) -> Vec<String> {
    let dir = workdir("bash");
    let file = script("bash", &dir, "portdex.bash");
    let quoted: Vec<String> = words
        .iter()
        .map(|w| format!("'{}'", w.replace('\'', "'\\''")))
        .collect();
    let line = words.join(" ");
    let program = format!(
        "source '{}'\n\
         COMP_WORDS=({})\n\
         COMP_CWORD=$(( ${{#COMP_WORDS[@]}} - 1 ))\n\
         COMP_LINE='{line}'\n\
         COMP_POINT=${{#COMP_LINE}}\n\
         COMP_TYPE=9\n\
         _clap_complete_portdex portdex \"${{COMP_WORDS[COMP_CWORD]}}\" \"${{COMP_WORDS[COMP_CWORD-1]}}\"\n\
         printf '%s\\n' \"${{COMPREPLY[@]}}\"\n",
        file.display(),
        quoted.join(" ")
    );
    let out = Command::new("bash")
        .args(["--norc", "--noprofile", "-c", &program])
        .current_dir(&dir)
        .env("PATH", path())
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{words:?}: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter(|l| !l.is_empty())
        .map(str::to_owned)
        .collect()
}

#[test]
fn bash_completes_commands_options_values_and_ports() {
    if !required("bash completions", have("bash"), "apt-get install bash") {
        return;
    }
    let has = |words: &[&str], want: &str| {
        let got = bash(words);
        assert!(got.iter().any(|g| g == want), "{words:?}: {got:?}");
        got
    };
    let first = has(&["portdex", ""], "firewall");
    for c in ["search", "ls", "scan", "man", "--json"] {
        assert!(first.iter().any(|g| g == c), "{c}: {first:?}");
    }
    assert_eq!(bash(&["portdex", "fire"]), ["firewall"]);
    assert_eq!(bash(&["portdex", "l"]), ["ls"]);
    let options = has(&["portdex", "firewall", "--"], "--backend");
    assert!(options.iter().any(|o| o == "--allow"), "{options:?}");
    // firewall writes no colour: --color always is refused, so not offered.
    assert!(!options.iter().any(|o| o == "--color"), "{options:?}");
    assert_eq!(
        bash(&["portdex", "firewall", "--backend", "n"]),
        ["nftables"]
    );
    assert_eq!(bash(&["portdex", "--lang", ""]), ["en", "ja"]);
    assert_eq!(bash(&["portdex", "who", "--lang", ""]), ["en", "ja"]);
    // Only the formats a command writes.
    assert_eq!(
        bash(&["portdex", "who", "--format", ""]),
        ["table", "json", "jsonl"]
    );
    let serve = bash(&["portdex", "serve", "--"]);
    for refused in ["--json", "--proto", "--format", "--color"] {
        assert!(!serve.iter().any(|o| o == refused), "{refused}: {serve:?}");
    }
    // Values that are not files: no file names.
    assert_eq!(
        bash(&["portdex", "audit", "--fail-on", ""]),
        ["info", "low", "medium", "high", "critical"]
    );
    for words in [
        &["portdex", "scan", "x", "--top", ""][..],
        &["portdex", "free", "--near", ""],
        &["portdex", "scan", "x", "--timeout", ""],
    ] {
        assert!(bash(words).is_empty(), "{words:?}");
    }
    // Paths where a path is taken.
    assert_eq!(
        bash(&["portdex", "audit", "--config", "some"]),
        ["somefile.txt"]
    );
    let (_l, port) = listening();
    has(&["portdex", "kill", ""], &port);
    has(&["portdex", "who", ""], &port);
}

/// Types LINE and TAB into an interactive zsh on a zpty, with the completion loaded from
/// $fpath by compinit; returns (what the terminal showed, the line after completing).
fn zsh(line: &str) -> (String, String) {
    let dir = workdir("zsh");
    let fpath = dir.join("functions");
    std::fs::create_dir_all(&fpath).unwrap();
    script("zsh", &fpath, "_portdex");
    let buffer = dir.join("buffer");
    // The widget bound to ^Xd writes the line to a file, and shows a mark that ends the
    // read (built at run time, so that the echo of the command does not match).
    let program = r#"
zmodload zsh/zpty || exit 3
zpty z 'zsh -f -i'
zpty -w z "stty rows 200 columns 200; PS1='%% '; LISTMAX=10000; fpath=($FP \$fpath); autoload -Uz compinit; compinit -u -D"
zpty -w z "dump() { print -r -- \"\$BUFFER\" > $OUT; zle -M \${:-XE}ND; zle kill-whole-line }; zle -N dump; bindkey '^Xd' dump"
zpty -w -n z "$LINE"$'\t\C-xd'
zpty -r z out '*XEND*'
print -r -- "$out"
zpty -d z
"#;
    let out = assert_cmd::Command::new("zsh")
        .args(["-f", "-c", program])
        .current_dir(&dir)
        .env("PATH", path())
        .env("FP", &fpath)
        .env("OUT", &buffer)
        .env("LINE", line)
        .timeout(std::time::Duration::from_secs(60))
        .output()
        .unwrap();
    assert!(out.status.success(), "{line}: {out:?}");
    let screen = String::from_utf8_lossy(&out.stdout).into_owned();
    let after = std::fs::read_to_string(&buffer)
        .unwrap_or_else(|e| panic!("{line}: {e}: {screen}"))
        .trim_end_matches('\n')
        .to_owned();
    let _ = std::fs::remove_dir_all(&dir);
    (screen, after)
}

#[test]
fn zsh_completes_commands_options_values_and_ports() {
    if !required("zsh completions", have("zsh"), "apt-get install zsh") {
        return;
    }
    // The first completion of a fresh shell: the autoloaded file must answer it.
    assert_eq!(zsh("portdex fire").1, "portdex firewall ");
    assert_eq!(
        zsh("portdex firewall --backend n").1,
        "portdex firewall --backend nftables "
    );
    let (screen, line) = zsh("portdex firewall --");
    assert_eq!(line, "portdex firewall --");
    assert!(screen.contains("--backend"), "{screen}");
    assert!(screen.contains("--allow-lockout"), "{screen}");
    assert!(!screen.contains("--color"), "{screen}");
    let (screen, _) = zsh("portdex --lang ");
    assert!(screen.contains("en") && screen.contains("ja"), "{screen}");
    assert_eq!(zsh("portdex --lang j").1, "portdex --lang ja ");
    let (screen, line) = zsh("portdex audit --fail-on ");
    assert_eq!(line, "portdex audit --fail-on ");
    assert!(screen.contains("critical"), "{screen}");
    assert!(!screen.contains("somefile"), "{screen}");
    assert_eq!(zsh("portdex scan x --top ").1, "portdex scan x --top ");
    assert_eq!(
        zsh("portdex audit --config some").1,
        "portdex audit --config somefile.txt "
    );
    // A port is offered when it listens: typed whole (a 5-digit port has no longer
    // completion), TAB accepts it with a space; a port nothing listens on gets none.
    let (l, port) = listening();
    assert_eq!(
        zsh(&format!("portdex kill {port}")).1,
        format!("portdex kill {port} ")
    );
    assert_eq!(
        zsh(&format!("portdex who {port}")).1,
        format!("portdex who {port} ")
    );
    drop(l);
    assert_eq!(
        zsh(&format!("portdex who {port}")).1,
        format!("portdex who {port}")
    );
}

/// What fish offers for the command line (completing its last token), values only.
fn fish(line: &str) -> Vec<String> {
    let dir = workdir("fish");
    let file = script("fish", &dir, "portdex.fish");
    let program = format!(
        "source '{}'; complete -C '{}'",
        file.display(),
        line.replace('\'', "\\'")
    );
    let out = Command::new("fish")
        .args(["--no-config", "-c", &program])
        .current_dir(&dir)
        .env("PATH", path())
        .output()
        .unwrap();
    let _ = std::fs::remove_dir_all(&dir);
    assert!(out.status.success(), "{line}: {out:?}");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| l.split('\t').next().unwrap_or_default().to_owned())
        .collect()
}

#[test]
fn fish_completes_commands_options_values_and_ports() {
    if !required("fish completions", have("fish"), "apt-get install fish") {
        return;
    }
    let first = fish("portdex ");
    for c in ["search", "ls", "firewall", "scan", "man"] {
        assert!(first.iter().any(|g| g == c), "{c}: {first:?}");
    }
    assert_eq!(fish("portdex fire"), ["firewall"]);
    let options = fish("portdex firewall --");
    assert!(options.iter().any(|o| o == "--backend"), "{options:?}");
    assert!(!options.iter().any(|o| o == "--color"), "{options:?}");
    assert_eq!(fish("portdex firewall --backend n"), ["nftables"]);
    assert_eq!(
        fish("portdex firewall --backend "),
        ["nftables", "ufw", "iptables", "firewalld"]
    );
    assert_eq!(fish("portdex --lang "), ["en", "ja"]);
    assert_eq!(
        fish("portdex audit --fail-on "),
        ["info", "low", "medium", "high", "critical"]
    );
    assert!(fish("portdex scan x --top ").is_empty());
    assert_eq!(fish("portdex audit --config some"), ["somefile.txt"]);
    let (_l, port) = listening();
    for command in ["kill", "who"] {
        let got = fish(&format!("portdex {command} "));
        assert!(got.contains(&port), "{command}: {port} not in {got:?}");
    }
}

#[test]
fn every_shell_gets_a_script_that_calls_portdex() {
    for shell in ["bash", "zsh", "fish", "elvish", "powershell"] {
        let out = portdex().args(["completions", shell]).output().unwrap();
        assert!(out.status.success(), "{shell}: {out:?}");
        let text = String::from_utf8_lossy(&out.stdout);
        assert!(text.contains("PORTDEX_COMPLETE"), "{shell}: {text}");
    }
    let out = portdex().args(["completions", "tcsh"]).output().unwrap();
    assert_eq!(out.status.code(), Some(2));
}
