//! The set of paths seen so far in an archive, to refuse duplicates, case/Unicode collisions,
//! and anything placed beneath a file.
//!
//! Every path is tracked under its folded key ([`super::paths::fold`]) with the spelling that
//! claimed it first. Ancestors of every entry are recorded as (implicit) directories, so `a/b`
//! followed by a file `a` is refused just like `a` followed by `a/b`; and two spellings of one
//! directory (`Docs/x`, `docs/y`) are refused too, so every filesystem extracts the same tree.

use std::collections::HashMap;

use super::paths::fold;

#[derive(Debug)]
enum Node {
    File,
    /// `explicit`: the archive had an entry for the directory itself (not only for files in it).
    Dir {
        explicit: bool,
    },
}

#[derive(Debug, Default)]
pub(super) struct Tree {
    /// Folded key → (spelling as first seen, what it is).
    nodes: HashMap<String, (String, Node)>,
}

impl Tree {
    /// Records `path` (validated, `/`-separated, no trailing `/`); the error is the rule broken.
    pub(super) fn add(&mut self, path: &str, is_dir: bool) -> Result<(), String> {
        let mut end = 0;
        // Every proper ancestor: `a`, `a/b` for `a/b/c`.
        while let Some(slash) = path[end..].find('/') {
            end += slash;
            let ancestor = &path[..end];
            match self.nodes.get(&fold(ancestor)) {
                Some((seen, Node::File)) => {
                    return Err(format!("is beneath `{seen}`, which is a file"));
                }
                Some((seen, Node::Dir { .. })) if seen != ancestor => {
                    return Err(format!(
                        "has directory `{ancestor}`, which collides with `{seen}` {COLLIDE}"
                    ));
                }
                Some(_) => {}
                None => {
                    self.nodes.insert(
                        fold(ancestor),
                        (ancestor.to_owned(), Node::Dir { explicit: false }),
                    );
                }
            }
            end += 1;
        }
        let key = fold(path);
        match self.nodes.get_mut(&key) {
            None => {
                let node = if is_dir {
                    Node::Dir { explicit: true }
                } else {
                    Node::File
                };
                self.nodes.insert(key, (path.to_owned(), node));
                Ok(())
            }
            Some((seen, _)) if seen != path => Err(format!("collides with `{seen}` {COLLIDE}")),
            // A directory first implied by a file beneath it, now given its own entry.
            Some((_, node @ Node::Dir { explicit: false })) if is_dir => {
                *node = Node::Dir { explicit: true };
                Ok(())
            }
            Some((_, Node::Dir { explicit: false })) => {
                Err("is a file, but earlier entries put files beneath it".into())
            }
            Some(_) => Err("appears twice in the archive".into()),
        }
    }
}

const COLLIDE: &str = "on case-insensitive or Unicode-normalising filesystems";

#[cfg(test)]
mod tests {
    use super::Tree;

    #[test]
    fn tracks_duplicates_collisions_and_parents() {
        let mut t = Tree::default();
        assert!(t.add("p/a/b", false).is_ok());
        assert!(
            t.add("p/a", true).is_ok(),
            "explicit entry for an implied directory"
        );
        assert!(t.add("p/a", true).is_err(), "explicit directory twice");
        assert!(t.add("p/a/b", false).is_err(), "duplicate file");
        assert!(t.add("p/A/c", false).is_err(), "directory spelt two ways");
        assert!(t.add("p/a/B", false).is_err(), "case collision");
        assert!(t.add("p/a/b/c", false).is_err(), "beneath a file");
        assert!(t.add("p/q/r", false).is_ok());
        assert!(
            t.add("p/q", false).is_err(),
            "file where a directory was implied"
        );
        assert!(t.add("p/caf\u{e9}", false).is_ok());
        assert!(t.add("p/cafe\u{301}", false).is_err(), "NFC vs NFD");
    }
}
