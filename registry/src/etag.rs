//! Strong ETags over response bodies, and `If-None-Match`.

use axum::http::{HeaderMap, header};

/// The quoted sha256 of `body`: a strong ETag.
pub fn of(body: &[u8]) -> String {
    format!("\"{}\"", osops_index::sha256_hex(body))
}

/// Whether `If-None-Match` names `etag` (or is `*`). Weak comparison, as RFC 9110 asks for this
/// header: `W/"x"` matches `"x"`.
pub fn none_match(headers: &HeaderMap, etag: &str) -> bool {
    headers
        .get_all(header::IF_NONE_MATCH)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .any(|v| {
            v.split(',')
                .map(str::trim)
                .any(|tag| tag == "*" || tag.strip_prefix("W/").unwrap_or(tag) == etag)
        })
}

#[cfg(test)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn with(value: &str) -> HeaderMap {
        let mut h = HeaderMap::new();
        h.insert(
            header::IF_NONE_MATCH,
            HeaderValue::from_str(value).expect("header"),
        );
        h
    }

    #[test]
    fn if_none_match_forms() {
        assert!(none_match(&with("\"abc\""), "\"abc\""));
        assert!(none_match(&with("\"x\", W/\"abc\""), "\"abc\""));
        assert!(none_match(&with("*"), "\"abc\""));
        assert!(!none_match(&with("\"abd\""), "\"abc\""));
        assert!(!none_match(&with("abc"), "\"abc\""));
        assert!(!none_match(&HeaderMap::new(), "\"abc\""));
    }
}
