//! Facet counts: how many results each value of a facet would give.

use std::collections::HashMap;

/// One value of a facet and how many results choosing it would give.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, utoipa::ToSchema)]
pub struct FacetValue {
    pub value: String,
    pub count: u64,
}

/// Counts values as they are added; [`Tally::by_count`] orders them for display.
#[derive(Debug, Default)]
pub(super) struct Tally(HashMap<String, u64>);

impl Tally {
    pub(super) fn add(&mut self, value: &str) {
        *self.0.entry(value.to_owned()).or_default() += 1;
    }

    /// Most results first, then by value, so the order is stable.
    pub(super) fn by_count(self) -> Vec<FacetValue> {
        let mut values: Vec<FacetValue> = self
            .0
            .into_iter()
            .map(|(value, count)| FacetValue { value, count })
            .collect();
        values.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.value.cmp(&b.value)));
        values
    }

    /// In the order of `order` (values missing from it go last, by value).
    pub(super) fn in_order(self, order: &[&str]) -> Vec<FacetValue> {
        let position = |v: &str| order.iter().position(|o| *o == v).unwrap_or(usize::MAX);
        let mut values = self.by_count();
        values.sort_by(|a, b| {
            position(&a.value)
                .cmp(&position(&b.value))
                .then_with(|| a.value.cmp(&b.value))
        });
        values
    }
}

/// The slice of `items` that page `page` (from 1) of `per_page` holds.
pub(super) fn page_of<T>(items: Vec<T>, page: u32, per_page: u32) -> Vec<T> {
    let skip = (page.saturating_sub(1) as usize).saturating_mul(per_page as usize);
    items
        .into_iter()
        .skip(skip)
        .take(per_page as usize)
        .collect()
}
