//! SECURITY-TESTS.md cases 6, 7 and 26 through the real `osops install`, against a
//! [`StaticRegistry`] that serves exactly the bytes it lists (right sha256) and misbehaves on
//! demand: unsafe modes and foreign owners are normalised, a gzip bomb stops at the limit with
//! bounded memory and disk, and a 5xx, trickling or resetting registry is retried with growing
//! waits and then fails closed, leaving nothing installed and nothing partial.

use std::collections::BTreeMap;
use std::os::unix::fs::{MetadataExt, PermissionsExt};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use osops_tests::hostile::tar::{Header, Tar};
use osops_tests::hostile::{self, MANIFEST, NAME, PREFIX, VERSION, baseline, p};
use osops_tests::{Output, StaticRegistry, TestContext, tree};

/// A guard against a hang, never a synchronisation.
const STUCK: Duration = Duration::from_secs(120);
const MIB: u64 = 1024 * 1024;

/// A registry serving `archive` as `evil-tool 1.0.0`, and the archive's download path.
fn serving(archive: Vec<u8>) -> (StaticRegistry, String) {
    let registry = StaticRegistry::start();
    let entry = hostile::index_entry(&archive);
    registry.publish(&entry, archive);
    (registry, StaticRegistry::download_path(&entry))
}

/// Runs `cmd` to completion, killing it (and failing the test) if it outlives [`STUCK`].
fn run(mut cmd: Command) -> Output {
    let child = cmd
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("command starts");
    // A guard against a hang, not a synchronisation: the watchdog kills the command only if it
    // has not ended within STUCK; its ending is what the channel reports.
    let pid = child.id();
    let (ended, finished) = std::sync::mpsc::channel::<()>();
    let watchdog = std::thread::spawn(move || {
        let hung = matches!(
            finished.recv_timeout(STUCK),
            Err(std::sync::mpsc::RecvTimeoutError::Timeout)
        );
        if hung {
            let _ = Command::new("kill").args(["-9", &pid.to_string()]).status();
        }
        hung
    });
    let output = child.wait_with_output().expect("wait for the command");
    let _ = ended.send(());
    let hung = watchdog.join().expect("the watchdog");
    assert!(!hung, "the command hung for {STUCK:?}: {cmd:?}");
    output.into()
}

/// `osops install evil-tool` in `ctx` with `env` set.
fn install(ctx: &TestContext, env: &[(&str, &str)]) -> Output {
    let mut cmd = ctx.command();
    cmd.args(["install", NAME]).envs(env.iter().copied());
    run(cmd)
}

/// The download cache of every registry this context used.
fn cache_dir(ctx: &TestContext) -> PathBuf {
    ctx.root().join("home/.cache/osops")
}

/// Bytes of disk the files under `dirs` take (allocated blocks, or length if larger).
fn disk_used(dirs: &[PathBuf]) -> u64 {
    dirs.iter()
        .flat_map(|dir| tree(dir))
        .filter_map(|path| std::fs::symlink_metadata(path).ok())
        .filter(|meta| meta.is_file())
        .map(|meta| (meta.blocks() * 512).max(meta.len()))
        .sum()
}

/// No receipt, no asset directory, no bin link; nothing half-written anywhere in the context.
#[track_caller]
fn assert_nothing_installed(ctx: &TestContext) {
    let home = ctx.osops_home();
    assert!(
        !home.join(format!("receipts/{NAME}.json")).exists(),
        "a receipt was written"
    );
    assert!(
        !home.join("assets").join(NAME).join(VERSION).exists(),
        "the asset directory exists"
    );
    assert!(
        std::fs::symlink_metadata(home.join("bin").join(NAME)).is_err(),
        "the bin link exists"
    );
    let leftovers: Vec<_> = tree(ctx.root())
        .into_iter()
        .filter(|path| {
            path.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with(".tmp-") || n.starts_with(".download-"))
        })
        .collect();
    assert!(leftovers.is_empty(), "temporary files left: {leftovers:?}");
}

/// [`assert_nothing_installed`], and no archive reached the download cache either.
#[track_caller]
fn assert_nothing_installed_or_cached(ctx: &TestContext) {
    assert_nothing_installed(ctx);
    let cached: Vec<_> = tree(&cache_dir(ctx))
        .into_iter()
        .filter(|path| {
            path.parent()
                .and_then(Path::file_name)
                .is_some_and(|n| n == "archives")
        })
        .collect();
    assert!(cached.is_empty(), "archives were cached: {cached:?}");
}

/// The waits of `retrying in X.Ys` lines on stderr, in order.
fn retry_waits(stderr: &str) -> Vec<f64> {
    stderr
        .lines()
        .filter_map(|line| line.split_once("retrying in ")?.1.split_once('s'))
        .map(|(secs, _)| secs.parse().expect("a wait in seconds"))
        .collect()
}

// --- 6. Unsafe modes and foreign owners ----------------------------------------------------------

/// A header owned by uid/gid 4242 `mallory`, with `mode`.
fn owned_by_mallory(name: &str, typeflag: u8, size: usize, mode: u32) -> Header {
    let mut h = Header::new(name, typeflag, size as u64);
    h.mode = mode;
    h.uid = 4242;
    h.gid = 4242;
    h.uname = b"mallory".to_vec();
    h.gname = b"mallory".to_vec();
    h
}

#[test]
fn case_06_setuid_sticky_world_writable_modes_and_foreign_owners_are_normalised() {
    const RUN: &[u8] = b"#!/bin/sh\necho hi\n";
    const DATA: &[u8] = b"data\n";
    let dir = |tar: Tar, name: &str, mode| tar.entry(&owned_by_mallory(name, b'5', 0, mode), &[]);
    let file = |tar: Tar, name: &str, data: &[u8], mode| {
        tar.entry(&owned_by_mallory(name, b'0', data.len(), mode), data)
    };
    // The baseline asset, every entry carrying a mode no installed file may keep.
    let mut tar = dir(Tar::new(), &format!("{PREFIX}/"), 0o7777);
    tar = file(tar, &p("osops.toml"), MANIFEST.as_bytes(), 0o4666);
    tar = dir(tar, &p("bin/"), 0o1777);
    tar = file(tar, &p("bin/run.sh"), RUN, 0o7777);
    tar = dir(tar, &p("share/"), 0o2777);
    tar = file(tar, &p("share/setuid-tool"), DATA, 0o4755);
    tar = file(tar, &p("share/setgid-data"), DATA, 0o2644);
    tar = file(tar, &p("share/sticky-data"), DATA, 0o1644);
    tar = file(tar, &p("share/world-writable"), DATA, 0o644 | 0o002);
    tar = file(tar, &p("share/world-writable-exec"), DATA, 0o775 | 0o002);
    let (registry, _) = serving(tar.gz());
    let ctx = TestContext::new(registry.url());

    install(&ctx, &[("OSOPS_HTTP_RETRIES", "0")]).assert_success();

    let asset = ctx.osops_home().join("assets").join(NAME).join(VERSION);
    let expected: BTreeMap<&str, u32> = [
        ("", 0o755),
        ("bin", 0o755),
        ("bin/run.sh", 0o755),
        ("osops.toml", 0o644),
        ("share", 0o755),
        ("share/setuid-tool", 0o755),
        ("share/setgid-data", 0o644),
        ("share/sticky-data", 0o644),
        ("share/world-writable", 0o644),
        ("share/world-writable-exec", 0o755),
    ]
    .into_iter()
    .collect();
    let installed: BTreeMap<String, u32> = std::iter::once(asset.clone())
        .chain(tree(&asset))
        .map(|path| {
            let mode = std::fs::symlink_metadata(&path)
                .expect("installed path")
                .permissions()
                .mode()
                & 0o7777;
            let rel = path.strip_prefix(&asset).expect("under the asset");
            (rel.to_string_lossy().into_owned(), mode)
        })
        .collect();
    let installed_ref: BTreeMap<&str, u32> =
        installed.iter().map(|(k, v)| (k.as_str(), *v)).collect();
    assert_eq!(
        installed_ref, expected,
        "every file 0644/0755, every directory 0755"
    );

    // Owned by whoever ran `osops`: the owner of a file this test (the same user) creates.
    let probe = ctx.root().join("probe");
    std::fs::write(&probe, b"").expect("write probe");
    let me = std::fs::metadata(&probe).expect("probe metadata");
    assert_ne!(
        me.uid(),
        4242,
        "the test must not run as the archive's owner"
    );
    if me.uid() != 0 {
        eprintln!("note: not running as root, so the archive could not have chowned anything");
    }
    for path in tree(&ctx.osops_home()) {
        let meta = std::fs::symlink_metadata(&path).expect("installed path");
        assert_eq!(
            (meta.uid(), meta.gid()),
            (me.uid(), me.gid()),
            "`{}` is owned by the installing user",
            path.display()
        );
    }

    // And the entry point works, with its execute bit and nothing more.
    let ran = Command::new(ctx.osops_home().join("bin").join(NAME))
        .output()
        .expect("the bin link runs");
    assert_eq!(String::from_utf8_lossy(&ran.stdout), "hi\n");
}

// --- 7. Gzip bombs ------------------------------------------------------------------------------

/// A piece of a bomb's tar stream.
enum Part {
    Bytes(Vec<u8>),
    /// This many MiB of zeros.
    Zeros(u64),
}

/// gzip of `parts`, without compressing GiBs: deflate blocks ended by a full flush do not refer
/// back, so one compressed MiB of zeros is repeated as often as needed, and the CRC is combined.
fn gzip_parts(parts: &[Part]) -> Vec<u8> {
    use flate2::{Compress, Compression, Crc, FlushCompress};
    fn deflate(c: &mut Compress, input: &[u8], flush: FlushCompress) -> Vec<u8> {
        let mut out = Vec::with_capacity(input.len() + 1024);
        let before = c.total_in();
        c.compress_vec(input, &mut out, flush).expect("deflate");
        assert_eq!(c.total_in() - before, input.len() as u64, "all input taken");
        out
    }
    let zeros = vec![0u8; MIB as usize];
    let mut c = Compress::new(Compression::default(), false);
    let mib = deflate(&mut c, &zeros, FlushCompress::Full);
    assert_eq!(
        mib,
        deflate(&mut c, &zeros, FlushCompress::Full),
        "a flushed MiB of zeros compresses the same each time"
    );
    let mut mib_crc = Crc::new();
    mib_crc.update(&zeros);

    let mut gz = vec![0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 0xff];
    let mut crc = Crc::new();
    for part in parts {
        match part {
            Part::Bytes(bytes) => {
                gz.extend_from_slice(&deflate(&mut c, bytes, FlushCompress::Full));
                crc.update(bytes);
            }
            Part::Zeros(n) => {
                for _ in 0..*n {
                    gz.extend_from_slice(&mib);
                    crc.combine(&mib_crc);
                }
            }
        }
    }
    gz.extend_from_slice(&deflate(&mut c, &[], FlushCompress::Finish));
    gz.extend_from_slice(&crc.sum().to_le_bytes());
    gz.extend_from_slice(&crc.amount().to_le_bytes());
    gz
}

/// Runs `cmd` under GNU time and returns its output and peak resident memory in bytes.
///
/// Without `/usr/bin/time` (Debian's package `time`) the peak is not measured and `None` is
/// returned, with a note, unless `OSOPS_TEST_PEAK_RSS` is set (`.ci/run` sets it and installs the
/// package): then its absence fails the test.
fn with_peak_rss(cmd: &Command, report: &Path) -> (Output, Option<u64>) {
    let time = Path::new("/usr/bin/time");
    let measured = time.exists();
    if !measured {
        assert!(
            std::env::var_os("OSOPS_TEST_PEAK_RSS").is_none(),
            "OSOPS_TEST_PEAK_RSS is set but /usr/bin/time is missing (Debian package `time`)"
        );
        eprintln!("skipped: peak memory not measured: no /usr/bin/time (Debian package `time`)");
    }
    // The same command, under time when there is one: program, arguments, environment, dir.
    let mut timed = if measured {
        let mut timed = Command::new(time);
        timed
            .args(["-f", "%M", "-o"])
            .arg(report)
            .arg(cmd.get_program());
        timed
    } else {
        Command::new(cmd.get_program())
    };
    timed.args(cmd.get_args()).env_clear().stdin(Stdio::null());
    for (key, value) in cmd.get_envs() {
        if let Some(value) = value {
            timed.env(key, value);
        }
    }
    if let Some(dir) = cmd.get_current_dir() {
        timed.current_dir(dir);
    }
    let output = run(timed);
    if !measured {
        return (output, None);
    }
    let kib: u64 = std::fs::read_to_string(report)
        .expect("time's report")
        .lines()
        .last()
        .and_then(|l| l.trim().parse().ok())
        .expect("time reports the peak RSS in KiB");
    (output, Some(kib * 1024))
}

/// Installs `bomb` (expanding to `expands` bytes) and asserts it is refused with an error
/// containing one of `errors`, with peak memory under `max_peak`, nothing installed, nothing
/// temporary left, and no more on disk than the verified archive in the cache plus 1 MiB.
fn assert_bomb_stopped(what: &str, bomb: &[u8], expands: u64, errors: &[String], max_peak: u64) {
    let limits = osops_index::archive::Limits::default();
    assert!(
        (bomb.len() as u64) < limits.max_compressed,
        "the bomb fits the download limit: {} bytes",
        bomb.len()
    );
    let (registry, _) = serving(bomb.to_vec());
    let ctx = TestContext::new(registry.url());
    let mut cmd = ctx.command();
    cmd.args(["install", NAME]).env("OSOPS_HTTP_RETRIES", "0");

    let started = Instant::now();
    let (refused, peak) = with_peak_rss(&cmd, &ctx.work_dir().join("time.txt"));
    let took = started.elapsed();

    let disk = disk_used(&[ctx.osops_home(), cache_dir(&ctx)]);
    let rss = peak.map_or("not measured".into(), |p| {
        format!("{:.1} MiB", p as f64 / MIB as f64)
    });
    eprintln!(
        "{what}: {} compressed bytes expanding to {} MiB; osops peak RSS {rss}, {took:.1?}; \
         {disk} bytes on disk afterwards",
        bomb.len(),
        expands / MIB,
    );
    let refused = refused.assert_failure();
    eprintln!(
        "{what}: {}",
        refused
            .stderr
            .lines()
            .filter(|l| l.contains("more than"))
            .collect::<Vec<_>>()
            .join(" / ")
    );
    assert!(
        errors.iter().any(|e| refused.stderr.contains(e)),
        "{what}: the error names the limit ({errors:?}):\n{}",
        refused.stderr
    );
    assert_nothing_installed(&ctx);
    let assets = tree(&ctx.osops_home().join("assets"));
    assert!(
        assets.iter().all(|p| p.is_dir()),
        "{what}: nothing extracted: {assets:?}"
    );
    assert!(
        disk < bomb.len() as u64 + MIB,
        "{what}: {disk} bytes on disk after a refused {}-byte bomb",
        bomb.len()
    );
    if let Some(peak) = peak {
        assert!(
            peak < max_peak,
            "{what}: peak RSS {:.1} MiB, over {} MiB",
            peak as f64 / MIB as f64,
            max_peak / MIB
        );
    }
}

#[test]
fn case_07_gzip_bomb_of_many_files_stops_at_the_limit_with_bounded_memory_and_disk() {
    // The valid asset, then 4096 files of 1 MiB of zeros each: 4 GiB, each file under every
    // per-file check, so only the running unpacked total can stop it. About 4 MiB compressed.
    const FILES: u64 = 4096;
    let mut parts = vec![Part::Bytes(baseline().bytes)];
    for i in 0..FILES {
        let header = Header::new(p(&format!("zeros/{i}")), b'0', MIB);
        parts.push(Part::Bytes(header.to_bytes().to_vec()));
        parts.push(Part::Zeros(1));
    }
    parts.push(Part::Bytes(vec![0; 1024]));
    let started = Instant::now();
    let bomb = gzip_parts(&parts);
    eprintln!("built in {:.1?}", started.elapsed());
    // The validator keeps what it accepted in memory (so the extractor writes exactly that), up
    // to `max_unpacked`: memory is bounded by that limit plus the program itself.
    let limits = osops_index::archive::Limits::default();
    let errors = [
        format!("more than {} bytes", limits.max_unpacked),
        format!("more than {} times", limits.max_ratio),
    ];
    let max_peak = limits.max_unpacked + 48 * MIB;
    assert_bomb_stopped("many-file bomb", &bomb, FILES * MIB, &errors, max_peak);
}

#[test]
fn case_07_gzip_bomb_in_a_pax_header_stops_at_the_limit_with_bounded_memory_and_disk() {
    // The valid asset, then a PAX header announcing 4 GiB of records and the 4 GiB of zeros
    // themselves. The tar crate would buffer PAX data whole before handing over the entry (this
    // once cost 216 MiB); the validator refuses the record from its header instead. About 4 MiB
    // compressed.
    let header = Header::new("PaxHeaders/bomb", b'x', 4096 * MIB);
    let parts = [
        Part::Bytes(baseline().entry(&header, &[]).bytes),
        Part::Zeros(4096),
    ];
    let errors = ["PAX header or GNU long-name record of 4294967296 bytes".to_string()];
    assert_bomb_stopped(
        "PAX bomb",
        &gzip_parts(&parts),
        4096 * MIB,
        &errors,
        48 * MIB,
    );
}

// --- 26. A slow, resetting or 5xx registry ------------------------------------------------------

#[test]
fn case_26_server_errors_are_retried_with_growing_waits_then_install() {
    let (registry, download) = serving(baseline().gz());
    registry.fail(&download, 503, 2);
    let ctx = TestContext::new(registry.url());

    let installed = install(&ctx, &[("OSOPS_HTTP_RETRIES", "3")]).assert_success();

    assert_eq!(
        registry.requests(&download),
        3,
        "two 503s, then the archive"
    );
    let retries: Vec<_> = installed
        .stderr
        .lines()
        .filter(|l| l.contains("HTTP 503; retrying in"))
        .collect();
    assert_eq!(
        retries.len(),
        2,
        "each retry is reported:\n{}",
        installed.stderr
    );
    assert!(retries[0].contains("(attempt 2 of 4)"), "{}", retries[0]);
    assert!(retries[1].contains("(attempt 3 of 4)"), "{}", retries[1]);
    let waits = retry_waits(&installed.stderr);
    assert!(
        waits.len() == 2 && waits[0] > 0.0 && waits[1] > waits[0],
        "the waits grow: {waits:?}\n{}",
        installed.stderr
    );
    let home = ctx.osops_home();
    assert!(home.join(format!("receipts/{NAME}.json")).exists());
    assert!(home.join("assets").join(NAME).join(VERSION).is_dir());
}

#[test]
fn case_26_a_registry_that_always_answers_503_installs_nothing() {
    let (registry, download) = serving(baseline().gz());
    registry.fail(&download, 503, usize::MAX);
    let ctx = TestContext::new(registry.url());

    let refused = install(&ctx, &[("OSOPS_HTTP_RETRIES", "2")]).assert_failure();

    assert_eq!(
        registry.requests(&download),
        3,
        "1 try + 2 retries, no more"
    );
    assert!(
        refused.stderr.contains("failed 3 times") && refused.stderr.contains("503"),
        "the error names the attempts and the status:\n{}",
        refused.stderr
    );
    assert_eq!(retry_waits(&refused.stderr).len(), 2, "{}", refused.stderr);
    assert_nothing_installed_or_cached(&ctx);
}

#[test]
fn case_26_a_trickling_download_times_out_and_installs_nothing() {
    let (registry, download) = serving(baseline().gz());
    // Hundreds of bytes at 10 a second: far longer than the 1 s allowed per attempt.
    registry.trickle(&download, Duration::from_millis(100));
    let ctx = TestContext::new(registry.url());

    let refused = install(
        &ctx,
        &[("OSOPS_HTTP_TIMEOUT", "1"), ("OSOPS_HTTP_RETRIES", "1")],
    )
    .assert_failure();

    assert_eq!(registry.requests(&download), 2, "1 try + 1 retry");
    assert!(
        refused.stderr.contains("did not answer within")
            && refused.stderr.contains("OSOPS_HTTP_TIMEOUT"),
        "a timeout, and how to allow more time:\n{}",
        refused.stderr
    );
    assert_nothing_installed_or_cached(&ctx);
}

#[test]
fn case_26_a_connection_reset_mid_body_installs_nothing() {
    let (registry, download) = serving(baseline().gz());
    registry.reset_mid_body(&download);
    let ctx = TestContext::new(registry.url());

    let refused = install(&ctx, &[("OSOPS_HTTP_RETRIES", "1")]).assert_failure();

    assert_eq!(registry.requests(&download), 2, "1 try + 1 retry");
    assert!(
        refused.stderr.contains("failed 2 times"),
        "the error names the attempts:\n{}",
        refused.stderr
    );
    assert_nothing_installed_or_cached(&ctx);
}
