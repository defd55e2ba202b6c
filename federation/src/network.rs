//! Which addresses a node may talk to.
//!
//! In production a node reaches only public https servers: no plain http, no loopback, private,
//! link-local or otherwise internal address, so a peer cannot turn the node against the network
//! it runs in. The development setting (`--allow-private-network`) lifts both rules for tests and
//! local demos, and nothing turns it on by default. Host names are also checked after DNS
//! resolution by the HTTP client; this module checks what can be seen in the URL itself.

use std::net::IpAddr;

use url::{Host, Url};

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum NetworkError {
    #[error("only https URLs are allowed")]
    NotHttps,
    #[error("the URL has no host")]
    NoHost,
    #[error("the URL points at a private or local address")]
    PrivateAddress,
}

pub fn check_url(url: &Url, allow_private: bool) -> Result<(), NetworkError> {
    match url.scheme() {
        "https" => {}
        "http" if allow_private => {}
        _ => return Err(NetworkError::NotHttps),
    }
    let host = url.host().ok_or(NetworkError::NoHost)?;
    if allow_private {
        return Ok(());
    }
    match host {
        Host::Ipv4(ip) if !is_public(IpAddr::V4(ip)) => Err(NetworkError::PrivateAddress),
        Host::Ipv6(ip) if !is_public(IpAddr::V6(ip)) => Err(NetworkError::PrivateAddress),
        Host::Domain(name)
            if name.eq_ignore_ascii_case("localhost")
                || name.ends_with(".localhost")
                || name.ends_with(".local")
                || name.ends_with(".internal") =>
        {
            Err(NetworkError::PrivateAddress)
        }
        _ => Ok(()),
    }
}

pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            !(v4.is_private()
                || v4.is_loopback()
                || v4.is_link_local()
                || v4.is_broadcast()
                || v4.is_unspecified()
                || v4.is_documentation()
                || v4.octets()[0] == 100 && (v4.octets()[1] & 0xc0) == 64
                || v4.octets()[0] == 0)
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            !(v6.is_loopback()
                || v6.is_unspecified()
                || (v6.segments()[0] & 0xfe00) == 0xfc00
                || (v6.segments()[0] & 0xffc0) == 0xfe80)
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn production_refuses_http_and_private_addresses() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert_eq!(
            check_url(&u("http://coop.example/x"), false),
            Err(NetworkError::NotHttps)
        );
        assert_eq!(
            check_url(&u("https://127.0.0.1/x"), false),
            Err(NetworkError::PrivateAddress)
        );
        assert_eq!(
            check_url(&u("https://10.1.2.3/x"), false),
            Err(NetworkError::PrivateAddress)
        );
        assert_eq!(
            check_url(&u("https://[::1]/x"), false),
            Err(NetworkError::PrivateAddress)
        );
        assert_eq!(
            check_url(&u("https://localhost/x"), false),
            Err(NetworkError::PrivateAddress)
        );
        assert_eq!(check_url(&u("https://coop.example/x"), false), Ok(()));
        assert_eq!(check_url(&u("http://127.0.0.1:8081/x"), true), Ok(()));
        assert_eq!(
            check_url(&u("ftp://coop.example/x"), true),
            Err(NetworkError::NotHttps)
        );
    }
}
