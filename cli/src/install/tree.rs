//! A tree osops installs into — `$OSOPS_HOME`, or a project's `.osops/` — held under an exclusive
//! file lock, so two osops processes never change one tree at the same time.

use std::fs::{File, TryLockError};

use crate::home::{self, Home, io_error};
use crate::printer::Printer;

/// The lock file at the top of every tree.
const LOCK_FILE: &str = ".lock";

/// A tree, locked for as long as this value lives (the OS drops the lock when the process dies,
/// so a killed install never leaves a tree locked).
pub struct Tree {
    pub home: Home,
    _lock: File,
}

impl Tree {
    /// Locks `home`, waiting (and saying so) while another osops process holds it.
    pub fn open(home: Home, printer: &Printer) -> Result<Tree, home::Error> {
        let root = home.root();
        std::fs::create_dir_all(root).map_err(io_error(root))?;
        let path = root.join(LOCK_FILE);
        let file = File::options()
            .create(true)
            .truncate(false)
            .write(true)
            .open(&path)
            .map_err(io_error(&path))?;
        match file.try_lock() {
            Ok(()) => {}
            Err(TryLockError::WouldBlock) => {
                printer.status(
                    "Blocking",
                    format_args!(
                        "waiting for another osops process to finish with `{}`",
                        root.display()
                    ),
                );
                file.lock().map_err(io_error(&path))?;
            }
            Err(TryLockError::Error(e)) => return Err(io_error(&path)(e)),
        }
        Ok(Tree { home, _lock: file })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::printer::Verbosity;

    #[test]
    fn a_second_opener_waits_until_the_first_is_done() {
        let dir = tempfile::tempdir().expect("tempdir");
        let printer = Printer::new(Verbosity::Quiet);
        let first = Tree::open(Home::at(dir.path()), &printer).expect("first");
        let lock = File::open(dir.path().join(LOCK_FILE)).expect("lock file");
        assert!(
            matches!(lock.try_lock(), Err(TryLockError::WouldBlock)),
            "the tree is locked while the first holds it"
        );
        drop(first);
        lock.try_lock().expect("free once the first is dropped");
    }
}
