//! Running independent requests side by side, a bounded number at a time.

use std::sync::Mutex;
use std::sync::atomic::{AtomicUsize, Ordering};

/// `f` applied to every item on at most `jobs` threads; the results in the items' order.
pub fn map<T: Sync, R: Send>(items: &[T], jobs: usize, f: impl Fn(&T) -> R + Sync) -> Vec<R> {
    let next = AtomicUsize::new(0);
    let results: Mutex<Vec<Option<R>>> = Mutex::new(items.iter().map(|_| None).collect());
    let workers = jobs.clamp(1, items.len().max(1));
    std::thread::scope(|scope| {
        for _ in 0..workers {
            scope.spawn(|| {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(item) = items.get(i) else { break };
                    let result = f(item);
                    if let Ok(mut results) = results.lock() {
                        results[i] = Some(result);
                    }
                }
            });
        }
    });
    results
        .into_inner()
        .unwrap_or_else(std::sync::PoisonError::into_inner)
        .into_iter()
        .flatten()
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn keeps_the_order_and_uses_several_threads() {
        let items: Vec<u32> = (0..50).collect();
        let threads = std::sync::Mutex::new(std::collections::HashSet::new());
        let doubled = super::map(&items, 4, |n| {
            threads
                .lock()
                .expect("lock")
                .insert(std::thread::current().id());
            n * 2
        });
        assert_eq!(doubled, (0..50).map(|n| n * 2).collect::<Vec<_>>());
        assert!(threads.lock().expect("lock").len() <= 4);
        assert!(super::map(&Vec::<u32>::new(), 4, |n| *n).is_empty());
    }
}
