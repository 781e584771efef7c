//! The man pages: one per command, each rendered by groff without a warning on every
//! device a terminal uses, with the sections a reader looks for, naming only pages that
//! `portdex man` writes.

mod common;

use common::{have, portdex, required};

/// The commands, as `portdex --help` lists them.
fn commands() -> Vec<String> {
    let out = portdex().arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout).into_owned();
    help.split("Commands:")
        .nth(1)
        .unwrap()
        .split("\n\n")
        .next()
        .unwrap()
        .lines()
        // A command's line; its wrapped help is indented further.
        .filter(|l| l.starts_with("  ") && !l.starts_with("   "))
        .filter_map(|l| l.split_whitespace().next())
        .filter(|c| *c != "help")
        .map(str::to_owned)
        .collect()
}

fn page(args: &[&str]) -> String {
    let out = portdex().arg("man").args(args).output().unwrap();
    assert!(out.status.success(), "{args:?}: {out:?}");
    String::from_utf8(out.stdout).unwrap()
}

/// groff's warnings (all of them, -ww) and its rendering of the page on DEVICE.
fn groff(text: &str, device: &str) -> (String, String) {
    use std::io::Write;
    let mut child = std::process::Command::new("groff")
        .args(["-man", "-ww", &format!("-T{device}")])
        .env("LANG", "C")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    child
        .stdin
        .take()
        .unwrap()
        .write_all(text.as_bytes())
        .unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{out:?}");
    // Bold and underline are overstruck (N\bN): the text alone.
    let mut shown = String::new();
    for c in String::from_utf8_lossy(&out.stdout).chars() {
        if c == '\u{8}' {
            shown.pop();
        } else {
            shown.push(c);
        }
    }
    (String::from_utf8_lossy(&out.stderr).into_owned(), shown)
}

#[test]
fn every_command_has_a_page_that_groff_renders_without_warnings() {
    if !required("man pages", have("groff"), "apt-get install groff-base") {
        return;
    }
    let commands = commands();
    assert!(commands.len() >= 10, "{commands:?}");
    let mut pages = vec![("portdex".to_owned(), page(&[]))];
    for c in &commands {
        pages.push((format!("portdex-{c}"), page(&[c])));
    }
    let known: Vec<String> = pages.iter().map(|(n, _)| format!("{n}(1)")).collect();
    for (name, text) in &pages {
        assert!(
            text.contains(&format!(".TH {}", name.to_uppercase())),
            "{name}: {text}"
        );
        assert!(text.is_ascii(), "{name}: raw non-ASCII reaches groff");
        let quiet = std::process::Command::new("sh")
            .args(["-c", "printf '%s' \"$PAGE\" | groff -man -ww -z"])
            .env("PAGE", text)
            .output()
            .unwrap();
        assert!(
            quiet.status.success() && quiet.stderr.is_empty(),
            "{name}: {quiet:?}"
        );
        for device in ["utf8", "ascii"] {
            let (warnings, shown) = groff(text, device);
            assert!(warnings.is_empty(), "{name} on {device}: {warnings}");
            for section in [
                "NAME",
                "SYNOPSIS",
                "DESCRIPTION",
                "OPTIONS",
                "EXIT STATUS",
                "EXAMPLES",
                "SEE ALSO",
            ] {
                assert!(shown.contains(section), "{name}: no {section}:\n{shown}");
            }
            // Every page named is one that portdex man writes.
            let see_also: Vec<&str> = shown
                .split("SEE ALSO")
                .nth(1)
                .unwrap()
                .lines()
                .skip(1)
                .take_while(|l| l.is_empty() || l.starts_with(' '))
                .collect();
            let see_also = see_also.join("\n");
            assert!(see_also.contains("(1)"), "{name}: {see_also}");
            for word in see_also
                .split([',', ' ', '\n'])
                .filter(|w| w.ends_with("(1)"))
            {
                assert!(known.iter().any(|k| k == word), "{name} names {word}");
            }
        }
    }
    // The main page names every command's page, the subcommand pages their own options
    // and the global options they honour, and no other.
    let (_, main) = groff(&pages[0].1, "ascii");
    for c in &commands {
        assert!(main.contains(&format!("portdex-{c}(1)")), "{c}: {main}");
    }
    let (_, firewall) = groff(&page(&["firewall"]), "ascii");
    for option in ["--backend", "--output-dir", "--json", "--lang", "nftables"] {
        assert!(firewall.contains(option), "{option}: {firewall}");
    }
    assert!(!firewall.contains("--color"), "{firewall}");
    let (_, audit) = groff(&page(&["audit"]), "ascii");
    assert!(
        audit.contains("FILES") && audit.contains("--fail-on"),
        "{audit}"
    );
}

#[test]
fn man_renders_each_page_with_man() {
    if !required("man -l", have("man"), "apt-get install man-db") {
        return;
    }
    let dir = std::env::temp_dir().join(format!("portdex-man-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let out = portdex()
        .args(["man", "--output-dir"])
        .arg(&dir)
        .output()
        .unwrap();
    assert!(out.status.success(), "{out:?}");
    let mut expected = vec!["portdex.1".to_owned()];
    expected.extend(commands().iter().map(|c| format!("portdex-{c}.1")));
    let mut written: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    written.sort();
    expected.sort();
    assert_eq!(written, expected);
    for file in &written {
        let out = std::process::Command::new("man")
            .arg("-l")
            .arg(dir.join(file))
            .env("MANPAGER", "cat")
            .env("PAGER", "cat")
            .env("MANWIDTH", "80")
            .env("LANG", "C")
            .output()
            .unwrap();
        let shown = String::from_utf8_lossy(&out.stdout);
        assert!(out.status.success(), "{file}: {out:?}");
        assert!(
            out.stderr.is_empty(),
            "{file}: {}",
            String::from_utf8_lossy(&out.stderr)
        );
        assert!(shown.contains("EXIT STATUS"), "{file}: {shown}");
    }
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_command_without_a_page_is_bad_input() {
    for bad in ["help", "nosuch"] {
        let out = portdex().args(["man", bad]).output().unwrap();
        assert_eq!(out.status.code(), Some(2), "{bad}");
        assert!(out.stdout.is_empty());
        assert!(String::from_utf8_lossy(&out.stderr).contains("scan"));
    }
    // An alias names its command's page.
    assert_eq!(page(&["list"]), page(&["ls"]));
}
