//! Making user text safe for FTS5's query syntax.
//!
//! FTS5 gives meaning to `"`, `*`, `^`, `:`, `(`, `)`, `+`, `-`, `AND`, `OR`, `NOT` and `NEAR`, and
//! answers malformed syntax with an error. Rather than escape those, keep only what the
//! `unicode61` tokenizer would index anyway (runs of letters and digits) and quote it: the query is
//! then always a list of plain phrases.

/// At most this many words are searched; the rest of a long query is ignored.
const MAX_WORDS: usize = 16;
/// At most this many characters per token.
const MAX_TOKEN: usize = 64;

/// The FTS5 `MATCH` expression for `q`: every whitespace-separated word becomes a quoted phrase of
/// its letter/digit runs (`nova-evacuate` → `"nova evacuate"`), all are required, and the last one
/// matches as a prefix so that results appear while typing. `None` when `q` has nothing to search.
pub fn match_expression(q: &str) -> Option<String> {
    let phrases: Vec<String> = q
        .split_whitespace()
        .filter_map(|word| {
            let tokens: Vec<String> = word
                .split(|c: char| !c.is_alphanumeric())
                .filter(|t| !t.is_empty())
                .map(|t| t.chars().take(MAX_TOKEN).collect())
                .collect();
            (!tokens.is_empty()).then(|| format!("\"{}\"", tokens.join(" ")))
        })
        .take(MAX_WORDS)
        .collect();
    let (last, rest) = phrases.split_last()?;
    let mut expr = rest.join(" ");
    if !expr.is_empty() {
        expr.push(' ');
    }
    expr.push_str(last);
    expr.push('*');
    Some(expr)
}

#[cfg(test)]
mod tests {
    use super::match_expression;

    #[test]
    fn words_become_quoted_phrases_with_a_prefix_last() {
        assert_eq!(
            match_expression("evacuate host").as_deref(),
            Some("\"evacuate\" \"host\"*")
        );
        assert_eq!(
            match_expression("nova-evacuate").as_deref(),
            Some("\"nova evacuate\"*")
        );
    }

    #[test]
    fn syntax_is_dropped() {
        assert_eq!(
            match_expression("\"a\" OR NEAR(b* c)").as_deref(),
            Some("\"a\" \"OR\" \"NEAR b\" \"c\"*")
        );
        assert_eq!(match_expression("^col:x").as_deref(), Some("\"col x\"*"));
    }

    #[test]
    fn nothing_searchable_is_none() {
        assert_eq!(match_expression(""), None);
        assert_eq!(match_expression("  \" * ( ) -  "), None);
    }

    #[test]
    fn unicode_letters_are_kept() {
        assert_eq!(match_expression("Größe").as_deref(), Some("\"Größe\"*"));
    }
}
