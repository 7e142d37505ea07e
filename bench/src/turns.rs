//! Loads taken in turns: osops and nginx run the same load one after the other, `rounds` times
//! each, and the medians are compared, because this machine's speed drifts by a tenth or more
//! from one run to the next.

use std::path::Path;

use crate::load::{self, Load, LoadResult};
use crate::report::Row;

/// How every load of a run is done.
pub struct Turns<'a> {
    pub load: &'a Load,
    pub rounds: usize,
    /// Where wrk's paths file and script go.
    pub wrk_dir: &'a Path,
}

impl Turns<'_> {
    /// One wrk run against `url` over `paths`, logged on stderr.
    pub fn measure(&self, label: &str, url: &str, paths: &[String]) -> anyhow::Result<LoadResult> {
        eprintln!(
            "== {label}: {} paths, {:?}",
            paths.len(),
            self.load.duration
        );
        let result = load::run(url, paths, &[], self.load, self.wrk_dir)?;
        eprintln!(
            "   {} requests in {:.1} s: {:.0} req/s, {:.1} MiB/s, p50 {:.2} ms, p99 {:.2} ms, {} errors",
            result.requests,
            result.seconds,
            result.rps,
            result.bytes_per_sec / 1048576.0,
            result.p50_ms,
            result.p99_ms,
            result.errors
        );
        if result.errors > 0 {
            eprintln!("   warning: {label} had {} errors", result.errors);
        }
        Ok(result)
    }

    /// `what` on osops (`(url, paths)`) and, when given, on nginx, taking turns: the rows of the
    /// median throughput (in `unit`) and of the median p99 latency.
    pub fn alternate(
        &self,
        what: &str,
        unit: &'static str,
        osops: (&str, &[String]),
        nginx: Option<(&str, &[String])>,
    ) -> anyhow::Result<(Row, Row)> {
        let rounds = self.rounds.max(1);
        let mut ours = Vec::new();
        let mut ceiling = Vec::new();
        for round in 1..=rounds {
            ours.push(self.measure(
                &format!("osops {what} ({round}/{rounds})"),
                osops.0,
                osops.1,
            )?);
            if let Some((url, paths)) = nginx {
                ceiling.push(self.measure(
                    &format!("nginx {what} ({round}/{rounds})"),
                    url,
                    paths,
                )?);
            }
        }
        let mut rps = Row::new(what, unit, true);
        let mut p99 = Row::new(format!("{what}: p99 latency"), "ms", false);
        rps.osops = median_of(&ours, |r| r.rps);
        p99.osops = median_of(&ours, |r| r.p99_ms);
        rps.nginx = median_of(&ceiling, |r| r.rps);
        p99.nginx = median_of(&ceiling, |r| r.p99_ms);
        Ok((rps, p99))
    }
}

/// The median of `field` over `results`; `None` for none.
pub fn median_of(results: &[LoadResult], field: impl Fn(&LoadResult) -> f64) -> Option<f64> {
    let mut values: Vec<f64> = results.iter().map(field).collect();
    values.sort_by(f64::total_cmp);
    values.get(values.len() / 2).copied()
}
