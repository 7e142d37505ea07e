//! `Manifest::from_toml_str` on arbitrary text: never panics, and an accepted manifest survives a
//! round trip through its own TOML rendering (`to_toml_string`) unchanged.
#![no_main]

use libfuzzer_sys::fuzz_target;
use osops_index::Manifest;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(manifest) = Manifest::from_toml_str(text) else {
        return;
    };
    let rendered = manifest.to_toml_string();
    let again = Manifest::from_toml_str(&rendered).unwrap_or_else(|e| {
        panic!("the rendering of an accepted manifest is refused: {e:?}\n--- rendered:\n{rendered}")
    });
    assert_eq!(
        manifest, again,
        "round trip changed the manifest\n--- rendered:\n{rendered}"
    );
    // Rendering is a fixed point after one round.
    assert_eq!(rendered, again.to_toml_string());
});
