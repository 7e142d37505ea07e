//! Markdown (READMEs, need problems) to HTML that is safe to put in a page.
//!
//! pulldown-cmark renders, then ammonia keeps only harmless tags and attributes: no script, style,
//! iframe, form or event handler survives, and links keep only http(s) and mailto URLs and get
//! `rel="nofollow noopener noreferrer"`. Images become links to the image, so that reading a page
//! never makes the browser contact another host (the CSP would block it anyway).

use std::collections::HashSet;
use std::sync::LazyLock;

use pulldown_cmark::{Event, Options, Parser, Tag, TagEnd};

/// What every user-supplied link carries.
pub const USER_LINK_REL: &str = "nofollow noopener noreferrer";

static SANITIZER: LazyLock<ammonia::Builder<'static>> = LazyLock::new(|| {
    let mut builder = ammonia::Builder::default();
    builder
        .rm_tags(["img"])
        .url_schemes(HashSet::from(["http", "https", "mailto"]))
        // A relative link in a README points into the asset's repository, not this site.
        .url_relative(ammonia::UrlRelative::Deny)
        .link_rel(Some(USER_LINK_REL));
    builder
});

/// `markdown` as sanitised HTML.
pub fn to_safe_html(markdown: &str) -> String {
    let options = Options::ENABLE_TABLES
        | Options::ENABLE_STRIKETHROUGH
        | Options::ENABLE_TASKLISTS
        | Options::ENABLE_FOOTNOTES;
    let events = Parser::new_ext(markdown, options).map(|event| match event {
        Event::Start(Tag::Image {
            link_type,
            dest_url,
            title,
            id,
        }) => Event::Start(Tag::Link {
            link_type,
            dest_url,
            title,
            id,
        }),
        Event::End(TagEnd::Image) => Event::End(TagEnd::Link),
        other => other,
    });
    let mut html = String::with_capacity(markdown.len() * 3 / 2);
    pulldown_cmark::html::push_html(&mut html, events);
    SANITIZER.clean(&html).to_string()
}

/// Whether `url` may become a link: http(s) only (manifest and need URLs are validated at
/// publish; this guards rows written before a rule existed).
pub fn is_web_url(url: &str) -> bool {
    let lower = url.trim_start().to_ascii_lowercase();
    (lower.starts_with("https://") || lower.starts_with("http://"))
        && !url.chars().any(char::is_control)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_renders() {
        let html =
            to_safe_html("# Title\n\nSome *text* and `code`.\n\n| a | b |\n|---|---|\n| 1 | 2 |\n");
        assert!(html.contains("<h1>Title</h1>"), "{html}");
        assert!(html.contains("<em>text</em>"), "{html}");
        assert!(html.contains("<code>code</code>"), "{html}");
        assert!(html.contains("<table>"), "{html}");
    }

    #[test]
    fn hostile_html_is_removed() {
        let readme = "<script>alert(1)</script>\n\n<iframe src=\"https://evil.example\"></iframe>\n\n\
                      <a href=\"#\" onclick=\"alert(1)\">x</a> <img src=x onerror=alert(1)>\n\n\
                      [click](javascript:alert(1)) <a href=\"JaVaScRiPt:alert(1)\">y</a>\n\n\
                      <div style=\"background:url(javascript:alert(1))\">z</div>\n";
        let html = to_safe_html(readme).to_ascii_lowercase();
        for bad in [
            "<script",
            "<iframe",
            "onclick",
            "onerror",
            "javascript:",
            "style=",
            "<img",
        ] {
            assert!(!html.contains(bad), "`{bad}` survived: {html}");
        }
    }

    #[test]
    fn links_are_marked_and_images_become_links() {
        let html =
            to_safe_html("[docs](https://example.org/docs) ![diagram](https://cdn.example/d.png)");
        assert!(
            html.contains(
                r#"<a href="https://example.org/docs" rel="nofollow noopener noreferrer">docs</a>"#
            ),
            "{html}"
        );
        assert!(
            html.contains(r#"<a href="https://cdn.example/d.png" rel="nofollow noopener noreferrer">diagram</a>"#),
            "{html}"
        );
        assert!(!html.contains("<img"), "{html}");
    }

    #[test]
    fn relative_links_lose_their_target() {
        let html = to_safe_html("[x](docs/x.md)");
        assert!(!html.contains("docs/x.md"), "{html}");
    }

    #[test]
    fn web_urls() {
        assert!(is_web_url("https://opendev.org/x"));
        assert!(is_web_url("HTTP://example.org"));
        assert!(!is_web_url("javascript:alert(1)"));
        assert!(!is_web_url(" javascript:alert(1)"));
        assert!(!is_web_url("data:text/html,x"));
        assert!(!is_web_url("https://x\n.org"));
    }
}
