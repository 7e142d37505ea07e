//! Timestamps: RFC 3339 in UTC to the second (`2026-11-23T15:21:06Z`), stored as text so they sort.

use std::time::SystemTime;

pub fn now() -> String {
    humantime::format_rfc3339_seconds(SystemTime::now()).to_string()
}
