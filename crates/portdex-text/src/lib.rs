//! Every string a user of portdex reads, English and Japanese side by side: the command
//! line's, the audit's, the firewall's, the server's and its web page's. The other crates
//! hold identifiers and facts; the words are here, so that a translation is one file.
//! Curated knowledge (common uses, risks) is data and comes translated in `data/knowledge`.

// Each entry's English text is its documentation.
#![allow(missing_docs)]

pub mod ctr;

/// The languages of the interface and of the curated text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Lang {
    /// English.
    #[default]
    En,
    /// Japanese.
    Ja,
}

impl Lang {
    /// Picks a language from a POSIX locale string (`ja_JP.UTF-8` → Japanese).
    pub fn from_locale(locale: &str) -> Lang {
        if locale.starts_with("ja") {
            Lang::Ja
        } else {
            Lang::En
        }
    }

    /// Picks one of two texts.
    pub fn pick<T>(self, en: T, ja: T) -> T {
        match self {
            Lang::En => en,
            Lang::Ja => ja,
        }
    }
}

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

/// A registry status for people, by its identifier (`assigned`, `reserved`,
/// `unassigned`, `de-assigned`).
pub fn status(id: &'static str, lang: Lang) -> &'static str {
    match (lang, id) {
        (Lang::Ja, "assigned") => "割り当て済み",
        (Lang::Ja, "reserved") => "予約",
        (Lang::Ja, "unassigned") => "未割り当て",
        (Lang::Ja, "de-assigned") => "割り当て解除",
        _ => id,
    }
}

/// A category of ports for people, by its identifier.
pub fn category(id: &'static str, lang: Lang) -> &'static str {
    match (lang, id) {
        (Lang::En, "dynamic") => "dynamic/private",
        (Lang::Ja, "well-known") => "ウェルノウンポート",
        (Lang::Ja, "registered") => "登録済みポート",
        (Lang::Ja, "dynamic") => "動的/プライベートポート",
        _ => id,
    }
}

/// A severity for people, by its identifier.
pub fn severity(id: &'static str, lang: Lang) -> &'static str {
    match (lang, id) {
        (Lang::Ja, "info") => "情報",
        (Lang::Ja, "low") => "低",
        (Lang::Ja, "medium") => "中",
        (Lang::Ja, "high") => "高",
        (Lang::Ja, "critical") => "重大",
        _ => id,
    }
}

/// Who can reach a listener, by its identifier (`loopback`, `address`, `all`).
pub fn exposure(id: &'static str, lang: Lang) -> &'static str {
    match (lang, id) {
        (Lang::Ja, "loopback") => "ループバックのみ",
        (Lang::Ja, "address") => "特定アドレス",
        (Lang::Ja, "all") => "全インターフェース",
        _ => id,
    }
}

/// The words of the commands about this machine and the network (ls, who, kill, scan,
/// firewall), and the error messages.
#[derive(Clone, Copy)]
pub struct Words(pub Lang);

impl Words {
    /// Formats only the text of the language in use.
    fn say(self, en: impl FnOnce() -> String, ja: impl FnOnce() -> String) -> String {
        match self.0 {
            Lang::En => en(),
            Lang::Ja => ja(),
        }
    }

    fn pick<T>(self, en: T, ja: T) -> T {
        match self.0 {
            Lang::En => en,
            Lang::Ja => ja,
        }
    }

    pub fn ls_header(self) -> [&'static str; 11] {
        self.pick(
            [
                "PROTO",
                "ADDRESS",
                "PORT",
                "EXPOSURE",
                "REGISTRY",
                "COMMON USE",
                "CATEGORY",
                "PID",
                "PROCESS",
                "USER",
                "SEVERITY",
            ],
            [
                "プロトコル",
                "アドレス",
                "ポート",
                "公開範囲",
                "レジストリ名",
                "一般的な用途",
                "カテゴリ",
                "PID",
                "プロセス",
                "ユーザー",
                "深刻度",
            ],
        )
    }

    /// Who can reach a listener, by its identifier.
    pub fn exposure(self, id: &'static str) -> &'static str {
        exposure(id, self.0)
    }

    pub fn owners_hidden(self) -> &'static str {
        self.pick(
            "note: some owners are hidden (other users' processes): run as root to see them all",
            "注: 一部の所有プロセスが見えません（他のユーザーのプロセス）。すべて見るには root で実行してください",
        )
    }

    pub fn who_head(
        self,
        port: u16,
        category: &str,
        registry: Option<&str>,
        common: Option<&str>,
    ) -> String {
        let mut s = format!("{} {port} · {category}", self.pick("port", "ポート"));
        if let Some(r) = registry {
            s += &format!(" · {}: {r}", self.pick("registry", "レジストリ"));
        }
        if let Some(c) = common {
            s += &format!(" · {}: {c}", self.pick("common use", "一般的な用途"));
        }
        s
    }

    pub fn owner_not_visible(self, user: &str) -> String {
        self.say(
            || format!("owner not visible, socket uid {user}"),
            || format!("所有プロセスは見えません（ソケットの uid {user}）"),
        )
    }

    pub fn user(self) -> &'static str {
        self.pick("user", "ユーザー")
    }

    pub fn command(self) -> &'static str {
        self.pick("command", "コマンド")
    }

    pub fn nothing_listens(self, port: u16) -> String {
        self.say(
            || format!("nothing listens on port {port}"),
            || format!("ポート {port} で待ち受けているものはありません"),
        )
    }

    pub fn connections(self, n: usize, state: &str, port: u16) -> String {
        let why = if state == "TIME_WAIT" {
            self.pick(
                " (the kernel keeps closed connections up to 60 s; a server needs SO_REUSEADDR to bind meanwhile)",
                "（カーネルは閉じた接続を最大 60 秒保持します。その間に bind するにはサーバー側で SO_REUSEADDR が必要です）",
            )
        } else {
            ""
        };
        self.say(
            || format!("{n} connection(s) in {state} use local port {port}{why}"),
            || format!("{state} の接続 {n} 件がローカルポート {port} を使っています{why}"),
        )
    }

    pub fn owner_other_user(self) -> &'static str {
        self.pick(
            "the owner is another user's process: run as root to see it",
            "所有者は他のユーザーのプロセスです。確認するには root で実行してください",
        )
    }

    pub fn docker_proxy(self) -> &'static str {
        self.pick(
            "docker-proxy holds it: a container publishes this port (see `docker ps`); published ports bypass ufw rules",
            "docker-proxy が保持しています。コンテナがこのポートを公開しています（`docker ps` を参照）。公開されたポートは ufw のルールを迂回します",
        )
    }

    pub fn ephemeral(self, port: u16, range: impl std::fmt::Display) -> String {
        self.say(|| format!("{port} is in this machine's ephemeral range ({range}): outgoing connections may take it at any time"), || format!("{port} はこのマシンのエフェメラルポート範囲（{range}）内です。外向きの接続がいつでも使う可能性があります"))
    }

    pub fn kill_prompt(self, signal: &str, who: &str, port: u16) -> String {
        self.say(
            || format!("send {signal} to {who} listening on port {port}? [y/N] "),
            || format!("ポート {port} で待ち受けている {who} に {signal} を送りますか? [y/N] "),
        )
    }

    pub fn nothing_sent(self) -> &'static str {
        self.pick("nothing sent", "何も送っていません")
    }

    pub fn sent(self, ok: bool, signal: &str, pid: u32, name: &str, why: &str) -> String {
        match (self.0, ok) {
            (Lang::En, true) => format!("sent {signal} to pid {pid} ({name})"),
            (Lang::En, false) => format!("could not send {signal} to pid {pid} ({name}){why}"),
            (Lang::Ja, true) => format!("pid {pid} ({name}) に {signal} を送りました"),
            (Lang::Ja, false) => format!("pid {pid} ({name}) に {signal} を送れませんでした{why}"),
        }
    }

    pub fn port_free(self, port: u16) -> String {
        self.say(
            || format!("port {port} is free now"),
            || format!("ポート {port} は空きました"),
        )
    }

    pub fn still_in_use(self, port: u16, wait: f64, can_force: bool) -> String {
        let hint = match (can_force, self.0) {
            (false, _) => "",
            (true, Lang::En) => "; --signal KILL forces it",
            (true, Lang::Ja) => "。--signal KILL で強制できます",
        };
        self.say(
            || format!("port {port} is still in use after {wait} s{hint}"),
            || format!("ポート {port} は {wait} 秒後もまだ使用中です{hint}"),
        )
    }

    pub fn followed(
        self,
        name: &str,
        process: &str,
        pid: u32,
        listens: &str,
        registry: &str,
    ) -> String {
        match (self.0, registry.is_empty()) {
            (Lang::En, true) => format!("note: {name}: {process} (pid {pid}) listens on {listens} here: all of them are allowed"),
            (Lang::En, false) => format!("note: {name}: {process} (pid {pid}) listens on {listens} here: that is allowed, not the registry's {registry}"),
            (Lang::Ja, true) => format!("注意: {name}: {process}（pid {pid}）はこのマシンで {listens} で待ち受けています。すべて許可します"),
            (Lang::Ja, false) => format!("注意: {name}: {process}（pid {pid}）はこのマシンで {listens} で待ち受けています。レジストリの {registry} ではなく、そちらを許可します"),
        }
    }

    pub fn firewall_owners_hidden(self) -> &'static str {
        self.pick(
            "note: some owners are hidden (other users' processes): run as root so that portdex sees where sshd and the named services listen",
            "注意: 一部の所有者が見えません（他のユーザーのプロセス）。sshd や指定したサービスの待ち受けポートを確かめるには root で実行してください",
        )
    }

    pub fn risky_allowed(
        self,
        port: &str,
        who: &str,
        severity: &str,
        why: &str,
        fix: &str,
    ) -> String {
        self.say(
            || format!("warning: --from-listeners allows {port} ({who}), {severity}: {why}\n  instead: {fix}"),
            || format!("警告: --from-listeners は {port}（{who}）を許可します。{severity}: {why}\n  対策: {fix}"),
        )
    }

    /// One port the rules would close, in the lockout refusal.
    pub fn lockout_session(self, port: u16, variable: &str) -> String {
        self.say(
            || format!("{port}/tcp, the port of the SSH session you are in ({variable})"),
            || format!("{port}/tcp（いま使っている SSH セッションのポート、{variable}）"),
        )
    }

    pub fn lockout_sshd(self, port: u16, process: &str, pid: Option<u32>, address: &str) -> String {
        let pid = pid.map(|p| format!(" (pid {p})")).unwrap_or_default();
        self.say(
            || format!("{port}/tcp, where {process}{pid} listens for SSH on {address}"),
            || format!("{port}/tcp（{process}{pid} が {address} で SSH を待ち受けています）"),
        )
    }

    pub fn lockout_refused(self, ports: &str) -> String {
        self.say(
            || format!("these rules would drop {ports}: new SSH connections would fail and you could be locked out.\nAdd the port to --allow (--allow ssh follows sshd to its ports), or pass --allow-lockout if you have another way in (a console)."),
            || format!("このルールは {ports} を破棄します。新しい SSH 接続ができなくなり、締め出される恐れがあります。\nそのポートを --allow に加える（--allow ssh は sshd の待ち受けポートに従います）か、別の入り口（コンソール）があるなら --allow-lockout を付けてください。"),
        )
    }

    pub fn lockout_allowed(self, ports: &str) -> String {
        self.say(
            || format!("warning: --allow-lockout: these rules drop {ports}"),
            || format!("警告: --allow-lockout: このルールは {ports} を破棄します"),
        )
    }

    pub fn applied(self, backend: &str, secs: f64) -> String {
        self.say(
            || format!("applied the {backend} rules. Keep them: from a new SSH session, run `portdex firewall --confirm` within {secs} s; otherwise the previous rules come back by themselves."),
            || format!("{backend} のルールを適用しました。残すには、{secs} 秒以内に新しい SSH セッションから `portdex firewall --confirm` を実行してください。実行しなければ、前のルールに自動で戻ります。"),
        )
    }

    pub fn input_accepts_first(self, rule: &str) -> String {
        self.say(
            || format!("warning: INPUT accepts before it jumps to PORTDEX-INPUT, so this is not filtered by portdex: {rule}"),
            || format!("警告: INPUT は PORTDEX-INPUT へジャンプする前に受け入れるため、次は portdex でフィルタされません: {rule}"),
        )
    }

    pub fn serve_listening(self, bound: std::net::SocketAddr) -> String {
        self.say(
            || format!("portdex serve: listening on http://{bound} (the web page at /, OpenAPI at /openapi.json; Ctrl-C stops)"),
            || format!("portdex serve: http://{bound} で待ち受けています（ウェブページは /、OpenAPI は /openapi.json、Ctrl-C で停止）"),
        )
    }

    pub fn serve_not_notified(self, socket: &str, why: &str) -> String {
        self.say(
            || format!("WARNING: could not tell systemd that portdex is ready (NOTIFY_SOCKET={socket}): {why}; a Type=notify unit will time out starting"),
            || format!("警告: systemd に準備完了を通知できませんでした（NOTIFY_SOCKET={socket}）: {why}。Type=notify のユニットは起動がタイムアウトします"),
        )
    }

    pub fn serve_reachable(self, bound: std::net::SocketAddr) -> String {
        self.say(
            || format!("WARNING: {bound} is reachable from other machines: anyone who can reach it can query it"),
            || format!("警告: {bound} にはほかのマシンから到達できます。到達できる人は誰でも問い合わせできます"),
        )
    }

    pub fn serve_exposed(self) -> &'static str {
        self.pick(
            "WARNING: --expose-local: this machine's listeners and audit are served to them too",
            "警告: --expose-local: このマシンの待ち受けと監査結果も、その人たちに提供されます",
        )
    }

    pub fn kept(self) -> &'static str {
        self.pick(
            "confirmed: the new rules stay",
            "確認されました。新しいルールを残します",
        )
    }

    pub fn rolled_back(self, timed_out: bool, secs: f64) -> String {
        match (self.0, timed_out) {
            (Lang::En, true) => {
                format!("not confirmed within {secs} s: the previous rules are back")
            }
            (Lang::En, false) => "interrupted: the previous rules are back".to_owned(),
            (Lang::Ja, true) => {
                format!("{secs} 秒以内に確認されなかったため、前のルールに戻しました")
            }
            (Lang::Ja, false) => "中断されたため、前のルールに戻しました".to_owned(),
        }
    }

    pub fn confirmed(self, pid: u32) -> String {
        self.say(
            || format!("confirmed: the rules applied by pid {pid} stay"),
            || format!("確認しました。pid {pid} が適用したルールを残します"),
        )
    }

    pub fn nothing_to_confirm(self, gone: Option<u32>) -> String {
        match (self.0, gone) {
            (Lang::En, None) => "nothing waits for confirmation".to_owned(),
            (Lang::En, Some(pid)) => format!("nothing waits for confirmation: the apply that waited (pid {pid}) is gone, its rules stay as it left them"),
            (Lang::Ja, None) => "確認を待っている適用はありません".to_owned(),
            (Lang::Ja, Some(pid)) => format!("確認を待っている適用はありません。待っていた適用（pid {pid}）は終了しており、そのルールはそのままです"),
        }
    }

    pub fn wrote(self, path: &str) -> String {
        self.say(
            || format!("wrote {path}"),
            || format!("{path} に書き込みました"),
        )
    }

    pub fn scan_summary(
        self,
        host: &str,
        ports: usize,
        secs: f64,
        open: usize,
        closed: usize,
        filtered: usize,
    ) -> String {
        self.say(|| format!("{host}: {ports} port(s) in {secs:.2} s: {open} open, {closed} closed, {filtered} filtered"), || format!("{host}: {ports} ポートを {secs:.2} 秒で走査: 開 {open}、閉 {closed}、フィルタ {filtered}"))
    }

    pub fn scan_header(self) -> [&'static str; 7] {
        self.pick(
            [
                "PORT",
                "STATE",
                "DETECTED",
                "REGISTRY NAME",
                "COMMON USE",
                "CATEGORY",
                "SEVERITY",
            ],
            [
                "ポート",
                "状態",
                "検出",
                "レジストリ名",
                "一般的な用途",
                "カテゴリ",
                "深刻度",
            ],
        )
    }

    /// A scanned port's state.
    pub fn state(self, state: &'static str) -> &'static str {
        match (self.0, state) {
            (Lang::Ja, "open") => "開",
            (Lang::Ja, "closed") => "閉",
            (Lang::Ja, "filtered") => "フィルタ",
            _ => state,
        }
    }

    pub fn filtered(self) -> &'static str {
        self.pick("filtered", "フィルタ")
    }
}

/// The audit's findings and summary (`portdex audit`, the server's `/api/v1/audit`).
impl Words {
    /// Why a known service on a reachable address is a finding. `exposure` is the
    /// listener's exposure identifier; `usage` and `risk` are curated text.
    pub fn reachable(self, exposure: &str, address: &str, usage: &str, risk: &str) -> String {
        match (self.0, exposure) {
            (Lang::En, "all") => format!("Reachable on all interfaces: {usage}. {risk}"),
            (Lang::En, "loopback") => format!("Reachable on loopback: {usage}. {risk}"),
            (Lang::En, _) => format!("Reachable on {address}: {usage}. {risk}"),
            (Lang::Ja, "all") => {
                format!("すべてのインターフェースから到達できます：{usage}。{risk}")
            }
            (Lang::Ja, "loopback") => format!("ループバックから到達できます：{usage}。{risk}"),
            (Lang::Ja, _) => format!("{address} から到達できます：{usage}。{risk}"),
        }
    }

    pub fn bind_fix(self) -> &'static str {
        self.pick(
            "Bind it to 127.0.0.1 or a private interface, require authentication, and firewall it.",
            "127.0.0.1 かプライベートなインターフェースにバインドし、認証を必須にして、ファイアウォールで守ってください。",
        )
    }

    pub fn dynamic_exposed(self, name: Option<&str>) -> String {
        let name = name.unwrap_or(self.pick("no registry name", "レジストリ名なし"));
        self.say(
            || format!("A listener in the dynamic range (49152-65535) is reachable on all interfaces; such ports are usually temporary or private ({name})."),
            || format!("動的ポート範囲（49152-65535）の待ち受けに、すべてのインターフェースから到達できます。この範囲のポートは通常、一時的またはプライベートな用途です（{name}）。"),
        )
    }

    pub fn unknown_exposed(self, name: Option<&str>) -> String {
        let name = name.unwrap_or(self.pick("none", "なし"));
        self.say(
            || format!("portdex does not know what serves this port (the registry's name for it: {name}), and it is reachable on all interfaces."),
            || format!("このポートで何が動いているか portdex にはわかりません（レジストリ上の名前：{name}）。しかも、すべてのインターフェースから到達できます。"),
        )
    }

    pub fn unknown_fix(self) -> &'static str {
        self.pick(
            "Find out what it is (portdex who PORT); if it is not needed, stop it; otherwise bind it to the address it must serve, or firewall it.",
            "何が動いているか確かめてください（portdex who PORT）。不要なら停止し、必要ならサービスすべきアドレスだけにバインドするか、ファイアウォールで守ってください。",
        )
    }

    /// One use of a port, named with what it is (`cockpit (Cockpit web console)`).
    pub fn use_named(self, name: &str, usage: &str) -> String {
        self.say(
            || format!("{name} ({usage})"),
            || format!("{name}（{usage}）"),
        )
    }

    /// A finding's reason when the port has several common uses and no process name
    /// said which one the listener is: `service`, the most severe, is assumed.
    pub fn shared_port(self, why: &str, port: u16, service: &str, others: &[String]) -> String {
        self.say(
            || format!("{why} Port {port} is shared: it is also commonly used by {}. No process name here says which, so this assumes {service}, the most severe.", others.join("; ")),
            || format!("{why}{port} 番は複数の用途で使われるポートで、ほかに {} でもよく使われます。プロセス名からはどれか判断できないため、最も深刻な {service} とみなしています。", others.join("、")),
        )
    }

    pub fn unexpected_port(self, process: &str, service: &str, port: u16, usual: &str) -> String {
        self.say(
            || format!("{process} serves {service} on {port}, not on its usual port {usual}: port tables and scanners will misname it."),
            || format!("{process} は {service} を通常のポート {usual} ではなく {port} で提供しています。ポート表やスキャナーは別のサービスと取り違えます。"),
        )
    }

    pub fn unexpected_fix(self) -> &'static str {
        self.pick(
            "Nothing to fix if intended; keep it in mind for firewall rules and monitoring.",
            "意図したものなら対処は不要です。ファイアウォールのルールや監視では考慮に入れてください。",
        )
    }

    pub fn docker_published_why(self) -> &'static str {
        self.pick(
            "Docker publishes this container port; published ports bypass ufw and INPUT-chain rules.",
            "Docker がこのコンテナのポートを公開しています。公開されたポートは ufw や INPUT チェーンのルールを迂回します。",
        )
    }

    pub fn docker_published_fix(self) -> &'static str {
        self.pick(
            "Publish on 127.0.0.1 (-p 127.0.0.1:PORT:PORT) unless it must be public, or filter in the DOCKER-USER chain.",
            "外部に公開する必要がなければ 127.0.0.1 で公開する（-p 127.0.0.1:PORT:PORT）か、DOCKER-USER チェーンでフィルタしてください。",
        )
    }

    /// The labels of a finding's lines: why, fix, reference.
    pub fn finding_labels(self) -> [&'static str; 3] {
        self.pick(["why", "fix", "ref"], ["理由", "対策", "参照"])
    }

    /// The audit's last line. `severities` lists the counts, e.g. "2 critical, 3 high".
    pub fn audit_summary(
        self,
        findings: usize,
        severities: &str,
        listeners: usize,
        loopback: usize,
        accepted: usize,
    ) -> String {
        match self.0 {
            Lang::En => {
                let severities = if severities.is_empty() {
                    String::new()
                } else {
                    format!(" ({severities})")
                };
                format!("{findings} finding(s){severities} in {listeners} listener(s); {loopback} loopback-only (not findings), {accepted} accepted by the configuration")
            }
            Lang::Ja => {
                let severities = if severities.is_empty() {
                    String::new()
                } else {
                    format!("（{severities}）")
                };
                format!("待ち受け {listeners} 件のうち指摘 {findings} 件{severities}。ループバックのみ {loopback} 件（指摘ではない）、設定で許可 {accepted} 件")
            }
        }
    }

    /// One count in the audit's summary: "2 critical" / "重大 2 件".
    pub fn severity_count(self, n: usize, severity: &str) -> String {
        self.say(
            || format!("{n} {severity}"),
            || format!("{severity} {n} 件"),
        )
    }

    /// Between the items of a list in a sentence.
    pub fn list_separator(self) -> &'static str {
        self.pick(", ", "、")
    }

    pub fn docker_note(self) -> &'static str {
        self.pick(
            "Docker publishes ports here: ufw and INPUT-chain rules do not filter them (use DOCKER-USER).",
            "このマシンでは Docker がポートを公開しています。ufw や INPUT チェーンのルールではフィルタされません（DOCKER-USER を使ってください）。",
        )
    }

    pub fn audit_owners_hidden(self) -> &'static str {
        self.pick(
            "note: some owners are hidden (other users' processes): run as root for a complete audit",
            "注: 一部の所有プロセスが見えません（他のユーザーのプロセス）。完全な監査には root で実行してください",
        )
    }
}

/// The comments at the head of `portdex firewall`'s rules.
impl Words {
    pub fn rules_head(self, summary: &str) -> String {
        let summary = if summary.is_empty() {
            self.pick("nothing", "なし")
        } else {
            summary
        };
        self.say(
            || format!("# Written by portdex. Inbound: allow only {summary}; drop the rest (loopback, established connections, ICMP and DHCPv6 replies stay allowed)."),
            || format!("# portdex が作成。受信：{summary} だけを許可し、残りは破棄します（ループバック、確立済みの接続、ICMP、DHCPv6 の応答は許可のまま）。"),
        )
    }

    pub fn rules_docker(self) -> &'static str {
        self.pick(
            "# Docker: published container ports bypass these rules (Docker inserts its own\n# iptables rules); filter them in the DOCKER-USER chain or publish on 127.0.0.1.\n",
            "# Docker: 公開されたコンテナのポートはこのルールを迂回します（Docker は独自の iptables\n# ルールを挿入します）。DOCKER-USER チェーンでフィルタするか、127.0.0.1 で公開してください。\n",
        )
    }

    pub fn rules_nftables(self) -> &'static str {
        self.pick(
            "# Only the table inet portdex is replaced (in one transaction); other tables stay.\n# Remove it: nft delete table inet portdex\n",
            "# 置き換えるのは table inet portdex だけです（1 つのトランザクション）。ほかのテーブルはそのままです。\n# 削除するには: nft delete table inet portdex\n",
        )
    }

    pub fn rules_ufw(self) -> &'static str {
        self.pick(
            "# ufw keeps the rules it already has (nothing is reset): `ufw status numbered`\n# lists them; delete those you do not want with `ufw delete N`.\n",
            "# ufw は既存のルールを残します（リセットしません）。`ufw status numbered` で一覧し、\n# 不要なものは `ufw delete N` で削除してください。\n",
        )
    }

    /// `tool` is iptables-restore or ip6tables-restore, `chain` the chain portdex owns.
    pub fn rules_iptables(self, tool: &str, chain: &str) -> String {
        self.say(
            || format!("# Load with: {tool} --noflush < FILE. Only the chain {chain} is (re)written,\n# and INPUT gets one rule that jumps to it; FORWARD, Docker's and fail2ban's chains,\n# and the other tables stay as they are. Without --noflush, {tool} would empty the\n# whole filter table first. The jump is appended: rules already in INPUT come first\n# (fail2ban's bans still apply; an ACCEPT there is not filtered by these rules).\n# Loading this file again adds a second jump, which is harmless (portdex firewall\n# --apply does not add it when it is there).\n"),
            || format!("# 読み込み: {tool} --noflush < FILE。書き換えるのはチェーン {chain} だけで、\n# INPUT にはそこへジャンプするルールを 1 つ加えます。FORWARD、Docker や fail2ban のチェーン、\n# ほかのテーブルはそのままです。--noflush なしでは {tool} が filter テーブル全体を空にします。\n# ジャンプは末尾に追加します。INPUT にあるルールが先に評価されます（fail2ban の遮断は有効なまま、\n# そこにある ACCEPT はこのルールでフィルタされません）。このファイルをもう一度読み込むと\n# ジャンプが 2 つになりますが無害です（portdex firewall --apply は既にあれば加えません）。\n"),
        )
    }

    /// `zone` is the firewalld zone portdex owns.
    pub fn rules_firewalld(self, zone: &str) -> String {
        self.say(
            || format!("# firewalld: a zone of its own, \"{zone}\" (target default: the rest is rejected,\n# ICMP stays allowed), made the default zone. The zone that was the default and its\n# services (public: ssh, dhcpv6-client) stay as they were; interfaces and sources\n# bound to another zone keep it: firewall-cmd --get-active-zones.\n# Run: sh FILE (firewalld running), or sh FILE --offline (firewall-offline-cmd).\n"),
            || format!("# firewalld: 専用のゾーン \"{zone}\"（target default: 残りは拒否、ICMP は許可のまま）を作り、\n# 既定のゾーンにします。それまで既定だったゾーンとそのサービス（public: ssh, dhcpv6-client）は\n# そのままです。別のゾーンに属するインターフェースや送信元はそのゾーンのままです:\n# firewall-cmd --get-active-zones\n# 実行: sh FILE（firewalld 稼働中）または sh FILE --offline（firewall-offline-cmd）。\n"),
        )
    }
}

/// `portdex update` and `portdex data`.
impl Words {
    /// The registry a CSV holds: "IANA's registry of 2026-02-13 (14,499 rows)".
    pub fn registry_of(self, date: &str, rows: usize) -> String {
        self.say(
            || format!("IANA's registry of {date} ({rows} rows)"),
            || format!("{date} 版の IANA レジストリ（{rows} 行）"),
        )
    }

    pub fn changes(self, what: &str, added: usize, changed: usize, removed: usize) -> String {
        self.say(
            || format!("{what}: {added} added, {changed} changed, {removed} removed"),
            || format!("{what}：追加 {added}、変更 {changed}、削除 {removed}"),
        )
    }

    pub fn up_to_date(self, what: &str) -> String {
        self.say(
            || format!("up to date: the registry in use is {what}"),
            || format!("最新です。使用中のレジストリは{what}です"),
        )
    }

    pub fn newer_available(self) -> &'static str {
        self.pick(
            "it differs from the registry in use: run portdex update to use it",
            "使用中のレジストリと異なります。使うには portdex update を実行してください",
        )
    }

    pub fn now_in_use(self, dir: &str) -> String {
        self.say(
            || format!("now in use; kept in {dir}"),
            || format!("使用を開始しました。保存先：{dir}"),
        )
    }

    pub fn more_changes(self, n: usize) -> String {
        self.say(
            || format!("… {n} more (--json lists them all)"),
            || format!("… ほか {n} 件（--json ですべて表示）"),
        )
    }

    /// `portdex data`: the registry in use.
    pub fn in_use_embedded(self, what: &str) -> String {
        self.say(
            || format!("in use: the embedded registry, {what}"),
            || format!("使用中：組み込みのレジストリ（{what}）"),
        )
    }

    pub fn in_use_updated(self, what: &str, source: &str, when: &str) -> String {
        self.say(
            || format!("in use: an updated registry, {what}, from {source} on {when}"),
            || format!("使用中：更新したレジストリ（{what}）、{when} に {source} から取得"),
        )
    }

    pub fn embedded_is(self, what: &str) -> String {
        self.say(
            || format!("embedded: {what}"),
            || format!("組み込み：{what}"),
        )
    }

    pub fn kept_in(self, dir: &str, state: &str) -> String {
        self.say(
            || format!("kept in: {dir} ({state})"),
            || format!("保存先：{dir}（{state}）"),
        )
    }

    /// The state of the data directory: empty, intact, damaged.
    pub fn store_state(self, id: &str) -> &'static str {
        match (self.0, id) {
            (Lang::En, "empty") => "nothing stored: run portdex update",
            (Lang::En, "intact") => "intact",
            (Lang::En, _) => "damaged",
            (Lang::Ja, "empty") => "未保存。portdex update を実行してください",
            (Lang::Ja, "intact") => "正常",
            (Lang::Ja, _) => "破損",
        }
    }

    /// One line to stderr when the stored registry cannot be used.
    pub fn registry_damaged(self, why: &str) -> String {
        self.say(
            || format!("warning: {why}: using the embedded registry (portdex update stores a new copy)"),
            || format!("警告: {why}: 組み込みのレジストリを使います（portdex update で新しいコピーを保存できます）"),
        )
    }
}

// ======================================================================================
// Error messages (exit 2).
// ======================================================================================
/// Error messages (exit 2).
/// `main()` writes each after `error: `. The English is what portdex always said (tests
/// and scripts read it); the libraries' typed errors keep their English `Display` and
/// take their Japanese from [`errors_ja`].
impl Words {
    /// An operating system error (`No such file or directory (os error 2)`): the
    /// common kinds in Japanese, with the error number; any other as the system says.
    pub fn io_error(self, e: &std::io::Error) -> String {
        use std::io::ErrorKind as K;
        if self.0 == Lang::En || e.get_ref().is_some() {
            return e.to_string();
        }
        let ja = match e.kind() {
            K::NotFound => "ファイルまたはディレクトリがありません",
            K::PermissionDenied => "権限がありません",
            K::AlreadyExists => "既に存在します",
            K::ConnectionRefused => "接続を拒否されました",
            K::ConnectionReset => "接続がリセットされました",
            K::AddrInUse => "アドレスは使用中です",
            K::AddrNotAvailable => "そのアドレスは割り当てられません",
            K::TimedOut => "タイムアウトしました",
            K::IsADirectory => "ディレクトリです",
            K::NotADirectory => "ディレクトリではありません",
            K::ReadOnlyFilesystem => "読み取り専用のファイルシステムです",
            K::StorageFull => "デバイスに空きがありません",
            K::Interrupted => "割り込まれました",
            _ => return e.to_string(),
        };
        match e.raw_os_error() {
            Some(code) => format!("{ja} (os error {code})"),
            None => ja.to_owned(),
        }
    }

    // main.rs

    pub fn err_format_not_for(self, given: &str, command: &str, offered: &str) -> String {
        self.say(
            || format!("{given} does not apply to `{command}`: it writes {offered}"),
            || format!("{given} は `{command}` には使えません。出力できる形式: {offered}"),
        )
    }

    pub fn err_proto_not_for(self, command: &str) -> String {
        self.say(
            || format!("--proto does not apply to `{command}`"),
            || format!("--proto は `{command}` には使えません"),
        )
    }

    pub fn err_lang_not_for(self, command: &str) -> String {
        self.say(
            || format!("--lang does not apply to `{command}`: it writes no text to translate"),
            || format!("--lang は `{command}` には使えません。翻訳するテキストを出力しません"),
        )
    }

    pub fn err_color_not_for(self, command: &str) -> String {
        self.say(
            || format!("--color always does not apply to `{command}`: it writes no colour"),
            || format!("--color always は `{command}` には使えません。色を出力しません"),
        )
    }

    pub fn err_empty_search(self) -> &'static str {
        self.pick(
            "empty search: give one or more words, e.g. portdex search mail",
            "検索語が空です。1 語以上を指定してください（例: portdex search mail）",
        )
    }

    pub fn err_search_services(self) -> &'static str {
        self.pick(
            "--format services writes the whole registry: use it without search",
            "--format services はレジストリ全体を出力します。search なしで使ってください",
        )
    }

    pub fn err_limit_zero(self) -> &'static str {
        self.pick(
            "-n 0: give how many results to show, 1 or more",
            "-n 0: 表示する件数を 1 以上で指定してください",
        )
    }

    pub fn err_nothing_to_look_up(self) -> &'static str {
        self.pick(
            "nothing to look up: give a port (443), a range (8000-8100) or a name (ssh); see --help",
            "調べる対象がありません。ポート (443)、範囲 (8000-8100) または名前 (ssh) を指定してください。詳しくは --help",
        )
    }

    pub fn err_allowed_host(self, host: &str) -> String {
        self.say(
            || format!("--allowed-host '{host}': give a host name or address, optionally with :PORT (ports.example.org, proxy:8443)"),
            || format!("--allowed-host '{host}': ホスト名またはアドレスを指定してください。:PORT も付けられます（ports.example.org、proxy:8443）"),
        )
    }

    /// `serve --config` without `--expose-local`: the accepted listeners would change nothing.
    pub fn err_serve_config_needs_expose_local(self) -> String {
        self.say(
            || "--config applies to this machine's audit and /metrics, which only --expose-local serves: add --expose-local, or leave --config out".to_owned(),
            || "--config はこのマシンの監査と /metrics に適用されますが、それらは --expose-local を付けたときだけ提供されます。--expose-local を付けるか、--config を外してください".to_owned(),
        )
    }

    pub fn err_bind(self, bind: &str) -> String {
        self.say(
            || format!("--bind '{bind}': give ADDRESS:PORT, e.g. 127.0.0.1:7878 or [::1]:7878"),
            || format!("--bind '{bind}': ADDRESS:PORT の形で指定してください（例: 127.0.0.1:7878、[::1]:7878）"),
        )
    }

    pub fn err_serve(self, addr: &str, why: &str) -> String {
        self.say(
            || format!("serve on {addr}: {why}"),
            || format!("{addr} で待ち受けられません: {why}"),
        )
    }

    pub fn err_write_output(self, why: &str) -> String {
        self.say(
            || format!("cannot write the output: {why}"),
            || format!("出力を書き込めません: {why}"),
        )
    }

    // machine.rs

    pub fn err_list_sockets(self, why: &str) -> String {
        self.say(
            || format!("cannot list sockets: {why}"),
            || format!("ソケットを一覧できません: {why}"),
        )
    }

    pub fn err_port_zero(self) -> &'static str {
        self.pick(
            "port 0 is not a port a process listens on (binding 0 asks the kernel for any port): give 1-65535",
            "ポート 0 はプロセスが待ち受けるポートではありません（0 への bind はカーネルに任意のポートを求めます）。1-65535 を指定してください",
        )
    }

    pub fn err_sockets_not_listed(self, transport: &str) -> String {
        self.say(
            || format!("'{transport}' sockets are not listed: use --proto tcp or udp"),
            || format!("'{transport}' のソケットは一覧できません。--proto tcp または udp を指定してください"),
        )
    }

    pub fn err_no_pid(self, pid: u32) -> String {
        self.say(
            || format!("no process with pid {pid} exists"),
            || format!("pid {pid} のプロセスは存在しません"),
        )
    }

    pub fn err_signal(self, signal: &str) -> String {
        self.say(
            || format!("'{signal}' is not a signal portdex sends: use TERM, INT, HUP, QUIT or KILL"),
            || format!("'{signal}' は portdex が送るシグナルではありません。TERM、INT、HUP、QUIT、KILL のいずれかを指定してください"),
        )
    }

    pub fn err_wait(self, wait: f64) -> String {
        self.say(
            || format!("--wait {wait}: give seconds from 0 to 3600"),
            || format!("--wait {wait}: 0 から 3600 までの秒数を指定してください"),
        )
    }

    pub fn err_not_confirmed(self, signal: &str) -> String {
        self.say(
            || format!("refusing to send {signal} without confirmation: standard input is not a terminal; pass --yes"),
            || format!("確認なしに {signal} は送りません。標準入力が端末ではありません。--yes を付けてください"),
        )
    }

    /// Not an error (exit 1): nothing listens, or only where this user cannot see.
    pub fn kill_nothing_sent(self, why: &str) -> String {
        self.say(
            || format!("portdex: {why}; nothing sent"),
            || format!("portdex: {why}。何も送っていません"),
        )
    }

    pub fn err_count(self, count: usize) -> String {
        self.say(
            || format!("--count {count}: give 1 to 10000"),
            || format!("--count {count}: 1 から 10000 までを指定してください"),
        )
    }

    pub fn err_udp_and_tcp(self) -> &'static str {
        self.pick(
            "--udp and --proto tcp ask for different transports: give one",
            "--udp と --proto tcp は異なるトランスポートの指定です。どちらか一方にしてください",
        )
    }

    pub fn err_not_bindable(self, transport: &str) -> String {
        self.say(
            || format!("'{transport}' ports cannot be tested by binding: use tcp or udp"),
            || format!("'{transport}' のポートは bind で確かめられません。tcp または udp を指定してください"),
        )
    }

    pub fn err_range_zero(self) -> &'static str {
        self.pick(
            "--range 0: port 0 is not a port a process listens on",
            "--range 0: ポート 0 はプロセスが待ち受けるポートではありません",
        )
    }

    pub fn err_near_outside(self, near: u16, range: &str) -> String {
        self.say(
            || format!("--near {near} is outside --range {range}"),
            || format!("--near {near} は --range {range} の範囲外です"),
        )
    }

    pub fn err_range(self, why: &str) -> String {
        self.say(
            || format!("--range: {why}; or use well-known, registered, dynamic"),
            || format!("--range: {why}。または well-known、registered、dynamic を指定してください"),
        )
    }

    // audit.rs

    pub fn err_fail_on(self, given: &str) -> String {
        self.say(
            || format!("--fail-on '{given}': use info, low, medium, high or critical"),
            || format!("--fail-on '{given}': info、low、medium、high、critical のいずれかを指定してください"),
        )
    }

    pub fn err_config_not_file(self, path: &str) -> String {
        self.say(
            || format!("--config {path}: not a regular file: give a TOML file ([[accept]] port = 22, process = \"sshd\")"),
            || format!("--config {path}: 通常のファイルではありません。TOML ファイルを指定してください（[[accept]] port = 22, process = \"sshd\"）"),
        )
    }

    pub fn err_config_too_large(self, path: &str) -> String {
        self.say(
            || format!("--config {path}: larger than 1 MiB; an audit configuration is a short TOML file"),
            || format!("--config {path}: 1 MiB を超えています。監査の設定は短い TOML ファイルです"),
        )
    }

    pub fn err_audit_proto(self, transport: &str) -> String {
        self.say(
            || format!("--proto {transport}: audit looks at tcp and udp listeners"),
            || format!("--proto {transport}: audit が調べるのは tcp と udp の待ち受けです"),
        )
    }

    pub fn err_confirm_alone(self, flag: &str) -> String {
        self.say(
            || format!("--confirm alone keeps the rules a waiting --apply put in place: {flag} has no meaning there"),
            || format!("--confirm 単独では、確認を待っている --apply が適用したルールを確定します。{flag} はそこでは意味を持ちません"),
        )
    }

    pub fn err_confirm_needs_apply(self) -> &'static str {
        self.pick(
            "--confirm DURATION goes with --apply (--apply --confirm 60s); to keep rules that a waiting --apply put in place, run portdex firewall --confirm alone",
            "--confirm DURATION は --apply と一緒に使います（--apply --confirm 60s）。確認を待っている --apply のルールを確定するには、portdex firewall --confirm を単独で実行してください",
        )
    }

    pub fn err_firewall_services(self) -> &'static str {
        self.pick(
            "--format services writes the registry as an /etc/services file: firewall rules are table (the rules), json, jsonl or csv",
            "--format services はレジストリを /etc/services 形式で出力します。ファイアウォールのルールは table（ルールそのもの）、json、jsonl、csv で出力します",
        )
    }

    pub fn err_family_backend(self, family: &str, backend: &str) -> String {
        self.say(
            || format!("--family {family} is for --backend iptables: the {backend} rules cover IPv4 and IPv6 at once"),
            || format!("--family {family} は --backend iptables 用です。{backend} のルールは IPv4 と IPv6 を一度に扱います"),
        )
    }

    pub fn err_output_dir_backend(self, backend: &str) -> String {
        self.say(
            || format!("--output-dir is for --backend iptables (rules.v4 and rules.v6); redirect the {backend} rules instead: > FILE"),
            || format!("--output-dir は --backend iptables 用です（rules.v4 と rules.v6）。{backend} のルールは代わりにリダイレクトしてください: > FILE"),
        )
    }

    pub fn err_apply_format(self) -> &'static str {
        self.pick(
            "--apply prints what it does, not the rules: leave out --json, --csv and --format",
            "--apply が表示するのはルールではなく実行内容です。--json、--csv、--format は外してください",
        )
    }

    pub fn err_apply_output_dir(self) -> &'static str {
        self.pick(
            "--apply and --output-dir: choose one (apply now, or write the files)",
            "--apply と --output-dir: どちらか一方を選んでください（今すぐ適用するか、ファイルに書き出すか）",
        )
    }

    pub fn err_output_dir_format(self) -> &'static str {
        self.pick(
            "--output-dir writes the rules themselves: leave out --json, --csv and --format",
            "--output-dir はルールそのものを書き出します。--json、--csv、--format は外してください",
        )
    }

    pub fn err_output_dir_family(self) -> &'static str {
        self.pick(
            "--output-dir writes both families (rules.v4 and rules.v6): leave out --family",
            "--output-dir は両方のファミリー（rules.v4 と rules.v6）を書き出します。--family は外してください",
        )
    }

    /// `written`: the files written before this one, comma-separated, or empty.
    pub fn err_output_exists(self, path: &str, written: &str) -> String {
        match (self.0, written.is_empty()) {
            (Lang::En, true) => format!("--output-dir: {path} exists: portdex does not write over it; move it away or choose another directory"),
            (Lang::En, false) => format!("--output-dir: {path} exists: portdex does not write over it; move it away or choose another directory ({written} was written)"),
            (Lang::Ja, true) => format!("--output-dir: {path} は既にあります。portdex は上書きしません。移動するか、別のディレクトリを指定してください"),
            (Lang::Ja, false) => format!("--output-dir: {path} は既にあります。portdex は上書きしません。移動するか、別のディレクトリを指定してください（{written} は書き込み済み）"),
        }
    }

    pub fn err_confirm_duration(self, given: &str) -> String {
        self.say(
            || format!("--confirm '{given}': give the time to confirm in, from 1s to 1h, with its unit: 30s, 2m"),
            || format!("--confirm '{given}': 確認を待つ時間を 1s から 1h まで、単位を付けて指定してください: 30s、2m"),
        )
    }

    pub fn err_signals(self, why: &str) -> String {
        self.say(
            || format!("cannot handle signals: {why}"),
            || format!("シグナルを扱えません: {why}"),
        )
    }

    pub fn err_rolled_back(self, why: &str) -> String {
        self.say(
            || format!("{why}; the previous rules are back"),
            || format!("{why}。以前のルールに戻しました"),
        )
    }

    pub fn err_rollback_failed_too(self, why: &str, rollback: &str) -> String {
        self.say(
            || format!("{why}; rolling back failed too: {rollback}"),
            || format!("{why}。ロールバックも失敗しました: {rollback}"),
        )
    }

    pub fn err_rollback_failed(self, why: &str) -> String {
        self.say(
            || format!("rolling back failed: {why}; the new rules may still be in place (see the backend's own listing: nft list ruleset, iptables -S, ufw status)"),
            || format!("ロールバックに失敗しました: {why}。新しいルールがまだ有効かもしれません（バックエンド自身の一覧で確認してください: nft list ruleset, iptables -S, ufw status）"),
        )
    }

    // scan.rs

    pub fn err_duration(self, flag: &str, given: &str) -> String {
        self.say(
            || format!("{flag} '{given}': give a duration from 1ms to 1 hour, such as 500ms, 2s or 1m"),
            || format!("{flag} '{given}': 1ms から 1 時間までの長さを指定してください（500ms、2s、1m など）"),
        )
    }

    pub fn err_concurrency_zero(self) -> &'static str {
        self.pick(
            "--concurrency 0: give at least 1",
            "--concurrency 0: 1 以上を指定してください",
        )
    }

    pub fn err_rate_zero(self) -> &'static str {
        self.pick(
            "--rate 0: give at least 1 connect per second",
            "--rate 0: 毎秒 1 接続以上を指定してください",
        )
    }

    pub fn err_top_zero(self) -> &'static str {
        self.pick(
            "--top 0: give at least 1",
            "--top 0: 1 以上を指定してください",
        )
    }

    pub fn err_scan_tcp_only(self) -> &'static str {
        self.pick(
            "scan is a TCP connect scan: --proto tcp only",
            "scan は TCP の connect スキャンです。--proto は tcp のみ指定できます",
        )
    }

    pub fn err_scanning(self, host: &str, why: &str) -> String {
        self.say(
            || format!("scanning {host}: {why}"),
            || format!("{host} をスキャンできません: {why}"),
        )
    }

    // data.rs

    /// An update that failed: nothing was changed.
    pub fn err_registry_unchanged(self, why: &str) -> String {
        self.say(
            || format!("{why}; the registry in use is unchanged"),
            || format!("{why}。使用中のレジストリは変わっていません"),
        )
    }

    pub fn err_suspicious(
        self,
        source: &str,
        changed: usize,
        removed: usize,
        rows: usize,
        percent: impl std::fmt::Display,
    ) -> String {
        self.say(
            || format!("{source} would change {changed} and remove {removed} of the {rows} rows in use (more than {percent}%): not used; check that it is IANA's registry, or pass --force"),
            || format!("{source} は使用中の {rows} 行のうち {changed} 行を変更し {removed} 行を削除します（{percent}% 超）。使いません。IANA のレジストリか確認するか、--force を付けてください"),
        )
    }
}

/// The words of network namespaces (`ls --netns`).
pub mod netns;

/// The libraries' typed errors in Japanese. Their English is each error's `Display`
/// (`#[error("…")]` next to the type), which code and tests read; each type's
/// `message(lang)` gives that English or this Japanese, with the same values.
pub mod errors_ja {
    use std::fmt::Display;

    // portdex-registry: ParseError

    pub fn empty_query() -> String {
        "クエリが空です。ポート (0-65535)、範囲 (8000-8100) またはサービス名 (ssh) を指定してください".into()
    }

    pub fn out_of_range(v: impl Display) -> String {
        format!("'{v}' は範囲外です。ポートは 0-65535 です")
    }

    pub fn not_a_port(v: impl Display) -> String {
        format!("'{v}' はポートではありません。ポートは ASCII 数字で書いた 0-65535 の整数です")
    }

    pub fn reversed(v: impl Display) -> String {
        format!("'{v}' は範囲ではありません。始まりが終わりより大きいです（小-大 の順に、例: 3-9）")
    }

    pub fn bad_range(v: impl Display) -> String {
        format!(
            "'{v}' は範囲ではありません。2 つのポートを 小-大 で書いてください（例: 8000-8100）"
        )
    }

    pub fn bad_name(v: impl Display) -> String {
        format!("'{v}' はポート、範囲、サービス名のどれでもありません。名前に使えるのは英字、数字と - _ . + / です")
    }

    pub fn bad_transport(v: impl Display) -> String {
        format!("'{v}' はトランスポートではありません。tcp、udp、sctp、dccp のいずれかを指定してください")
    }

    pub fn bad_category(v: impl Display) -> String {
        format!("'{v}' はポートのカテゴリではありません。well-known、registered、dynamic のいずれかを指定してください")
    }

    pub fn name_too_long(v: impl Display, max: usize) -> String {
        format!("'{v}' はサービス名として長すぎます。名前は最大 {max} 文字です")
    }

    pub fn search_too_long(v: impl Display, words: usize, chars: usize) -> String {
        format!("'{v}' は検索として長すぎます。{words} 語、{chars} 文字までにしてください")
    }

    // portdex-registry: InstallError, DecodeError

    pub fn too_many_rows(n: usize) -> String {
        format!("{n} 行はレジストリの表に収まりません（最大 65,535 行）")
    }

    pub fn not_a_registry() -> String {
        "portdex のレジストリファイルではありません（または新しい portdex が書いたものです）".into()
    }

    pub fn registry_older() -> String {
        "レジストリファイルは古い portdex が書いたものです".into()
    }

    pub fn registry_checksum() -> String {
        "レジストリファイルが壊れています（チェックサムが一致しません）".into()
    }

    /// `what`: one of the English details `DecodeError::Inconsistent` holds.
    pub fn registry_inconsistent(what: &str) -> String {
        let what = match what {
            "an index out of range" => "範囲外のインデックスがあります",
            "shorter than its counts say" => "件数から見て短すぎます",
            "text that is not UTF-8" => "UTF-8 でないテキストがあります",
            "shorter or longer than its counts say" => "件数から見て長さが合いません",
            "counts out of range" => "件数が範囲外です",
            "rows out of order" => "行の順序が正しくありません",
            "a row out of range" => "範囲外の値を持つ行があります",
            "a string out of range" => "範囲外の文字列があります",
            "search lines out of order" => "検索行の順序が正しくありません",
            "the index disagrees with the rows" => "索引と行が一致しません",
            other => other,
        };
        format!("レジストリファイルの内容が矛盾しています: {what}")
    }

    /// `why`: the system's message.
    pub fn registry_unreadable(why: &str) -> String {
        format!("レジストリファイルを読めません: {why}")
    }

    // portdex-net: TargetError

    pub fn unknown_target(v: &str) -> String {
        format!("'{v}' は IP アドレス、ネットワーク (10.0.0.0/28)、名前解決できるホスト名のどれでもありません")
    }

    pub fn bad_ipv4(v: &str) -> String {
        format!("'{v}' は正しい IPv4 アドレスではありません。4 つの部分はそれぞれ 0-255 です")
    }

    pub fn bad_prefix(v: &str) -> String {
        format!("'{v}': プレフィックス長は IPv4 で 0-32、IPv6 で 0-128 です")
    }

    pub fn too_many_targets(count: u128) -> String {
        format!("対象のアドレスは合計 {count} 個です。--force なしで最大 65536 (/16)、--force 付きで 16777216 (/8) までです")
    }

    pub fn brackets(v: &str) -> String {
        format!("'{v}': 角括弧は IPv6 アドレスを 1 回だけ囲みます: [::1]")
    }

    pub fn ports_empty() -> String {
        "空です。ポート (22,80)、範囲 (8000-8100)、またはすべてを表す - を指定してください".into()
    }

    pub fn scan_out_of_range(v: impl Display) -> String {
        format!("'{v}' は範囲外です。スキャンできるポートは 1-65535 です")
    }

    pub fn scan_port_zero() -> String {
        "ポート 0 はスキャンできません。ポートは 1-65535 です".into()
    }

    pub fn bad_ports(spec: &str, reason: &str) -> String {
        format!("ポートリスト '{spec}': {reason}")
    }

    // portdex-net: KillError, FreeError

    pub fn nothing_listens(port: u16) -> String {
        format!("ポート {port} で待ち受けているものはありません")
    }

    pub fn owner_hidden(port: u16) -> String {
        format!("ポート {port} は使用中ですが、このユーザーからは見えないプロセスです。root で実行してください")
    }

    pub fn protected(port: u16, what: &str) -> String {
        let mut what = what.to_owned();
        for (en, _) in NOT_SIGNALLED {
            what = what.replace(en, &not_signalled(en));
        }
        format!("ポート {port} は {what} が保持しています。portdex はこれらにシグナルを送りません")
    }

    /// Why `kill` left a process alone, by portdex-net's English reason.
    const NOT_SIGNALLED: [(&str, &str); 5] = [
        ("pid 1 is never signalled", "pid 1 にはシグナルを送りません"),
        (
            "portdex itself holds this socket (it inherited it from the process that started it)",
            "portdex 自身がこのソケットを保持しています（起動したプロセスから引き継いだもの）",
        ),
        (
            "portdex runs under this process (it started portdex, directly or not), and never signals it; it holds the socket too, probably inherited",
            "portdex はこのプロセスの下で動いているため（直接または間接に portdex を起動したプロセス）、シグナルを送りません。ソケットもおそらく引き継がれて保持されています",
        ),
        (
            "it no longer listens on this port (it exited, or its pid now belongs to another process): not signalled",
            "もうこのポートで待ち受けていません（終了したか、pid が別のプロセスのものになっています）。シグナルは送っていません",
        ),
        ("it exited before the signal", "シグナルの前に終了しました"),
    ];

    /// Why `kill` left a process alone (`Sent::error`), in Japanese; an operating
    /// system's message stays as it is.
    pub fn not_signalled(why: &str) -> String {
        NOT_SIGNALLED
            .iter()
            .find(|(en, _)| *en == why)
            .map_or_else(|| why.to_owned(), |(_, ja)| (*ja).to_owned())
    }

    pub fn list_sockets(why: &str) -> String {
        format!("ソケットを一覧できません: {why}")
    }

    pub fn not_enough_free(
        found: usize,
        transport: impl Display,
        range: impl Display,
        wanted: usize,
    ) -> String {
        format!("{range} で空いている {transport} ポートは {found} 個でした（{wanted} 個を要求）")
    }

    pub fn not_bindable(transport: impl Display) -> String {
        format!("{transport} のポートは bind で確かめられません。tcp または udp を指定してください")
    }

    // portdex-audit: ApplyError, ConfigError, AllowError, ServicePortError

    pub fn not_root() -> String {
        "--apply はファイアウォールを変更するため root が必要です。sudo で実行してください（何も適用していません）".into()
    }

    pub fn tool_missing(backend: &str, tool: &str) -> String {
        format!("--apply で {backend} を使うには {tool} が必要ですが、インストールされていません（何も適用していません）")
    }

    pub fn tool_check(tool: &str, message: &str) -> String {
        format!("{tool} がドライランでルールを拒否しました（何も適用していません）: {message}")
    }

    pub fn tool_failed(tool: &str, message: &str) -> String {
        format!("{tool} が失敗しました: {message}")
    }

    pub fn apply_unsupported() -> String {
        "firewalld では --apply を使えません。firewall-cmd は動作中のファイアウォールをコマンドごとに変更し、portdex が全体として復元できる状態がありません。出力したスクリプトを実行してください (sh FILE)。永続化していない変更は firewalld 自身の `firewall-cmd --reload` で取り消せます".into()
    }

    pub fn apply_busy(who: &str) -> String {
        format!("別の `portdex firewall --apply` ({who}) が適用中か、確認を待っています。先にそれを確定する (portdex firewall --confirm) か、ロールバックさせてください")
    }

    pub fn accept_entry(index: usize, message: &str) -> String {
        format!("accept の {index} 番目の項目: {message}")
    }

    pub fn allow_empty() -> String {
        "許可リストに空の項目があります。名前 (ssh)、ポート (443)、範囲 (8000-8100) を指定してください。/tcp や /udp も付けられます".into()
    }

    pub fn proto_conflict(given: impl Display, proto: impl Display) -> String {
        format!("/{given} と書かれていますが、--proto は {proto} です")
    }

    pub fn allow_port_zero() -> String {
        "ポート 0 はプロセスが待ち受けるポートではありません".into()
    }

    pub fn allow_bad_port(item: &str, reason: &str) -> String {
        format!("--allow の項目 '{item}': {reason}")
    }

    /// `close`: names close to the unknown one, comma-separated, or empty.
    pub fn allow_unknown(item: &str, close: &str) -> String {
        if close.is_empty() {
            format!("--allow の項目 '{item}': その名前のサービスはありません")
        } else {
            format!("--allow の項目 '{item}': その名前のサービスはありません。もしかして: {close}")
        }
    }

    pub fn allow_no_transport(item: &str, transport: impl Display, uses: &str) -> String {
        format!("--allow の項目 '{item}': {transport} のポートがありません (--proto {transport})。使うのは {uses} です")
    }

    pub fn firewall_transport(transport: impl Display) -> String {
        format!("--proto {transport}: ファイアウォールのルールは tcp と udp についてのみ書きます")
    }

    pub fn unknown_service(v: &str) -> String {
        format!("'{v}' はポートではなく、その名前のサービスも知られていません")
    }

    pub fn several_ports(name: &str, ports: &str) -> String {
        format!("{name} はこのマシンでは複数のポートを指します ({ports})。ポートを指定してください")
    }

    // portdex-data: FetchError

    pub fn unsupported_scheme(source: &str, scheme: &str) -> String {
        format!("{source:?}: スキーム {scheme:?} には対応していません。http:// か https:// の URL、またはファイルのパスを指定してください")
    }

    pub fn bad_url(url: &str, reason: &str) -> String {
        format!("{url:?} は正しい URL ではありません: {reason}")
    }

    pub fn bad_proxy(proxy: &str) -> String {
        format!("プロキシ {proxy:?} は正しいプロキシの URL ではありません。http://HOST:PORT、https://HOST:PORT、socks5://HOST:PORT のいずれかの形です")
    }

    pub fn http_status(url: &str, status: u16) -> String {
        format!("{url} が HTTP {status} を返しました（200 OK のはずです）")
    }

    pub fn too_large(source: &str, limit: u64) -> String {
        format!("{source} は {limit} バイトを超えています（IANA の CSV は約 1.2 MB）。読み込みを中止しました")
    }

    /// `phase`: `connection` or `complete response`.
    pub fn timeout(url: &str, phase: &str, after: impl std::fmt::Debug) -> String {
        let phase = match phase {
            "connection" => "接続できません",
            "complete response" => "応答を受け取り終えられません",
            other => other,
        };
        format!("{url}: {after:?} 以内に{phase}でした")
    }

    pub fn too_many_redirects(url: &str, limit: u32) -> String {
        format!("{url}: リダイレクトが {limit} 回を超えました（リダイレクトのループ?）")
    }

    pub fn not_a_file(path: impl Display) -> String {
        format!("{path}: 通常のファイルではありません。CSV ファイルのパスを指定してください")
    }

    // portdex-data: CsvError, DateError

    pub fn csv_line(line: usize, what: &str) -> String {
        format!("{line} 行目: {what}")
    }

    pub fn csv_empty() -> String {
        "ファイルが空です。IANA のレジストリの CSV のはずです".into()
    }

    pub fn csv_html() -> String {
        "これは HTML のページで、IANA の CSV ではありません（キャプティブポータル、プロキシのログインページ、エラーページ?）".into()
    }

    pub fn csv_not_utf8(byte: u8) -> String {
        format!("バイト 0x{byte:02x} は UTF-8 ではありません。IANA の CSV は UTF-8 のテキストです")
    }

    pub fn csv_header(found: &str, expected: &str) -> String {
        format!("ヘッダーが IANA のものではありません: {found:?}（期待: {expected:?}）")
    }

    pub fn csv_unclosed_quote() -> String {
        "引用符で囲んだフィールドがファイルの終わりまでに閉じていません（ファイルが途中で切れている?）".into()
    }

    pub fn csv_stray_quote() -> String {
        "引用符で囲まれていないフィールドの中に引用符 (\") があります。引用符はフィールド全体を囲む場合にだけ使えます".into()
    }

    pub fn csv_after_quote(found: char) -> String {
        format!("閉じ引用符の後に {found:?} があります。カンマか行末のはずです")
    }

    pub fn csv_bare_cr() -> String {
        "引用符の外に、改行 (LF) が続かない復帰文字 (\\r) があります".into()
    }

    pub fn csv_no_final_newline() -> String {
        "最後の行が改行で終わっていません（ファイルが途中で切れている?）".into()
    }

    pub fn csv_field_count(found: usize, fields: usize) -> String {
        format!("この行のフィールドは {found} 個です。IANA の行は {fields} 個です")
    }

    pub fn csv_port(v: &str) -> String {
        format!("ポート {v:?} は 0-65535 のポート、lo <= hi の範囲 lo-hi、空欄のどれでもありません")
    }

    pub fn csv_transport(v: &str) -> String {
        format!("トランスポート {v:?} は tcp、udp、sctp、dccp、空欄のどれでもありません")
    }

    pub fn csv_date(field: &str, v: &str) -> String {
        format!("{field} {v:?} は YYYY-MM-DD か YYYY-MM の日付、または空欄のはずです")
    }

    pub fn csv_service_name(v: &str) -> String {
        format!("サービス名 {v:?} は RFC 6335 に反しており（英数字とハイフンで 1-15 文字、英字を 1 文字以上含み、両端にハイフンなし、\"--\" なし）、IANA が例外として認めた名前でもありません")
    }

    pub fn csv_too_few_rows(found: usize, min: usize) -> String {
        format!("{found} 行しかありません。IANA のレジストリは 14,000 行を超えます。少なくとも {min} 行が必要です（ファイルが途中で切れている?）")
    }

    pub fn bad_date(v: &str) -> String {
        format!("{v:?} は YYYY-MM-DD か YYYY-MM の形の日付ではありません")
    }

    // portdex-data: StoreError, LoadError

    pub fn no_data_dir() -> String {
        "データディレクトリがありません。XDG_DATA_HOME（絶対パス）も HOME も設定されていません。どちらかを設定してください".into()
    }

    pub fn store_busy(lock: impl Display) -> String {
        format!("{lock}: 別の `portdex update` が実行中です。終わってからもう一度実行してください")
    }

    pub fn bad_meta(path: impl Display, detail: &str) -> String {
        format!("{path}: メタデータが壊れています ({detail})。`portdex update` をもう一度実行してください")
    }

    pub fn data_missing(path: impl Display) -> String {
        format!("{path} がありません。`portdex update` をもう一度実行してください")
    }

    pub fn data_size(path: impl Display, found: u64, expected: u64) -> String {
        format!("{path} は {found} バイトですが、{expected} バイトのはずです（途中で切れている?）。`portdex update` をもう一度実行してください")
    }

    pub fn data_checksum(path: impl Display, found: &str, expected: &str) -> String {
        format!("{path} は壊れています: SHA-256 が {found} ですが、{expected} のはずです。`portdex update` をもう一度実行してください")
    }
}

// ======================================================================================
// The beginner's guide (`portdex guide`, and the web page's /guide, whose words in WEB
// are these same texts).
// ======================================================================================

/// One text of the guide in English and Japanese. `{0}`, `{1}`… are filled by
/// [`Guide::fill`] (the command line) or by the web page's `t()`, with the same values.
pub type Pair = (&'static str, &'static str);

/// The guide's texts. Each is a const so that the command line and the web page
/// (`WEB`'s `guide.*` keys) say the same words.
pub mod conns;

pub mod guide {
    use super::Pair;

    pub const TITLE: Pair = ("Port numbers: a guide for beginners", "ポート番号入門");
    pub const WHAT_TITLE: Pair = ("What is a port number?", "ポート番号とは");
    pub const WHAT: Pair = (
        "A machine on a network is found by its IP address, as a building is found by its street address. Many programs on that machine talk over the network at once, so every connection also names a port: a number from 0 to 65535, like the number of one door (one apartment) in the building. A server program listens behind its door; a client knocks on the address and the door together, as in 192.0.2.10:443.",
        "ネットワーク上のマシンは IP アドレスで見つける。建物を住所で見つけるのと同じである。1 台のマシンでは多くのプログラムが同時に通信するので、接続ごとにポート番号も指定する。ポート番号は 0 から 65535 までの数で、建物の中の部屋番号（ドアの番号）にあたる。サーバーのプログラムは自分のドアの奥で待ち受け、クライアントは 192.0.2.10:443 のようにアドレスとドアの番号を組にして訪ねる。",
    );
    pub const WHAT_TRANSPORTS: Pair = (
        "TCP and UDP have doors of their own: TCP port 53 and UDP port 53 are two different ports. Behind a door where no program listens, nobody answers: the connection is refused.",
        "TCP と UDP のドアは別々にある。TCP の 53 番と UDP の 53 番は別のポートである。待ち受けているプログラムがいないドアには誰も応答せず、接続は拒否される。",
    );
    pub const RANGES_TITLE: Pair = ("The three ranges (RFC 6335)", "3 つの範囲（RFC 6335）");
    pub const WELL_KNOWN: Pair = (
        "System ports, assigned by IANA to the standard services of the Internet. On Linux, by default only root may listen on them.",
        "システムポート。IANA がインターネットの標準的なサービスに割り当てる。Linux では既定で root だけがこの範囲で待ち受けられる。",
    );
    pub const REGISTERED: Pair = (
        "User ports, assigned by IANA to applications on request: databases, remote desktops, message brokers. Many programs also use ports here that IANA never assigned to them.",
        "ユーザーポート。申請に応じて IANA がアプリケーションに割り当てる。データベース、リモートデスクトップ、メッセージブローカーなどである。IANA の割り当てを受けずにこの範囲を使うプログラムも多い。",
    );
    pub const DYNAMIC: Pair = (
        "Never assigned to a service. For each outgoing connection the operating system picks the client's own port (an ephemeral port) from a range like this one; programs may also use them privately.",
        "サービスに割り当てられることはない。外向きの接続ごとに、OS はクライアント側のポート（エフェメラルポート）をこのような範囲から選ぶ。プログラムが私的に使うこともできる。",
    );
    pub const EXAMPLES: Pair = ("for example: ", "例：");
    pub const EPHEMERAL: Pair = (
        "On this machine the kernel picks ephemeral ports from {0}–{1} (/proc/sys/net/ipv4/ip_local_port_range).",
        "このマシンのカーネルは、エフェメラルポートを {0}–{1} から選ぶ（/proc/sys/net/ipv4/ip_local_port_range）。",
    );
    /// `{0}` a range's name, `{1}`–`{2}` the ports of it the ephemeral range covers.
    pub const EPHEMERAL_OVERLAP: Pair = (
        "It covers the {0} ports {1}–{2}: a server that wants one of them may find it taken by an outgoing connection. `portdex free` leaves the ephemeral range out.",
        "この範囲は{0}の {1}–{2} と重なる。そこにあるポートで待ち受けたいサーバーは、外向きの接続にポートを使われていることがある。`portdex free` はエフェメラルポートの範囲を避ける。",
    );
    pub const EPHEMERAL_INSIDE: Pair = (
        "It lies inside the dynamic/private ports, where no service is assigned.",
        "この範囲は動的/プライベートポートの中にあり、サービスの割り当てとは重ならない。",
    );
    pub const EPHEMERAL_UNKNOWN: Pair = (
        "The ephemeral range of this machine could not be read from /proc/sys/net/ipv4/ip_local_port_range. On Linux it is usually 32768–60999, which covers registered ports as well as dynamic ones.",
        "このマシンのエフェメラルポートの範囲を /proc/sys/net/ipv4/ip_local_port_range から読めなかった。Linux では通常 32768–60999 で、動的ポートだけでなく登録済みポートとも重なる。",
    );
    pub const PORTS_TITLE: Pair = (
        "The twenty ports everyone should know",
        "覚えておきたい 20 のポート",
    );
    pub const PORTS_HEADER: [Pair; 5] = [
        ("PORT", "ポート"),
        ("PROTO", "プロトコル"),
        ("SERVICE", "サービス"),
        ("USE", "用途"),
        ("ENCRYPTION", "暗号化"),
    ];
    pub const ENCRYPTED: Pair = ("encrypted", "暗号化");
    pub const CLEARTEXT: Pair = ("cleartext", "平文");
    pub const PORTS_SOURCE: Pair = (
        "The names and uses are the ones `portdex PORT` shows; `portdex 443` tells more about one port.",
        "名前と用途は `portdex PORT` が表示するものと同じである。1 つのポートについて詳しくは `portdex 443` のように調べる。",
    );
    pub const HABITS_TITLE: Pair = ("Three habits", "3 つの習慣");
    pub const CLOSE: Pair = (
        "1. Close what you do not need. Every port that listens is a door someone can knock on. See what other machines can reach, then stop the programs you do not use, or make them listen on 127.0.0.1 only:",
        "1. 使わないものは閉じる。待ち受けているポートはどれも、誰かが訪ねてこられるドアである。外部から到達できるものを確かめ、使わないプログラムは止めるか、127.0.0.1 だけで待ち受けるようにする：",
    );
    pub const FIREWALL: Pair = (
        "2. Put a firewall in front. Allow only the ports you mean to offer and drop the rest, so that a program started by mistake cannot be reached. portdex writes the rules for nftables, ufw, iptables or firewalld, and applies them with a rollback (--apply):",
        "2. ファイアウォールを置く。提供するつもりのポートだけを許可して残りは破棄し、うっかり起動したプログラムに外から到達できないようにする。portdex は nftables、ufw、iptables、firewalld のルールを書き出し、ロールバック付きで適用する（--apply）：",
    );
    pub const ENCRYPT: Pair = (
        "3. Prefer the encrypted protocol. On a cleartext protocol anyone on the path can read the passwords and the data: use SSH rather than Telnet, HTTPS rather than HTTP, IMAPS (993) rather than IMAP (143). The audit names the encrypted alternative of each cleartext service it finds:",
        "3. 暗号化されたプロトコルを選ぶ。平文のプロトコルでは、パスワードもデータも経路上の誰もが読み取れる。Telnet ではなく SSH、HTTP ではなく HTTPS、IMAP（143 番）ではなく IMAPS（993 番）を使う。監査は、見つけた平文のサービスごとに暗号化された代替を示す：",
    );
    pub const CLEARTEXT_FOUND: Pair = (
        "Cleartext services the audit finds reachable from other machines, right now:",
        "現在、外部から到達できる平文のサービス（監査の結果）：",
    );
    pub const CLEARTEXT_NONE: Pair = (
        "Right now the audit finds no cleartext service reachable from other machines.",
        "現在、外部から到達できる平文のサービスを監査は見つけていない。",
    );
    pub const OWNERS_HIDDEN: Pair = (
        "Some owners are hidden (other users' processes): as root the audit sees every process.",
        "一部の所有プロセスが見えない（他のユーザーのプロセス）。root で実行すると、監査はすべてのプロセスを確認できる。",
    );
    pub const NOT_LISTED: Pair = (
        "This machine's sockets could not be listed: {0}",
        "このマシンのソケットを一覧できなかった：{0}",
    );
    /// The web page only: the server does not show this machine (no --expose-local).
    pub const NOT_SERVED: Pair = (
        "This server does not show this machine's audit (it was started without --expose-local): run `portdex audit` or `portdex guide` on the machine.",
        "このサーバーはこのマシンの監査を表示しない（--expose-local なしで起動されている）。そのマシンで `portdex audit` または `portdex guide` を実行する。",
    );
    /// The label of a finding's fix.
    pub const FIX: Pair = ("fix", "対策");
}

/// The guide's texts in one language.
#[derive(Clone, Copy)]
pub struct Guide(pub Lang);

impl Guide {
    /// A text of [`guide`] in this language.
    pub fn get(self, text: Pair) -> &'static str {
        self.0.pick(text.0, text.1)
    }

    /// A text with its `{0}`, `{1}`… replaced by `args`, in order.
    pub fn fill(self, text: Pair, args: &[&dyn std::fmt::Display]) -> String {
        let mut out = self.get(text).to_owned();
        for (i, a) in args.iter().enumerate() {
            out = out.replace(&format!("{{{i}}}"), &a.to_string());
        }
        out
    }

    /// The table's column titles.
    pub fn ports_header(self) -> [&'static str; 5] {
        guide::PORTS_HEADER.map(|p| self.get(p))
    }
}

// ======================================================================================
// The web page's words (`portdex serve`'s page, crates/portdex-server/web/app.js).
// ======================================================================================

/// The web page's words, `(key, English, Japanese)`. The server hands them to the page
/// as `/assets/text.js`; the page looks each up with `t(key, …args)`.
///
/// Rules:
/// - `{0}`, `{1}`… are the arguments of `t`, in order; English and Japanese use the same
///   set (each may place them anywhere and repeat them). The page formats numbers
///   before it passes them.
/// - `KEY.one` is used instead of `KEY` when the first argument is 1 (English plurals);
///   Japanese has no plural, so its `.one` text is the same as the plain one.
/// - A translated identifier from the API is `GROUP.identifier`: `sev.` severities,
///   `st.` registry statuses, `exp.` exposures, `src.` a registry row's source.
/// - A key with neither text for the language falls back to English, then to the
///   identifier itself (for identifiers a newer server may add).
pub static WEB: &[(&str, &str, &str)] = &[
    // The page's frame (index.html's data-t elements and the search box).
    ("skip", "Skip to content", "本文へ移動"),
    (
        "homeTitle",
        "portdex: port numbers, their services and their risks",
        "portdex：ポート番号とそのサービス、リスク",
    ),
    ("resultsHeading", "Results", "結果"),
    (
        "searchLabel",
        "Port, range, name or words",
        "ポート番号・範囲・サービス名・キーワード",
    ),
    (
        "placeholder",
        "443, 8000-8100, ldaps, mail…",
        "443、8000-8100、ldaps、mail…",
    ),
    (
        "hint",
        "Type a port (443), a range (8000-8100), a service name (ldaps) or words (mail). Press / to search from anywhere.",
        "ポート番号（443）、範囲（8000-8100）、サービス名（ldaps）、キーワード（mail）を入力してください。/ キーでどこからでも検索できます。",
    ),
    ("mapTitle", "All 65,536 ports", "全 65,536 ポート"),
    (
        "mapNote",
        "Each cell is a stretch of ports, darker where more of them are assigned by IANA. Select a cell to list its ports; arrow keys move between cells.",
        "各セルはポートの区間です。IANA に割り当てられたポートが多いほど濃く表示されます。セルを選ぶとその区間のポートを一覧します。矢印キーでセル間を移動できます。",
    ),
    ("localTitle", "This machine", "このマシン"),
    (
        "footer",
        "Offline: the IANA registry and portdex's curated notes, served by this machine. No third-party requests.",
        "オフラインで動作：IANA レジストリと portdex の解説を、このマシンが配信しています。外部へのリクエストはありません。",
    ),
    // The language button names the other language, in that language.
    ("langButton", "日本語", "English"),
    ("langButtonLang", "ja", "en"),
    ("langButtonLabel", "日本語に切り替える", "Switch to English"),
    // Searching and its results.
    ("searching", "Searching…", "検索中…"),
    ("results", "{0} results for “{1}”", "「{1}」の検索結果：{0} 件"),
    ("results.one", "{0} result for “{1}”", "「{1}」の検索結果：{0} 件"),
    (
        "more",
        "({0} more matching rows: add words to narrow the search)",
        "（ほかに {0} 行が一致：キーワードを追加して絞り込んでください）",
    ),
    (
        "noResults",
        "Nothing found for “{0}”.",
        "「{0}」に一致するものはありません。",
    ),
    // A port and a range.
    ("portTitle", "Port {0}", "ポート {0}"),
    ("portsTitle", "Ports {0}–{1}", "ポート {0}–{1}"),
    (
        "nothingAssigned",
        "Nothing is assigned to port {0} and no common use is known.",
        "ポート {0} には何も割り当てられておらず、一般的な用途も知られていません。",
    ),
    (
        "inCategory",
        "It is in the {0} range ({1}–{2}).",
        "{0}（{1}–{2}）の範囲にあります。",
    ),
    (
        "dynamicNote",
        "Ports in this range are not assigned; operating systems hand them out as ephemeral (client) ports.",
        "この範囲のポートは割り当てられず、OS がエフェメラル（クライアント側）ポートとして使います。",
    ),
    ("iana", "IANA assignment", "IANA 割り当て"),
    (
        "common",
        "common use, not an IANA assignment",
        "慣用（IANA 割り当てではない）",
    ),
    ("cleartext", "cleartext", "平文"),
    ("usage", "Use", "用途"),
    ("risk", "When exposed", "公開した場合"),
    ("alternative", "Secure alternative", "安全な代替"),
    ("note", "Note", "注記"),
    ("reference", "Reference", "出典"),
    ("securityReference", "Security reference", "セキュリティの出典"),
    ("registry", "IANA registry", "IANA レジストリ"),
    ("service", "Service", "サービス"),
    ("transport", "Transport", "トランスポート"),
    ("description", "Description", "説明"),
    ("statusCol", "Status", "状態"),
    ("source", "Source", "データ元"),
    ("port", "Port", "ポート"),
    ("commonUse", "Common use", "一般的な用途"),
    (
        "rangeCount",
        "{0} ports have an assignment or a common use.",
        "割り当てまたは一般的な用途のあるポート：{0} 件",
    ),
    (
        "rangeCount.one",
        "{0} port has an assignment or a common use.",
        "割り当てまたは一般的な用途のあるポート：{0} 件",
    ),
    (
        "rangeShown",
        "The first {0} of {1} are listed; narrow the range to see the rest.",
        "全 {1} 件のうち先頭 {0} 件を表示しています。残りは範囲を狭めてください。",
    ),
    ("prev", "← {0}", "← {0}"),
    ("next", "{0} →", "{0} →"),
    ("allPorts", "All ports", "すべてのポート"),
    // Between the items of a list of translated words (a row's sources).
    ("sep", ", ", "、"),
    // The map.
    (
        "mapCell",
        "Ports {0}–{1}: {2} assigned, {3} with a common use",
        "ポート {0}–{1}：割り当て {2}、一般的な用途 {3}",
    ),
    ("legendFew", "fewer assigned", "割り当てが少ない"),
    ("legendMany", "more assigned", "多い"),
    ("bandCount", "{0} assigned rows", "割り当て {0} 行"),
    // This machine (--expose-local).
    ("audit", "Audit", "監査"),
    ("listeners", "Listening sockets", "待ち受け中のソケット"),
    ("refresh", "Refresh", "更新"),
    (
        "noFindings",
        "No findings among {0} listeners.",
        "待ち受け {0} 件に指摘事項はありません。",
    ),
    (
        "noFindings.one",
        "No findings for the {0} listener.",
        "待ち受け {0} 件に指摘事項はありません。",
    ),
    (
        "findingsSummary",
        "{0} findings among {1} listeners ({2} reachable from this machine only).",
        "待ち受け {1} 件に指摘 {0} 件（このマシンからのみ到達可能：{2} 件）。",
    ),
    (
        "findingsSummary.one",
        "{0} finding among {1} listeners ({2} reachable from this machine only).",
        "待ち受け {1} 件に指摘 {0} 件（このマシンからのみ到達可能：{2} 件）。",
    ),
    ("why", "Why", "理由"),
    ("fix", "Fix", "対策"),
    ("address", "Address", "アドレス"),
    ("exposure", "Reachable from", "到達できる範囲"),
    ("process", "Process", "プロセス"),
    ("user", "User", "ユーザー"),
    ("exp.loopback", "this machine", "このマシンのみ"),
    ("exp.address", "one address", "特定のアドレス"),
    ("exp.all", "every interface", "すべてのインターフェース"),
    (
        "ownersHidden",
        "Some owners are hidden: run portdex serve as root to see every process.",
        "一部の所有プロセスが見えません。すべてを見るには portdex serve を root で実行してください。",
    ),
    (
        "dockerPublished",
        "docker-proxy publishes a port here: ufw rules do not apply to it.",
        "docker-proxy がポートを公開しています。ufw のルールは適用されません。",
    ),
    // Identifiers of the API: severities, registry statuses, a row's source.
    ("sev.critical", "critical", "重大"),
    ("sev.high", "high", "高"),
    ("sev.medium", "medium", "中"),
    ("sev.low", "low", "低"),
    ("sev.info", "info", "情報"),
    ("st.assigned", "assigned", "割り当て済み"),
    ("st.reserved", "reserved", "予約"),
    ("st.unassigned", "unassigned", "未割り当て"),
    ("st.de-assigned", "de-assigned", "割り当て解除"),
    // data/README.md: `iana` rows are IANA's registry as it is now (its CSV); `history`
    // rows are names IANA no longer lists on that port, known only from the 2015 registry.
    ("src.iana", "IANA registry (current)", "IANA レジストリ（現行）"),
    (
        "src.history",
        "history: 2015 registry only, no longer listed",
        "履歴：2015 年版レジストリのみ（現行版にはない）",
    ),
    // The guide (/guide): the same texts as `portdex guide` (the `guide` module).
    (
        "guideLink",
        "New to ports? Read the guide",
        "はじめての方へ：ポート番号入門",
    ),
    ("guide.title", guide::TITLE.0, guide::TITLE.1),
    ("guide.whatTitle", guide::WHAT_TITLE.0, guide::WHAT_TITLE.1),
    ("guide.what", guide::WHAT.0, guide::WHAT.1),
    ("guide.whatTransports", guide::WHAT_TRANSPORTS.0, guide::WHAT_TRANSPORTS.1),
    ("guide.rangesTitle", guide::RANGES_TITLE.0, guide::RANGES_TITLE.1),
    // By the API's category identifiers: tv('guide', category).
    ("guide.well-known", guide::WELL_KNOWN.0, guide::WELL_KNOWN.1),
    ("guide.registered", guide::REGISTERED.0, guide::REGISTERED.1),
    ("guide.dynamic", guide::DYNAMIC.0, guide::DYNAMIC.1),
    ("guide.examples", guide::EXAMPLES.0, guide::EXAMPLES.1),
    ("guide.ephemeral", guide::EPHEMERAL.0, guide::EPHEMERAL.1),
    ("guide.ephemeralOverlap", guide::EPHEMERAL_OVERLAP.0, guide::EPHEMERAL_OVERLAP.1),
    ("guide.ephemeralInside", guide::EPHEMERAL_INSIDE.0, guide::EPHEMERAL_INSIDE.1),
    ("guide.ephemeralUnknown", guide::EPHEMERAL_UNKNOWN.0, guide::EPHEMERAL_UNKNOWN.1),
    ("guide.portsTitle", guide::PORTS_TITLE.0, guide::PORTS_TITLE.1),
    ("guide.colUse", "Use", "用途"),
    ("guide.colEncryption", "Encryption", "暗号化"),
    ("guide.encrypted", guide::ENCRYPTED.0, guide::ENCRYPTED.1),
    ("guide.cleartext", guide::CLEARTEXT.0, guide::CLEARTEXT.1),
    ("guide.portsSource", guide::PORTS_SOURCE.0, guide::PORTS_SOURCE.1),
    ("guide.habitsTitle", guide::HABITS_TITLE.0, guide::HABITS_TITLE.1),
    ("guide.close", guide::CLOSE.0, guide::CLOSE.1),
    ("guide.firewall", guide::FIREWALL.0, guide::FIREWALL.1),
    ("guide.encrypt", guide::ENCRYPT.0, guide::ENCRYPT.1),
    ("guide.cleartextFound", guide::CLEARTEXT_FOUND.0, guide::CLEARTEXT_FOUND.1),
    ("guide.cleartextNone", guide::CLEARTEXT_NONE.0, guide::CLEARTEXT_NONE.1),
    ("guide.ownersHidden", guide::OWNERS_HIDDEN.0, guide::OWNERS_HIDDEN.1),
    ("guide.notServed", guide::NOT_SERVED.0, guide::NOT_SERVED.1),
    // Errors.
    (
        "failed",
        "The server answered with an error: {0}",
        "サーバーがエラーを返しました：{0}",
    ),
    (
        "offline",
        "The portdex server cannot be reached.",
        "portdex サーバーに接続できません。",
    ),
];

#[cfg(test)]
mod guide_tests {
    use super::{guide, Guide, Lang, Pair, WEB};

    /// Every text of the guide, the command line's and the web page's.
    fn all() -> Vec<Pair> {
        let mut texts = vec![
            guide::TITLE,
            guide::WHAT_TITLE,
            guide::WHAT,
            guide::WHAT_TRANSPORTS,
            guide::RANGES_TITLE,
            guide::WELL_KNOWN,
            guide::REGISTERED,
            guide::DYNAMIC,
            guide::EXAMPLES,
            guide::EPHEMERAL,
            guide::EPHEMERAL_OVERLAP,
            guide::EPHEMERAL_INSIDE,
            guide::EPHEMERAL_UNKNOWN,
            guide::PORTS_TITLE,
            guide::ENCRYPTED,
            guide::CLEARTEXT,
            guide::PORTS_SOURCE,
            guide::HABITS_TITLE,
            guide::CLOSE,
            guide::FIREWALL,
            guide::ENCRYPT,
            guide::CLEARTEXT_FOUND,
            guide::CLEARTEXT_NONE,
            guide::OWNERS_HIDDEN,
            guide::NOT_LISTED,
            guide::NOT_SERVED,
            guide::FIX,
        ];
        texts.extend(guide::PORTS_HEADER);
        texts
    }

    #[test]
    fn the_guide_is_in_both_languages_in_the_manual_style() {
        for (en, ja) in all() {
            assert!(!en.trim().is_empty() && !ja.trim().is_empty(), "{en}");
            assert_ne!(en, ja, "{en}: not translated");
            // data/GLOSSARY.md: plain form, no 「あなた」, no mid-sentence 「つまり」.
            for banned in ["あなた", "つまり", "です", "ます", "ください", "露出"] {
                assert!(!ja.contains(banned), "{ja}: {banned}");
            }
        }
        // The web page shows the same words (WEB's guide.* keys hold these consts).
        for (en, ja) in all() {
            let on_web = WEB.iter().any(|e| e.1 == en && e.2 == ja);
            let cli_only = [guide::NOT_LISTED, guide::FIX]
                .iter()
                .chain(&guide::PORTS_HEADER)
                .any(|p| p.0 == en);
            assert!(on_web || cli_only, "{en} is not on the web page");
        }
    }

    #[test]
    fn fill_replaces_each_placeholder() {
        let t = Guide(Lang::En);
        assert_eq!(
            t.fill(guide::EPHEMERAL_OVERLAP, &[&"registered", &32768, &49151]),
            "It covers the registered ports 32768–49151: a server that wants one of them may find it taken by an outgoing connection. `portdex free` leaves the ephemeral range out."
        );
        let ja = Guide(Lang::Ja).fill(guide::EPHEMERAL, &[&32768, &60999]);
        assert!(ja.contains("32768–60999") && !ja.contains('{'), "{ja}");
    }
}

#[cfg(test)]
mod web_tests {
    use super::WEB;
    use std::collections::BTreeSet;

    /// The placeholders of a template: `{0}`, `{1}`… as numbers.
    fn placeholders(text: &str) -> BTreeSet<usize> {
        let mut found = BTreeSet::new();
        let mut rest = text;
        while let Some(open) = rest.find('{') {
            rest = &rest[open + 1..];
            if let Some(close) = rest.find('}') {
                if let Ok(n) = rest[..close].parse() {
                    found.insert(n);
                }
            }
        }
        found
    }

    #[test]
    fn every_web_text_is_in_both_languages_with_the_same_placeholders() {
        for &(key, en, ja) in WEB {
            assert!(!en.trim().is_empty(), "{key}: no English");
            assert!(!ja.trim().is_empty(), "{key}: no Japanese");
            let (pe, pj) = (placeholders(en), placeholders(ja));
            assert_eq!(pe, pj, "{key}: English and Japanese placeholders differ");
            // {0}…{n-1}, none skipped: t() fills them by position.
            assert!(
                pe.iter().copied().eq(0..pe.len()),
                "{key}: placeholders skip a number: {pe:?}"
            );
        }
    }

    #[test]
    fn web_keys_are_unique_and_plurals_have_their_base() {
        let mut seen = BTreeSet::new();
        for &(key, _, _) in WEB {
            assert!(seen.insert(key), "{key} twice");
            assert!(
                !key.is_empty() && !key.contains(char::is_whitespace),
                "{key:?} is not a key"
            );
        }
        for &(key, en, _) in WEB {
            if let Some(base) = key.strip_suffix(".one") {
                let (_, base_en, _) = WEB.iter().find(|e| e.0 == base).unwrap_or_else(|| {
                    panic!("{key} without {base}");
                });
                assert_eq!(
                    placeholders(en),
                    placeholders(base_en),
                    "{key} takes the arguments of {base}"
                );
            }
        }
    }

    #[test]
    fn every_api_identifier_has_words() {
        let has = |k: String| WEB.iter().any(|e| e.0 == k);
        for sev in ["critical", "high", "medium", "low", "info"] {
            assert!(has(format!("sev.{sev}")), "sev.{sev}");
        }
        for st in ["assigned", "reserved", "unassigned", "de-assigned"] {
            assert!(has(format!("st.{st}")), "st.{st}");
        }
        for exp in ["loopback", "address", "all"] {
            assert!(has(format!("exp.{exp}")), "exp.{exp}");
        }
        for src in ["iana", "history"] {
            assert!(has(format!("src.{src}")), "src.{src}");
        }
    }
}
