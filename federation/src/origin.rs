//! Origins: an object's id must live where its actor lives.

use url::Url;

/// Scheme, host and port, as the web compares origins. Unlike comparing domains, this tells
/// `127.0.0.1:8081` from `127.0.0.1:8082` and an IP host from a missing one.
pub fn same_origin(a: &Url, b: &Url) -> bool {
    a.scheme() == b.scheme()
        && a.host_str().is_some()
        && a.host_str() == b.host_str()
        && a.port_or_known_default() == b.port_or_known_default()
}

/// `host` or `host:port`, the way handles and delivery queues name a server.
pub fn authority(url: &Url) -> String {
    let host = url.host_str().unwrap_or_default();
    match url.port() {
        Some(port) => format!("{host}:{port}"),
        None => host.to_string(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ports_and_schemes_make_origins_differ() {
        let u = |s: &str| Url::parse(s).unwrap();
        assert!(same_origin(
            &u("https://a.example/x"),
            &u("https://a.example:443/y")
        ));
        assert!(!same_origin(
            &u("http://127.0.0.1:8081/x"),
            &u("http://127.0.0.1:8082/x")
        ));
        assert!(!same_origin(
            &u("http://a.example/x"),
            &u("https://a.example/x")
        ));
        assert!(!same_origin(
            &u("https://a.example/x"),
            &u("https://b.example/x")
        ));
        assert_eq!(authority(&u("http://127.0.0.1:8081/x")), "127.0.0.1:8081");
        assert_eq!(authority(&u("https://a.example/x")), "a.example");
    }
}
