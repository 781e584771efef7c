//! Getting the registry's bytes: over HTTP(S) from IANA (or a mirror), through a proxy
//! when the environment names one, or from a file for machines without internet.
//!
//! Every way of failing is bounded: a connect timeout, a total timeout, a size cap and a
//! redirect limit. Nothing here looks at the bytes; [`crate::parse`] does.

use std::fmt;
use std::io::Read;
use std::path::PathBuf;
use std::time::Duration;

/// Where IANA publishes the registry.
pub const IANA_CSV_URL: &str =
    "https://www.iana.org/assignments/service-names-port-numbers/service-names-port-numbers.csv";

/// The default size cap: 16 MiB. IANA's CSV is about 1.2 MB.
pub const DEFAULT_MAX_BYTES: u64 = 16 * 1024 * 1024;

/// Limits and proxy settings for [`fetch`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FetchOptions {
    /// The longest to wait for a connection (to the server or the proxy, TLS included).
    pub connect_timeout: Duration,
    /// The longest the whole fetch may take, redirects and body included.
    pub timeout: Duration,
    /// The most bytes accepted (after decompression); reading stops there with
    /// [`FetchError::TooLarge`]. Applies to files too.
    pub max_bytes: u64,
    /// The most redirects followed; one more is [`FetchError::TooManyRedirects`].
    pub max_redirects: u32,
    /// Which proxy to use, if any.
    pub proxy: ProxySettings,
}

impl Default for FetchOptions {
    /// 10 s to connect, 120 s in all, [`DEFAULT_MAX_BYTES`], 5 redirects, and the proxy
    /// from the environment ([`ProxySettings::from_env`]).
    fn default() -> Self {
        FetchOptions {
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(120),
            max_bytes: DEFAULT_MAX_BYTES,
            max_redirects: 5,
            proxy: ProxySettings::from_env(),
        }
    }
}

/// Proxies by URL scheme, and the hosts that bypass them, as in the conventional
/// environment variables.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProxySettings {
    /// The proxy for `http://` URLs (`http_proxy`, `HTTP_PROXY`).
    pub http: Option<String>,
    /// The proxy for `https://` URLs (`https_proxy`, `HTTPS_PROXY`).
    pub https: Option<String>,
    /// The proxy for either scheme when its own is not set (`all_proxy`, `ALL_PROXY`).
    pub all: Option<String>,
    /// The hosts that bypass the proxy (`no_proxy`, `NO_PROXY`): comma-separated host
    /// names or addresses, each matching itself and its subdomains (a leading `.` or
    /// `*.` is allowed), optionally with `:port`; `*` alone bypasses every host.
    pub no_proxy: Option<String>,
}

impl ProxySettings {
    /// No proxy at all.
    pub fn none() -> Self {
        ProxySettings::default()
    }

    /// From the process environment: for each setting the lowercase variable first,
    /// then the uppercase one; empty values count as unset.
    pub fn from_env() -> Self {
        ProxySettings::from_vars(|name| std::env::var(name).ok())
    }

    /// From variables looked up by `var` (the environment, or a test's table).
    pub fn from_vars(var: impl Fn(&str) -> Option<String>) -> Self {
        let get = |name: &str| {
            [name.to_ascii_lowercase(), name.to_string()]
                .iter()
                .filter_map(|n| var(n))
                .find(|v| !v.trim().is_empty())
        };
        ProxySettings {
            http: get("HTTP_PROXY"),
            https: get("HTTPS_PROXY"),
            all: get("ALL_PROXY"),
            no_proxy: get("NO_PROXY"),
        }
    }

    /// The proxy to use for a URL of this scheme, host and port, or `None` to connect
    /// directly (no proxy set for the scheme, or the host is in `no_proxy`).
    pub fn proxy_for(&self, scheme: &str, host: &str, port: u16) -> Option<&str> {
        let proxy = match scheme {
            "http" => self.http.as_deref(),
            "https" => self.https.as_deref(),
            _ => None,
        }
        .or(self.all.as_deref())?;
        if let Some(list) = &self.no_proxy {
            if no_proxy_matches(list, host, port) {
                return None;
            }
        }
        Some(proxy)
    }
}

/// Whether `host` (and `port`) is in a `NO_PROXY` list.
fn no_proxy_matches(list: &str, host: &str, port: u16) -> bool {
    let host = host
        .trim_start_matches('[')
        .trim_end_matches(']')
        .trim_end_matches('.')
        .to_ascii_lowercase();
    list.split(',').map(str::trim).any(|entry| {
        if entry == "*" {
            return true;
        }
        // An optional port: `host:port`, `[v6]:port`; a bare IPv6 address has no port.
        let (name, want_port) = match entry.rsplit_once(':') {
            Some((name, p))
                if !name.is_empty()
                    && p.bytes().all(|b| b.is_ascii_digit())
                    && (!name.contains(':') || name.ends_with(']')) =>
            {
                (name, p.parse::<u16>().ok())
            }
            _ => (entry, None),
        };
        if want_port.is_some_and(|p| p != port) {
            return false;
        }
        let name = name
            .trim_start_matches('*')
            .trim_start_matches('.')
            .trim_start_matches('[')
            .trim_end_matches(']')
            .trim_end_matches('.')
            .to_ascii_lowercase();
        !name.is_empty()
            && (host == name
                || (host.len() > name.len()
                    && host.ends_with(&name)
                    && host.as_bytes()[host.len() - name.len() - 1] == b'.'))
    })
}

/// Why [`fetch`] got no bytes. Each names the source and what would be valid.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum FetchError {
    /// A URL whose scheme is neither http nor https.
    #[error("{source_name:?}: the scheme {scheme:?} is not supported; give an http:// or https:// URL, or a file path")]
    UnsupportedScheme {
        /// The source as given.
        source_name: String,
        /// Its scheme.
        scheme: String,
    },
    /// A URL that does not parse.
    #[error("{url:?} is not a valid URL: {reason}")]
    BadUrl {
        /// The URL.
        url: String,
        /// Why.
        reason: String,
    },
    /// A proxy setting that is not a proxy URL.
    #[error("proxy {proxy:?} is not a valid proxy URL; expected http://HOST:PORT, https://HOST:PORT or socks5://HOST:PORT")]
    BadProxy {
        /// The proxy as set.
        proxy: String,
    },
    /// The server answered with a status other than 2xx.
    #[error("{url} answered HTTP {status}; expected 200 OK")]
    Status {
        /// The URL asked.
        url: String,
        /// The status code.
        status: u16,
    },
    /// More bytes than [`FetchOptions::max_bytes`].
    #[error("{source_name} has more than {limit} bytes (IANA's CSV has about 1.2 MB); refusing to read on")]
    TooLarge {
        /// The URL or path.
        source_name: String,
        /// The cap.
        limit: u64,
    },
    /// A timeout.
    #[error("{url}: no {phase} within {after:?}")]
    Timeout {
        /// The URL.
        url: String,
        /// What did not finish: `connection` or `complete response`.
        phase: &'static str,
        /// The limit that ran out.
        after: Duration,
    },
    /// Redirected more often than [`FetchOptions::max_redirects`] (a loop, usually).
    #[error("{url}: more than {limit} redirects (a redirect loop?)")]
    TooManyRedirects {
        /// The URL first asked.
        url: String,
        /// The limit.
        limit: u32,
    },
    /// Any other network or protocol failure: host not found, connection refused, TLS.
    #[error("{url}: {detail}")]
    Http {
        /// The URL.
        url: String,
        /// What happened.
        detail: String,
    },
    /// A file source that is not a regular file.
    #[error("{path}: not a regular file; give the path of a CSV file")]
    NotAFile {
        /// The path.
        path: PathBuf,
    },
    /// A file source that cannot be read.
    #[error("{path}: {source}")]
    Read {
        /// The path.
        path: PathBuf,
        /// The I/O error.
        source: std::io::Error,
    },
}

impl FetchError {
    /// The message in `lang`: the English is the `Display` text, the Japanese comes
    /// from `portdex-text`; both name the values.
    /// What the HTTP library says (host not found, TLS) stays as it says it.
    pub fn message(&self, lang: portdex_text::Lang) -> String {
        use portdex_text::errors_ja as ja;
        if lang == portdex_text::Lang::En {
            return self.to_string();
        }
        match self {
            FetchError::UnsupportedScheme {
                source_name,
                scheme,
            } => ja::unsupported_scheme(source_name, scheme),
            FetchError::BadUrl { url, reason } => ja::bad_url(url, reason),
            FetchError::BadProxy { proxy } => ja::bad_proxy(proxy),
            FetchError::Status { url, status } => ja::http_status(url, *status),
            FetchError::TooLarge { source_name, limit } => ja::too_large(source_name, *limit),
            FetchError::Timeout { url, phase, after } => ja::timeout(url, phase, after),
            FetchError::TooManyRedirects { url, limit } => ja::too_many_redirects(url, *limit),
            FetchError::Http { .. } => self.to_string(),
            FetchError::NotAFile { path } => ja::not_a_file(path.display()),
            FetchError::Read { path, source } => format!(
                "{}: {}",
                path.display(),
                portdex_text::Words(lang).io_error(source)
            ),
        }
    }
}

/// Fetches the registry's bytes from `source`: an `http://` or `https://` URL, or else a
/// path to a file (`portdex update --from FILE`).
///
/// HTTP goes through [`FetchOptions::proxy`] unless the host is in its `no_proxy`; only a
/// 2xx status is accepted; the body is read up to [`FetchOptions::max_bytes`]. A file must
/// be a regular file within the same cap.
pub fn fetch(source: &str, opts: &FetchOptions) -> Result<Vec<u8>, FetchError> {
    match source.split_once("://") {
        Some((scheme, _))
            if scheme.eq_ignore_ascii_case("http") || scheme.eq_ignore_ascii_case("https") =>
        {
            fetch_http(source, opts)
        }
        Some((scheme, _))
            if !scheme.is_empty()
                && scheme
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"+-.".contains(&b)) =>
        {
            Err(FetchError::UnsupportedScheme {
                source_name: source.to_string(),
                scheme: scheme.to_string(),
            })
        }
        _ => fetch_file(source, opts.max_bytes),
    }
}

fn fetch_file(path: &str, max_bytes: u64) -> Result<Vec<u8>, FetchError> {
    let path = PathBuf::from(path);
    let read_err = |source| FetchError::Read {
        path: path.clone(),
        source,
    };
    let file = std::fs::File::open(&path).map_err(read_err)?;
    let meta = file.metadata().map_err(read_err)?;
    if !meta.is_file() {
        return Err(FetchError::NotAFile { path });
    }
    let too_large = || FetchError::TooLarge {
        source_name: path.display().to_string(),
        limit: max_bytes,
    };
    if meta.len() > max_bytes {
        return Err(too_large());
    }
    let mut bytes = Vec::with_capacity(meta.len() as usize);
    file.take(max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(read_err)?;
    if bytes.len() as u64 > max_bytes {
        return Err(too_large());
    }
    Ok(bytes)
}

fn fetch_http(url: &str, opts: &FetchOptions) -> Result<Vec<u8>, FetchError> {
    let uri: ureq::http::Uri = url.parse().map_err(|e| FetchError::BadUrl {
        url: url.to_string(),
        reason: format!("{e}"),
    })?;
    let scheme = uri.scheme_str().unwrap_or("http").to_ascii_lowercase();
    let host = uri.host().ok_or_else(|| FetchError::BadUrl {
        url: url.to_string(),
        reason: "no host".to_string(),
    })?;
    let port = uri
        .port_u16()
        .unwrap_or(if scheme == "https" { 443 } else { 80 });

    // The proxy is decided here, per URL host, and always set explicitly: ureq would
    // otherwise read the environment itself, without regard to the URL's scheme.
    let proxy = match opts.proxy.proxy_for(&scheme, host, port) {
        Some(p) => Some(ureq::Proxy::new(p).map_err(|_| FetchError::BadProxy {
            proxy: p.to_string(),
        })?),
        None => None,
    };
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .proxy(proxy)
        .timeout_connect(Some(opts.connect_timeout))
        .timeout_global(Some(opts.timeout))
        .max_redirects(opts.max_redirects)
        .max_redirects_will_error(true)
        .http_status_as_error(false)
        .user_agent(concat!("portdex/", env!("CARGO_PKG_VERSION")))
        .build()
        .into();

    let ctx = Ctx { url, opts };
    let response = agent.get(url).call().map_err(|e| ctx.error(e))?;
    let status = response.status().as_u16();
    if !(200..300).contains(&status) {
        return Err(FetchError::Status {
            url: url.to_string(),
            status,
        });
    }
    let body = response.into_body();
    let too_large = || FetchError::TooLarge {
        source_name: url.to_string(),
        limit: opts.max_bytes,
    };
    if body.content_length().is_some_and(|n| n > opts.max_bytes) {
        return Err(too_large());
    }
    let mut bytes = Vec::new();
    body.into_reader()
        .take(opts.max_bytes.saturating_add(1))
        .read_to_end(&mut bytes)
        .map_err(|e| match e.downcast::<ureq::Error>() {
            Ok(e) => ctx.error(e),
            Err(e) => ctx.error(ureq::Error::Io(e)),
        })?;
    if bytes.len() as u64 > opts.max_bytes {
        return Err(too_large());
    }
    Ok(bytes)
}

struct Ctx<'a> {
    url: &'a str,
    opts: &'a FetchOptions,
}

impl Ctx<'_> {
    fn error(&self, e: ureq::Error) -> FetchError {
        let url = self.url.to_string();
        match e {
            ureq::Error::Timeout(ureq::Timeout::Connect | ureq::Timeout::Resolve) => {
                FetchError::Timeout {
                    url,
                    phase: "connection",
                    after: self.opts.connect_timeout,
                }
            }
            ureq::Error::Timeout(_) => FetchError::Timeout {
                url,
                phase: "complete response",
                after: self.opts.timeout,
            },
            ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::TimedOut => FetchError::Timeout {
                url,
                phase: "complete response",
                after: self.opts.timeout,
            },
            ureq::Error::TooManyRedirects => FetchError::TooManyRedirects {
                url,
                limit: self.opts.max_redirects,
            },
            ureq::Error::StatusCode(status) => FetchError::Status { url, status },
            ureq::Error::BodyExceedsLimit(_) => FetchError::TooLarge {
                source_name: url,
                limit: self.opts.max_bytes,
            },
            other => FetchError::Http {
                url,
                detail: Detail(other).to_string(),
            },
        }
    }
}

/// ureq's errors in words for a user.
struct Detail(ureq::Error);

impl fmt::Display for Detail {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.0 {
            ureq::Error::HostNotFound => f.write_str("host not found (no DNS, or a typo?)"),
            ureq::Error::ConnectionFailed => f.write_str("connection failed"),
            ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::ConnectionRefused => {
                f.write_str("connection refused")
            }
            ureq::Error::Io(e) if e.kind() == std::io::ErrorKind::UnexpectedEof => {
                f.write_str("the connection closed before the whole response arrived")
            }
            other => write!(f, "{other}"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn socks_and_bad_proxies_are_errors_not_panics() {
        // A port on 127.0.0.1 where nothing listens: the connection is refused.
        let closed = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap();
        let url = format!("http://{closed}/x.csv");
        let mut opts = FetchOptions {
            timeout: Duration::from_secs(5),
            proxy: ProxySettings::none(),
            ..FetchOptions::default()
        };
        opts.proxy.all = Some(format!("socks5h://{closed}"));
        assert!(matches!(fetch(&url, &opts), Err(FetchError::Http { .. })));
        opts.proxy.all = Some(format!("gopher://{closed}"));
        assert!(matches!(
            fetch(&url, &opts),
            Err(FetchError::BadProxy { .. })
        ));
    }

    #[test]
    fn no_proxy_entries() {
        let m = |list, host, port| no_proxy_matches(list, host, port);
        assert!(m("127.0.0.1", "127.0.0.1", 8080));
        assert!(m("localhost, iana.org", "www.iana.org", 443));
        assert!(m(".iana.org", "www.iana.org", 443));
        assert!(m("*.iana.org", "www.iana.org", 443));
        assert!(m("iana.org", "IANA.ORG.", 443));
        assert!(!m("iana.org", "notiana.org", 443));
        assert!(!m("www.iana.org", "iana.org", 443));
        assert!(m("*", "anything", 1));
        assert!(m("iana.org:443", "www.iana.org", 443));
        assert!(!m("iana.org:443", "www.iana.org", 80));
        assert!(m("::1", "[::1]", 80));
        assert!(m("[::1]:80", "[::1]", 80));
        assert!(!m("[::1]:80", "[::1]", 81));
        assert!(!m("", "iana.org", 443));
        assert!(!m(" , ", "iana.org", 443));
    }

    #[test]
    fn proxy_by_scheme_with_lowercase_first() {
        let vars = |pairs: &'static [(&'static str, &'static str)]| {
            ProxySettings::from_vars(move |n| {
                pairs
                    .iter()
                    .find(|(k, _)| *k == n)
                    .map(|(_, v)| v.to_string())
            })
        };
        let p = vars(&[
            ("HTTPS_PROXY", "http://upper:1"),
            ("https_proxy", "http://lower:1"),
            ("HTTP_PROXY", "http://plain:2"),
            ("NO_PROXY", "example.org"),
        ]);
        assert_eq!(
            p.proxy_for("https", "iana.org", 443),
            Some("http://lower:1")
        );
        assert_eq!(p.proxy_for("http", "iana.org", 80), Some("http://plain:2"));
        assert_eq!(p.proxy_for("https", "www.example.org", 443), None);
        let p = vars(&[("ALL_PROXY", "http://all:3"), ("https_proxy", " ")]);
        assert_eq!(p.proxy_for("https", "iana.org", 443), Some("http://all:3"));
        assert_eq!(vars(&[]).proxy_for("https", "iana.org", 443), None);
    }

    #[test]
    fn other_schemes_are_refused_and_paths_are_files() {
        let opts = FetchOptions {
            proxy: ProxySettings::none(),
            ..FetchOptions::default()
        };
        assert!(matches!(
            fetch("ftp://ftp.iana.org/x.csv", &opts),
            Err(FetchError::UnsupportedScheme { .. })
        ));
        assert!(matches!(
            fetch("/nonexistent/iana.csv", &opts),
            Err(FetchError::Read { .. })
        ));
        assert!(matches!(
            fetch("/", &opts),
            Err(FetchError::NotAFile { .. })
        ));
    }
}
