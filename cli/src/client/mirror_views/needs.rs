//! `osops need list` and `osops need show` on a mirror, from `index/needs.json` and the catalog.
//!
//! A need's answers are the mirrored assets whose newest non-yanked version addresses it, by
//! name (a mirror has no download counts), and its status follows from them by the registry's
//! rule: retired stays retired, otherwise a need with an answer in the mirror is addressed. So
//! `osops need list --unanswered` on a mirror names what the mirror cannot help with, whatever
//! the registry holds.

use std::collections::BTreeMap;

use osops_index::{AssetName, UseCase};
use serde::Deserialize;

use super::super::{Client, Error, Need, NeedInfo, NeedList, NeedQuery, NeedSort, Reporter};
use super::{canonical_service, decode, has_words, page_bounds, words};
use crate::mirror::catalog::CatalogAsset;
use crate::mirror::layout::NEEDS_REL;

/// `index/needs.json` as the registry serves it (the fields a mirror shows).
#[derive(Debug, Deserialize)]
struct NeedsFile {
    #[serde(default)]
    needs: Vec<ListedNeed>,
}

#[derive(Debug, Deserialize)]
struct ListedNeed {
    id: String,
    #[serde(default)]
    title: String,
    #[serde(default)]
    problem: String,
    #[serde(default)]
    persona: Option<String>,
    #[serde(default)]
    services: Vec<String>,
    #[serde(default)]
    links: Vec<String>,
    #[serde(default)]
    use_cases: Vec<UseCase>,
    #[serde(default)]
    status: String,
    #[serde(default)]
    retired_reason: Option<String>,
    #[serde(default)]
    votes: u64,
    #[serde(default)]
    created_at: String,
    #[serde(default)]
    updated_at: String,
}

/// A need with its answers in the mirror.
struct Answered<'a> {
    need: ListedNeed,
    answers: Vec<&'a CatalogAsset>,
}

impl Answered<'_> {
    fn status(&self) -> &'static str {
        if self.need.status == "retired" {
            "retired"
        } else if self.answers.is_empty() {
            "open"
        } else {
            "addressed"
        }
    }

    fn summary(&self) -> serde_json::Value {
        let n = &self.need;
        serde_json::json!({
            "id": n.id,
            "title": n.title,
            "status": self.status(),
            "persona": n.persona,
            "services": n.services,
            "votes": n.votes,
            "answers": self.answers.len(),
            "created_at": n.created_at,
        })
    }
}

impl Client {
    /// `osops need list` on a mirror.
    pub(in crate::client) fn mirror_needs(
        &self,
        query: &NeedQuery,
        reporter: &dyn Reporter,
    ) -> Result<NeedList, Error> {
        let service = canonical_service(self, query.service.as_deref())?;
        let words = words(query.q.as_deref());
        let status = query.status.map(|s| match s {
            osops_index::NeedStatus::Open => "open",
            osops_index::NeedStatus::Addressed => "addressed",
            osops_index::NeedStatus::Retired => "retired",
        });
        let catalog = self.mirror_catalog(reporter)?;
        let mut needs: Vec<Answered<'_>> = answered(self.needs_file(reporter)?, &catalog.assets)
            .into_iter()
            .filter(|a| {
                let n = &a.need;
                let use_cases: Vec<&str> = n.use_cases.iter().map(|u| u.text.as_str()).collect();
                let mut texts = vec![n.id.as_str(), n.title.as_str(), n.problem.as_str()];
                texts.extend(use_cases);
                has_words(&words, &texts)
                    && service
                        .as_deref()
                        .is_none_or(|s| n.services.iter().any(|have| have == s))
                    && status.is_none_or(|s| a.status() == s)
                    && (query.sort != Some(NeedSort::Unanswered) || a.status() == "open")
            })
            .collect();
        // Newest first, then the sort's own key: a stable sort keeps that order among equals.
        needs.sort_by(|a, b| {
            (&b.need.created_at, &a.need.id).cmp(&(&a.need.created_at, &b.need.id))
        });
        if query.sort != Some(NeedSort::Recent) {
            needs.sort_by_key(|a| std::cmp::Reverse(a.need.votes));
        }
        let (page, per_page, skip) = page_bounds(query.page, query.per_page);
        let total = needs.len() as u64;
        let listed: Vec<serde_json::Value> = needs
            .iter()
            .skip(skip)
            .take(per_page as usize)
            .map(Answered::summary)
            .collect();
        let raw = serde_json::json!({
            "total": total,
            "page": page,
            "per_page": per_page,
            "needs": listed,
        });
        let url = format!("{}/{NEEDS_REL}", self.base);
        let mut list: NeedList = decode(&url, raw.to_string().as_bytes())?;
        list.raw = raw;
        Ok(list)
    }

    /// `osops need show` on a mirror.
    pub(in crate::client) fn mirror_need(
        &self,
        id: &AssetName,
        reporter: &dyn Reporter,
    ) -> Result<Need, Error> {
        let url = format!("{}/{NEEDS_REL}", self.base);
        let catalog = self.mirror_catalog(reporter)?;
        let Some(found) = answered(self.needs_file(reporter)?, &catalog.assets)
            .into_iter()
            .find(|a| a.need.id == id.as_str())
        else {
            return Err(Error::Api {
                status: 404,
                detail: format!("the mirror has no need `{id}`"),
                url,
                retry_after: None,
            });
        };
        let answers: Vec<serde_json::Value> = found
            .answers
            .iter()
            .map(|a| {
                serde_json::json!({
                    "name": a.latest.name,
                    "version": a.latest.vers.to_string(),
                    "kind": a.latest.kind,
                    "description": a.description,
                    "releases": a.latest.releases,
                    "services": a.latest.services,
                })
            })
            .collect();
        let n = &found.need;
        let raw = serde_json::json!({
            "id": n.id,
            "title": n.title,
            "problem": n.problem,
            "persona": n.persona,
            "services": n.services,
            "links": n.links,
            "use_cases": n.use_cases,
            "status": found.status(),
            "retired_reason": n.retired_reason,
            "votes": n.votes,
            "created_at": n.created_at,
            "updated_at": n.updated_at,
            "answers": answers,
            "mirror": self.base,
        });
        let info: NeedInfo = decode(&url, raw.to_string().as_bytes())?;
        Ok(Need { info, raw })
    }

    /// The mirror's needs catalog; a mirror of a registry that served none has no needs.
    fn needs_file(&self, reporter: &dyn Reporter) -> Result<NeedsFile, Error> {
        let url = format!("{}/{NEEDS_REL}", self.base);
        match self.get_bytes(&url, reporter) {
            Ok(body) => decode(&url, &body),
            Err(e) if e.is_not_found() => Ok(NeedsFile { needs: Vec::new() }),
            Err(e) => Err(e),
        }
    }
}

/// Each need with the catalog's assets that answer it, by name.
fn answered(file: NeedsFile, assets: &[CatalogAsset]) -> Vec<Answered<'_>> {
    let mut by_need: BTreeMap<&str, Vec<&CatalogAsset>> = BTreeMap::new();
    for asset in assets {
        for need in &asset.latest.needs {
            by_need.entry(need.as_str()).or_default().push(asset);
        }
    }
    file.needs
        .into_iter()
        .map(|need| {
            let mut answers = by_need.remove(need.id.as_str()).unwrap_or_default();
            answers.sort_by(|a, b| a.latest.name.cmp(&b.latest.name));
            Answered { need, answers }
        })
        .collect()
}
