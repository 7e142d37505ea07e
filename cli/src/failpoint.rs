//! Test-only pause points, compiled in only with the `failpoints` feature (the end-to-end tests
//! enable it; release builds do not).
//!
//! `OSOPS_FAILPOINT=NAME:FIFO` makes the process, on reaching the point `NAME`, open the named
//! pipe `FIFO` for writing (which blocks until the test opens it for reading), write `NAME\n`,
//! and then wait forever: the test knows exactly where the process is and kills it there. No
//! sleeping, no polling.

/// Pauses here when the environment names this point (with the `failpoints` feature only).
#[cfg(feature = "failpoints")]
pub fn pause(name: &str) {
    use std::io::Write;
    let Ok(spec) = std::env::var("OSOPS_FAILPOINT") else {
        return;
    };
    let Some((point, fifo)) = spec.split_once(':') else {
        return;
    };
    if point != name {
        return;
    }
    if let Ok(mut pipe) = std::fs::OpenOptions::new().write(true).open(fifo) {
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
