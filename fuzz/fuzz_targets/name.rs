//! `AssetName::parse` / `canonical_form` / `lookalike_key` on arbitrary text.
//!
//! - a canonical form is itself canonical (idempotent) and parses to itself;
//! - whatever `parse` accepts is its own canonical form, spelled exactly as given;
//! - every valid name is ASCII, 2 to 64 bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osops_index::AssetName;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(canonical) = AssetName::canonical_form(text) {
        let s = canonical.as_str();
        assert!(s.is_ascii() && (2..=64).contains(&s.len()), "{s:?}");
        assert_eq!(AssetName::canonical_form(s).as_ref(), Ok(&canonical));
        assert_eq!(AssetName::parse(s).as_ref(), Ok(&canonical));
        assert_eq!(AssetName::fold(s), s);
        let _ = canonical.lookalike_key();
    }
    if let Ok(name) = AssetName::parse(text) {
        assert_eq!(name.as_str(), text);
        assert_eq!(AssetName::canonical_form(text).as_ref(), Ok(&name));
        assert_eq!(text.parse::<AssetName>().as_ref(), Ok(&name));
        // Serialises as a plain JSON string and reads back.
        let json = serde_json::to_string(&name).expect("serialise");
        let back: AssetName = serde_json::from_str(&json).expect("deserialise");
        assert_eq!(back, name);
    }
});
