//! The pipe a paused process reports through: with `OSOPS_FAILPOINT=POINT:PIPE`, `osops` and
//! `osops-registry` (built with their `failpoints` feature) write `POINT` to the named pipe on
//! reaching the point and then wait forever, so a test knows exactly where the process is and
//! kills it there.
//!
//! No sleeping: opening the pipe for reading blocks until the process opens it for writing. If the
//! process ends without reaching the point, whoever watches it calls [`Waker::ended`], which opens
//! the pipe instead, so the test fails with what the process said rather than hanging.

use std::fs::{File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::PathBuf;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use crate::fixtures::mkfifo;

pub struct PausePipe {
    _dir: tempfile::TempDir,
    waker: Waker,
}

/// Wakes a test blocked in [`PausePipe::wait_for`] when the process ended on its own.
#[derive(Clone)]
pub struct Waker {
    path: PathBuf,
    /// Set once the test read the point: the process was then killed, not ended on its own.
    reached: Arc<AtomicBool>,
}

impl PausePipe {
    pub fn new() -> PausePipe {
        let dir = tempfile::tempdir().expect("temporary dir for the pipe");
        let path = dir.path().join("failpoint");
        mkfifo(&path);
        PausePipe {
            _dir: dir,
            waker: Waker {
                path,
                reached: Arc::new(AtomicBool::new(false)),
            },
        }
    }

    /// The value of `OSOPS_FAILPOINT` that pauses at `point` and reports here.
    pub fn setting(&self, point: &str) -> String {
        format!("{point}:{}", self.waker.path.display())
    }

    pub fn waker(&self) -> Waker {
        self.waker.clone()
    }

    /// Blocks until a line arrives; whether it is `point` (the process is paused there), and
    /// the line.
    pub fn wait_for(&self, point: &str) -> (bool, String) {
        let mut line = String::new();
        let pipe = File::open(&self.waker.path).expect("open the pipe for reading");
        BufReader::new(pipe)
            .read_line(&mut line)
            .expect("read the pipe");
        let at_point = line.trim() == point;
        self.waker.reached.store(at_point, Ordering::SeqCst);
        (at_point, line)
    }
}

impl Default for PausePipe {
    fn default() -> Self {
        PausePipe::new()
    }
}

impl Waker {
    /// The process ended: unless the test already read the point, write `why` to the pipe so
    /// that [`PausePipe::wait_for`] returns.
    pub fn ended(&self, why: &str) {
        if self.reached.load(Ordering::SeqCst) {
            return;
        }
        if let Ok(mut pipe) = OpenOptions::new().write(true).open(&self.path) {
            let _ = writeln!(pipe, "{why}");
        }
    }
}
