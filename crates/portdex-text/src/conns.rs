//! The words of `portdex conns` (connections: both ends, state, owners), English and
//! Japanese.

use crate::Lang;

/// The column headings of the table.
pub fn header(lang: Lang) -> [&'static str; 9] {
    lang.pick(
        [
            "PROTO",
            "STATE",
            "LOCAL",
            "LOCAL PORT IS",
            "REMOTE",
            "REMOTE PORT IS",
            "PID",
            "PROCESS",
            "USER",
        ],
        [
            "プロトコル",
            "状態",
            "ローカル",
            "ローカルポート",
            "リモート",
            "リモートポート",
            "PID",
            "プロセス",
            "ユーザー",
        ],
    )
}

/// A number with thousands separators (1,204).
pub fn count(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// One line of the TIME_WAIT summary: `n` closed connections on or to `end` (an
/// address and port, with what the port is when known).
pub fn time_wait_line(lang: Lang, n: usize, incoming: bool, end: &str) -> String {
    let n = count(n);
    match (lang, incoming) {
        (Lang::En, true) => format!("TIME_WAIT {n} from clients of {end}"),
        (Lang::En, false) => format!("TIME_WAIT {n} to {end}"),
        (Lang::Ja, true) => format!("TIME_WAIT {n} 件（{end} へのクライアントから）"),
        (Lang::Ja, false) => format!("TIME_WAIT {n} 件（{end} へ）"),
    }
}

/// The heading of the TIME_WAIT summary.
pub fn time_wait_head(lang: Lang, total: usize) -> String {
    let total = count(total);
    lang.pick(
        format!("closed connections the kernel still keeps (TIME_WAIT, up to 60 s), {total} in all; --all-time-wait lists each:"),
        format!("カーネルがまだ保持している閉じた接続（TIME_WAIT、最大 60 秒）計 {total} 件。個別に見るには --all-time-wait:"),
    )
}

/// Nothing matched.
pub fn none(lang: Lang) -> &'static str {
    lang.pick("no connection matches", "条件に合う接続はありません")
}

/// `--state` named something that is not a state.
pub fn err_state(lang: Lang, value: &str, valid: &str) -> String {
    lang.pick(
        format!("'{value}' is not a connection state: use {valid} (several: repeat --state or separate them with commas)"),
        format!("'{value}' は接続の状態ではありません。{valid} のいずれかを指定してください（複数は --state を繰り返すかカンマで区切る）"),
    )
}

/// `--remote` named a host name.
pub fn err_remote_name(lang: Lang, value: &str) -> String {
    lang.pick(
        format!("'{value}' is not an address or a network: --remote takes an IP address (192.0.2.7, ::1) or a network (10.0.0.0/8, fd00::/8), not a name"),
        format!("'{value}' はアドレスでもネットワークでもありません。--remote には IP アドレス（192.0.2.7、::1）かネットワーク（10.0.0.0/8、fd00::/8）を指定してください。名前は使えません"),
    )
}

/// `--remote` with a value that is not valid (the reason from the target parser).
pub fn err_remote(lang: Lang, why: &str) -> String {
    lang.pick(format!("--remote: {why}"), format!("--remote: {why}"))
}

/// `--port 0`: no connection has port 0 at either end.
pub fn err_port_zero(lang: Lang) -> &'static str {
    lang.pick(
        "--port 0: no connection has port 0 at either end (a socket bound to 0 is given a \
         port by the kernel before it connects): give 1-65535",
        "--port 0: 両端のどちらかがポート 0 の接続はありません（0 に bind したソケットは接続前にカーネルからポートを割り当てられます）。1-65535 を指定してください",
    )
}

/// `--process` with an empty name.
pub fn err_process_empty(lang: Lang) -> &'static str {
    lang.pick(
        "--process needs a process name (or part of one) or a pid",
        "--process にはプロセス名（の一部）か pid を指定してください",
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn counts_have_separators() {
        assert_eq!(count(0), "0");
        assert_eq!(count(999), "999");
        assert_eq!(count(1204), "1,204");
        assert_eq!(count(1_000_000), "1,000,000");
    }

    #[test]
    fn both_languages_name_the_value() {
        for lang in [Lang::En, Lang::Ja] {
            assert!(err_state(lang, "nonsense", "established").contains("'nonsense'"));
            assert!(err_remote_name(lang, "example").contains("'example'"));
            assert!(time_wait_line(lang, 1204, false, "127.0.0.1:5432").contains("1,204"));
        }
    }
}
