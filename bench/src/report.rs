//! The results as a markdown table: absolute figures per server and the ratios the targets in
//! docs/PERFORMANCE.md are stated in.

use std::fmt::Write;

/// One measured quantity for each server that has it.
pub struct Row {
    pub what: String,
    pub unit: &'static str,
    /// Whether more is better (throughput) or less is better (time, memory); ratios are always
    /// osops / other, so the reader knows which way is good.
    pub higher_is_better: bool,
    pub osops: Option<f64>,
    pub nginx: Option<f64>,
    pub verdaccio: Option<f64>,
}

impl Row {
    pub fn new(what: impl Into<String>, unit: &'static str, higher_is_better: bool) -> Row {
        Row {
            what: what.into(),
            unit,
            higher_is_better,
            osops: None,
            nginx: None,
            verdaccio: None,
        }
    }
}

fn figure(value: Option<f64>) -> String {
    match value {
        None => "–".into(),
        Some(v) if v >= 100.0 => format!("{v:.0}"),
        Some(v) if v >= 10.0 => format!("{v:.1}"),
        Some(v) => format!("{v:.2}"),
    }
}

fn ratio(osops: Option<f64>, other: Option<f64>) -> String {
    match (osops, other) {
        (Some(a), Some(b)) if b > 0.0 => format!("{:.2}×", a / b),
        _ => "–".into(),
    }
}

/// The table, with a header naming the columns.
pub fn table(rows: &[Row]) -> String {
    let mut out = String::from(
        "| measure | unit | better | osops | nginx | verdaccio | osops / nginx | osops / verdaccio |\n\
         |---|---|---|---:|---:|---:|---:|---:|\n",
    );
    for r in rows {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} | {} | {} | {} |",
            r.what,
            r.unit,
            if r.higher_is_better {
                "higher"
            } else {
                "lower"
            },
            figure(r.osops),
            figure(r.nginx),
            figure(r.verdaccio),
            ratio(r.osops, r.nginx),
            ratio(r.osops, r.verdaccio),
        );
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_show_figures_and_ratios_and_dashes_for_what_is_missing() {
        let mut row = Row::new("index reads", "req/s", true);
        row.osops = Some(20_000.0);
        row.nginx = Some(25_000.0);
        let text = table(&[row]);
        assert!(
            text.contains("| index reads | req/s | higher | 20000 | 25000 | – | 0.80× | – |"),
            "{text}"
        );
    }
}
