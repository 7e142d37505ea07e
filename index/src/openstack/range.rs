//! [`ReleaseRange`]: `">=2023.1, <=2025.2"` and friends, resolved to a span of [`RELEASES`].
//!
//! Release series are a closed, ordered list, so a range is just two inclusive indexes into it.
//! That makes `contains` and `releases` trivial and lets the parser reject ranges that can match
//! nothing (`>=2025.1, <2024.1`), which are always a mistake.

use super::{RELEASES, Release, release_index};

/// A range of release series as written in a manifest: `">=2023.1, <=2025.2"`, `">=antelope"`,
/// `"2024.1"` (exactly that one), `"*"`. Comparators joined by `,` are all required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRange {
    /// The text as written (trimmed), kept for display and for the index.
    text: String,
    /// Inclusive bounds as indexes into [`RELEASES`].
    low: usize,
    high: usize,
}

/// How to spell a release, appended to every parse error.
const SPELLING_HINT: &str = "write comparators like `>=2023.1, <=2025.2`, `>=antelope`, `2024.1` \
                             or `*`, with series such as `zed`, `2023.1`, `antelope`, `2025.2`, `flamingo`";

impl ReleaseRange {
    /// Error text names the bad part and lists how to spell a release.
    pub fn parse(text: &str) -> Result<Self, String> {
        let trimmed = text.trim();
        if trimmed.is_empty() {
            return Err(format!("release range is empty; {SPELLING_HINT}"));
        }
        let last = RELEASES.len() - 1;
        let (mut low, mut high) = (0usize, last);
        for part in trimmed.split(',') {
            let part = part.trim();
            if part.is_empty() {
                return Err(format!(
                    "release range `{trimmed}` has an empty comparator; {SPELLING_HINT}"
                ));
            }
            if part == "*" {
                continue;
            }
            let (op, series) = split_op(part);
            let series = series.trim();
            let Some(i) = release_index(series) else {
                return Err(format!(
                    "unknown release series `{series}` in `{trimmed}`; {SPELLING_HINT}"
                ));
            };
            let empty =
                || format!("release range `{trimmed}` matches no release series; {SPELLING_HINT}");
            match op {
                Op::Ge => low = low.max(i),
                Op::Gt => low = low.max(i.checked_add(1).filter(|&j| j <= last).ok_or_else(empty)?),
                Op::Le => high = high.min(i),
                Op::Lt => high = high.min(i.checked_sub(1).ok_or_else(empty)?),
                Op::Eq => {
                    low = low.max(i);
                    high = high.min(i);
                }
            }
            if low > high {
                return Err(empty());
            }
        }
        Ok(ReleaseRange {
            text: trimmed.to_owned(),
            low,
            high,
        })
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the series named (by name or number) is inside the range; unknown names are not.
    pub fn contains(&self, release: &str) -> bool {
        release_index(release).is_some_and(|i| (self.low..=self.high).contains(&i))
    }

    /// Every series the range covers, oldest first.
    pub fn releases(&self) -> &'static [Release] {
        &RELEASES[self.low..=self.high]
    }
}

#[derive(Clone, Copy)]
enum Op {
    Ge,
    Gt,
    Le,
    Lt,
    Eq,
}

/// Splits `>=2023.1` into its operator and series; a bare series means `=`.
fn split_op(part: &str) -> (Op, &str) {
    for (prefix, op) in [
        (">=", Op::Ge),
        ("<=", Op::Le),
        (">", Op::Gt),
        ("<", Op::Lt),
        ("=", Op::Eq),
    ] {
        if let Some(rest) = part.strip_prefix(prefix) {
            return (op, rest);
        }
    }
    (Op::Eq, part)
}

impl std::fmt::Display for ReleaseRange {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.text)
    }
}

impl std::str::FromStr for ReleaseRange {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Self::parse(s)
    }
}

impl serde::Serialize for ReleaseRange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}

impl<'de> serde::Deserialize<'de> for ReleaseRange {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        Self::parse(&s).map_err(serde::de::Error::custom)
    }
}
