//! Listed assets as search sees them, each facet value interned as a number, and the selection
//! every search makes over them: filter, count the facets, sort, cut the page.
//!
//! Every store's search ends here, so all give the same answers: the embedded store keeps one
//! [`Catalog`] in memory ([`super::live`]); the others build one per search from the candidates
//! their database found. Release ranges are matched with `osops_index::ReleaseRange`, so a range
//! open at the top also matches series added to osops-index after it was published.

use std::cmp::Ordering;
use std::collections::HashMap;

use osops_index::{ReleaseRange, openstack};

use super::{AssetFacets, AssetSort, AssetSummary, SearchPage, SearchQuery};
use crate::store::FacetValue;

/// A set of release series, one bit per index into `openstack::RELEASES`.
type Releases = u128;
const _: () = assert!(openstack::RELEASES.len() <= Releases::BITS as usize);

/// A listed asset: its summary, and its facet values as symbols.
#[derive(Debug)]
struct Entry {
    summary: AssetSummary,
    kind: u32,
    services: Box<[u32]>,
    license: Option<u32>,
    needs: Box<[u32]>,
    releases: Releases,
}

/// Facet values, numbered in the order they were first seen.
#[derive(Debug, Default)]
struct Symbols {
    ids: HashMap<Box<str>, u32>,
    values: Vec<Box<str>>,
}

impl Symbols {
    fn intern(&mut self, value: &str) -> u32 {
        if let Some(&id) = self.ids.get(value) {
            return id;
        }
        let id = u32::try_from(self.values.len()).expect("fewer than 2^32 facet values");
        self.values.push(value.into());
        self.ids.insert(value.into(), id);
        id
    }
}

/// The listed assets, by slot (a slot freed by a removal is reused).
#[derive(Debug, Default)]
pub(super) struct Catalog {
    entries: Vec<Option<Entry>>,
    free: Vec<u32>,
    slots: HashMap<String, u32>,
    symbols: Symbols,
}

/// Which release series `range` (None: not restricted) covers; a range that no longer parses
/// covers none.
fn release_set(range: Option<&str>) -> Releases {
    let all = |releases: &[openstack::Release]| {
        releases
            .iter()
            .filter_map(|r| openstack::RELEASES.iter().position(|x| x.name == r.name))
            .fold(0, |set, i| set | 1 << i)
    };
    match range {
        None => all(openstack::RELEASES),
        Some(text) => ReleaseRange::parse(text).map_or(0, |r| all(r.releases())),
    }
}

impl Catalog {
    /// Adds `summary`, or replaces the entry of the same name; returns its slot.
    pub(super) fn upsert(&mut self, summary: AssetSummary) -> u32 {
        let symbols = &mut self.symbols;
        let entry = Entry {
            kind: symbols.intern(&summary.kind),
            services: summary.services.iter().map(|s| symbols.intern(s)).collect(),
            license: summary.license.as_deref().map(|l| symbols.intern(l)),
            needs: summary.needs.iter().map(|n| symbols.intern(n)).collect(),
            releases: release_set(summary.releases.as_deref()),
            summary,
        };
        let slot = match self.slots.get(&entry.summary.name) {
            Some(&slot) => slot,
            None => {
                let slot = self.free.pop().unwrap_or_else(|| {
                    self.entries.push(None);
                    u32::try_from(self.entries.len() - 1).expect("fewer than 2^32 assets")
                });
                self.slots.insert(entry.summary.name.clone(), slot);
                slot
            }
        };
        self.entries[slot as usize] = Some(entry);
        slot
    }

    /// Removes the entry named `name`; returns the slot it had.
    pub(super) fn remove(&mut self, name: &str) -> Option<u32> {
        let slot = self.slots.remove(name)?;
        self.entries[slot as usize] = None;
        self.free.push(slot);
        Some(slot)
    }

    /// The summary in `slot`.
    pub(super) fn summary(&self, slot: u32) -> Option<&AssetSummary> {
        self.entry(slot).map(|e| &e.summary)
    }

    /// Sets `name`'s download count (nothing when it is not listed).
    pub(super) fn set_downloads(&mut self, name: &str, downloads: u64) {
        if let Some(&slot) = self.slots.get(name)
            && let Some(Some(entry)) = self.entries.get_mut(slot as usize)
        {
            entry.summary.downloads = downloads;
        }
    }

    pub(super) fn len(&self) -> usize {
        self.slots.len()
    }

    fn entry(&self, slot: u32) -> Option<&Entry> {
        self.entries.get(slot as usize).and_then(Option::as_ref)
    }

    /// The page `query` asks for. `ranked`: the entries the free text matched, with their scores
    /// (higher is better); `None`: no text, so every entry.
    pub(super) fn select(
        &self,
        ranked: Option<Vec<(u32, f32)>>,
        query: &SearchQuery,
    ) -> SearchPage {
        let text = ranked.is_some();
        let filters = Filters::new(self, query);
        let mut tally = Tally::new(self.symbols.values.len());
        let candidates: Box<dyn Iterator<Item = (u32, f32)>> = match ranked {
            Some(ranked) => Box::new(ranked.into_iter()),
            None => Box::new(self.slots.values().map(|&slot| (slot, 0.0))),
        };
        let mut matching: Vec<(&Entry, f32)> = Vec::new();
        for (slot, score) in candidates {
            let Some(entry) = self.entry(slot) else {
                continue;
            };
            let failed = filters.failed(entry);
            tally.add(entry, failed);
            if failed == 0 {
                matching.push((entry, score));
            }
        }
        let total = matching.len() as u64;
        let skip = (query.page.saturating_sub(1) as usize).saturating_mul(query.per_page as usize);
        let end = skip
            .saturating_add(query.per_page as usize)
            .min(matching.len());
        let order = order(query.sort, text);
        // Only the entries up to the page's end need their exact order.
        if end > 0 && end < matching.len() {
            matching.select_nth_unstable_by(end - 1, &order);
            matching.truncate(end);
        }
        matching.sort_unstable_by(&order);
        let assets = matching
            .iter()
            .skip(skip)
            .map(|(entry, _)| entry.summary.clone())
            .collect();
        SearchPage {
            total,
            assets,
            facets: tally.facets(&self.symbols),
        }
    }
}

/// How `sort` orders entries (with `text`: the free text's scores are the relevance); ties go by
/// name, which is unique, so the order is total.
fn order(sort: AssetSort, text: bool) -> impl Fn(&(&Entry, f32), &(&Entry, f32)) -> Ordering {
    move |(a, a_score), (b, b_score)| {
        let (a, b) = (&a.summary, &b.summary);
        match sort {
            AssetSort::Relevance if text => b_score.total_cmp(a_score),
            AssetSort::Relevance | AssetSort::Updated => b.updated_at.cmp(&a.updated_at),
            AssetSort::Downloads => b.downloads.cmp(&a.downloads),
            AssetSort::New => b.created_at.cmp(&a.created_at),
            AssetSort::Name => Ordering::Equal,
        }
        .then_with(|| a.name.cmp(&b.name))
    }
}

/// One bit per facet, in the order of [`Tally::counts`].
const KIND: u8 = 1;
const SERVICE: u8 = 2;
const LICENSE: u8 = 4;
const NEED: u8 = 8;
const RELEASE: u8 = 16;

/// A filter on one facet.
#[derive(Debug, Clone, Copy)]
enum Wanted {
    Any,
    /// A value no entry has.
    Nothing,
    Is(u32),
}

impl Wanted {
    fn new(value: Option<&str>, lookup: impl Fn(&str) -> Option<u32>) -> Wanted {
        match value {
            None => Wanted::Any,
            Some(v) => lookup(v).map_or(Wanted::Nothing, Wanted::Is),
        }
    }

    fn passes(self, has: impl FnOnce(u32) -> bool) -> bool {
        match self {
            Wanted::Any => true,
            Wanted::Nothing => false,
            Wanted::Is(id) => has(id),
        }
    }
}

struct Filters {
    kind: Wanted,
    service: Wanted,
    license: Wanted,
    need: Wanted,
    release: Wanted,
}

impl Filters {
    fn new(catalog: &Catalog, q: &SearchQuery) -> Filters {
        let symbol = |v: &str| catalog.symbols.ids.get(v).copied();
        let release = |v: &str| {
            let at = openstack::RELEASES.iter().position(|r| r.name == v)?;
            u32::try_from(at).ok()
        };
        Filters {
            kind: Wanted::new(q.kind.as_deref(), symbol),
            service: Wanted::new(q.service.as_deref(), symbol),
            license: Wanted::new(q.license.as_deref(), symbol),
            need: Wanted::new(q.need.as_deref(), symbol),
            release: Wanted::new(q.release.as_deref(), release),
        }
    }

    /// The facets whose filter `entry` fails, as bits.
    fn failed(&self, entry: &Entry) -> u8 {
        let mut failed = 0;
        let mut check = |bit: u8, ok: bool| {
            if !ok {
                failed |= bit;
            }
        };
        check(KIND, self.kind.passes(|k| entry.kind == k));
        check(
            SERVICE,
            self.service.passes(|s| entry.services.contains(&s)),
        );
        check(LICENSE, self.license.passes(|l| entry.license == Some(l)));
        check(NEED, self.need.passes(|n| entry.needs.contains(&n)));
        check(
            RELEASE,
            self.release.passes(|r| entry.releases >> r & 1 == 1),
        );
        failed
    }
}

/// Facet counts: for each facet, how many entries passing every other filter have each value.
struct Tally {
    /// By symbol: kind, service, license, need.
    counts: [Vec<u64>; 4],
    /// By index into `openstack::RELEASES`.
    releases: [u64; Releases::BITS as usize],
}

impl Tally {
    fn new(symbols: usize) -> Tally {
        Tally {
            counts: std::array::from_fn(|_| vec![0; symbols]),
            releases: [0; Releases::BITS as usize],
        }
    }

    /// Counts `entry`, which failed the filters in `failed`, in each facet whose own filter is
    /// the only one it may fail.
    fn add(&mut self, entry: &Entry, failed: u8) {
        let counts = |facet: u8| failed & !facet == 0;
        let [kind, service, license, need] = &mut self.counts;
        if counts(KIND) {
            kind[entry.kind as usize] += 1;
        }
        if counts(SERVICE) {
            entry
                .services
                .iter()
                .for_each(|s| service[*s as usize] += 1);
        }
        if counts(LICENSE)
            && let Some(l) = entry.license
        {
            license[l as usize] += 1;
        }
        if counts(NEED) {
            entry.needs.iter().for_each(|n| need[*n as usize] += 1);
        }
        if counts(RELEASE) {
            let mut set = entry.releases;
            while set != 0 {
                self.releases[set.trailing_zeros() as usize] += 1;
                set &= set - 1;
            }
        }
    }

    fn facets(self, symbols: &Symbols) -> AssetFacets {
        let by_count = |counts: Vec<u64>| {
            let mut values: Vec<FacetValue> = counts
                .into_iter()
                .enumerate()
                .filter(|(_, count)| *count > 0)
                .map(|(id, count)| FacetValue {
                    value: symbols.values[id].to_string(),
                    count,
                })
                .collect();
            values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
            values
        };
        let release = openstack::RELEASES
            .iter()
            .zip(self.releases)
            .rev()
            .filter(|(_, count)| *count > 0)
            .map(|(r, count)| FacetValue {
                value: r.name.to_owned(),
                count,
            })
            .collect();
        let [kind, service, license, need] = self.counts;
        AssetFacets {
            kind: by_count(kind),
            service: by_count(service),
            release,
            license: by_count(license),
            need: by_count(need),
        }
    }
}
