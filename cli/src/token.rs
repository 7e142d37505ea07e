//! The shape of an osops API token, checked locally before a token is saved or sent.
//!
//! A token is `osops_`, 32 random base62 characters, and a 6-character base62 checksum of those
//! 32 (docs/http-api.md, "Token format"): 44 characters in all. The prefix lets secret scanners
//! recognise a leaked token; the checksum lets `osops login` refuse a mistyped or truncated one
//! without asking the registry.
//!
//! The checksum is the CRC-32 (IEEE 802.3, the one zlib and gzip use) of the 32 random characters
//! as ASCII bytes, written as a base62 number, most significant digit first, left-padded with the
//! zero digit to 6 characters (62^6 > 2^32, so 6 always suffice). The digits are [`ALPHABET`]:
//! `0`–`9`, `A`–`Z`, `a`–`z`, so digit 0 is `0`. The registry must use exactly this encoding.
//!
//! Errors never contain the token, nor any part of it.

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

/// Why a string is not an osops token.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FormatError {
    #[error("the token is empty")]
    Empty,
    #[error("this is not an osops token: osops tokens start with `{PREFIX}`")]
    Prefix,
    #[error("the token is {len} characters long; osops tokens are {LEN}")]
    Length { len: usize },
    #[error("character {position} of the token is not a letter or a digit")]
    Character { position: usize },
    #[error("the token's checksum does not match: it was mistyped or changed")]
    Checksum,
}

impl FormatError {
    pub fn hint(&self) -> Option<String> {
        Some(
            "copy the whole token as `osops token create` (or `osops-registry token create`) printed it"
                .into(),
        )
    }
}

/// Checks prefix, length, characters and checksum.
pub fn check(token: &str) -> Result<(), FormatError> {
    if token.is_empty() {
        return Err(FormatError::Empty);
    }
    let Some(rest) = token.strip_prefix(PREFIX) else {
        return Err(FormatError::Prefix);
    };
    if let Some(index) = rest.bytes().position(|b| !b.is_ascii_alphanumeric()) {
        return Err(FormatError::Character {
            position: PREFIX.len() + index + 1,
        });
    }
    let len = token.chars().count();
    if len != LEN {
        return Err(FormatError::Length { len });
    }
    let (random, sum) = rest.split_at(RANDOM_LEN);
    if checksum(random) != sum {
        return Err(FormatError::Checksum);
    }
    Ok(())
}

/// The 6 base62 checksum characters of a token's random part.
pub fn checksum(random: &str) -> String {
    let mut value = u64::from(crc32(random.as_bytes()));
    let mut digits = [ALPHABET[0]; CHECKSUM_LEN];
    for digit in digits.iter_mut().rev() {
        *digit = ALPHABET[(value % 62) as usize];
        value /= 62;
    }
    digits.iter().map(|&b| char::from(b)).collect()
}

/// CRC-32/ISO-HDLC (reflected, polynomial 0xEDB88320, initial and final XOR 0xFFFFFFFF): the
/// checksum of zlib, gzip and PNG. Bitwise: tokens are 32 bytes, speed does not matter.
fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = 0xFFFF_FFFFu32;
    for &byte in bytes {
        crc ^= u32::from(byte);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    use super::*;

    const RANDOM: &str = "abcdefghijklmnopqrstuvwxyzABCDEF";

    fn token(random: &str) -> String {
        format!("{PREFIX}{random}{}", checksum(random))
    }

    #[test]
    fn crc32_is_the_zlib_one() {
        // The standard check value of CRC-32/ISO-HDLC.
        assert_eq!(crc32(b"123456789"), 0xCBF4_3926);
        assert_eq!(crc32(b""), 0);
    }

    #[test]
    fn the_checksum_is_six_base62_digits_most_significant_first() {
        // 0xCBF43926 = 3421780262 = 3·62^5 + 45·62^4 + 35·62^3 + 27·62^2 + 22·62 + 14
        assert_eq!(checksum("123456789"), "3jZRME");
        let sum = checksum(RANDOM);
        assert_eq!(sum.len(), CHECKSUM_LEN);
        assert!(sum.bytes().all(|b| ALPHABET.contains(&b)));
    }

    #[test]
    fn a_well_formed_token_passes() {
        let good = token(RANDOM);
        assert_eq!(good.len(), LEN);
        assert_eq!(check(&good), Ok(()));
    }

    #[test]
    fn each_malformation_is_named_without_showing_the_token() {
        let good = token(RANDOM);
        let cases = [
            (String::new(), FormatError::Empty),
            (good.replacen("osops_", "ghp_", 1), FormatError::Prefix),
            (
                good[..LEN - 1].to_owned(),
                FormatError::Length { len: LEN - 1 },
            ),
            (format!("{good}x"), FormatError::Length { len: LEN + 1 }),
            (
                good.replacen('c', "-", 1),
                FormatError::Character { position: 9 },
            ),
            // One character changed: the checksum catches it.
            (good.replacen('c', "C", 1), FormatError::Checksum),
            // Two characters swapped.
            (good.replacen("ab", "ba", 1), FormatError::Checksum),
        ];
        for (bad, expected) in cases {
            let err = check(&bad).expect_err(&expected.to_string());
            assert_eq!(err, expected);
            if bad.len() > PREFIX.len() {
                assert!(!err.to_string().contains(&bad[PREFIX.len()..]));
            }
        }
    }
}
