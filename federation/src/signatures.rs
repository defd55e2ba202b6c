//! Verifying draft-cavage HTTP signatures on incoming requests.
//!
//! Signing is done by activitypub_federation when we send; verification is ours because the
//! inbox needs its own answers to each failure (missing signature, stale date, wrong key) and
//! because signed GETs (authorized fetch) need the same check.

use std::time::{Duration, SystemTime};

use base64::{engine::general_purpose::STANDARD as BASE64, Engine};
use rsa::{pkcs1v15::Pkcs1v15Sign, pkcs8::DecodePublicKey, RsaPublicKey};
use sha2::{Digest, Sha256};

/// How far a request's date may be from our clock, either way.
pub const MAX_CLOCK_SKEW: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, thiserror::Error, PartialEq, Eq)]
pub enum SignatureError {
    #[error("the request has no Signature header")]
    Missing,
    #[error("the Signature header is malformed: {0}")]
    Malformed(&'static str),
    #[error("unsupported signature algorithm {0}")]
    Algorithm(String),
    #[error("the signature does not cover the required header {0}")]
    NotCovered(&'static str),
    #[error("a signed header is missing from the request: {0}")]
    HeaderMissing(String),
    #[error("the Date header is missing or unreadable")]
    BadDate,
    #[error("the request's date is more than an hour from now")]
    Stale,
    #[error("the signature has expired")]
    Expired,
    #[error("the Digest header is missing or is not SHA-256")]
    DigestMissing,
    #[error("the body does not match its Digest")]
    DigestMismatch,
    #[error("the signing key is unreadable")]
    BadKey,
    #[error("the signature does not verify with the actor's key")]
    Invalid,
}

/// The parsed `Signature` header.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SignatureHeader {
    pub key_id: String,
    pub algorithm: Option<String>,
    pub headers: Vec<String>,
    pub signature: Vec<u8>,
    pub created: Option<i64>,
    pub expires: Option<i64>,
}

impl SignatureHeader {
    pub fn parse(value: &str) -> Result<SignatureHeader, SignatureError> {
        let mut key_id = None;
        let mut algorithm = None;
        let mut headers = None;
        let mut signature = None;
        let mut created = None;
        let mut expires = None;
        for part in split_params(value) {
            let (name, raw) = part
                .split_once('=')
                .ok_or(SignatureError::Malformed("a parameter has no value"))?;
            let val = raw.trim().trim_matches('"');
            match name.trim() {
                "keyId" => key_id = Some(val.to_string()),
                "algorithm" => algorithm = Some(val.to_ascii_lowercase()),
                "headers" => {
                    headers = Some(
                        val.split_ascii_whitespace()
                            .map(|h| h.to_ascii_lowercase())
                            .collect::<Vec<_>>(),
                    )
                }
                "signature" => {
                    signature = Some(
                        BASE64
                            .decode(val)
                            .map_err(|_| SignatureError::Malformed("signature is not base64"))?,
                    )
                }
                "created" => {
                    created = Some(
                        val.parse()
                            .map_err(|_| SignatureError::Malformed("created is not a number"))?,
                    )
                }
                "expires" => {
                    expires = Some(
                        val.parse()
                            .map_err(|_| SignatureError::Malformed("expires is not a number"))?,
                    )
                }
                _ => {}
            }
        }
        Ok(SignatureHeader {
            key_id: key_id.ok_or(SignatureError::Malformed("keyId is missing"))?,
            algorithm,
            headers: headers.unwrap_or_else(|| vec!["date".into()]),
            signature: signature.ok_or(SignatureError::Malformed("signature is missing"))?,
            created,
            expires,
        })
    }

    /// The actor the key belongs to, by the common convention `actor#main-key`.
    pub fn key_owner(&self) -> Option<url::Url> {
        let mut url = url::Url::parse(&self.key_id).ok()?;
        url.set_fragment(None);
        Some(url)
    }
}

/// Splits `a="x,y",b="z"` at commas outside quotes.
fn split_params(value: &str) -> Vec<&str> {
    let mut parts = Vec::new();
    let mut start = 0;
    let mut quoted = false;
    for (i, c) in value.char_indices() {
        match c {
            '"' => quoted = !quoted,
            ',' if !quoted => {
                parts.push(value[start..i].trim());
                start = i + 1;
            }
            _ => {}
        }
    }
    let last = value[start..].trim();
    if !last.is_empty() {
        parts.push(last);
    }
    parts
}

/// What the verifier needs to know of a request.
pub struct SignedRequest<'a> {
    pub method: &'a str,
    /// Path and query, exactly as requested.
    pub path_and_query: &'a str,
    /// Looks a header up by lower-case name.
    pub header: &'a (dyn Fn(&str) -> Option<String> + Sync),
    /// The body, for POSTs: its digest must be signed and must match.
    pub body: Option<&'a [u8]>,
}

/// Checks everything about a request's signature except the key's owner: the date is within
/// an hour, the required parts are signed, the digest matches, and the signature verifies.
pub fn verify(
    request: &SignedRequest<'_>,
    signature: &SignatureHeader,
    public_key_pem: &str,
    now: SystemTime,
) -> Result<(), SignatureError> {
    match signature.algorithm.as_deref() {
        None | Some("rsa-sha256") | Some("hs2019") => {}
        Some(other) => return Err(SignatureError::Algorithm(other.to_string())),
    }
    let covered = |name: &str| signature.headers.iter().any(|h| h == name);
    if !covered("(request-target)") {
        return Err(SignatureError::NotCovered("(request-target)"));
    }
    if !covered("host") {
        return Err(SignatureError::NotCovered("host"));
    }
    if !covered("date") && !covered("(created)") {
        return Err(SignatureError::NotCovered("date"));
    }
    check_date(request, signature, now)?;
    if let Some(body) = request.body {
        if !covered("digest") {
            return Err(SignatureError::NotCovered("digest"));
        }
        check_digest((request.header)("digest").as_deref(), body)?;
    }

    let signing_string = signing_string(request, signature)?;
    let key = RsaPublicKey::from_public_key_pem(public_key_pem.trim())
        .map_err(|_| SignatureError::BadKey)?;
    let hashed = Sha256::digest(signing_string.as_bytes());
    key.verify(Pkcs1v15Sign::new::<Sha256>(), &hashed, &signature.signature)
        .map_err(|_| SignatureError::Invalid)
}

/// Checks the request's date (and the signature's own validity window) against our clock.
pub fn check_date(
    request: &SignedRequest<'_>,
    signature: &SignatureHeader,
    now: SystemTime,
) -> Result<(), SignatureError> {
    let now_secs = now
        .duration_since(SystemTime::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0);
    let skew = MAX_CLOCK_SKEW.as_secs() as i64;
    if let Some(expires) = signature.expires {
        if expires < now_secs {
            return Err(SignatureError::Expired);
        }
    }
    if let Some(created) = signature.created {
        if (created - now_secs).abs() > skew {
            return Err(SignatureError::Stale);
        }
    }
    match (request.header)("date") {
        Some(date) => {
            let date = httpdate::parse_http_date(&date).map_err(|_| SignatureError::BadDate)?;
            let date_secs = date
                .duration_since(SystemTime::UNIX_EPOCH)
                .map(|d| d.as_secs() as i64)
                .unwrap_or(0);
            if (date_secs - now_secs).abs() > skew {
                return Err(SignatureError::Stale);
            }
            Ok(())
        }
        None if signature.created.is_some() => Ok(()),
        None => Err(SignatureError::BadDate),
    }
}

/// Checks `Digest: SHA-256=<base64>` against the body.
pub fn check_digest(digest: Option<&str>, body: &[u8]) -> Result<(), SignatureError> {
    let digest = digest.ok_or(SignatureError::DigestMissing)?;
    let expected = BASE64.encode(Sha256::digest(body));
    let mut saw_sha256 = false;
    for part in digest.split(',') {
        if let Some((alg, value)) = part.trim().split_once('=') {
            if alg.eq_ignore_ascii_case("sha-256") {
                saw_sha256 = true;
                if value.trim() != expected {
                    return Err(SignatureError::DigestMismatch);
                }
            }
        }
    }
    if saw_sha256 {
        Ok(())
    } else {
        Err(SignatureError::DigestMissing)
    }
}

fn signing_string(
    request: &SignedRequest<'_>,
    signature: &SignatureHeader,
) -> Result<String, SignatureError> {
    let mut lines = Vec::with_capacity(signature.headers.len());
    for name in &signature.headers {
        let line = match name.as_str() {
            "(request-target)" => format!(
                "(request-target): {} {}",
                request.method.to_ascii_lowercase(),
                request.path_and_query
            ),
            "(created)" => format!(
                "(created): {}",
                signature.created.ok_or(SignatureError::Malformed(
                    "(created) is signed but not given"
                ))?
            ),
            "(expires)" => format!(
                "(expires): {}",
                signature.expires.ok_or(SignatureError::Malformed(
                    "(expires) is signed but not given"
                ))?
            ),
            other => {
                let value = (request.header)(other)
                    .ok_or_else(|| SignatureError::HeaderMissing(other.to_string()))?;
                format!("{other}: {value}")
            }
        };
        lines.push(line);
    }
    Ok(lines.join("\n"))
}

#[cfg(test)]
mod tests {
    use super::*;
    use rsa::{pkcs8::EncodePublicKey, RsaPrivateKey};

    fn keypair() -> (RsaPrivateKey, String) {
        let mut rng = rand::thread_rng();
        let key = RsaPrivateKey::new(&mut rng, 1024).unwrap();
        let pem = key
            .to_public_key()
            .to_public_key_pem(Default::default())
            .unwrap();
        (key, pem)
    }

    fn sign(key: &RsaPrivateKey, signing_string: &str) -> String {
        let sig = key
            .sign(
                Pkcs1v15Sign::new::<Sha256>(),
                &Sha256::digest(signing_string.as_bytes()),
            )
            .unwrap();
        BASE64.encode(sig)
    }

    struct Fixture {
        date: String,
        digest: String,
        body: Vec<u8>,
    }

    fn headers(f: &Fixture) -> impl Fn(&str) -> Option<String> + '_ {
        move |name| match name {
            "host" => Some("coop.example".into()),
            "date" => Some(f.date.clone()),
            "digest" => Some(f.digest.clone()),
            _ => None,
        }
    }

    fn fixture(at: SystemTime) -> Fixture {
        let body = br#"{"type":"Follow"}"#.to_vec();
        Fixture {
            date: httpdate::fmt_http_date(at),
            digest: format!("SHA-256={}", BASE64.encode(Sha256::digest(&body))),
            body,
        }
    }

    fn signed_header(key: &RsaPrivateKey, f: &Fixture) -> SignatureHeader {
        let ss = format!(
            "(request-target): post /inbox\nhost: coop.example\ndate: {}\ndigest: {}",
            f.date, f.digest
        );
        let value = format!(
            r#"keyId="https://a.example/u/x#main-key",algorithm="rsa-sha256",headers="(request-target) host date digest",signature="{}""#,
            sign(key, &ss)
        );
        SignatureHeader::parse(&value).unwrap()
    }

    #[test]
    fn accepts_a_good_signature_and_refuses_tampering() {
        let (key, pem) = keypair();
        let now = SystemTime::now();
        let f = fixture(now);
        let header = headers(&f);
        let sig = signed_header(&key, &f);
        assert_eq!(sig.key_owner().unwrap().as_str(), "https://a.example/u/x");
        let request = SignedRequest {
            method: "POST",
            path_and_query: "/inbox",
            header: &header,
            body: Some(&f.body),
        };
        assert_eq!(verify(&request, &sig, &pem, now), Ok(()));

        let other_body = br#"{"type":"Delete"}"#;
        let tampered = SignedRequest {
            body: Some(other_body),
            ..request
        };
        assert_eq!(
            verify(&tampered, &sig, &pem, now),
            Err(SignatureError::DigestMismatch)
        );

        let wrong_path = SignedRequest {
            method: "POST",
            path_and_query: "/coops/x/inbox",
            header: &header,
            body: Some(&f.body),
        };
        assert_eq!(
            verify(&wrong_path, &sig, &pem, now),
            Err(SignatureError::Invalid)
        );

        let (_, other_pem) = keypair();
        let request = SignedRequest {
            method: "POST",
            path_and_query: "/inbox",
            header: &header,
            body: Some(&f.body),
        };
        assert_eq!(
            verify(&request, &sig, &other_pem, now),
            Err(SignatureError::Invalid)
        );
    }

    #[test]
    fn refuses_dates_beyond_an_hour_either_way() {
        let (key, pem) = keypair();
        let now = SystemTime::now();
        for offset in [-3700i64, 3700] {
            let at = if offset < 0 {
                now - Duration::from_secs(offset.unsigned_abs())
            } else {
                now + Duration::from_secs(offset as u64)
            };
            let f = fixture(at);
            let header = headers(&f);
            let sig = signed_header(&key, &f);
            let request = SignedRequest {
                method: "POST",
                path_and_query: "/inbox",
                header: &header,
                body: Some(&f.body),
            };
            assert_eq!(
                verify(&request, &sig, &pem, now),
                Err(SignatureError::Stale)
            );
        }
    }

    #[test]
    fn parses_quoted_commas_and_rejects_garbage() {
        let sig = SignatureHeader::parse(
            r#"keyId="https://a.example/u/x#main-key",headers="(request-target) host date",signature="AAAA""#,
        )
        .unwrap();
        assert_eq!(sig.headers, vec!["(request-target)", "host", "date"]);
        assert!(SignatureHeader::parse("nonsense").is_err());
        assert!(SignatureHeader::parse(r#"keyId="x",signature="***""#).is_err());
    }
}
