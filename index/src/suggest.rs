//! "Did you mean" suggestions for misspelt keys and names.

/// The candidate closest to `word` by Damerau–Levenshtein distance (a swapped pair of letters
/// counts as one edit: `nmae` → `name`), if it is close enough to be a plausible typo: at most a
/// third of the candidate's length, and at least one edit allowed. Ties go to the first candidate,
/// so callers list their candidates in a sensible order.
pub(crate) fn closest<'a>(
    word: &str,
    candidates: impl IntoIterator<Item = &'a str>,
) -> Option<&'a str> {
    candidates
        .into_iter()
        .map(|c| (strsim::damerau_levenshtein(word, c), c))
        .filter(|&(d, c)| d <= (c.chars().count() / 3).max(1))
        .min_by_key(|&(d, _)| d)
        .map(|(_, c)| c)
}

#[cfg(test)]
mod tests {
    use super::closest;

    #[test]
    fn suggests_only_plausible_typos() {
        let keys = ["name", "version", "description", "kind"];
        assert_eq!(closest("descripton", keys), Some("description"));
        assert_eq!(closest("nmae", keys), Some("name"));
        assert_eq!(closest("colour", keys), None);
    }
}
