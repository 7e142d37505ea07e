//! What templates are handed beyond the stores' types: the layout every page shares, facets,
//! pages and sort links ready to print.

use super::markdown::is_web_url;
use super::static_files;

/// The parts of `base.html` every page fills.
pub struct Layout {
    pub title: String,
    /// What the search box shows.
    pub q: String,
    pub css: String,
    pub js: String,
}

impl Layout {
    pub fn new(title: impl Into<String>, q: &str) -> Layout {
        Layout {
            title: title.into(),
            q: q.to_owned(),
            css: static_files::url("style.css"),
            js: static_files::url("copy.js"),
        }
    }
}

pub struct FacetView {
    /// The query parameter (`kind`, `service`, …), also `data-facet`.
    pub name: &'static str,
    pub label: &'static str,
    pub values: Vec<FacetValueView>,
}

pub struct FacetValueView {
    pub value: String,
    pub label: String,
    pub count: u64,
    /// The same query with this value chosen, or removed when it is the active one.
    pub href: String,
    pub active: bool,
}

pub struct Pages {
    pub page: u32,
    pub pages: u32,
    pub previous: Option<String>,
    pub next: Option<String>,
}

impl Pages {
    /// `href(n)` is the URL of page `n`.
    pub fn new(page: u32, per_page: u32, total: u64, href: impl Fn(u32) -> String) -> Pages {
        let pages = u32::try_from(total.div_ceil(u64::from(per_page.max(1))))
            .unwrap_or(u32::MAX)
            .max(1);
        Pages {
            page,
            pages,
            previous: (page > 1).then(|| href(page - 1)),
            next: (page < pages).then(|| href(page + 1)),
        }
    }
}

pub struct SortLink {
    pub label: &'static str,
    pub href: String,
    pub active: bool,
}

/// The day of an RFC 3339 timestamp (`2026-11-23T15:21:06Z` → `2026-11-23`), for templates.
pub trait Day {
    fn day(&self) -> &str;
}

impl Day for String {
    fn day(&self) -> &str {
        self.get(..10).unwrap_or(self)
    }
}

/// A URL someone supplied (repository, `prompted_by`, need links): a link only when it is http(s).
pub struct UserLink {
    pub url: String,
    pub linkable: bool,
}

impl UserLink {
    pub fn new(url: &str) -> UserLink {
        UserLink {
            url: url.to_owned(),
            linkable: is_web_url(url),
        }
    }
}
