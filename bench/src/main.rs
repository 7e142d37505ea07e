//! `osops-bench`: osops-registry side by side with nginx (the ceiling: the same files from disk)
//! and verdaccio (a peer registry), on one machine, in one run. See docs/PERFORMANCE.md.

mod catalog;
mod direct;
mod install;
mod load;
mod mirror;
// One nginx launcher for the benchmark and the air-gapped test (osops-tests' `nginx` module).
#[path = "../../tests/src/nginx.rs"]
mod nginx;
mod registry;
mod report;
mod rss;
mod scale;
mod turns;
mod verdaccio;

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context;
use clap::Parser;

use crate::catalog::Asset;
use crate::load::Load;
use crate::report::Row;
use crate::turns::Turns;

#[derive(Parser)]
#[command(about = "osops-registry against nginx and verdaccio, in one run (docs/PERFORMANCE.md)")]
struct Args {
    /// Assets in the synthetic catalog
    #[arg(long, default_value_t = 1000)]
    assets: usize,
    /// Versions of each asset
    #[arg(long, default_value_t = 5)]
    versions: usize,
    /// Seconds each load runs
    #[arg(long, default_value_t = 5)]
    seconds: u64,
    /// Turns osops and nginx take at each load (medians are reported)
    #[arg(long, default_value_t = 3)]
    rounds: usize,
    /// Concurrent connections of each load
    #[arg(long, default_value_t = 32)]
    connections: u32,
    /// Concurrent publishers in the concurrent-publish measure
    #[arg(long, default_value_t = 8)]
    publishers: usize,
    /// Where the data, the npm install of verdaccio and the logs go [default: target/bench]
    #[arg(long)]
    work_dir: Option<PathBuf>,
    /// Leave verdaccio out (no npm needed)
    #[arg(long)]
    no_verdaccio: bool,
    /// Also write the table to this file
    #[arg(long)]
    out: Option<PathBuf>,
    /// A scale run instead: small archives only, generated one asset at a time and loaded
    /// in-process; start-up, first search, index reads against nginx, search latency and memory
    /// (docs/PERFORMANCE.md, "Scale runs"). `--publishers` is the loader's publishes in flight
    #[arg(long)]
    scale: bool,
}

/// The workspace root: bench/ sits in it.
fn workspace() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("bench/ is inside the workspace")
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    let work = args
        .work_dir
        .clone()
        .unwrap_or_else(|| workspace().join("target/bench"));
    let mode = if args.scale { "scale" } else { "run" };
    let run_dir = work.join(format!("{mode}-{}x{}", args.assets, args.versions));
    if run_dir.exists() {
        std::fs::remove_dir_all(&run_dir)
            .with_context(|| format!("removing the last run's {}", run_dir.display()))?;
    }
    std::fs::create_dir_all(&run_dir).with_context(|| format!("creating {}", run_dir.display()))?;
    let load = Load {
        threads: 1,
        connections: args.connections,
        duration: Duration::from_secs(args.seconds),
    };
    let client = reqwest::blocking::Client::builder()
        .timeout(Duration::from_secs(120))
        .build()?;
    let mut rows = Vec::new();
    let rounds = args.rounds.max(1);

    eprintln!("== building the release binaries");
    let bins = registry::Binaries::build(workspace())?;
    if args.scale {
        return scale::run(&args, &bins, &client, &load, &run_dir);
    }

    eprintln!(
        "== generating {} assets × {} versions",
        args.assets, args.versions
    );
    let started = Instant::now();
    let catalog = catalog::generate(
        args.assets,
        args.versions,
        catalog::SEED,
        &run_dir.join("pack"),
    )?;
    let versions: usize = catalog.iter().map(|a| a.versions.len()).sum();
    let bytes: usize = catalog
        .iter()
        .flat_map(|a| &a.versions)
        .map(|v| v.archive.len())
        .sum();
    eprintln!(
        "   {versions} archives, {:.1} MiB, in {:.1?}",
        bytes as f64 / 1048576.0,
        started.elapsed()
    );

    // --- osops: publish everything through the API ------------------------------------------
    let registry = registry::Registry::start(&bins.registry, &run_dir.join("osops-data"))?;
    // The same token works after the restart below: it is in the database.
    let token = registry.user_with_token("bench")?;
    for need in catalog::need_ids() {
        registry::create_need(&client, registry.url(), &token, &need)?;
    }
    let archives: Vec<&[u8]> = catalog
        .iter()
        .flat_map(|a| a.versions.iter().map(|v| v.archive.as_slice()))
        .collect();
    let sequential = archives.len().min(200);
    eprintln!("== osops: {sequential} sequential publishes");
    let seq_rate = publish_all(&archives[..sequential], 1, |a| {
        registry::publish(&client, registry.url(), &token, a)
    })?;
    eprintln!(
        "== osops: {} concurrent publishes ({} publishers)",
        archives.len() - sequential,
        args.publishers
    );
    let conc_rate = publish_all(&archives[sequential..], args.publishers, |a| {
        registry::publish(&client, registry.url(), &token, a)
    })?;
    let mut seq_row = Row::new("publishes, sequential", "publishes/s", true);
    seq_row.osops = Some(seq_rate);
    let mut conc_row = Row::new(
        format!("publishes, {} concurrent", args.publishers),
        "publishes/s",
        true,
    );
    conc_row.osops = Some(conc_rate);

    // A restart on the full catalog, as after a crash (SIGKILL): the time until it listens.
    let data_dir = run_dir.join("osops-data");
    drop(registry);
    let started = Instant::now();
    let registry = registry::Registry::start(&bins.registry, &data_dir)?;
    let mut startup = Row::new("start-up on the catalog (after kill -9)", "ms", false);
    startup.osops = Some(ms(started.elapsed()));

    // --- nginx: the same files ----------------------------------------------------------------
    eprintln!("== nginx: writing the same files");
    let root = run_dir.join("nginx-root");
    mirror::write(&client, registry.url(), &catalog, &root)?;
    let nginx = nginx::Nginx::start(&root, &run_dir.join("nginx"))?;

    // --- verdaccio: the same payloads as npm packages -----------------------------------------
    let verdaccio = if args.no_verdaccio {
        None
    } else {
        let (server, peer) = start_verdaccio(&work, &run_dir, &catalog, &client, args.publishers)?;
        seq_row.verdaccio = Some(peer.sequential);
        conc_row.verdaccio = Some(peer.concurrent);
        startup.verdaccio = Some(peer.startup_ms);
        Some(server)
    };
    rows.push(seq_row);
    rows.push(conc_row);
    rows.push(startup);

    // --- loads --------------------------------------------------------------------------------
    let wrk_dir = run_dir.join("wrk");
    std::fs::create_dir_all(&wrk_dir)?;
    let turns = Turns {
        load: &load,
        rounds,
        wrk_dir: &wrk_dir,
    };

    let index_paths: Vec<String> = catalog
        .iter()
        .map(|a| registry::index_file_path(&a.name))
        .collect::<anyhow::Result<_>>()?;
    let metadata_paths: Vec<String> = catalog
        .iter()
        .map(|a| verdaccio::metadata_path(&a.name))
        .collect();
    let small: Vec<(&str, &str)> = versions_where(&catalog, |len| len < 16 * 1024);
    let large: Vec<(&str, &str)> = versions_where(&catalog, |len| len > 512 * 1024);
    let queries = registry::QUERIES;

    // The peaks reported are those of the loads, not of the publishing before them.
    let mut pids = vec![registry.pid()];
    pids.extend(nginx.pids());
    pids.extend(verdaccio.as_ref().map(|v| v.pid()));
    for pid in pids {
        rss::reset_peak(pid).with_context(|| format!("resetting the peak RSS of {pid}"))?;
    }

    // `slow_peer`: verdaccio answers this too slowly for wrk (each search reads every package's
    // metadata from disk), so it is timed with a few requests one after the other.
    let three_way = |what: &str,
                     unit: &'static str,
                     osops_paths: Vec<String>,
                     nginx_paths: Option<Vec<String>>,
                     npm_paths: Vec<String>,
                     slow_peer: bool|
     -> anyhow::Result<(Row, Row)> {
        let (mut rps, mut p99) = turns.alternate(
            what,
            unit,
            (registry.url(), &osops_paths),
            nginx_paths.as_deref().map(|paths| (nginx.url(), paths)),
        )?;
        if let Some(v) = &verdaccio {
            let r = if slow_peer {
                eprintln!("== verdaccio {what}: 10 requests one after the other");
                let r = load::sequential(&client, v.url(), &npm_paths, 10)?;
                eprintln!(
                    "   {:.2} req/s, p50 {:.0} ms, slowest {:.0} ms, {} errors",
                    r.rps, r.p50_ms, r.max_ms, r.errors
                );
                r
            } else {
                turns.measure(&format!("verdaccio {what}"), v.url(), &npm_paths)?
            };
            rps.verdaccio = Some(r.rps);
            p99.verdaccio = Some(r.p99_ms);
        }
        Ok((rps, p99))
    };

    let (r, p) = three_way(
        "index reads",
        "req/s",
        index_paths.clone(),
        Some(index_paths),
        metadata_paths,
        false,
    )?;
    rows.extend([r, p]);
    let dl = |list: &[(&str, &str)]| -> Vec<String> {
        list.iter()
            .map(|(n, v)| registry::download_path(n, v))
            .collect()
    };
    let tarballs = |list: &[(&str, &str)]| -> Vec<String> {
        list.iter()
            .map(|(n, v)| verdaccio::tarball_path(n, v))
            .collect()
    };
    let (r, p) = three_way(
        "downloads, small archives",
        "req/s",
        dl(&small),
        Some(dl(&small)),
        tarballs(&small),
        false,
    )?;
    rows.extend([r, p]);
    let (r, p) = three_way(
        "downloads, ~1 MiB archives",
        "req/s",
        dl(&large),
        Some(dl(&large)),
        tarballs(&large),
        false,
    )?;
    rows.extend([r, p]);
    let (r, p) = three_way(
        "searches",
        "req/s",
        queries.iter().map(|q| registry::search_path(q)).collect(),
        None,
        queries.iter().map(|q| verdaccio::search_path(q)).collect(),
        true,
    )?;
    rows.extend([r, p]);

    // --- memory -------------------------------------------------------------------------------
    let mut memory = Row::new("peak RSS during the loads", "MiB", false);
    memory.osops = rss::peak_rss(registry.pid()).map(mib);
    memory.nginx = Some(rss::peak_rss_mib(&nginx.pids()));
    memory.verdaccio = verdaccio
        .as_ref()
        .and_then(|v| rss::peak_rss(v.pid()))
        .map(mib);

    // --- installs -----------------------------------------------------------------------------
    let twenty: Vec<&Asset> = catalog.iter().take(20).collect();
    eprintln!("== osops install of {} assets", twenty.len());
    let names: Vec<String> = twenty.iter().map(|a| a.name.clone()).collect();
    let times = install::time_osops(
        &bins.osops,
        registry.url(),
        &names,
        &run_dir.join("install"),
        5,
    )?;
    let mut cold = Row::new("install 20, cold cache", "ms", false);
    let mut warm = Row::new("install 20, warm cache", "ms", false);
    let mut noop = Row::new("install 20, nothing to do", "ms", false);
    cold.osops = Some(ms(times.cold));
    warm.osops = Some(ms(times.warm));
    noop.osops = Some(ms(times.noop));
    if let Some(v) = &verdaccio {
        let deps: Vec<(String, String)> = twenty
            .iter()
            .map(|a| {
                let newest = a.versions.last().expect("a version");
                (a.name.clone(), newest.version.clone())
            })
            .collect();
        let npm_dir = run_dir.join("npm");
        let mut cold_times = Vec::new();
        let mut warm_times = Vec::new();
        for run in 0..5 {
            let project = npm_dir.join(format!("project-{run}"));
            let cache = npm_dir.join(format!("cache-{run}"));
            cold_times.push(verdaccio::npm_install(
                v.url(),
                &deps,
                &project,
                &cache,
                false,
            )?);
            warm_times.push(verdaccio::npm_install(
                v.url(),
                &deps,
                &project,
                &cache,
                true,
            )?);
        }
        cold.verdaccio = Some(ms(install::median(cold_times)));
        warm.verdaccio = Some(ms(install::median(warm_times)));
    }
    rows.extend([cold, warm, noop, memory]);

    let table = report::table(&rows);
    println!(
        "\n{} assets × {} versions ({versions} archives, {:.1} MiB); loads: wrk, {} connections, {} s each, medians of {rounds} turns\n\n{table}",
        args.assets,
        args.versions,
        bytes as f64 / 1048576.0,
        args.connections,
        args.seconds
    );
    if let Some(out) = &args.out {
        std::fs::write(out, &table).with_context(|| format!("writing {}", out.display()))?;
    }
    Ok(())
}

/// What verdaccio did before the loads.
struct PeerStart {
    /// Publishes per second, one after the other and from `publishers` threads.
    sequential: f64,
    concurrent: f64,
    startup_ms: f64,
}

/// Seeds verdaccio with the catalog's versions but the last of each asset, starts it, and
/// publishes those last versions through its API: sequentially, then concurrently, as osops did.
fn start_verdaccio(
    work: &Path,
    run_dir: &Path,
    catalog: &[Asset],
    client: &reqwest::blocking::Client,
    publishers: usize,
) -> anyhow::Result<(verdaccio::Verdaccio, PeerStart)> {
    eprintln!("== verdaccio: installing (cached under {})", work.display());
    let bin = verdaccio::install(&work.join("verdaccio"))?;
    let packages = catalog::npm_packages(catalog);
    let last: std::collections::BTreeSet<(String, String)> = catalog
        .iter()
        .map(|a| {
            let v = a.versions.last().expect("a version");
            (a.name.clone(), v.version.clone())
        })
        .collect();
    let (to_publish, seeded): (Vec<_>, Vec<_>) = packages
        .into_iter()
        .partition(|p| last.contains(&(p.name.clone(), p.version.clone())));
    let storage = run_dir.join("verdaccio-storage");
    verdaccio::seed(&storage, &seeded)?;
    let started = Instant::now();
    let server = verdaccio::Verdaccio::start(&bin, &storage, &run_dir.join("verdaccio"))?;
    let startup_ms = ms(started.elapsed());
    let token = server.add_user("bench", "bench-password")?;
    let sequential = to_publish.len().min(200);
    eprintln!("== verdaccio: {sequential} sequential publishes");
    let sequential_rate = publish_all(&to_publish[..sequential], 1, |p| {
        server.publish(client, p, &token)
    })?;
    eprintln!(
        "== verdaccio: {} concurrent publishes",
        to_publish.len() - sequential
    );
    let concurrent = publish_all(&to_publish[sequential..], publishers, |p| {
        server.publish(client, p, &token)
    })?;
    let peer = PeerStart {
        sequential: sequential_rate,
        concurrent,
        startup_ms,
    };
    Ok((server, peer))
}

/// Runs `publish` on every item from `threads` threads; the rate in publishes per second.
fn publish_all<T: Sync>(
    items: &[T],
    threads: usize,
    publish: impl Fn(&T) -> anyhow::Result<()> + Sync,
) -> anyhow::Result<f64> {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let started = Instant::now();
    std::thread::scope(|scope| {
        let workers: Vec<_> = (0..threads.max(1))
            .map(|_| {
                scope.spawn(|| -> anyhow::Result<()> {
                    loop {
                        let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                        let Some(item) = items.get(i) else {
                            return Ok(());
                        };
                        publish(item)?;
                    }
                })
            })
            .collect();
        workers
            .into_iter()
            .try_for_each(|w| w.join().expect("publisher thread"))
    })?;
    Ok(items.len() as f64 / started.elapsed().as_secs_f64())
}

/// `(name, version)` of every version whose archive length satisfies `keep`.
fn versions_where(catalog: &[Asset], keep: impl Fn(usize) -> bool) -> Vec<(&str, &str)> {
    catalog
        .iter()
        .flat_map(|a| {
            a.versions
                .iter()
                .filter(|v| keep(v.archive.len()))
                .map(|v| (a.name.as_str(), v.version.as_str()))
        })
        .collect()
}

pub fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn mib(bytes: u64) -> f64 {
    bytes as f64 / 1048576.0
}
