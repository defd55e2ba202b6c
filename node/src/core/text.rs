//! Text that users write and peers send: Markdown in, sanitised HTML out.
//!
//! Everything shown in a page that did not come from our own templates passes through
//! [`sanitize_html`] first; peers' HTML is never trusted.

use std::sync::OnceLock;

fn cleaner() -> &'static ammonia::Builder<'static> {
    static CLEANER: OnceLock<ammonia::Builder<'static>> = OnceLock::new();
    CLEANER.get_or_init(|| {
        let mut b = ammonia::Builder::default();
        b.tags(
            [
                "p",
                "br",
                "a",
                "em",
                "strong",
                "b",
                "i",
                "ul",
                "ol",
                "li",
                "blockquote",
                "code",
                "pre",
                "span",
                "h2",
                "h3",
                "h4",
                "del",
            ]
            .into_iter()
            .collect(),
        )
        .link_rel(Some("nofollow noopener noreferrer"))
        .url_schemes(["http", "https", "mailto"].into_iter().collect());
        b
    })
}

/// Removes scripts, styles, event handlers and anything but simple formatting and links.
pub fn sanitize_html(html: &str) -> String {
    cleaner().clean(html).to_string()
}

/// Renders Markdown written by a member, then sanitises it (Markdown allows raw HTML).
pub fn markdown_to_html(markdown: &str) -> String {
    let parser =
        pulldown_cmark::Parser::new_ext(markdown, pulldown_cmark::Options::ENABLE_STRIKETHROUGH);
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, parser);
    sanitize_html(&html)
}

/// Plain text as one HTML paragraph per line group, escaped.
pub fn plain_to_html(text: &str) -> String {
    text.split("\n\n")
        .filter(|p| !p.trim().is_empty())
        .map(|p| format!("<p>{}</p>", escape(p.trim()).replace('\n', "<br>")))
        .collect()
}

pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Cuts a string to at most `max` characters.
pub fn limit(mut s: String, max: usize) -> String {
    if let Some((i, _)) = s.char_indices().nth(max) {
        s.truncate(i);
    }
    s
}

/// The text of some HTML, for previews and search.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::new();
    let mut in_tag = false;
    for c in html.chars() {
        match c {
            '<' => in_tag = true,
            '>' => {
                in_tag = false;
                out.push(' ');
            }
            c if !in_tag => out.push(c),
            _ => {}
        }
    }
    let collapsed: Vec<&str> = out.split_whitespace().collect();
    collapsed
        .join(" ")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&amp;", "&")
}

/// An amount in hundredths, as people read it: "3.20", "-0.05".
pub fn format_minor(minor: i64) -> String {
    let sign = if minor < 0 { "-" } else { "" };
    let m = minor.unsigned_abs();
    format!("{sign}{}.{:02}", m / 100, m % 100)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scripts_and_handlers_are_removed() {
        let dirty = r#"<p onclick="x()">Hi<script>alert(1)</script><a href="javascript:alert(1)">l</a><img src=x onerror=y></p>"#;
        let clean = sanitize_html(dirty);
        assert!(!clean.contains("script"));
        assert!(!clean.contains("onclick"));
        assert!(!clean.contains("javascript"));
        assert!(!clean.contains("onerror"));
        assert!(clean.contains("Hi"));
    }

    #[test]
    fn markdown_cannot_smuggle_html() {
        let html = markdown_to_html("**Fresh bread** <script>alert(1)</script>");
        assert!(html.contains("<strong>Fresh bread</strong>"));
        assert!(!html.contains("<script"));
    }

    #[test]
    fn limit_counts_characters() {
        assert_eq!(limit("brød og smør".into(), 4), "brød");
        assert_eq!(html_to_text("<p>a &amp; b</p><p>c</p>"), "a & b c");
    }
}
