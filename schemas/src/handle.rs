//! Handles: `name` for a local actor, `@name@host[:port]` for anyone on the network.

use std::fmt;

/// A fediverse handle, `@name@host` or `@name@host:port`; the leading `@` is optional when
/// parsing. Constructed only through [`Handle::parse`], so holders never re-check it.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Handle {
    name: String,
    host: String,
}

#[derive(Debug, PartialEq, Eq)]
pub enum HandleError {
    Empty,
    MissingHost,
    BadName,
    BadHost,
}

impl std::error::Error for HandleError {}

impl fmt::Display for HandleError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            HandleError::Empty => "the handle is empty",
            HandleError::MissingHost => "a handle needs a host, as in @name@host",
            HandleError::BadName => {
                "a name may hold only lower-case letters, digits, '_' and '-' (1 to 64)"
            }
            HandleError::BadHost => "the host is not a valid domain name with an optional port",
        })
    }
}

/// Checks a local username: 1 to 64 of `a-z 0-9 _ -`, starting with a letter or digit.
pub fn valid_name(name: &str) -> bool {
    !name.is_empty()
        && name.len() <= 64
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'-')
        && name
            .bytes()
            .next()
            .is_some_and(|b| b.is_ascii_alphanumeric())
}

/// Checks `host` or `host:port` with a DNS name or an IPv4 address.
pub fn valid_host(host: &str) -> bool {
    let (name, port) = match host.rsplit_once(':') {
        Some((name, port)) => (name, Some(port)),
        None => (host, None),
    };
    if let Some(port) = port {
        if port.parse::<u16>().map_or(true, |p| p == 0) {
            return false;
        }
    }
    !name.is_empty()
        && name.len() <= 253
        && name.split('.').all(|label| {
            !label.is_empty()
                && label.len() <= 63
                && label
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'-')
                && !label.starts_with('-')
                && !label.ends_with('-')
        })
}

impl Handle {
    pub fn parse(input: &str) -> Result<Handle, HandleError> {
        let input = input.trim();
        let input = input.strip_prefix("acct:").unwrap_or(input);
        let input = input.strip_prefix('@').unwrap_or(input);
        if input.is_empty() {
            return Err(HandleError::Empty);
        }
        let (name, host) = input.split_once('@').ok_or(HandleError::MissingHost)?;
        let name = name.to_ascii_lowercase();
        let host = host.to_ascii_lowercase();
        if !valid_name(&name) {
            return Err(HandleError::BadName);
        }
        if !valid_host(&host) {
            return Err(HandleError::BadHost);
        }
        Ok(Handle { name, host })
    }

    pub fn new(name: &str, host: &str) -> Result<Handle, HandleError> {
        Handle::parse(&format!("{name}@{host}"))
    }

    pub fn name(&self) -> &str {
        &self.name
    }

    /// Host with its port, if any, as it appears in URLs and WebFinger resources.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// `acct:name@host`, the WebFinger resource.
    pub fn acct(&self) -> String {
        format!("acct:{}@{}", self.name, self.host)
    }
}

impl fmt::Display for Handle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "@{}@{}", self.name, self.host)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_handles_with_and_without_port() {
        let h = Handle::parse("@Bakery@coop.example").unwrap();
        assert_eq!(h.name(), "bakery");
        assert_eq!(h.host(), "coop.example");
        assert_eq!(h.to_string(), "@bakery@coop.example");
        let h = Handle::parse("acct:print-shop@127.0.0.1:8081").unwrap();
        assert_eq!(h.acct(), "acct:print-shop@127.0.0.1:8081");
    }

    #[test]
    fn refuses_malformed_handles() {
        assert_eq!(Handle::parse(""), Err(HandleError::Empty));
        assert_eq!(Handle::parse("@bakery"), Err(HandleError::MissingHost));
        assert_eq!(Handle::parse("@ba/kery@x.org"), Err(HandleError::BadName));
        assert_eq!(Handle::parse("@b@x.org/evil"), Err(HandleError::BadHost));
        assert_eq!(Handle::parse("@b@x.org:99999"), Err(HandleError::BadHost));
        assert_eq!(Handle::parse("@b@-x.org"), Err(HandleError::BadHost));
    }
}
