//! The shared library: handbooks, guides, brochures, spreadsheets and software that co-ops
//! publish, each entry with its versions. This module holds the rules of what an entry and an
//! uploaded file may be: fields checked, content types read from the bytes (never trusted from
//! the upload), file names kept only as display text. It does no I/O.

pub mod api;
pub mod portal;
pub mod store;
pub mod wire;

use serde::Deserialize;

use crate::core::error::AppError;
use crate::core::text;

/// What kind of document an entry is.
pub const KINDS: [&str; 6] = [
    "handbook",
    "guide",
    "brochure",
    "spreadsheet",
    "software",
    "other",
];

/// At most this many versions are kept of one entry, here and from peers.
pub const MAX_VERSIONS: usize = 100;

/// What a member writes about an entry.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct EntryFields {
    pub title: String,
    #[serde(default)]
    pub summary: String,
    #[serde(default)]
    pub licence: String,
    #[serde(default)]
    pub topic: String,
    #[serde(default)]
    pub kind: String,
}

/// A checked entry.
#[derive(Debug, Clone)]
pub struct EntryDraft {
    pub title: String,
    pub summary_md: String,
    pub summary_html: String,
    pub licence: String,
    pub topic: String,
    pub kind: String,
}

/// A short single-line text: trimmed, bounded, no control characters, no markup.
pub fn short(what: &str, value: &str, max: usize, required: bool) -> Result<String, AppError> {
    let v = value.trim();
    if required && v.is_empty() {
        return Err(AppError::bad(format!("the {what} is missing")));
    }
    if v.chars().count() > max {
        return Err(AppError::bad(format!(
            "the {what} has more than {max} characters"
        )));
    }
    if v.chars().any(char::is_control) {
        return Err(AppError::bad(format!("the {what} has control characters")));
    }
    if v.contains('<') || v.contains('>') {
        return Err(AppError::bad(format!(
            "the {what} may not contain < or > (no markup or script)"
        )));
    }
    Ok(v.to_string())
}

/// A kind of entry, or an error naming the kinds there are.
pub fn kind(value: &str) -> Result<String, AppError> {
    let k = value.trim().to_lowercase();
    let k = if k.is_empty() { "other".to_string() } else { k };
    if KINDS.contains(&k.as_str()) {
        Ok(k)
    } else {
        Err(AppError::bad(format!(
            "the kind is one of {}",
            KINDS.join(", ")
        )))
    }
}

impl EntryFields {
    pub fn check(&self) -> Result<EntryDraft, AppError> {
        let summary = self.summary.trim();
        if summary.chars().count() > 10_000 {
            return Err(AppError::bad("the summary has more than 10,000 characters"));
        }
        Ok(EntryDraft {
            title: short("title", &self.title, 200, true)?,
            summary_md: summary.to_string(),
            summary_html: text::markdown_to_html(summary),
            licence: short("licence", &self.licence, 100, false)?,
            topic: short("topic", &self.topic, 60, false)?.to_lowercase(),
            kind: kind(&self.kind)?,
        })
    }
}

/// A version label: what the member wrote, or the next number.
pub fn version_label(value: &str, existing: usize) -> Result<String, AppError> {
    let v = short("version", value, 40, false)?;
    Ok(if v.is_empty() {
        (existing + 1).to_string()
    } else {
        v
    })
}

/// An uploaded file's name as shown beside its download: a bare name, at most 200 characters,
/// no path, no control characters. Anything else is refused rather than mended, so what the
/// member sees is what they sent.
pub fn file_name(name: &str) -> Result<String, AppError> {
    let n = name.trim();
    if n.is_empty() {
        return Err(AppError::bad("the file has no name"));
    }
    if n.chars().count() > 200 {
        return Err(AppError::bad("the file name has more than 200 characters"));
    }
    if n.contains('/') || n.contains('\\') || n.contains("..") || n.starts_with('.') {
        return Err(AppError::bad(
            "the file name may not contain a path (/, \\ or ..) or start with a dot",
        ));
    }
    if n.chars().any(|c| c.is_control() || c == '"') {
        return Err(AppError::bad(
            "the file name may not contain control characters or quotes",
        ));
    }
    Ok(n.to_string())
}

/// File name endings that browsers would run or render as a page: refused whatever the bytes.
const ACTIVE_ENDINGS: [&str; 10] = [
    ".html", ".htm", ".xhtml", ".shtml", ".svg", ".svgz", ".xml", ".js", ".mjs", ".xsl",
];

/// Claimed types that are refused whatever the bytes: pages, images with script, script.
fn is_active_type(media_type: &str) -> bool {
    let t = media_type.to_ascii_lowercase();
    t.contains("html")
        || t == "application/xml"
        || t == "text/xml"
        || t.ends_with("+xml")
        || t.contains("svg")
        || t.contains("javascript")
        || t.contains("ecmascript")
        || t == "text/css"
}

/// What a file is, as its bytes say.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sniffed {
    Pdf,
    /// Zip and what is built on it: docx, xlsx, odt, ods, epub, jar.
    Zip,
    /// Old Office documents (doc, xls, ppt).
    Ole,
    Png,
    Jpeg,
    Gif,
    Gzip,
    Tar,
    /// UTF-8 text: plain, CSV, Markdown, source code.
    Text,
}

impl Sniffed {
    /// The type a file is described and served as when no better name is claimed.
    pub fn media_type(self) -> &'static str {
        match self {
            Sniffed::Pdf => "application/pdf",
            Sniffed::Zip => "application/zip",
            Sniffed::Ole => "application/x-ole-storage",
            Sniffed::Png => "image/png",
            Sniffed::Jpeg => "image/jpeg",
            Sniffed::Gif => "image/gif",
            Sniffed::Gzip => "application/gzip",
            Sniffed::Tar => "application/x-tar",
            Sniffed::Text => "text/plain",
        }
    }

    /// Whether a claimed type names the same kind of file (a more precise name is welcome).
    fn agrees_with(self, c: &str) -> bool {
        match self {
            Sniffed::Pdf => c == "application/pdf",
            Sniffed::Zip => {
                matches!(
                    c,
                    "application/zip"
                        | "application/x-zip-compressed"
                        | "application/epub+zip"
                        | "application/java-archive"
                ) || c.starts_with("application/vnd.openxmlformats-officedocument.")
                    || c.starts_with("application/vnd.oasis.opendocument.")
            }
            Sniffed::Ole => matches!(
                c,
                "application/x-ole-storage"
                    | "application/msword"
                    | "application/vnd.ms-excel"
                    | "application/vnd.ms-powerpoint"
            ),
            Sniffed::Png => c == "image/png",
            Sniffed::Jpeg => c == "image/jpeg" || c == "image/jpg",
            Sniffed::Gif => c == "image/gif",
            Sniffed::Gzip => matches!(
                c,
                "application/gzip"
                    | "application/x-gzip"
                    | "application/x-compressed-tar"
                    | "application/x-tar"
                    | "application/tar+gzip"
            ),
            Sniffed::Tar => c == "application/x-tar",
            Sniffed::Text => {
                matches!(
                    c,
                    "text/plain"
                        | "text/csv"
                        | "text/markdown"
                        | "text/x-markdown"
                        | "text/tab-separated-values"
                        | "application/csv"
                ) || (c.starts_with("text/x-") && !is_active_type(c))
            }
        }
    }
}

/// Reads what a file is from its first bytes. `None`: not a kind the library keeps.
pub fn sniff(bytes: &[u8]) -> Option<Sniffed> {
    let starts = |magic: &[u8]| bytes.starts_with(magic);
    if starts(b"%PDF-") {
        Some(Sniffed::Pdf)
    } else if starts(b"PK\x03\x04") || starts(b"PK\x05\x06") {
        Some(Sniffed::Zip)
    } else if starts(b"\xD0\xCF\x11\xE0\xA1\xB1\x1A\xE1") {
        Some(Sniffed::Ole)
    } else if starts(b"\x89PNG\r\n\x1a\n") {
        Some(Sniffed::Png)
    } else if starts(b"\xFF\xD8\xFF") {
        Some(Sniffed::Jpeg)
    } else if starts(b"GIF87a") || starts(b"GIF89a") {
        Some(Sniffed::Gif)
    } else if starts(b"\x1F\x8B") {
        Some(Sniffed::Gzip)
    } else if bytes.len() > 262 && &bytes[257..262] == b"ustar" {
        Some(Sniffed::Tar)
    } else if is_plain_text(bytes) {
        Some(Sniffed::Text)
    } else {
        None
    }
}

/// UTF-8 without control characters other than tabs, line ends and form feeds.
fn is_plain_text(bytes: &[u8]) -> bool {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return false;
    };
    text.chars()
        .all(|c| !c.is_control() || matches!(c, '\t' | '\n' | '\r' | '\u{c}'))
}

/// Text a browser could take for a page or an image with script, if it ever guessed.
fn looks_like_markup(bytes: &[u8]) -> bool {
    let head = &bytes[..bytes.len().min(4096)];
    let head = String::from_utf8_lossy(head).to_lowercase();
    let start = head.trim_start_matches('\u{feff}').trim_start();
    start.starts_with('<')
        || [
            "<script",
            "<html",
            "<svg",
            "<!doctype",
            "<iframe",
            "<body",
            "<?xml",
        ]
        .iter()
        .any(|tag| head.contains(tag))
}

/// Why an upload is refused for what it is (415).
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FileRefusal {
    #[error("the file is empty")]
    Empty,
    #[error("pages, SVG, XML and script are not kept in the library: {0}")]
    Active(String),
    #[error("the file is not a kind the library keeps (PDF, office documents, zip, images, gzip or tar archives, plain text)")]
    Unknown,
    #[error("the file says it is {claimed} but its bytes are {found}")]
    Mismatch { claimed: String, found: String },
}

/// A file the library may keep: its type as served, read from the bytes.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Checked {
    pub sniffed: Sniffed,
    /// The type the file is described as: the claimed one when it agrees with the bytes and
    /// names them more precisely (a .docx rather than a zip), else the one read from the bytes.
    pub media_type: String,
}

/// Checks an upload: its bytes, the type its sender claims (if any) and its name.
pub fn check_file(bytes: &[u8], claimed: Option<&str>, name: &str) -> Result<Checked, FileRefusal> {
    if bytes.is_empty() {
        return Err(FileRefusal::Empty);
    }
    let lower = name.to_lowercase();
    if let Some(ending) = ACTIVE_ENDINGS.iter().find(|e| lower.ends_with(*e)) {
        return Err(FileRefusal::Active(format!("a name ending {ending}")));
    }
    let claimed = claimed
        .map(|c| {
            c.split(';')
                .next()
                .unwrap_or_default()
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|c| !c.is_empty() && c != "application/octet-stream");
    if let Some(c) = &claimed {
        if is_active_type(c) {
            return Err(FileRefusal::Active(format!("a file sent as {c}")));
        }
    }
    let sniffed = sniff(bytes).ok_or(FileRefusal::Unknown)?;
    if sniffed == Sniffed::Text && looks_like_markup(bytes) {
        return Err(FileRefusal::Active(
            "text with HTML, SVG or XML markup".into(),
        ));
    }
    let media_type = match claimed {
        None => sniffed.media_type().to_string(),
        Some(c) if sniffed.agrees_with(&c) => c,
        Some(c) => {
            return Err(FileRefusal::Mismatch {
                claimed: c,
                found: sniffed.media_type().to_string(),
            })
        }
    };
    Ok(Checked {
        sniffed,
        media_type,
    })
}

/// The type a stored file is served as: text always as plain text, and only the kinds the
/// library keeps; anything else as bytes to save.
pub fn served_type(media_type: &str) -> &'static str {
    let t = media_type.to_ascii_lowercase();
    if t.starts_with("text/") || t == "application/csv" {
        return "text/plain; charset=utf-8";
    }
    for s in [
        Sniffed::Pdf,
        Sniffed::Zip,
        Sniffed::Ole,
        Sniffed::Png,
        Sniffed::Jpeg,
        Sniffed::Gif,
        Sniffed::Gzip,
        Sniffed::Tar,
    ] {
        if s.agrees_with(&t) {
            return s.media_type();
        }
    }
    "application/octet-stream"
}

/// A peer's `mediaType` for a download, kept only if it is a kind the library keeps.
pub fn remote_media_type(value: Option<&str>) -> String {
    let t = value
        .unwrap_or_default()
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase();
    if t.len() <= 100 && !is_active_type(&t) && served_type(&t) != "application/octet-stream" {
        t
    } else {
        "application/octet-stream".into()
    }
}

/// `Content-Disposition` for a download: always an attachment, with an ASCII name for old
/// clients and the exact name in RFC 5987 encoding (RFC 6266).
pub fn content_disposition(name: &str) -> String {
    let ascii: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_' | ' ' | '(' | ')') {
                c
            } else {
                '_'
            }
        })
        .collect();
    let ascii = if ascii.trim().is_empty() {
        "download".to_string()
    } else {
        ascii
    };
    let encoded: String = name
        .bytes()
        .map(|b| {
            if b.is_ascii_alphanumeric() || matches!(b, b'.' | b'-' | b'_') {
                (b as char).to_string()
            } else {
                format!("%{b:02X}")
            }
        })
        .collect();
    format!("attachment; filename=\"{ascii}\"; filename*=UTF-8''{encoded}")
}

/// A size for people: bytes, KiB or MiB.
pub fn human_size(bytes: i64) -> String {
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if bytes < 1024 * 1024 {
        format!("{:.1} KiB", bytes as f64 / 1024.0)
    } else {
        format!("{:.1} MiB", bytes as f64 / (1024.0 * 1024.0))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn types_come_from_the_bytes() {
        let pdf = b"%PDF-1.7\n...";
        assert_eq!(
            check_file(pdf, Some("application/pdf"), "a.pdf")
                .unwrap()
                .media_type,
            "application/pdf"
        );
        assert_eq!(
            check_file(pdf, None, "a.pdf").unwrap().sniffed,
            Sniffed::Pdf
        );
        let docx = b"PK\x03\x04rest";
        let t = "application/vnd.openxmlformats-officedocument.wordprocessingml.document";
        assert_eq!(check_file(docx, Some(t), "a.docx").unwrap().media_type, t);
        assert!(matches!(
            check_file(b"hello", Some("application/xhtml+xml"), "a.txt"),
            Err(FileRefusal::Active(_))
        ));
        assert!(matches!(
            check_file(b"hello", Some("text/xml"), "a.txt"),
            Err(FileRefusal::Active(_))
        ));
        assert!(matches!(
            check_file(
                b"<html><script>x</script>",
                Some("application/pdf"),
                "a.pdf"
            ),
            Err(FileRefusal::Active(_))
        ));
        assert!(matches!(
            check_file(b"%PDF-1.4", Some("image/png"), "a.png"),
            Err(FileRefusal::Mismatch { .. })
        ));
        assert!(matches!(
            check_file(b"hello", Some("text/html"), "a.txt"),
            Err(FileRefusal::Active(_))
        ));
        assert!(matches!(
            check_file(b"hello", None, "page.HTML"),
            Err(FileRefusal::Active(_))
        ));
        assert!(matches!(
            check_file(b"  <svg onload=alert(1)>", None, "a.txt"),
            Err(FileRefusal::Active(_))
        ));
        assert!(matches!(
            check_file(b"\x00\x01\x02binary", None, "a.bin"),
            Err(FileRefusal::Unknown)
        ));
        assert_eq!(
            check_file(b"a,b\n1,2\n", Some("text/csv"), "a.csv")
                .unwrap()
                .media_type,
            "text/csv"
        );
        assert_eq!(served_type("text/csv"), "text/plain; charset=utf-8");
        assert_eq!(served_type("text/html"), "text/plain; charset=utf-8");
        assert_eq!(served_type("image/svg+xml"), "application/octet-stream");
        assert_eq!(
            remote_media_type(Some("text/html")),
            "application/octet-stream"
        );
    }

    #[test]
    fn file_names_are_bare() {
        assert_eq!(file_name(" Handbook 2.pdf ").unwrap(), "Handbook 2.pdf");
        for bad in [
            "../etc/passwd",
            "a/b.pdf",
            "a\\b.pdf",
            ".htaccess",
            "a\nb",
            "",
        ] {
            assert!(file_name(bad).is_err(), "{bad:?}");
        }
        assert!(file_name(&"a".repeat(201)).is_err());
        assert_eq!(
            content_disposition("Bröd \"x\".pdf"),
            "attachment; filename=\"Br_d _x_.pdf\"; filename*=UTF-8''Br%C3%B6d%20%22x%22.pdf"
        );
    }

    #[test]
    fn entry_fields_are_checked() {
        let ok = EntryFields {
            title: "Members' handbook".into(),
            summary: "How we **work** <script>alert(1)</script>".into(),
            licence: "CC-BY-SA-4.0".into(),
            topic: "Governance".into(),
            kind: "Handbook".into(),
        };
        let d = ok.check().unwrap();
        assert_eq!(d.topic, "governance");
        assert_eq!(d.kind, "handbook");
        assert!(!d.summary_html.contains("<script"));
        let mut bad = ok.clone();
        bad.title = "<script>alert(1)</script>".into();
        assert!(bad.check().is_err());
        let mut bad = ok.clone();
        bad.kind = "novel".into();
        assert!(bad.check().is_err());
        assert_eq!(version_label("", 2).unwrap(), "3");
    }
}
