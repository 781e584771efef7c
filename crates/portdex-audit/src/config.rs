//! The audit's configuration: exposed listeners that are accepted on purpose.
//!
//! ```toml
//! [[accept]]
//! port = 22
//! process = "sshd"        # optional: the owning process's name
//! address = "0.0.0.0"     # optional: the local address
//! transport = "tcp"       # optional
//! reason = "SSH for the admins, keys only"
//! ```

use portdex_net::Listener;
use serde::Deserialize;
use std::net::IpAddr;

/// Why a configuration could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    /// Not valid TOML or not the expected shape; the message names the place.
    #[error("{0}")]
    Parse(String),
    /// A field with an invalid value.
    #[error("accept entry {index}: {message}")]
    Invalid {
        /// 1-based position of the [[accept]] table.
        index: usize,
        /// What is wrong.
        message: String,
    },
}

impl ConfigError {
    /// The message in `lang`: the English is the `Display` text, the Japanese comes
    /// from `portdex-text`. What the TOML parser says stays as it says it.
    pub fn message(&self, lang: portdex_text::Lang) -> String {
        use portdex_text::errors_ja as ja;
        if lang == portdex_text::Lang::En {
            return self.to_string();
        }
        match self {
            ConfigError::Parse(m) => m.clone(),
            ConfigError::Invalid { index, message } => ja::accept_entry(*index, message),
        }
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct File {
    #[serde(default)]
    accept: Vec<RawAccept>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAccept {
    port: u16,
    transport: Option<String>,
    process: Option<String>,
    address: Option<String>,
    #[allow(dead_code)]
    reason: Option<String>,
}

/// One accepted listener pattern.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Accept {
    /// Port.
    pub port: u16,
    /// Transport, if given.
    pub transport: Option<portdex_registry::Transport>,
    /// Process name, if given.
    pub process: Option<String>,
    /// Local address, if given.
    pub address: Option<IpAddr>,
}

/// The parsed configuration.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditConfig {
    /// Accepted listeners.
    pub accept: Vec<Accept>,
}

impl AuditConfig {
    /// Parses the TOML text of a configuration file.
    pub fn parse(text: &str) -> Result<AuditConfig, ConfigError> {
        let file: File = toml::from_str(text).map_err(|e| ConfigError::Parse(e.to_string()))?;
        let mut accept = Vec::new();
        for (i, raw) in file.accept.into_iter().enumerate() {
            let invalid = |message: String| ConfigError::Invalid {
                index: i + 1,
                message,
            };
            if raw.port == 0 {
                return Err(invalid(
                    "port 0 is not a port a process listens on: give 1-65535".into(),
                ));
            }
            let transport = raw
                .transport
                .map(|t| match t.parse() {
                    Ok(
                        t @ (portdex_registry::Transport::Tcp | portdex_registry::Transport::Udp),
                    ) => Ok(t),
                    _ => Err(invalid(format!("transport '{t}': use tcp or udp"))),
                })
                .transpose()?;
            let address = raw
                .address
                .map(|a| {
                    a.parse()
                        .map_err(|_| invalid(format!("address '{a}' is not an IP address")))
                })
                .transpose()?;
            accept.push(Accept {
                port: raw.port,
                transport,
                process: raw.process,
                address,
            });
        }
        Ok(AuditConfig { accept })
    }

    /// Whether a listener is accepted.
    pub fn accepts(&self, l: &Listener) -> bool {
        self.accept.iter().any(|a| {
            a.port == l.port
                && a.transport.is_none_or(|t| t == l.transport)
                && a.address.is_none_or(|ip| ip == l.address)
                && a.process
                    .as_ref()
                    .is_none_or(|name| l.processes.iter().any(|p| &p.name == name))
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn errors_name_the_item() {
        let e = AuditConfig::parse("[[accept]]\nport = 70000\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("70000") || e.contains("port"), "{e}");
        let e = AuditConfig::parse(
            "[[accept]]\nport = 22\n[[accept]]\nport = 80\naddress = \"nowhere\"\n",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("accept entry 2") && e.contains("nowhere"), "{e}");
        let e = AuditConfig::parse("[[accept]]\nprot = 22\n")
            .unwrap_err()
            .to_string();
        assert!(e.contains("prot"), "{e}");
        assert!(AuditConfig::parse("this is not toml = = =").is_err());
        assert_eq!(AuditConfig::parse("").unwrap(), AuditConfig::default());
    }
}
