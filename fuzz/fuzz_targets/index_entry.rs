//! One index line: JSON -> `IndexEntry` -> JSON -> `IndexEntry` is the identity, and the second
//! serialisation equals the first (what the registry writes is what clients read back).
#![no_main]

use libfuzzer_sys::fuzz_target;
use osops_index::IndexEntry;

fuzz_target!(|data: &[u8]| {
    let Ok(entry) = serde_json::from_slice::<IndexEntry>(data) else {
        return;
    };
    let line = serde_json::to_string(&entry).expect("an IndexEntry always serialises");
    assert!(!line.contains('\n'), "an index line spans lines: {line}");
    let back: IndexEntry = serde_json::from_str(&line)
        .unwrap_or_else(|e| panic!("own serialisation refused: {e}\n{line}"));
    assert_eq!(back, entry, "{line}");
    assert_eq!(serde_json::to_string(&back).expect("serialise"), line);
});
