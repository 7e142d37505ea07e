//! The token format: `osops_`, 32 random base62 characters, and a 6-character base62 checksum of
//! those 32 — 44 characters in all (docs/http-api.md, "Token format").
//!
//! The prefix lets secret scanners recognise a leaked token; the checksum lets the registry refuse
//! a mistyped or truncated token with [`check`] before any database lookup. The checksum is the
//! CRC-32 (IEEE, the one of zlib and gzip) of the 32 random characters as ASCII, written as a
//! base62 number in [`ALPHABET`]'s digits (`0-9A-Za-z`, so digit zero is `0`), most significant
//! digit first, left-padded with `0` to 6 characters. The CLI (`cli/src/token.rs`) checks the same
//! format: the two must not drift.
//!
//! Only [`hash`] (sha256, hex) is ever stored.

/// What every osops token starts with.
pub const PREFIX: &str = "osops_";
/// Random characters after the prefix.
pub const RANDOM_LEN: usize = 32;
/// Checksum characters at the end.
pub const CHECKSUM_LEN: usize = 6;
/// The whole token's length.
pub const LEN: usize = PREFIX.len() + RANDOM_LEN + CHECKSUM_LEN;
/// The base62 digits, in value order.
pub const ALPHABET: &[u8; 62] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/// Why a string is not an osops token. The messages never quote the token.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Malformed {
    #[error("osops tokens start with `{PREFIX}`")]
    Prefix,
    #[error("osops tokens are {LEN} characters long, this one has {0}")]
    Length(usize),
    #[error("osops tokens are letters and digits after `{PREFIX}`")]
    Alphabet,
    #[error("its checksum does not match: it was mistyped, truncated or changed")]
    Checksum,
}

/// A new random token, with its checksum.
pub fn generate() -> Result<String, getrandom::Error> {
    let mut random = String::with_capacity(RANDOM_LEN);
    // Rejection sampling keeps every character equally likely: bytes past the largest multiple of
    // the alphabet's size are dropped rather than folded.
    let cutoff = (256 / ALPHABET.len() * ALPHABET.len()) as u8;
    let mut buf = [0u8; 64];
    while random.len() < RANDOM_LEN {
        getrandom::fill(&mut buf)?;
        for &b in buf.iter().filter(|&&b| b < cutoff) {
            if random.len() == RANDOM_LEN {
                break;
            }
            random.push(char::from(ALPHABET[usize::from(b) % ALPHABET.len()]));
        }
    }
    let sum = checksum(&random);
    Ok(format!("{PREFIX}{random}{sum}"))
}

/// Checks prefix, alphabet, length and checksum: everything that can be known without the
/// database.
pub fn check(token: &str) -> Result<(), Malformed> {
    let rest = token.strip_prefix(PREFIX).ok_or(Malformed::Prefix)?;
    if !rest.bytes().all(|b| b.is_ascii_alphanumeric()) {
        return Err(Malformed::Alphabet);
    }
    if token.len() != LEN {
        return Err(Malformed::Length(token.chars().count()));
    }
    let (random, sum) = rest.split_at(RANDOM_LEN);
    if checksum(random) != sum {
        return Err(Malformed::Checksum);
    }
    Ok(())
}

/// What is stored for a token: its sha256, in hex.
pub fn hash(token: &str) -> String {
    osops_index::sha256_hex(token.as_bytes())
}

/// The 6 base62 checksum characters of a token's random part.
pub fn checksum(random: &str) -> String {
    let mut value = crc32fast::hash(random.as_bytes());
    let mut digits = [ALPHABET[0]; CHECKSUM_LEN];
    for digit in digits.iter_mut().rev() {
        *digit = ALPHABET[(value % 62) as usize];
        value /= 62;
    }
    digits.iter().map(|&b| char::from(b)).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generated_tokens_are_well_formed_and_differ() {
        let a = generate().expect("token");
        let b = generate().expect("token");
        assert_ne!(a, b);
        for t in [&a, &b] {
            assert_eq!(t.len(), LEN, "{t}");
            assert_eq!(check(t), Ok(()), "{t}");
        }
    }

    #[test]
    fn the_checksum_is_crc32_in_six_base62_digits_most_significant_first() {
        // The CRC-32 check value: 0xCBF43926 = 3421780262 = 3·62^5 + 45·62^4 + 35·62^3 +
        // 27·62^2 + 22·62 + 14. The CLI's test pins the same value.
        assert_eq!(crc32fast::hash(b"123456789"), 0xCBF4_3926);
        assert_eq!(checksum("123456789"), "3jZRME");
        // Small values are left-padded with the zero digit.
        assert_eq!(checksum(""), "000000");
    }

    #[test]
    fn each_malformation_is_refused_for_its_reason() {
        let random = "abcdefghijklmnopqrstuvwxyzABCDEF";
        let good = format!("{PREFIX}{random}{}", checksum(random));
        assert_eq!(check(&good), Ok(()));
        let cases = [
            (String::new(), Malformed::Prefix),
            ("hunter2".to_owned(), Malformed::Prefix),
            (good.replacen("osops_", "OSOPS_", 1), Malformed::Prefix),
            (good.replacen("osops_", "ghp_", 1), Malformed::Prefix),
            (good[..LEN - 1].to_owned(), Malformed::Length(LEN - 1)),
            (format!("{good}x"), Malformed::Length(LEN + 1)),
            // The old format: 32 characters, no checksum.
            (format!("{PREFIX}{random}"), Malformed::Length(38)),
            (good.replacen('c', "-", 1), Malformed::Alphabet),
            (good.replacen('c', "é", 1), Malformed::Alphabet),
            (format!("{good} "), Malformed::Alphabet),
            // One character changed, two swapped, the checksum itself changed.
            (good.replacen('c', "C", 1), Malformed::Checksum),
            (good.replacen("ab", "ba", 1), Malformed::Checksum),
            (format!("{PREFIX}{random}{}", "zzzzzz"), Malformed::Checksum),
        ];
        for (bad, expected) in cases {
            assert_eq!(check(&bad), Err(expected), "{bad:?}");
            assert!(!expected.to_string().contains(random));
        }
    }

    #[test]
    fn only_the_hash_is_kept() {
        let t = generate().expect("token");
        assert_eq!(hash(&t), osops_index::sha256_hex(t.as_bytes()));
        assert!(!hash(&t).contains(&t[PREFIX.len()..]));
    }
}
