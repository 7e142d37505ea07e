//! Text for PostgreSQL's full-text search, reduced the way SQLite's FTS5 `unicode61
//! remove_diacritics 2` tokenizer and the embedded store's asset index (`store::search::text`)
//! reduce it, so that both stores find the same assets and needs.
//!
//! PostgreSQL's parser would keep `nova.conf`, `/etc/nova` or `a@b.c` as single tokens where
//! FTS5 sees runs of letters and digits; so both the indexed text and the user's words are cut
//! into those runs here and lowercased. Diacritics are removed in SQL ([`fold`]: canonical
//! decomposition, then the combining marks dropped), which needs a UTF-8 database. The user's
//! words become a `tsquery` of quoted runs, bound as a parameter, never written into SQL.

/// At most this many words are searched; the rest of a long query is ignored (as in SQLite).
const MAX_WORDS: usize = 16;
/// At most this many characters per searched token (as in SQLite).
const MAX_TOKEN: usize = 64;
/// At most this many bytes of a README are indexed, and of each other column: a `tsvector` holds
/// at most 1 MiB of distinct lexemes, and a publish must not fail on a long README.
pub(super) const MAX_README: usize = 512 * 1024;
pub(super) const MAX_FIELD: usize = 64 * 1024;

/// The SQL of `param` (`$2`) with diacritics removed: decomposed (NFD), then the combining
/// diacritical marks dropped. Decomposing a letter or digit never yields quotes, spaces or
/// operators, so a folded `tsquery` keeps its syntax.
pub(super) fn fold(param: &str) -> String {
    format!("regexp_replace(normalize({param}, NFD), '[\\u0300-\\u036f]', '', 'g')")
}

/// A combining diacritical mark: part of a token (its letter's accent, written decomposed), and
/// removed by [`fold`].
fn is_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// The runs of letters and digits of `text` (with their combining marks), lowercased.
fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || is_mark(c)))
        .filter(|t| t.chars().any(|c| c.is_alphanumeric() && !is_mark(c)))
        .map(str::to_lowercase)
}

/// `text` as the space-separated tokens `to_tsvector('simple', …)` is given, cut after `max`
/// bytes at a token's end.
pub(super) fn indexed(text: &str, max: usize) -> String {
    let mut out = String::new();
    for token in tokens(text) {
        if out.len() + token.len() + 1 > max {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&token);
    }
    out
}

/// The `to_tsquery('simple', …)` text for `q`, as SQLite's FTS5 `MATCH` expression reads it:
/// every whitespace-separated word becomes a phrase of its letter/digit runs (`nova-evacuate` →
/// `'nova' <-> 'evacuate'`), all are required, and the last one matches as a prefix so that
/// results appear while typing. `None` when `q` has nothing to search.
pub(super) fn tsquery(q: &str) -> Option<String> {
    let phrases: Vec<Vec<String>> = q
        .split_whitespace()
        .map(|word| {
            tokens(word)
                .map(|t| t.chars().take(MAX_TOKEN).collect::<String>())
                .collect::<Vec<_>>()
        })
        .filter(|phrase| !phrase.is_empty())
        .take(MAX_WORDS)
        .collect();
    let (last, rest) = phrases.split_last()?;
    let mut parts: Vec<String> = rest.iter().map(|p| phrase(p, false)).collect();
    parts.push(phrase(last, true));
    Some(parts.join(" & "))
}

/// `('a' <-> 'b')`, with `:*` after the last token when `prefix`. Tokens hold only letters, digits
/// and combining marks, so quoting needs no escaping; the quotes keep words such as `or` from
/// being read as operators.
fn phrase(tokens: &[String], prefix: bool) -> String {
    let quoted: Vec<String> = tokens.iter().map(|t| format!("'{t}'")).collect();
    let star = if prefix { ":*" } else { "" };
    format!("({}{star})", quoted.join(" <-> "))
}

#[cfg(test)]
mod tests {
    use super::{MAX_TOKEN, indexed, tsquery};

    #[test]
    fn indexed_text_is_lowercase_runs() {
        assert_eq!(
            indexed("Nova-Evacuate /etc/nova/nova.conf a_b", 1000),
            "nova evacuate etc nova nova conf a b"
        );
        assert_eq!(indexed(" -- * ", 1000), "");
    }

    #[test]
    fn indexed_text_is_cut_at_a_token_end() {
        assert_eq!(indexed("alpha beta gamma", 10), "alpha beta");
        assert_eq!(indexed("alpha beta gamma", 9), "alpha");
        assert_eq!(indexed("alphabet", 3), "");
    }

    #[test]
    fn combining_marks_stay_with_their_letter() {
        // `e` + COMBINING ACUTE ACCENT is one token (SQL then drops the mark); a mark alone is none.
        assert_eq!(indexed("E\u{301}cole", 100), "e\u{301}cole");
        assert_eq!(indexed("\u{301} \u{345}x", 100), "\u{345}x");
        assert_eq!(tsquery("\u{301} \u{345}"), None);
    }

    #[test]
    fn words_become_phrases_with_a_prefix_last() {
        assert_eq!(
            tsquery("evacuate Host").as_deref(),
            Some("('evacuate') & ('host':*)")
        );
        assert_eq!(
            tsquery("nova-evacuate").as_deref(),
            Some("('nova' <-> 'evacuate':*)")
        );
    }

    #[test]
    fn syntax_is_dropped() {
        assert_eq!(
            tsquery("\"a\" OR NEAR(b* c) !x:* 'y'").as_deref(),
            Some("('a') & ('or') & ('near' <-> 'b') & ('c') & ('x') & ('y':*)")
        );
        assert_eq!(tsquery("^col:x").as_deref(), Some("('col' <-> 'x':*)"));
        assert_eq!(
            tsquery("';DROP TABLE assets;--").as_deref(),
            Some("('drop') & ('table') & ('assets':*)")
        );
    }

    #[test]
    fn nothing_searchable_is_none() {
        assert_eq!(tsquery(""), None);
        assert_eq!(tsquery("  \" * ( ) - & | ! <-> \\ \u{0} "), None);
    }

    #[test]
    fn unicode_letters_are_kept_and_long_input_cut() {
        assert_eq!(tsquery("Größe").as_deref(), Some("('größe':*)"));
        let long = "x".repeat(100);
        assert_eq!(
            tsquery(&long),
            Some(format!("('{}':*)", "x".repeat(MAX_TOKEN)))
        );
        let many = (0..20)
            .map(|i| format!("w{i}"))
            .collect::<Vec<_>>()
            .join(" ");
        let query = tsquery(&many).unwrap_or_default();
        assert_eq!(query.matches('&').count(), 15);
        assert!(query.ends_with("('w15':*)"), "{query}");
    }
}
