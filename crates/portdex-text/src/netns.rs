//! The words of network namespaces in `ls` (`--netns`): group headers, notes, errors.

use crate::Lang;

/// How a group of `ls` is headed: the namespace's name (/run/netns), else a process
/// in it; the container when one is known to own it.
pub fn header(
    lang: Lang,
    inode: u64,
    name: Option<&str>,
    process: Option<(u32, &str)>,
    container: Option<&str>,
) -> String {
    let proc_en = process.map_or(String::new(), |(pid, cmd)| format!(", pid {pid} {cmd}"));
    let proc_ja = process.map_or(String::new(), |(pid, cmd)| format!("、pid {pid} {cmd}"));
    match (lang, container, name) {
        (Lang::En, Some(c), _) => format!("{c}: network namespace net:[{inode}]{proc_en}"),
        (Lang::Ja, Some(c), _) => format!("{c}: ネットワーク名前空間 net:[{inode}]{proc_ja}"),
        (Lang::En, None, Some(n)) => format!("network namespace {n} (net:[{inode}]){proc_en}"),
        (Lang::Ja, None, Some(n)) => {
            format!("ネットワーク名前空間 {n}（net:[{inode}]）{proc_ja}")
        }
        (Lang::En, None, None) => format!("network namespace net:[{inode}]{proc_en}"),
        (Lang::Ja, None, None) => format!("ネットワーク名前空間 net:[{inode}]{proc_ja}"),
    }
}

/// A namespace named in a note: its name, else its inode.
pub fn label(inode: u64, name: Option<&str>) -> String {
    name.map_or_else(|| format!("net:[{inode}]"), str::to_owned)
}

/// The sockets of a namespace could not be read (for a reason other than permission).
pub fn unreadable(lang: Lang, label: &str, error: &str) -> String {
    match lang {
        Lang::En => {
            format!("note: the listeners of network namespace {label} could not be read: {error}")
        }
        Lang::Ja => {
            format!("注: ネットワーク名前空間 {label} の待ち受けを読めませんでした: {error}")
        }
    }
}

/// What is hidden without root, in one line: owners (other users' processes), the
/// namespaces of other users' processes, the listeners of namespaces portdex may not
/// enter (`denied`: their labels).
pub fn hidden(lang: Lang, owners: bool, namespaces: bool, denied: &[String]) -> String {
    let mut parts: Vec<String> = Vec::new();
    if owners {
        parts.push(
            lang.pick(
                "some owners (other users' processes)",
                "一部の所有プロセス（他のユーザーのプロセス）",
            )
            .to_owned(),
        );
    }
    if namespaces {
        parts.push(
            lang.pick(
                "the network namespaces of other users' processes",
                "他のユーザーのプロセスのネットワーク名前空間",
            )
            .to_owned(),
        );
    }
    if !denied.is_empty() {
        let list = denied.join(", ");
        parts.push(match lang {
            Lang::En => format!("the listeners of network namespace {list}"),
            Lang::Ja => format!("ネットワーク名前空間 {list} の待ち受け"),
        });
    }
    match lang {
        Lang::En => format!(
            "note: {} are hidden: run as root to see them all",
            parts.join("; ")
        ),
        Lang::Ja => format!(
            "注: {}が見えません。すべて見るには root で実行してください",
            parts.join("、")
        ),
    }
}

/// `--netns VALUE` names no namespace.
pub fn err_no_such(lang: Lang, value: &str, names: &[String]) -> String {
    let names = if names.is_empty() {
        lang.pick("(none)", "（なし）").to_owned()
    } else {
        names.join(", ")
    };
    match lang {
        Lang::En => format!(
            "no network namespace {value:?}: --netns takes host, all, a name from /run/netns ({names}), a container's name, the pid of a process, or net:[INODE]"
        ),
        Lang::Ja => format!(
            "ネットワーク名前空間 {value:?} はありません。--netns には host、all、/run/netns の名前（{names}）、コンテナ名、プロセスの pid、net:[INODE] のいずれかを指定してください"
        ),
    }
}

/// A container named in a namespace's header: `podman container web (image …)`.
pub fn container(lang: Lang, engine: &str, name: &str, image: Option<&str>) -> String {
    match lang {
        Lang::En => {
            let image = image.map_or(String::new(), |i| format!(" (image {i})"));
            format!("{engine} container {name}{image}")
        }
        Lang::Ja => {
            let image = image.map_or(String::new(), |i| format!("（イメージ {i}）"));
            format!("{engine} コンテナ {name}{image}")
        }
    }
}

/// `who`: nothing on the host listens on the port, but something in another network
/// namespace does (listed above this note).
pub fn who_elsewhere(lang: Lang, port: u16) -> String {
    match lang {
        Lang::En => format!(
            "nothing listens on port {port} in this machine's own network namespace: the \
             listeners above are inside other namespaces, reachable at those namespaces' \
             addresses (a container's port from the host only when it is published)"
        ),
        Lang::Ja => format!(
            "このマシン自身のネットワーク名前空間ではポート {port} で待ち受けているものはありません。\
             上の待ち受けは別の名前空間の中にあり、その名前空間のアドレスでのみ届きます\
             （コンテナのポートがホストから届くのは公開されたときだけです）"
        ),
    }
}
