//! Cases 3 and 4: links, devices and other special files, and writing through a link.

use super::*;

// --- 3. Links, devices, FIFOs, sparse and unknown types ---------------------------------------

fn special(typeflag: u8, linkname: &str) -> Vec<u8> {
    let mut h = Header::new(p("special"), typeflag, 0);
    h.linkname = linkname.as_bytes().to_vec();
    baseline().entry(&h, &[]).gz()
}

#[test]
fn rejects_symlink_to_absolute_path() {
    assert_bad_entry(
        rejected(special(b'2', "/etc/passwd")),
        &p("special"),
        "symbolic link (to `/etc/passwd`)",
    );
}

#[test]
fn rejects_symlink_to_parent_dir() {
    assert_bad_entry(
        rejected(special(b'2', "../../..")),
        &p("special"),
        "symbolic link",
    );
}

#[test]
fn rejects_symlink_within_tree() {
    assert_bad_entry(
        rejected(special(b'2', "bin/run.sh")),
        &p("special"),
        "symbolic link",
    );
}

#[test]
fn rejects_hard_link() {
    assert_bad_entry(
        rejected(special(b'1', "/etc/shadow")),
        &p("special"),
        "hard link",
    );
}

#[test]
fn rejects_character_device() {
    assert_bad_entry(
        rejected(special(b'3', "")),
        &p("special"),
        "character device",
    );
}

#[test]
fn rejects_block_device() {
    assert_bad_entry(rejected(special(b'4', "")), &p("special"), "block device");
}

#[test]
fn rejects_fifo() {
    assert_bad_entry(rejected(special(b'6', "")), &p("special"), "FIFO");
}

#[test]
fn rejects_gnu_sparse_file() {
    let mut h = Header::new(p("special"), b'S', 0);
    h.gnu = true;
    assert_bad_entry(
        rejected(baseline().entry(&h, &[]).gz()),
        &p("special"),
        "sparse",
    );
}

#[test]
fn rejects_unknown_type_flag() {
    assert_bad_entry(
        rejected(special(b'Z', "")),
        &p("special"),
        "unsupported entry type `Z`",
    );
    assert_bad_entry(
        rejected(special(b'7', "")),
        &p("special"),
        "unsupported entry type `7`",
    );
}

// --- 4. Writing through a link ----------------------------------------------------------------

#[test]
fn rejects_symlink_then_file_beneath() {
    let tar = baseline()
        .symlink(&p("l"), "..")
        .file(&p("l/x"), b"planted");
    assert_bad_entry(rejected(tar.gz()), &p("l"), "symbolic link");
}

#[test]
fn rejects_symlink_then_directory_beneath() {
    let tar = baseline()
        .symlink(&p("l"), "/tmp")
        .dir(&p("l/d/"))
        .file(&p("l/d/x"), b"planted");
    assert_bad_entry(rejected(tar.gz()), &p("l"), "symbolic link");
}

#[test]
fn rejects_file_then_file_beneath() {
    let tar = baseline()
        .file(&p("a"), b"file")
        .file(&p("a/b"), b"beneath");
    assert_bad_entry(rejected(tar.gz()), &p("a/b"), "which is a file");
}
