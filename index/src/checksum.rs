use sha2::{Digest, Sha256};

/// A lowercase hex sha256 digest, 64 characters.
pub type Sha256Hex = String;

/// The sha256 of `bytes` as lowercase hex: the form used in index entries, blob keys and receipts.
pub fn sha256_hex(bytes: &[u8]) -> Sha256Hex {
    hex::encode(Sha256::digest(bytes))
}
