//! Peak memory of a running process, from Linux's `/proc/PID/status`.

/// The process's peak resident set size so far (`VmHWM`), in bytes; `None` if it cannot be read
/// (the process is gone, or this is not Linux).
pub fn peak_rss(pid: u32) -> Option<u64> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}

/// Starts the process's peak over from its current size (Linux's `clear_refs` with `5`), so that
/// [`peak_rss`] then tells the peak of what follows. Needs to own the process (or be root).
pub fn reset_peak(pid: u32) -> std::io::Result<()> {
    std::fs::write(format!("/proc/{pid}/clear_refs"), "5")
}

/// The peak RSS of `pids` together (a server's master and workers), in MiB.
pub fn peak_rss_mib(pids: &[u32]) -> f64 {
    pids.iter()
        .filter_map(|pid| peak_rss(*pid))
        .map(crate::mib)
        .sum()
}

#[cfg(test)]
mod tests {
    #[test]
    fn this_process_has_a_peak() {
        let peak = super::peak_rss(std::process::id()).expect("VmHWM on Linux");
        assert!(peak > 1024 * 1024, "{peak}");
        let big = vec![1u8; 64 * 1024 * 1024];
        assert!(super::peak_rss(std::process::id()).expect("VmHWM") > 64 * 1024 * 1024);
        drop(big);
        super::reset_peak(std::process::id()).expect("clear_refs");
        let after = super::peak_rss(std::process::id()).expect("VmHWM");
        assert!(after < 64 * 1024 * 1024, "the peak starts over: {after}");
    }
}
