//! Case 22 of `SECURITY-TESTS.md` with the real binaries: the registry killed with SIGKILL at
//! varied points while publishes are in flight, restarted on the same data dir each time, loses
//! nothing it answered and shows nothing half-written.
//!
//! Publisher threads each publish successive versions of their own asset with `osops publish`
//! (`OSOPS_HTTP_RETRIES=0`, so a publish that gets no answer fails at once). A killer thread waits
//! until K more publishes have been answered since the last restart (K from a fixed seed, 1..=5),
//! then kills the server while the other publishes are in flight, and restarts it on the same data
//! dir (on a new port, which the publishers pick up). No sleeps: every step waits on an event.
//!
//! `OSOPS_CRASH_PUBLISHES=N` (default 200) sets how many publishes are attempted; at least
//! `OSOPS_CRASH_KILLS` (default 10) kills happen whatever N is.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::{Condvar, Mutex};
use std::time::{Duration, Instant};

use osops_tests::fixtures::script_asset;
use osops_tests::visible::{check_visible, sha256_hex};
use osops_tests::{Output, TestContext, TestRegistry};

const PUBLISHERS: usize = 8;
/// No rate limit gets in the way of a few hundred publishes by one user.
const SERVE_ARGS: &[&str] = &[
    "--rate-limit",
    "new-name=off",
    "--rate-limit",
    "new-version=off",
];
/// A guard against a hang, never a synchronisation: every wait is on an event.
const STUCK: Duration = Duration::from_secs(120);

fn env_number(name: &str, default: usize) -> usize {
    std::env::var(name)
        .ok()
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("{name} must be a number, not `{v}`"))
        })
        .unwrap_or(default)
}

/// What the publishers and the killer share.
struct State {
    /// The registry's URL; `None` while it is down (between a kill and its restart).
    url: Option<String>,
    /// Bumped before each kill: a publish that ends in the generation it started in was not hit
    /// by a kill.
    generation: u64,
    answered_since_restart: usize,
    attempted: usize,
    kills: usize,
    publishers_running: usize,
}

struct Shared {
    state: Mutex<State>,
    changed: Condvar,
    target_attempts: usize,
    min_kills: usize,
}

impl Shared {
    fn wait<'a>(
        &self,
        guard: std::sync::MutexGuard<'a, State>,
        what: &str,
    ) -> std::sync::MutexGuard<'a, State> {
        let (guard, timeout) = self.changed.wait_timeout(guard, STUCK).expect("state lock");
        assert!(!timeout.timed_out(), "stuck waiting for {what}");
        guard
    }
}

#[derive(Debug, Clone)]
enum Outcome {
    /// Exit 0: the registry answered 2xx.
    Answered,
    /// No answer or an error; `alive` says the server was not killed during the publish.
    Failed { alive: bool, output: String },
}

#[derive(Debug, Clone)]
struct Attempt {
    name: String,
    version: String,
    file: PathBuf,
    sha256: String,
    outcome: Outcome,
}

fn publisher(shared: &Shared, ctx: &TestContext, index: usize) -> Vec<Attempt> {
    let name = format!("crash-asset-{}", char::from(b'a' + index as u8));
    let sources = ctx.work_dir().join("sources");
    let packed = ctx.work_dir().join("packed");
    std::fs::create_dir_all(&packed).expect("create packed dir");
    let mut attempts = Vec::new();
    for n in 0.. {
        let version = format!("1.0.{n}");
        let dir = script_asset(&sources.join(&version), &name, &version);
        let out = ctx
            .osops(&[
                "package",
                &dir.to_string_lossy(),
                "--out",
                &packed.to_string_lossy(),
            ])
            .assert_success();
        let file = PathBuf::from(out.stdout.trim());
        let file = if file.is_absolute() {
            file
        } else {
            ctx.work_dir().join(file)
        };
        let sha256 = sha256_hex(&std::fs::read(&file).expect("read packed archive"));

        let (generation, url) = {
            let mut state = shared.state.lock().expect("state lock");
            loop {
                if state.attempted >= shared.target_attempts && state.kills >= shared.min_kills {
                    return attempts;
                }
                if let Some(url) = state.url.clone() {
                    state.attempted += 1;
                    break (state.generation, url);
                }
                state = shared.wait(state, "the registry to restart");
            }
        };
        let output: Output = ctx
            .command()
            .env("OSOPS_REGISTRY", &url)
            .env("OSOPS_HTTP_RETRIES", "0")
            .args(["publish", &file.to_string_lossy()])
            .output()
            .expect("osops runs")
            .into();
        let mut state = shared.state.lock().expect("state lock");
        let outcome = if output.success() {
            assert!(
                !output.both().contains("already published"),
                "a first publish of {name} {version} was answered `already published`: {output:?}"
            );
            if state.generation == generation {
                state.answered_since_restart += 1;
                shared.changed.notify_all();
            }
            Outcome::Answered
        } else {
            // A kill bumps the generation first: unchanged, the server was not killed meanwhile.
            // (After a kill, the next attempt waits for the restart at the top of the loop.)
            Outcome::Failed {
                alive: state.generation == generation,
                output: output.both(),
            }
        };
        drop(state);
        attempts.push(Attempt {
            name: name.clone(),
            version,
            file,
            sha256,
            outcome,
        });
    }
    unreachable!()
}

/// Kills the registry after K answered publishes (K in 1..=5 from a fixed seed), restarts it on
/// the same data dir, until every publisher is done; then kills and restarts it once more, so what
/// is checked is what survived a kill. Returns the last registry.
fn killer(shared: &Shared, mut registry: TestRegistry) -> TestRegistry {
    let mut seed: u64 = 0x2200_c0ff_ee15_dead;
    loop {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        let k = (seed % 5) as usize + 1;
        let mut state = shared.state.lock().expect("state lock");
        while state.answered_since_restart < k && state.publishers_running > 0 {
            state = shared.wait(state, "answered publishes");
        }
        let last = state.publishers_running == 0;
        state.url = None;
        state.generation += 1;
        state.answered_since_restart = 0;
        drop(state);

        let data_dir = registry.kill();
        registry = TestRegistry::start_on(data_dir, SERVE_ARGS);

        let mut state = shared.state.lock().expect("state lock");
        state.url = Some(registry.url().to_string());
        state.kills += 1;
        shared.changed.notify_all();
        if last {
            return registry;
        }
    }
}

#[test]
fn case_22_kill_9_during_publishes_loses_nothing_answered_and_shows_nothing_half_written() {
    let started = Instant::now();
    let registry = TestRegistry::start_with(SERVE_ARGS);
    let token = registry.user_with_token("crasher");
    let shared = Shared {
        state: Mutex::new(State {
            url: Some(registry.url().to_string()),
            generation: 0,
            answered_since_restart: 0,
            attempted: 0,
            kills: 0,
            publishers_running: PUBLISHERS,
        }),
        changed: Condvar::new(),
        target_attempts: env_number("OSOPS_CRASH_PUBLISHES", 200),
        min_kills: env_number("OSOPS_CRASH_KILLS", 10),
    };
    let contexts: Vec<TestContext> = (0..PUBLISHERS)
        .map(|_| TestContext::new(registry.url()).with_token(&token))
        .collect();

    let (registry, attempts) = std::thread::scope(|scope| {
        let publishers: Vec<_> = contexts
            .iter()
            .enumerate()
            .map(|(i, ctx)| {
                let shared = &shared;
                scope.spawn(move || {
                    let attempts = publisher(shared, ctx, i);
                    let mut state = shared.state.lock().expect("state lock");
                    state.publishers_running -= 1;
                    shared.changed.notify_all();
                    attempts
                })
            })
            .collect();
        let killer = scope.spawn(|| killer(&shared, registry));
        let attempts: Vec<Attempt> = publishers
            .into_iter()
            .flat_map(|p| p.join().expect("publisher thread"))
            .collect();
        (killer.join().expect("killer thread"), attempts)
    });
    let kills = shared.state.lock().expect("state lock").kills;
    let run_time = started.elapsed();

    // After the last restart: everything answered is there, with the checksum computed locally;
    // nothing is half-visible; every listed version downloads with its checksum.
    let url = registry.url().to_string();
    let ctx = &contexts[0];
    let mut listed: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    for attempt in &attempts {
        if !listed.contains_key(&attempt.name) {
            listed.insert(
                attempt.name.clone(),
                check_visible(ctx, &url, &attempt.name),
            );
        }
    }
    let local: BTreeMap<(&str, &str), &Attempt> = attempts
        .iter()
        .map(|a| ((a.name.as_str(), a.version.as_str()), a))
        .collect();
    for (name, versions) in &listed {
        for (version, cksum) in versions {
            let attempt = local
                .get(&(name.as_str(), version.as_str()))
                .unwrap_or_else(|| panic!("{name} {version} is listed but was never published"));
            assert_eq!(
                cksum, &attempt.sha256,
                "{name} {version} is listed with another checksum than the one published"
            );
        }
    }
    let lost: Vec<&Attempt> = attempts
        .iter()
        .filter(|a| matches!(a.outcome, Outcome::Answered))
        .filter(|a| listed[&a.name].get(&a.version) != Some(&a.sha256))
        .collect();
    let answered = attempts
        .iter()
        .filter(|a| matches!(a.outcome, Outcome::Answered))
        .count();
    let failed: Vec<&Attempt> = attempts
        .iter()
        .filter(|a| matches!(a.outcome, Outcome::Failed { .. }))
        .collect();
    let failed_alive: Vec<&Attempt> = failed
        .iter()
        .copied()
        .filter(|a| matches!(a.outcome, Outcome::Failed { alive: true, .. }))
        .collect();
    let landed_unanswered = failed
        .iter()
        .filter(|a| listed[&a.name].contains_key(&a.version))
        .count();
    eprintln!(
        "case 22: attempted {}, answered {answered}, failed {} (of which {} with the server alive, \
         {landed_unanswered} landed anyway), lost {}, kills {kills}, in {:.1}s",
        attempts.len(),
        failed.len(),
        failed_alive.len(),
        lost.len(),
        run_time.as_secs_f64()
    );
    let mut reasons: BTreeMap<String, usize> = BTreeMap::new();
    for attempt in &failed {
        if let Outcome::Failed { output, .. } = &attempt.outcome {
            let reason = output
                .lines()
                .find(|l| l.starts_with("error"))
                .unwrap_or("(no error line)");
            // The URL's port changes with each restart: keep the reason only.
            let reason = match (reason.find("`http://"), reason.rfind('`')) {
                (Some(start), Some(end)) if end > start => {
                    format!("{}`URL`{}", &reason[..start], &reason[end + 1..])
                }
                _ => reason.to_string(),
            };
            *reasons.entry(reason).or_default() += 1;
        }
    }
    for (reason, count) in &reasons {
        eprintln!("case 22: {count} publishes failed with: {reason}");
    }
    assert!(
        lost.is_empty(),
        "publishes answered 2xx are missing after a restart: {lost:#?}"
    );
    assert!(
        failed_alive.is_empty(),
        "publishes failed while the server was not killed: {failed_alive:#?}"
    );
    assert!(attempts.len() >= shared.target_attempts);
    assert!(kills >= shared.min_kills);

    // What the kills left in the blob store beyond the listed versions' archives (blobs written
    // before a kill that came before the commit) is for `gc`: after it, the store holds exactly
    // one archive per listed version, nothing else, and every version still downloads.
    let gc = registry.admin(&["gc", "--min-age", "0s"]).assert_success();
    assert!(
        !gc.both().contains("missing"),
        "no version lost its archive: {gc:?}"
    );
    eprintln!("case 22: gc: {}", gc.stdout.lines().last().unwrap_or(""));
    let listed_archives: Vec<&String> = listed.values().flat_map(|v| v.values()).collect();
    assert_eq!(
        registry.stored_archives(),
        listed_archives.iter().map(|s| s.to_string()).collect(),
        "after gc, the blob store holds exactly the listed versions' archives"
    );
    for name in listed.keys() {
        check_visible(ctx, &url, name);
    }

    // Every publish that got no answer or an error can be retried: one that landed is answered
    // "already published" (never 409), one that did not is published now.
    for attempt in &failed {
        let output = ctx
            .command()
            .env("OSOPS_REGISTRY", &url)
            .args(["publish", &attempt.file.to_string_lossy()])
            .output()
            .expect("osops runs");
        let output = Output::from(output).assert_success();
        let already = output.both().contains("already published");
        assert_eq!(
            already,
            listed[&attempt.name].contains_key(&attempt.version),
            "retry of {} {}: {output:?}",
            attempt.name,
            attempt.version
        );
    }
    for (name, before) in &listed {
        let after = check_visible(ctx, &url, name);
        let expected: BTreeMap<String, String> = attempts
            .iter()
            .filter(|a| &a.name == name)
            .map(|a| (a.version.clone(), a.sha256.clone()))
            .collect();
        assert_eq!(after, expected, "{name} after the retries");
        assert!(before.keys().all(|v| after.contains_key(v)));
    }
    assert_eq!(
        registry.stored_archives(),
        attempts.iter().map(|a| a.sha256.clone()).collect(),
        "after the retries, one archive per version"
    );

    // The client's own path: installing each asset's newest version verifies its sha256.
    for name in listed.keys() {
        let newest = attempts
            .iter()
            .filter(|a| &a.name == name)
            .map(|a| semver_key(&a.version))
            .max()
            .expect("a version");
        let fresh = TestContext::new(&url);
        fresh
            .osops(&["install", &format!("{name}@=1.0.{}", newest)])
            .assert_success();
    }
}

fn semver_key(version: &str) -> u64 {
    version
        .rsplit('.')
        .next()
        .and_then(|p| p.parse().ok())
        .expect("1.0.N")
}
