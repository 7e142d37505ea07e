//! Trusted-publisher rules' claims: checking a rule's claim globs when an owner adds it, matching
//! them against a verified identity token, and naming an identity in messages.
//!
//! A rule is `{claim name: glob}`; it matches an identity when every named claim is present as a
//! string and matches its glob. In a glob `*` matches any run of characters (`/` included) and
//! every other character only itself, so `refs/tags/*` matches every tag and `org/*` every
//! repository of `org`.

use std::collections::BTreeMap;

use serde_json::{Map, Value};

/// Claims a rule may not name: they are the token's envelope, checked by the verification itself.
pub const RESERVED: &[&str] = &["iss", "aud", "exp", "nbf", "iat", "jti"];
/// Most claims in one rule.
pub const MAX_CLAIMS: usize = 32;
const MAX_NAME: usize = 64;
const MAX_VALUE: usize = 512;

/// Claims that say which pipeline an identity is, in the order messages list them (GitHub Actions
/// and GitLab CI names; `sub` names the identity for any issuer).
const MAIN_CLAIMS: &[&str] = &[
    "repository",
    "project_path",
    "ref",
    "workflow",
    "job_workflow_ref",
    "environment",
    "pipeline_source",
    "sub",
];

/// Checks an owner's rule claims; the error is a sentence for a 400.
pub fn check_rule(claims: &BTreeMap<String, String>) -> Result<(), String> {
    if claims.is_empty() {
        return Err(
            "a trusted publisher rule needs at least one claim, e.g. `{\"repository\": \"org/repo\"}`"
                .into(),
        );
    }
    if claims.len() > MAX_CLAIMS {
        return Err(format!(
            "a trusted publisher rule may name at most {MAX_CLAIMS} claims"
        ));
    }
    for (name, glob) in claims {
        let name_ok = (1..=MAX_NAME).contains(&name.len())
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b':'));
        if !name_ok {
            return Err(format!(
                "claim name `{}` is not valid; use 1 to {MAX_NAME} of letters, digits, `_`, `-`, `.` and `:`",
                name.escape_debug()
            ));
        }
        if RESERVED.contains(&name.as_str()) {
            return Err(format!(
                "claim `{name}` cannot be part of a rule: the registry checks it itself \
                 (`iss` is the rule's `issuer`; `aud`, `exp`, `nbf`, `iat` and `jti` are checked on every token)"
            ));
        }
        if glob.is_empty() || glob.len() > MAX_VALUE || glob.contains(char::is_control) {
            return Err(format!(
                "the value of claim `{name}` must be 1 to {MAX_VALUE} characters without control characters"
            ));
        }
    }
    if claims.values().all(|glob| glob.bytes().all(|b| b == b'*')) {
        return Err(
            "a trusted publisher rule must pin at least one claim: with only `*` values it would \
             match every identity the issuer ever signs (hint: name the repository or project)"
                .into(),
        );
    }
    Ok(())
}

/// Whether every claim of the rule is a string claim of the identity that matches its glob.
pub fn rule_matches(rule: &BTreeMap<String, String>, identity: &Map<String, Value>) -> bool {
    !rule.is_empty()
        && rule.iter().all(|(name, glob)| {
            identity
                .get(name)
                .and_then(Value::as_str)
                .is_some_and(|value| glob_matches(glob, value))
        })
}

/// `*` matches any run of characters, everything else itself. Linear in practice: the classic
/// backtrack-to-last-star algorithm, O(glob × text) at worst.
pub fn glob_matches(glob: &str, text: &str) -> bool {
    let (g, t): (Vec<char>, Vec<char>) = (glob.chars().collect(), text.chars().collect());
    let (mut gi, mut ti) = (0, 0);
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if gi < g.len() && g[gi] == '*' {
            star = Some((gi, ti));
            gi += 1;
        } else if gi < g.len() && g[gi] == t[ti] {
            gi += 1;
            ti += 1;
        } else if let Some((sg, st)) = star {
            gi = sg + 1;
            ti = st + 1;
            star = Some((sg, st + 1));
        } else {
            return false;
        }
    }
    g[gi..].iter().all(|&c| c == '*')
}

/// The identity's main claims for messages and tokens: `repository=org/repo, ref=refs/tags/v1`.
/// The well-known claims that are present, else up to four other string claims; values shortened
/// and escaped, as they come from outside.
pub fn summary(identity: &Map<String, Value>) -> String {
    let mut parts: Vec<String> = MAIN_CLAIMS
        .iter()
        .filter_map(|&name| {
            identity
                .get(name)
                .and_then(Value::as_str)
                .map(|v| (name, v))
        })
        .map(|(name, value)| format!("{name}={}", shorten(value)))
        .collect();
    if parts.is_empty() {
        parts = identity
            .iter()
            .filter(|(name, _)| !RESERVED.contains(&name.as_str()))
            .filter_map(|(name, value)| value.as_str().map(|v| (name, v)))
            .take(4)
            .map(|(name, value)| format!("{}={}", shorten(name), shorten(value)))
            .collect();
    }
    if parts.is_empty() {
        "no string claims".into()
    } else {
        parts.join(", ")
    }
}

/// A claim name or value in a message: escaped, cut at 120 characters.
fn shorten(value: &str) -> String {
    super::shorten(value, 120)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(pairs: &[(&str, &str)]) -> BTreeMap<String, String> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    fn identity(value: serde_json::Value) -> Map<String, Value> {
        value.as_object().expect("object").clone()
    }

    #[test]
    fn globs() {
        for (glob, text) in [
            ("org/repo", "org/repo"),
            ("org/*", "org/repo"),
            ("org/*", "org/"),
            ("refs/tags/*", "refs/tags/v1.2.0"),
            ("refs/tags/v*.*.*", "refs/tags/v1.2.0"),
            ("*", ""),
            ("*", "anything/at/all"),
            ("a*b*c", "aXXbYYc"),
            ("a*b*c", "abcbc"),
            ("**", "x"),
            ("é*", "été"),
        ] {
            assert!(glob_matches(glob, text), "{glob} ~ {text}");
        }
        for (glob, text) in [
            ("org/repo", "org/repo2"),
            ("org/repo", "org/rep"),
            ("org/*", "org"),
            ("org/*", "other/repo"),
            ("refs/tags/*", "refs/heads/main"),
            ("a*b*c", "aXXbYY"),
            ("", "x"),
            ("?", "x"),
            ("[a]", "a"),
        ] {
            assert!(!glob_matches(glob, text), "{glob} !~ {text}");
        }
    }

    #[test]
    fn glob_matching_is_not_exponential() {
        let glob = format!("{}b", "*a".repeat(40));
        let text = "a".repeat(500);
        assert!(!glob_matches(&glob, &text));
    }

    #[test]
    fn rules_match_every_claim() {
        let id = identity(serde_json::json!({
            "iss": "https://ci", "repository": "org/repo", "ref": "refs/tags/v1", "run_number": 7,
        }));
        assert!(rule_matches(&claims(&[("repository", "org/repo")]), &id));
        assert!(rule_matches(
            &claims(&[("repository", "org/*"), ("ref", "refs/tags/*")]),
            &id
        ));
        assert!(!rule_matches(
            &claims(&[("repository", "org/repo"), ("ref", "refs/heads/*")]),
            &id
        ));
        assert!(
            !rule_matches(&claims(&[("workflow", "*")]), &id),
            "a missing claim never matches"
        );
        assert!(
            !rule_matches(&claims(&[("run_number", "*")]), &id),
            "only string claims match"
        );
        assert!(!rule_matches(&BTreeMap::new(), &id));
    }

    #[test]
    fn rule_checks() {
        check_rule(&claims(&[
            ("repository", "org/repo"),
            ("ref", "refs/tags/*"),
        ]))
        .expect("ok");
        check_rule(&claims(&[("repository", "org/*")])).expect("a prefix pins");
        for (rule, expected) in [
            (claims(&[]), "at least one claim"),
            (
                claims(&[("repository", "*")]),
                "must pin at least one claim",
            ),
            (
                claims(&[("repository", "*"), ("ref", "**")]),
                "must pin at least one claim",
            ),
            (
                claims(&[("aud", "osops")]),
                "claim `aud` cannot be part of a rule",
            ),
            (
                claims(&[("iss", "x")]),
                "claim `iss` cannot be part of a rule",
            ),
            (
                claims(&[("repo sitory", "x")]),
                "claim name `repo sitory` is not valid",
            ),
            (claims(&[("", "x")]), "claim name `` is not valid"),
            (claims(&[("repository", "")]), "value of claim `repository`"),
            (
                claims(&[("repository", "a\nb")]),
                "value of claim `repository`",
            ),
        ] {
            let err = check_rule(&rule).expect_err(expected);
            assert!(err.contains(expected), "{err}");
        }
        let many: BTreeMap<String, String> = (0..=MAX_CLAIMS)
            .map(|i| (format!("c{i}"), "x".to_owned()))
            .collect();
        assert!(check_rule(&many).is_err());
    }

    #[test]
    fn summaries_name_the_main_claims() {
        let id = identity(serde_json::json!({
            "iss": "https://ci", "sub": "repo:org/repo:ref:refs/heads/main",
            "repository": "org/repo", "ref": "refs/heads/main", "actor": "mallory",
        }));
        assert_eq!(
            summary(&id),
            "repository=org/repo, ref=refs/heads/main, sub=repo:org/repo:ref:refs/heads/main"
        );
        let other = identity(serde_json::json!({"iss": "x", "team": "a\nb", "n": 1}));
        assert_eq!(summary(&other), "team=a\\nb");
        assert_eq!(
            summary(&identity(serde_json::json!({"iss": "x"}))),
            "no string claims"
        );
        let long = identity(serde_json::json!({"repository": "r".repeat(500)}));
        assert!(summary(&long).len() < 200);
    }
}
