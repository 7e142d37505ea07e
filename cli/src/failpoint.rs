//! Test-only failure points, compiled in only with the `failpoints` feature (the end-to-end tests
//! enable it; release builds do not, and there every function here is an empty `Ok`).
//!
//! `OSOPS_FAILPOINT=NAME:ACTION` names one point and what happens on reaching it:
//!
//! - `NAME:FIFO` (a path): the process opens the named pipe `FIFO` for writing (which blocks
//!   until the test opens it for reading), writes `NAME\n`, and then waits forever: the test knows
//!   exactly where the process is and kills it there. No sleeping, no polling.
//! - `NAME:enospc`: the point fails with the error a full disk gives (`ENOSPC`, kind
//!   [`std::io::ErrorKind::StorageFull`]), as the write it stands for would have; the caller
//!   handles it as it handles that write's failure.
//!
//! Points: `install-extracting` (extracting an archive into its temporary directory; `enospc`
//! first cuts one extracted file short, as a write that ran out of space does),
//! `install-extracted` (pause only), `install-linked` (pause only), `install-receipt` (writing the
//! receipt) and `cache-writing` (writing a download into the cache).

/// The action for failing as a full disk does.
#[cfg(feature = "failpoints")]
const ENOSPC_ACTION: &str = "enospc";

/// `ENOSPC` on Linux and the BSDs.
#[cfg(feature = "failpoints")]
const ENOSPC: i32 = 28;

/// The action the environment gives the point `name`, if it names it.
#[cfg(feature = "failpoints")]
fn action(name: &str) -> Option<String> {
    let spec = std::env::var("OSOPS_FAILPOINT").ok()?;
    let (point, action) = spec.split_once(':')?;
    (point == name && !action.is_empty()).then(|| action.to_owned())
}

/// Pauses here when the environment names this point with a pipe (with the `failpoints` feature
/// only). An `enospc` action is for [`hit`] points: ignored here.
#[cfg(feature = "failpoints")]
pub fn pause(name: &str) {
    use std::io::Write;
    let Some(fifo) = action(name) else {
        return;
    };
    if fifo == ENOSPC_ACTION {
        return;
    }
    if let Ok(mut pipe) = std::fs::OpenOptions::new().write(true).open(&fifo) {
        let _ = writeln!(pipe, "{name}");
        let _ = pipe.flush();
    }
    loop {
        std::thread::park();
    }
}

#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn pause(_name: &str) {}

/// A point where a write can fail: pauses like [`pause`] for a pipe, fails with `ENOSPC` for
/// `enospc` (with the `failpoints` feature only).
#[cfg(feature = "failpoints")]
pub fn hit(name: &str) -> std::io::Result<()> {
    match action(name) {
        Some(action) if action == ENOSPC_ACTION => Err(disk_full()),
        Some(_) => {
            pause(name);
            Ok(())
        }
        None => Ok(()),
    }
}

#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn hit(_name: &str) -> std::io::Result<()> {
    Ok(())
}

/// [`hit`] for a point standing for writing the files under `dir`: before failing with `ENOSPC`,
/// cuts the first regular file found under `dir` to half its size, so what is left behind looks
/// like a write that ran out of space part-way.
#[cfg(feature = "failpoints")]
pub fn hit_partial(name: &str, dir: &std::path::Path) -> std::io::Result<()> {
    if action(name).as_deref() == Some(ENOSPC_ACTION) {
        if let Some(file) = first_file(dir) {
            let len = std::fs::metadata(&file)?.len();
            std::fs::OpenOptions::new()
                .write(true)
                .open(&file)?
                .set_len(len / 2)?;
        }
        return Err(disk_full());
    }
    hit(name)
}

#[cfg(not(feature = "failpoints"))]
#[inline(always)]
pub fn hit_partial(_name: &str, _dir: &std::path::Path) -> std::io::Result<()> {
    Ok(())
}

/// The error a write gets when the disk is full.
#[cfg(feature = "failpoints")]
fn disk_full() -> std::io::Error {
    std::io::Error::from_raw_os_error(ENOSPC)
}

/// The first regular file under `dir` (depth first, names sorted), not following links.
#[cfg(feature = "failpoints")]
fn first_file(dir: &std::path::Path) -> Option<std::path::PathBuf> {
    let mut entries: Vec<_> = std::fs::read_dir(dir).ok()?.flatten().collect();
    entries.sort_by_key(|e| e.file_name());
    for entry in entries {
        let kind = entry.file_type().ok()?;
        if kind.is_file() {
            return Some(entry.path());
        }
        if kind.is_dir()
            && let Some(found) = first_file(&entry.path())
        {
            return Some(found);
        }
    }
    None
}

#[cfg(all(test, feature = "failpoints"))]
mod tests {
    #[test]
    fn enospc_reads_as_a_full_disk() {
        let err = super::disk_full();
        assert_eq!(err.kind(), std::io::ErrorKind::StorageFull);
        assert_eq!(err.raw_os_error(), Some(28));
    }
}
