//! `--scale`: how the registry behaves with a large catalog (10,000 and 100,000 assets × 5
//! versions): start-up time, the first search after it, index reads against nginx, search
//! latency and peak memory. The default run's way in (a catalog in memory, published through
//! the API) would take ~12 GB and ~20 minutes at 100,000 × 5, so here the catalog is generated
//! one asset at a time, with small data files only (archive size changes none of these
//! measures), and loaded in-process ([`crate::direct`]). Downloads, installs and verdaccio are
//! the default run's.

use std::path::Path;
use std::time::Instant;

use anyhow::{Context, bail};

use crate::catalog::{self, Payloads};
use crate::load::{self, Load};
use crate::registry::{self, Binaries, Registry};
use crate::report::{self, Row};
use crate::turns::Turns;
use crate::{Args, mib, ms, nginx, rss};

/// Searches timed one after the other, cycling over [`registry::QUERIES`].
const SEQUENTIAL_SEARCHES: usize = 300;

/// The user the catalog is published as.
const USER: &str = "bench";

pub fn run(
    args: &Args,
    bins: &Binaries,
    client: &reqwest::blocking::Client,
    load: &Load,
    run_dir: &Path,
) -> anyhow::Result<()> {
    let data_dir = run_dir.join("osops-data");
    let rounds = args.rounds.max(1);
    let mut rows = Vec::new();

    // --- generate and load, one asset at a time -----------------------------------------------
    eprintln!(
        "== generating {} assets × {} versions (small data files only) and loading them \
         in-process, {} publishes in flight",
        args.assets, args.versions, args.publishers
    );
    let mut names = Vec::with_capacity(args.assets);
    let generator = catalog::Generator::new(
        args.assets,
        args.versions,
        catalog::SEED,
        Payloads::Small,
        &run_dir.join("pack"),
    );
    let archives = generator.flat_map(|asset| match asset {
        Ok(asset) => {
            names.push(asset.name.clone());
            let name = asset.name;
            asset
                .versions
                .into_iter()
                .map(|v| Ok((format!("{name} {}", v.version), v.archive)))
                .collect()
        }
        Err(e) => vec![Err(e)],
    });
    let loaded = crate::direct::load(
        &data_dir,
        USER,
        &catalog::need_ids(),
        archives,
        args.publishers,
    )?;
    let rate = loaded.versions as f64 / loaded.elapsed.as_secs_f64();
    eprintln!(
        "   {} archives, {:.1} MiB, in {:.1?}: {rate:.0} versions/s; generating them took {} of \
         CPU on one thread",
        loaded.versions,
        mib(loaded.bytes),
        loaded.elapsed,
        loaded
            .generating
            .map_or("an unknown time".to_owned(), |cpu| format!("{cpu:.1?}")),
    );
    let mut direct = Row::new(
        format!(
            "direct load ({} in flight, generating alongside)",
            args.publishers
        ),
        "versions/s",
        true,
    );
    direct.osops = Some(rate);
    rows.push(direct);

    // --- start-up and the first search ----------------------------------------------------------
    let started = Instant::now();
    let registry = Registry::start(&bins.registry, &data_dir)?;
    let listening = started.elapsed();
    let asked = Instant::now();
    let first_path = registry::search_path("nova");
    let resp = client
        .get(format!("{}{first_path}", registry.url()))
        .send()
        .with_context(|| format!("the first search, GET {first_path}"))?;
    if !resp.status().is_success() {
        bail!("the first search, GET {first_path}: {}", resp.status());
    }
    resp.bytes()
        .with_context(|| format!("reading the first search's answer, GET {first_path}"))?;
    let first_search = asked.elapsed();
    eprintln!(
        "== start-up: listening after {:.1} ms, first search answered {:.1} ms later ({:.1} ms \
         from the start)",
        ms(listening),
        ms(first_search),
        ms(started.elapsed()),
    );
    let mut startup = Row::new("start-up on the catalog (until it listens)", "ms", false);
    startup.osops = Some(ms(listening));
    let mut first = Row::new("first search after start-up", "ms", false);
    first.osops = Some(ms(first_search));
    let mut startup_rss = Row::new("peak RSS to the first search", "MiB", false);
    startup_rss.osops = rss::peak_rss(registry.pid()).map(mib);
    rows.extend([startup, first, startup_rss]);

    // --- nginx: the index files -----------------------------------------------------------------
    eprintln!("== nginx: writing the index files");
    let fetched = Instant::now();
    let root = run_dir.join("nginx-root");
    let written = crate::mirror::write_index(
        client,
        registry.url(),
        names.iter().map(String::as_str),
        &root,
    )?;
    eprintln!("   {:.1} MiB in {:.1?}", mib(written), fetched.elapsed());
    let nginx = nginx::Nginx::start(&root, &run_dir.join("nginx"))?;

    // --- loads ------------------------------------------------------------------------------------
    // The peaks reported are those of the loads, not of loading or writing the files.
    for pid in std::iter::once(registry.pid()).chain(nginx.pids()) {
        rss::reset_peak(pid).with_context(|| format!("resetting the peak RSS of {pid}"))?;
    }
    let wrk_dir = run_dir.join("wrk");
    let turns = Turns {
        load,
        rounds,
        wrk_dir: &wrk_dir,
    };
    let index_paths: Vec<String> = names
        .iter()
        .map(|n| registry::index_file_path(n))
        .collect::<anyhow::Result<_>>()?;
    let (r, p) = turns.alternate(
        "index reads",
        "req/s",
        (registry.url(), &index_paths),
        Some((nginx.url(), &index_paths)),
    )?;
    rows.extend([r, p]);

    let searches: Vec<String> = registry::QUERIES
        .iter()
        .map(|q| registry::search_path(q))
        .collect();
    eprintln!("== osops searches: {SEQUENTIAL_SEARCHES} one after the other");
    let one_by_one = load::sequential(client, registry.url(), &searches, SEQUENTIAL_SEARCHES)?;
    eprintln!(
        "   {:.1} req/s, p50 {:.2} ms, p99 {:.2} ms, slowest {:.2} ms, {} errors",
        one_by_one.rps, one_by_one.p50_ms, one_by_one.p99_ms, one_by_one.max_ms, one_by_one.errors
    );
    if one_by_one.errors > 0 {
        bail!(
            "{} of {SEQUENTIAL_SEARCHES} sequential searches failed",
            one_by_one.errors
        );
    }
    for (what, value) in [
        ("p50", one_by_one.p50_ms),
        ("p99", one_by_one.p99_ms),
        ("slowest", one_by_one.max_ms),
    ] {
        let mut row = Row::new(format!("search, one at a time: {what}"), "ms", false);
        row.osops = Some(value);
        rows.push(row);
    }
    let (r, p) = turns.alternate(
        &format!("searches, {} connections", load.connections),
        "req/s",
        (registry.url(), &searches),
        None,
    )?;
    rows.extend([r, p]);

    let mut memory = Row::new("peak RSS during the loads", "MiB", false);
    memory.osops = rss::peak_rss(registry.pid()).map(mib);
    memory.nginx = Some(rss::peak_rss_mib(&nginx.pids()));
    rows.push(memory);

    // --- the table --------------------------------------------------------------------------------
    let table = report::table(&rows);
    println!(
        "\n{} assets × {} versions ({} archives, {:.1} MiB; small data files only, 0.5–6.5 KiB: \
         archive size does not change these measures), loaded in-process; loads: wrk, {} \
         connections, {} s each, medians of {rounds} turns; {SEQUENTIAL_SEARCHES} searches one \
         after the other\n\n{table}",
        args.assets,
        args.versions,
        loaded.versions,
        mib(loaded.bytes),
        load.connections,
        load.duration.as_secs(),
    );
    if let Some(out) = &args.out {
        std::fs::write(out, &table).with_context(|| format!("writing {}", out.display()))?;
    }
    Ok(())
}
