//! Interface text in English and Japanese, and sanitising of text that reaches a terminal.

use portdex_registry::{Lang, Status};
use std::borrow::Cow;

/// Labels of the human output.
pub struct Labels {
    pub port: &'static str,
    pub transport: &'static str,
    pub service: &'static str,
    pub description: &'static str,
    pub status: &'static str,
    pub note: &'static str,
    pub port_word: &'static str,
    pub nothing: &'static str,
    pub use_iana: &'static str,
    pub use_common: &'static str,
    pub not_iana: &'static str,
    pub security: &'static str,
    pub cleartext: &'static str,
    pub encrypted: &'static str,
    pub secure: &'static str,
    pub correction: &'static str,
    pub reference: &'static str,
    pub portless: &'static str,
    pub no_results: &'static str,
    pub more: &'static str,
    pub common_use: &'static str,
    pub unknown_name: &'static str,
    pub did_you_mean: &'static str,
    pub try_search: &'static str,
}

pub fn labels(lang: Lang) -> &'static Labels {
    match lang {
        Lang::En => &EN,
        Lang::Ja => &JA,
    }
}

static EN: Labels = Labels {
    port: "PORT",
    transport: "PROTO",
    service: "SERVICE",
    description: "DESCRIPTION",
    status: "STATUS",
    note: "NOTE",
    port_word: "port",
    nothing: "nothing assigned, no common use known",
    use_iana: "use",
    use_common: "common use",
    not_iana: "not an IANA assignment",
    security: "security",
    cleartext: "cleartext",
    encrypted: "encrypted",
    secure: "instead",
    correction: "note",
    reference: "ref",
    portless: "names without a port (DNS-SD)",
    no_results: "no results",
    more: "more; raise --limit to see them",
    common_use: "common use",
    unknown_name: "no port is known by the name",
    did_you_mean: "did you mean",
    try_search: "to search descriptions too: portdex search",
};

static JA: Labels = Labels {
    port: "ポート",
    transport: "プロトコル",
    service: "サービス",
    description: "説明",
    status: "状態",
    note: "備考",
    port_word: "ポート",
    nothing: "割り当てなし。一般的な用途も知られていない",
    use_iana: "用途",
    use_common: "一般的な用途",
    not_iana: "IANA の割り当てではない",
    security: "セキュリティ",
    cleartext: "平文",
    encrypted: "暗号化",
    secure: "代わりに",
    correction: "注記",
    reference: "参照",
    portless: "ポートを持たない名前 (DNS-SD)",
    no_results: "該当なし",
    more: "件は省略（--limit で表示）",
    common_use: "一般的な用途",
    unknown_name: "この名前のポートは見つからない:",
    did_you_mean: "もしかして",
    try_search: "説明文も検索するには: portdex search",
};

/// A status for people.
pub fn status(s: Status, lang: Lang) -> &'static str {
    match lang {
        Lang::En => s.as_str(),
        Lang::Ja => match s {
            Status::Assigned => "割り当て済み",
            Status::Reserved => "予約",
            Status::Unassigned => "未割り当て",
            Status::DeAssigned => "割り当て解除",
        },
    }
}

/// Escapes control, bidirectional and zero-width characters so that text from outside
/// (registry descriptions) cannot move the cursor or reorder what the user sees.
/// Line breaks and tabs become spaces.
pub fn clean(s: &str) -> Cow<'_, str> {
    let bad = |c: char| {
        c.is_control()
            || matches!(c, '\u{200B}'..='\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2060}'..='\u{2069}' | '\u{FEFF}' | '\u{061C}')
    };
    if !s.contains(bad) {
        return Cow::Borrowed(s);
    }
    let mut out = String::with_capacity(s.len() + 8);
    for c in s.chars() {
        match c {
            '\n' | '\r' | '\t' => out.push(' '),
            c if bad(c) => out.push_str(&format!("\\u{{{:x}}}", c as u32)),
            c => out.push(c),
        }
    }
    Cow::Owned(out)
}

#[cfg(test)]
mod tests {
    use super::clean;

    #[test]
    fn escapes_terminal_tricks() {
        assert_eq!(clean("ok"), "ok");
        assert_eq!(clean("a\x1b[31mb"), "a\\u{1b}[31mb");
        assert_eq!(clean("x\u{202E}y"), "x\\u{202e}y");
        assert_eq!(clean("line\nbreak"), "line break");
    }
}
