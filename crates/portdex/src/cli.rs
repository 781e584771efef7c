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
    after_help = "Examples:\n  portdex 443\n  portdex 80 22 3306\n  portdex redis\n  portdex 8000-8100 --proto tcp\n  portdex search mail\n  portdex 443 --json\n  portdex --format services > services\n\n\
Exit status: 0 found, 1 nothing found (for any query), 2 bad input."
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

/// Output options shared by every command.
#[derive(clap::Args, Debug, Clone)]
pub struct OutputArgs {
    /// Only this transport.
    #[arg(long, short = 'p', global = true, value_enum, value_name = "PROTO")]
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
    /// Ranked full-text search over names, descriptions and common uses.
    Search {
        /// Words that must all appear (case-insensitive).
        #[arg(required = true, value_name = "WORDS")]
        words: Vec<String>,
        /// Show at most this many results.
        #[arg(long, short = 'n', default_value_t = 25)]
        limit: usize,
    },
    /// Print shell completions.
    Completions {
        /// The shell.
        shell: clap_complete::Shell,
    },
    /// Print the man page (roff).
    Man,
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
    /// Japanese (日本語).
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
