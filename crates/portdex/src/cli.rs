//! The command line: every flag, with a one-line help. No logic past parsing here.

use clap::{Parser, Subcommand, ValueEnum};

/// What is port 9200? Which port does LDAPS use? The complete IANA port registry plus
/// common uses and security notes, offline.
#[derive(Parser, Debug)]
#[command(
    name = "portdex",
    version,
    args_conflicts_with_subcommands = true,
    allow_negative_numbers = true,
    after_help = "Examples:\n  portdex 443\n  portdex 80 22 3306\n  portdex redis\n  portdex 8000-8100 --proto tcp\n  portdex search mail\n  portdex 443 --json\n  portdex --format services > services\n  portdex -- who            (a service named like a command)\n\n\
Exit status: 0 found, 1 nothing found (for any query), 2 bad input.\n\n\
New to ports? portdex guide"
)]
pub struct Cli {
    /// Ports (443), ranges (8000-8100) or service names (ldaps, postgres).
    #[arg(value_name = "QUERY")]
    pub queries: Vec<String>,

    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// `portdex QUERY…` alone: [`Cli`] without its subcommands, whose construction is most
/// of clap's start-up work. main.rs parses with it first when no subcommand is named,
/// and falls back to [`Cli`] for anything else (help, version, every error), so what
/// users see is always [`Cli`]'s.
#[derive(Parser, Debug)]
#[command(
    name = "portdex",
    allow_negative_numbers = true,
    disable_help_flag = true,
    disable_version_flag = true
)]
pub struct Lookup {
    /// Ports, ranges or service names.
    #[arg(value_name = "QUERY")]
    pub queries: Vec<String>,

    #[command(flatten)]
    pub output: OutputArgs,
}

/// The names (and aliases) of [`Command`]'s subcommands, and clap's `help`: an argument
/// equal to one of them sends parsing to the full [`Cli`]. A test keeps it complete.
pub const SUBCOMMANDS: &[&str] = &[
    "guide",
    "search",
    "ls",
    "list",
    "who",
    "conns",
    "connections",
    "kill",
    "free",
    "audit",
    "firewall",
    "scan",
    "serve",
    "update",
    "data",
    "completions",
    "man",
    "help",
];

/// Output options shared by every command.
#[derive(clap::Args, Debug, Clone)]
pub struct OutputArgs {
    /// Only this transport.
    #[arg(long, global = true, value_enum, value_name = "PROTO")]
    pub proto: Option<Proto>,

    /// Output format.
    #[arg(long, short = 'f', global = true, value_enum, default_value_t = Format::Table)]
    pub format: Format,

    /// JSON output (same as --format json); the schema is in docs/json.md.
    #[arg(long, global = true, conflicts_with = "csv")]
    pub json: bool,

    /// CSV output (same as --format csv).
    #[arg(long, global = true)]
    pub csv: bool,

    /// Language of the text: en or ja (default: from LC_ALL, LC_MESSAGES or LANG).
    #[arg(long, global = true, value_enum)]
    pub lang: Option<LangArg>,

    /// When to use colour (never with NO_COLOR set, unless always).
    #[arg(long, global = true, value_enum, default_value_t = ColorArg::Auto)]
    pub color: ColorArg,
}

/// Subcommands.
#[derive(Subcommand, Debug)]
pub enum Command {
    /// New to ports? A guide for beginners, with this machine's facts.
    ///
    /// What a port number is, the three ranges (and this machine's ephemeral range),
    /// twenty ports everyone should know, and three habits with the commands that
    /// practise them here, with the cleartext services the audit finds now.
    Guide,
    /// Ranked full-text search over names, descriptions and common uses.
    Search {
        /// Words that must all appear (case-insensitive).
        #[arg(required = true, value_name = "WORDS")]
        words: Vec<String>,
        /// Show at most this many results.
        #[arg(long, short = 'n', default_value_t = 25)]
        limit: usize,
    },
    /// What is listening on this machine: TCP listeners and bound UDP sockets, with owners.
    #[command(visible_alias = "list")]
    Ls(LsArgs),
    /// Which process holds a port (listeners only), and why a port is busy when none does.
    Who {
        /// The port.
        port: String,
    },
    /// Connections of this machine: both ends, state, owners, and what the ports are.
    #[command(
        visible_alias = "connections",
        after_help = "Listening sockets are not connections: they are left out, as are unconnected ones (close), unless --state names them. Closed connections the kernel still keeps (TIME_WAIT, no owner) are counted per port unless --all-time-wait.\n\n\
Examples:\n  portdex conns\n  portdex conns --port 5432            (who is connected to my PostgreSQL)\n  portdex conns --process firefox --state established\n  portdex conns --remote 10.0.0.0/8 --json"
    )]
    Conns(ConnsArgs),
    /// Signal the processes listening on a port (asks first; --yes for scripts).
    Kill {
        /// The port.
        port: String,
        /// The signal: TERM (default), INT, HUP, QUIT or KILL.
        #[arg(long, short = 's', default_value = "TERM")]
        signal: String,
        /// Do not ask (needed when not on a terminal).
        #[arg(long, short = 'y')]
        yes: bool,
        /// How long to wait for the port to become free, in seconds.
        #[arg(long, default_value_t = 5.0, value_name = "SECONDS")]
        wait: f64,
    },
    /// Find free ports, proven free by binding them on IPv4 and IPv6.
    Free {
        /// How many ports.
        #[arg(long, short = 'n', default_value_t = 1)]
        count: usize,
        /// Start here and go up (3000, 3001, …).
        #[arg(long, value_name = "PORT")]
        near: Option<String>,
        /// Where to look: well-known, registered, dynamic (default) or LOW-HIGH.
        #[arg(long, value_name = "RANGE")]
        range: Option<String>,
        /// UDP ports (default: TCP).
        #[arg(long)]
        udp: bool,
        /// Also hand out ports in the kernel's ephemeral range (left out by default).
        #[arg(long)]
        allow_ephemeral: bool,
    },
    /// Is this machine exposing what it should not? Findings, most severe first.
    Audit {
        /// Exit 1 when a finding is at least this severe: info, low, medium, high, critical.
        #[arg(long, value_name = "SEVERITY")]
        fail_on: Option<String>,
        /// A TOML file of accepted listeners ([[accept]] port = 22, process = "sshd").
        #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
        config: Option<std::path::PathBuf>,
    },
    /// Firewall rules that allow only what you name and drop the rest: printed, or applied
    /// with a rollback unless confirmed.
    #[command(
        after_help = "Each backend touches only what it owns: nftables the table inet portdex, iptables the chain PORTDEX-INPUT (load with iptables-restore --noflush), ufw its own rules (never a reset), firewalld the zone portdex.\n\n\
A named service follows its process: with sshd listening on 2222, --allow ssh allows 2222. Rules that would drop the port of your SSH session (SSH_CONNECTION) or a port sshd listens on are refused unless --allow-lockout.\n\n\
Examples:\n  portdex firewall --allow ssh,https\n  portdex firewall --allow ssh,https --backend iptables --family 6\n  portdex firewall --allow ssh,https --backend iptables --output-dir /etc/iptables\n  sudo portdex firewall --allow ssh,https --apply --confirm 60s\n  sudo portdex firewall --confirm            (from a new SSH session: keep the rules)"
    )]
    Firewall(FirewallArgs),
    /// What is open on a host? A TCP connect scan that names what answers.
    /// Scan only hosts you are allowed to scan.
    #[command(
        after_help = "Scan only hosts you own or are allowed to scan. There is no default target.\n\nExamples:\n  portdex scan 127.0.0.1\n  portdex scan myhost -p 22,80,443,8000-8100\n  portdex scan 127.0.0.1 -p-\n  portdex scan 10.0.0.0/28 --top 100"
    )]
    Scan(ScanArgs),
    /// Serve the web page and the JSON API (on 127.0.0.1:7878 by default).
    ///
    /// The page is at /, the API under /api/v1 (OpenAPI at /openapi.json). With
    /// --expose-local, also this machine's listeners and audit, and Prometheus /metrics.
    Serve {
        /// Address and port to listen on (0.0.0.0:7878 shares it on the network).
        #[arg(long, default_value = "127.0.0.1:7878", value_name = "ADDR:PORT")]
        bind: String,
        /// Also serve this machine's listeners, audit and /metrics.
        #[arg(long)]
        expose_local: bool,
        /// Also answer requests for this Host (a name a reverse proxy forwards, with or
        /// without :PORT); bound to loopback, only localhost, 127.0.0.1 and [::1] are
        /// answered otherwise. Repeatable.
        #[arg(long, value_name = "HOST")]
        allowed_host: Vec<String>,
        /// Connections served at once; more wait until one closes.
        #[arg(long, default_value_t = 256, value_name = "N",
              value_parser = clap::value_parser!(u32).range(1..=65536))]
        max_connections: u32,
        /// Time a client has to send a request's headers, and the server to answer: 500ms, 10s.
        #[arg(long, default_value = "10s", value_name = "DURATION")]
        timeout: String,
        /// The audit's TOML file of accepted listeners (as `portdex audit --config`): they
        /// are not findings in /api/v1/audit and /metrics. Needs --expose-local.
        #[arg(long, value_name = "FILE", value_hint = clap::ValueHint::FilePath)]
        config: Option<std::path::PathBuf>,
    },
    /// Fetch IANA's current registry, check it, and use it from now on; says what changed.
    #[command(
        after_help = "The registry is IANA's CSV (https://www.iana.org/assignments/service-names-port-numbers/). It is checked whole before anything is replaced: IANA's header, every row, at least 10,000 rows, and a change of less than 10% of the rows unless --force. Stored in $XDG_DATA_HOME/portdex (or ~/.local/share/portdex, or --data-dir, or PORTDEX_DATA_DIR); an interrupted update leaves the previous data in use. HTTPS_PROXY, HTTP_PROXY, ALL_PROXY and NO_PROXY are honoured.\n\n\
Examples:\n  portdex update\n  portdex update --check            (exit 1 when a newer registry is available)\n  portdex update --from service-names-port-numbers.csv\n  portdex data"
    )]
    Update {
        /// Where to get it: a file or an http(s) URL (default: IANA's CSV).
        #[arg(long, value_name = "FILE|URL", value_hint = clap::ValueHint::AnyPath)]
        from: Option<String>,
        /// Only say whether it differs from the registry in use: exit 0 when not, 1 when it does.
        #[arg(long)]
        check: bool,
        /// Use it even when it changes more than 10% of the rows in use.
        #[arg(long)]
        force: bool,
        /// Keep the registry in DIR instead of $XDG_DATA_HOME/portdex.
        #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
        data_dir: Option<std::path::PathBuf>,
        /// Give up when the download takes longer: 30s, 2m.
        #[arg(long, default_value = "120s", value_name = "DURATION")]
        timeout: String,
    },
    /// Which registry is in use (embedded or updated), its date and rows, where it is kept.
    Data {
        /// Look in DIR instead of $XDG_DATA_HOME/portdex.
        #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
        data_dir: Option<std::path::PathBuf>,
    },
    /// Print shell completions: subcommands, options and their values, listening ports.
    #[command(
        after_help = "The script asks portdex for each completion, so it stays current as portdex changes.\n\n\
Examples:\n  portdex completions bash > ~/.local/share/bash-completion/completions/portdex\n  portdex completions zsh > ~/.zfunc/_portdex      (with fpath+=(~/.zfunc) before compinit)\n  portdex completions fish > ~/.config/fish/completions/portdex.fish"
    )]
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print a man page (roff): portdex(1), or with a command's name its own page.
    Man {
        /// The command whose page to write (scan writes portdex-scan(1)).
        #[arg(value_name = "COMMAND")]
        page: Option<String>,
        /// Write the pages as files into DIR (portdex.1, portdex-scan.1, ...) instead.
        #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
        output_dir: Option<std::path::PathBuf>,
    },
}

/// Transports.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum Proto {
    /// TCP.
    Tcp,
    /// UDP.
    Udp,
    /// SCTP.
    Sctp,
    /// DCCP.
    Dccp,
}

/// Output formats.
#[derive(ValueEnum, Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// A readable table.
    Table,
    /// JSON (docs/json.md).
    Json,
    /// JSON Lines: one compact JSON object per line (an answer, a hit, a listener, a
    /// finding, a scanned port), for long streams and line-oriented tools.
    Jsonl,
    /// CSV with a header line.
    Csv,
    /// An /etc/services file (services(5)).
    Services,
}

/// Languages.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum LangArg {
    /// English.
    En,
    /// Japanese.
    Ja,
}

/// Colour choice.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum ColorArg {
    /// On a terminal, unless NO_COLOR is set.
    Auto,
    /// Always.
    Always,
    /// Never.
    Never,
}

/// Filters of `ls`.
#[derive(clap::Args, Debug)]
pub struct LsArgs {
    /// Only sockets other machines can reach (not loopback-only).
    #[arg(long, short = 'e')]
    pub exposed: bool,
    /// Only TCP listeners.
    #[arg(long, short = 't')]
    pub tcp: bool,
    /// Only bound UDP sockets.
    #[arg(long, short = 'u')]
    pub udp: bool,
    /// Only this port.
    #[arg(long, value_name = "PORT")]
    pub port: Option<String>,
    /// Only sockets of this process id.
    #[arg(long, value_name = "PID")]
    pub pid: Option<u32>,
    /// Only sockets of processes whose name contains this.
    #[arg(long, value_name = "NAME")]
    pub process: Option<String>,
    /// Do not look up owning processes (faster).
    #[arg(long)]
    pub no_owners: bool,
    /// Network namespaces: all (default), host, a name (ip netns list), a container, a pid, or net:[INODE].
    ///
    /// all: the host's listeners, then each other namespace's (containers', `ip netns`
    /// ones) under a header of its own; host: only the namespace portdex runs in (what
    /// ls showed before namespaces); a name from /run/netns, a container's name, the pid
    /// of a process (the namespace it is in), or net:[INODE] (readlink
    /// /proc/PID/ns/net): that one alone.
    #[arg(long, value_name = "NETNS")]
    pub netns: Option<String>,
}

/// Filters of `conns`.
#[derive(clap::Args, Debug)]
pub struct ConnsArgs {
    /// Only connections with this port at either end.
    #[arg(long, value_name = "PORT")]
    pub port: Option<String>,
    /// Only connections of this process: a pid, or (part of) a name.
    #[arg(long, value_name = "NAME|PID")]
    pub process: Option<String>,
    /// Only these states: established, syn-sent, syn-recv, fin-wait-1, fin-wait-2,
    /// time-wait, close, close-wait, last-ack, closing, listen (repeatable, or a comma
    /// list; default: all but listen and close).
    #[arg(long, value_name = "STATE")]
    pub state: Vec<String>,
    /// Only connections whose remote address is this address or in this network
    /// (192.0.2.7, ::1, 10.0.0.0/8).
    #[arg(long, value_name = "ADDR|CIDR")]
    pub remote: Option<String>,
    /// Only TCP connections.
    #[arg(long, short = 't')]
    pub tcp: bool,
    /// Only connected UDP sockets.
    #[arg(long, short = 'u')]
    pub udp: bool,
    /// List each TIME_WAIT connection instead of counting them per port.
    #[arg(long)]
    pub all_time_wait: bool,
    /// Do not look up owning processes (faster).
    #[arg(long)]
    pub no_owners: bool,
}

/// Options of `firewall`.
#[derive(clap::Args, Debug)]
pub struct FirewallArgs {
    /// What to allow: names, ports, ranges, optionally /tcp or /udp (ssh,https,8000-8100,53/udp).
    #[arg(long, value_name = "LIST", required_unless_present_any = ["from_listeners", "confirm"])]
    pub allow: Option<String>,
    /// Allow what listens on other interfaces now (stop what you do not need first).
    #[arg(long)]
    pub from_listeners: bool,
    /// nftables (default), ufw, iptables or firewalld.
    #[arg(long, value_enum)]
    pub backend: Option<BackendArg>,
    /// iptables only: the IPv4 (4, default) or IPv6 (6, for ip6tables-restore) rules.
    #[arg(long, value_name = "4|6", value_parser = ["4", "6"])]
    pub family: Option<String>,
    /// iptables only: write DIR/rules.v4 and DIR/rules.v6 (never over existing files).
    #[arg(long, value_name = "DIR", value_hint = clap::ValueHint::DirPath)]
    pub output_dir: Option<std::path::PathBuf>,
    /// Write rules even when they drop an SSH port you may need (you have a console).
    #[arg(long)]
    pub allow_lockout: bool,
    /// Apply the rules now (root), and roll them back unless confirmed in time.
    #[arg(long)]
    pub apply: bool,
    /// With --apply: how long to wait for confirmation, 1s to 1h (default 60s). Alone:
    /// confirm the rules that a waiting --apply put in place.
    #[arg(long, value_name = "DURATION", num_args = 0..=1)]
    pub confirm: Option<Option<String>>,
}

/// Firewall front-ends.
#[derive(ValueEnum, Clone, Copy, Debug)]
pub enum BackendArg {
    /// An nftables ruleset for `nft -f`.
    Nftables,
    /// ufw commands.
    Ufw,
    /// iptables-restore / ip6tables-restore input.
    Iptables,
    /// firewall-cmd commands.
    Firewalld,
}

/// Options of `scan`.
#[derive(clap::Args, Debug)]
pub struct ScanArgs {
    /// Hosts: names, IPv4 or IPv6 addresses, networks (10.0.0.0/28).
    #[arg(required = true, value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Ports: 22,80,443,8000-8100, or - for all (-p-).
    #[arg(
        long = "ports",
        short = 'p',
        value_name = "SPEC",
        allow_hyphen_values = true,
        conflicts_with = "top"
    )]
    pub ports: Option<String>,
    /// The N ports most worth trying, from portdex's own list (default 1000).
    #[arg(long, value_name = "N")]
    pub top: Option<usize>,
    /// How long to wait for each connect: 500ms, 2s (default 1s).
    #[arg(long, default_value = "1s", value_name = "DURATION")]
    pub timeout: String,
    /// How often to re-try ports that did not answer.
    #[arg(long, default_value_t = 1)]
    pub retries: u32,
    /// At most this many connects in flight (default: what the fd limit allows, up to 8192).
    #[arg(long, value_name = "N")]
    pub concurrency: Option<usize>,
    /// At most this many new connects per second.
    #[arg(long, value_name = "N")]
    pub rate: Option<u32>,
    /// Allow networks larger than a /16.
    #[arg(long)]
    pub force: bool,
    /// Do not connect again to name what answers on open ports.
    #[arg(long)]
    pub no_detect: bool,
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_argument_definitions_are_consistent() {
        use clap::CommandFactory;
        super::Cli::command().debug_assert();
        super::Lookup::command().debug_assert();
    }

    #[test]
    fn every_subcommand_name_sends_parsing_to_the_full_command_line() {
        use clap::CommandFactory;
        let cmd = super::Cli::command();
        for sub in cmd.get_subcommands() {
            for name in std::iter::once(sub.get_name()).chain(sub.get_all_aliases()) {
                assert!(
                    super::SUBCOMMANDS.contains(&name),
                    "{name} is missing from SUBCOMMANDS"
                );
            }
        }
        // And nothing else: each listed name is a subcommand (or clap's help).
        for name in super::SUBCOMMANDS {
            assert!(
                *name == "help" || cmd.find_subcommand(name).is_some(),
                "{name} is not a subcommand"
            );
        }
    }
}
