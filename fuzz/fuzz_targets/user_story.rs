//! The need importer on arbitrary text: `parse_user_story` (rST user stories) and `parse_toml`
//! (need files) never panic, and every record they return passes `NeedRecord::validate` again.
//!
//! Input layout: an optional first line (at most 80 bytes) is the file stem the story's id is
//! folded from; the rest is the document. Inputs with no short first line use `fuzz-story`.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osops_index::need::import::{parse_toml, parse_user_story};

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let (stem, body) = match text.split_once('\n') {
        Some((stem, body)) if stem.len() <= 80 => (stem, body),
        _ => ("fuzz-story", text),
    };
    if let Ok(imported) = parse_user_story(body, stem, "fuzz.rst") {
        for record in imported.records {
            record.clone().validate().unwrap_or_else(|e| {
                panic!("an imported story does not validate: {e:?}\n{record:?}")
            });
        }
    }
    if let Ok(imported) = parse_toml(text, "fuzz.toml") {
        for record in imported.records {
            record.clone().validate().unwrap_or_else(|e| {
                panic!("an imported need does not validate: {e:?}\n{record:?}")
            });
        }
    }
});
