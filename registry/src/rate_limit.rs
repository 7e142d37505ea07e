//! Rate limits per user and action: in-memory token buckets.
//!
//! Each `(user, action)` has a bucket of `count` tokens that refills continuously at `count` per
//! `period`. An action takes a token up front ([`RateLimiter::acquire`]) and gives it back unless
//! it really happened ([`Permit::commit`]): an identical re-publish, a refused publish or a yank
//! that changed nothing costs nothing, and racing requests cannot overshoot the limit.
//!
//! Buckets live in this process: with several replicas behind a load balancer, each replica
//! enforces the limit on its own (so a user gets up to N times the rate across N replicas).

use std::collections::HashMap;
use std::fmt;
use std::str::FromStr;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use crate::store::UserId;

/// What is limited.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum RateAction {
    /// Publishing the first version of a new name.
    NewName,
    /// Publishing a new version of an existing asset.
    NewVersion,
    /// Yanking or unyanking a version.
    Yank,
}

impl RateAction {
    pub const ALL: [RateAction; 3] = [
        RateAction::NewName,
        RateAction::NewVersion,
        RateAction::Yank,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            RateAction::NewName => "new-name",
            RateAction::NewVersion => "new-version",
            RateAction::Yank => "yank",
        }
    }

    fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for RateAction {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for RateAction {
    type Err = String;

    fn from_str(s: &str) -> Result<RateAction, String> {
        RateAction::ALL
            .into_iter()
            .find(|a| a.as_str() == s)
            .ok_or_else(|| {
                format!(
                    "unknown rate-limited action `{}` (hint: use `new-name`, `new-version` or `yank`)",
                    s.escape_debug()
                )
            })
    }
}

/// At most `count` per `period`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rate {
    pub count: u32,
    pub period: Duration,
}

impl Rate {
    pub const fn new(count: u32, period: Duration) -> Rate {
        Rate { count, period }
    }

    /// Tokens per second.
    fn per_second(self) -> f64 {
        f64::from(self.count) / self.period.as_secs_f64()
    }
}

/// `30/1m`.
impl fmt::Display for Rate {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}/{}",
            self.count,
            humantime::format_duration(self.period)
        )
    }
}

/// The limit of each action; `None`: unlimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateLimits([Option<Rate>; 3]);

impl Default for RateLimits {
    /// new-name 10/1h, new-version 60/1h, yank 30/1h.
    fn default() -> Self {
        const HOUR: Duration = Duration::from_secs(3600);
        RateLimits([
            Some(Rate::new(10, HOUR)),
            Some(Rate::new(60, HOUR)),
            Some(Rate::new(30, HOUR)),
        ])
    }
}

impl RateLimits {
    pub fn unlimited() -> RateLimits {
        RateLimits([None; 3])
    }

    pub fn get(&self, action: RateAction) -> Option<Rate> {
        self.0[action.index()]
    }

    pub fn set(&mut self, action: RateAction, rate: Option<Rate>) {
        self.0[action.index()] = rate;
    }

    /// The defaults with each `--rate-limit` applied in turn.
    pub fn with(settings: &[RateSetting]) -> RateLimits {
        let mut limits = RateLimits::default();
        for s in settings {
            limits.set(s.action, s.rate);
        }
        limits
    }
}

/// One `--rate-limit ACTION=N/PERIOD` (or `ACTION=off`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RateSetting {
    pub action: RateAction,
    pub rate: Option<Rate>,
}

impl FromStr for RateSetting {
    type Err = String;

    fn from_str(s: &str) -> Result<RateSetting, String> {
        let usage = || {
            format!(
                "rate limit `{}` is not ACTION=N/PERIOD (hint: `new-version=30/1m`, `yank=5/30s`, or `new-name=off`)",
                s.escape_debug()
            )
        };
        let (action, rate) = s.split_once('=').ok_or_else(usage)?;
        let action: RateAction = action.trim().parse()?;
        if rate.trim() == "off" {
            return Ok(RateSetting { action, rate: None });
        }
        let (count, period) = rate.split_once('/').ok_or_else(usage)?;
        let count: u32 = count
            .trim()
            .parse()
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(usage)?;
        let period = humantime::parse_duration(period.trim()).map_err(|_| usage())?;
        if period.is_zero() {
            return Err(usage());
        }
        Ok(RateSetting {
            action,
            rate: Some(Rate::new(count, period)),
        })
    }
}

/// Past the limit: when to retry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "rate limit for `{action}` reached: at most {rate} per user (hint: retry in {} seconds)",
    .retry_after.as_secs()
)]
pub struct Limited {
    pub action: RateAction,
    pub rate: Rate,
    /// Whole seconds, at least 1.
    pub retry_after: Duration,
}

#[derive(Debug, Clone, Copy)]
struct Bucket {
    tokens: f64,
    updated: Instant,
}

/// Whose bucket an action draws from: a user's or, for tokens minted by trusted publishing (all
/// held by one system user), the CI identity's, so that one pipeline cannot use up every other
/// pipeline's allowance.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum RateSubject {
    User(UserId),
    Identity(String),
}

/// The buckets of every `(subject, action)`.
#[derive(Debug)]
pub struct RateLimiter {
    limits: RateLimits,
    buckets: Mutex<HashMap<(RateSubject, RateAction), Bucket>>,
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> RateLimiter {
        RateLimiter {
            limits,
            buckets: Mutex::new(HashMap::new()),
        }
    }

    pub fn limits(&self) -> &RateLimits {
        &self.limits
    }

    /// Takes a token, or says when one will be there. Dropping the permit gives it back.
    pub fn acquire(&self, subject: RateSubject, action: RateAction) -> Result<Permit<'_>, Limited> {
        self.take(&subject, action, Instant::now(), true)?;
        Ok(Permit {
            limiter: self,
            key: (subject, action),
            committed: false,
        })
    }

    /// Whether [`RateLimiter::acquire`] would succeed now, without taking anything.
    pub fn check(&self, subject: &RateSubject, action: RateAction) -> Result<(), Limited> {
        self.take(subject, action, Instant::now(), false)
    }

    fn take(
        &self,
        subject: &RateSubject,
        action: RateAction,
        now: Instant,
        consume: bool,
    ) -> Result<(), Limited> {
        let Some(rate) = self.limits.get(action) else {
            return Ok(());
        };
        let capacity = f64::from(rate.count);
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        let bucket = buckets.entry((subject.clone(), action)).or_insert(Bucket {
            tokens: capacity,
            updated: now,
        });
        let elapsed = now.saturating_duration_since(bucket.updated).as_secs_f64();
        bucket.tokens = (bucket.tokens + elapsed * rate.per_second()).min(capacity);
        bucket.updated = now;
        if bucket.tokens >= 1.0 {
            if consume {
                bucket.tokens -= 1.0;
            }
            Ok(())
        } else {
            let wait = ((1.0 - bucket.tokens) / rate.per_second()).ceil().max(1.0);
            Err(Limited {
                action,
                rate,
                retry_after: Duration::from_secs(wait as u64),
            })
        }
    }

    fn refund(&self, key: &(RateSubject, RateAction)) {
        let Some(rate) = self.limits.get(key.1) else {
            return;
        };
        let mut buckets = self
            .buckets
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(bucket) = buckets.get_mut(key) {
            bucket.tokens = (bucket.tokens + 1.0).min(f64::from(rate.count));
        }
    }
}

/// A token taken from a bucket: given back on drop unless [`Permit::commit`]ted.
#[derive(Debug)]
pub struct Permit<'a> {
    limiter: &'a RateLimiter,
    key: (RateSubject, RateAction),
    committed: bool,
}

impl Permit<'_> {
    /// The action happened: the token stays spent.
    pub fn commit(mut self) {
        self.committed = true;
    }
}

impl Drop for Permit<'_> {
    fn drop(&mut self) {
        if !self.committed {
            self.limiter.refund(&self.key);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limiter(setting: &str) -> RateLimiter {
        let setting: RateSetting = setting.parse().expect(setting);
        RateLimiter::new(RateLimits::with(&[setting]))
    }

    #[test]
    fn settings_parse() {
        assert_eq!(
            "new-version=30/1m".parse::<RateSetting>(),
            Ok(RateSetting {
                action: RateAction::NewVersion,
                rate: Some(Rate::new(30, Duration::from_secs(60)))
            })
        );
        assert_eq!(
            "yank=5/30s".parse::<RateSetting>().map(|s| s.rate),
            Ok(Some(Rate::new(5, Duration::from_secs(30))))
        );
        assert_eq!(
            "new-name=off".parse::<RateSetting>().map(|s| s.rate),
            Ok(None)
        );
        for bad in [
            "publish=1/1h",
            "yank",
            "yank=1",
            "yank=0/1h",
            "yank=-1/1h",
            "yank=1/0s",
            "yank=1/soon",
        ] {
            assert!(bad.parse::<RateSetting>().is_err(), "{bad}");
        }
        let defaults = RateLimits::default();
        assert_eq!(
            defaults.get(RateAction::NewName).map(|r| r.to_string()),
            Some("10/1h".into())
        );
        assert_eq!(
            defaults.get(RateAction::NewVersion).map(|r| r.count),
            Some(60)
        );
        assert_eq!(defaults.get(RateAction::Yank).map(|r| r.count), Some(30));
    }

    const U1: RateSubject = RateSubject::User(1);
    const U2: RateSubject = RateSubject::User(2);

    #[test]
    fn buckets_empty_refill_and_say_when() {
        let l = limiter("yank=2/1m");
        let t0 = Instant::now();
        assert!(l.take(&U1, RateAction::Yank, t0, true).is_ok());
        assert!(l.take(&U1, RateAction::Yank, t0, true).is_ok());
        let err = l.take(&U1, RateAction::Yank, t0, true).expect_err("empty");
        assert_eq!(err.retry_after, Duration::from_secs(30));
        assert!(err.to_string().contains("`yank`"), "{err}");
        // Another user, another action: their own buckets.
        assert!(l.take(&U2, RateAction::Yank, t0, true).is_ok());
        assert!(l.take(&U1, RateAction::NewVersion, t0, true).is_ok());
        // Half a minute later, one token is back.
        let t1 = t0 + Duration::from_secs(30);
        assert!(l.take(&U1, RateAction::Yank, t1, false).is_ok());
        assert!(l.take(&U1, RateAction::Yank, t1, true).is_ok());
        assert!(l.take(&U1, RateAction::Yank, t1, false).is_err());
    }

    #[test]
    fn each_trusted_identity_has_its_own_bucket() {
        let l = limiter("new-version=1/1h");
        let t0 = Instant::now();
        let ci = |id: &str| RateSubject::Identity(id.to_owned());
        assert!(
            l.take(&ci("org/a"), RateAction::NewVersion, t0, true)
                .is_ok()
        );
        assert!(
            l.take(&ci("org/a"), RateAction::NewVersion, t0, true)
                .is_err()
        );
        assert!(
            l.take(&ci("org/b"), RateAction::NewVersion, t0, true)
                .is_ok()
        );
    }

    #[test]
    fn uncommitted_permits_are_refunded() {
        let l = limiter("new-version=1/1h");
        drop(l.acquire(U1, RateAction::NewVersion).expect("first"));
        let permit = l.acquire(U1, RateAction::NewVersion).expect("refunded");
        assert!(l.check(&U1, RateAction::NewVersion).is_err());
        permit.commit();
        let err = l.acquire(U1, RateAction::NewVersion).expect_err("spent");
        assert!((3599..=3600).contains(&err.retry_after.as_secs()));
    }
}
