//! `osops-registry audit [--asset NAME] [--user NAME] [--json]`: the audit log, newest first.

use std::fmt;

use osops_index::AssetName;

use super::with_store;
use crate::error::Error;
use crate::store::Database;
use crate::store::{AuditEvent, AuditFilter};

/// The events about `asset` (any spelling that folds to its name) and/or by `user`.
pub async fn events(
    db: &Database,
    asset: Option<&str>,
    user: Option<&str>,
) -> Result<Vec<AuditEvent>, Error> {
    let asset = asset
        .map(|a| {
            AssetName::canonical_form(a)
                .map(|n| n.to_string())
                .map_err(|e| {
                    Error::Invalid(format!("`{}` is not an asset name: {e}", a.escape_debug()))
                })
        })
        .transpose()?;
    let filter = AuditFilter {
        asset,
        actor: user.map(str::to_owned),
    };
    with_store(db, async |store| Ok(store.events(&filter).await?)).await
}

/// `--json`: `{"events": [...]}`, the shape of `GET /api/v1/assets/{name}/audit`.
pub fn to_json(events: &[AuditEvent]) -> String {
    serde_json::json!({ "events": events }).to_string()
}

/// One event on one line:
/// `AT ACTION [ASSET[@VERSION]] by ACTOR[ (token ID)][ (trusted publisher TP)][: DETAIL]`.
pub struct EventLine<'a>(pub &'a AuditEvent);

impl fmt::Display for EventLine<'_> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let e = self.0;
        write!(f, "{} {}", e.at, e.action)?;
        if let Some(asset) = &e.asset {
            write!(f, " {asset}")?;
            if let Some(version) = &e.version {
                write!(f, "@{version}")?;
            }
        }
        write!(f, " by {}", e.actor)?;
        if let Some(id) = e.token_id {
            write!(f, " (token {id})")?;
        }
        if let Some(tp) = &e.trusted_publisher {
            write!(f, " (trusted publisher {tp})")?;
        }
        if let Some(detail) = &e.detail {
            // One line, whatever a detail holds.
            let detail: String = detail
                .chars()
                .map(|c| if c.is_control() { ' ' } else { c })
                .collect();
            write!(f, ": {detail}")?;
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines() {
        let mut e = AuditEvent {
            id: 1,
            at: "2026-11-23T15:21:06Z".into(),
            action: "yank".into(),
            asset: Some("nova-tools".into()),
            version: Some("1.2.0".into()),
            actor: "jane".into(),
            token_id: Some(3),
            trusted_publisher: None,
            detail: Some("broken\non antelope".into()),
        };
        assert_eq!(
            EventLine(&e).to_string(),
            "2026-11-23T15:21:06Z yank nova-tools@1.2.0 by jane (token 3): broken on antelope"
        );
        e.asset = None;
        e.version = None;
        e.token_id = None;
        e.detail = None;
        e.actor = "(admin)".into();
        e.action = "user-disable".into();
        assert_eq!(
            EventLine(&e).to_string(),
            "2026-11-23T15:21:06Z user-disable by (admin)"
        );
    }
}
