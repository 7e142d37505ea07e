//! The OpenStack services and release series a manifest may name.

/// One release series: `2023.1` / `antelope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    /// Lowercase series name: `austin` … `antelope`, `bobcat`, …
    pub name: &'static str,
    /// The series number: `2010.1` style for the old ones (by release date), `2023.1` for new ones.
    pub number: &'static str,
}

/// Every release series, oldest first, Austin through the current one.
pub const RELEASES: &[Release] = &[];

/// Every official service (by its project name: `nova`, `neutron`, …) plus the deployment
/// projects (`kolla-ansible`, `openstack-ansible`, `openstack-helm`, `kayobe`, `charms`, …).
pub const SERVICES: &[&str] = &[];

/// Finds a series by name or number, case-insensitively.
pub fn find_release(name_or_number: &str) -> Option<&'static Release> {
    todo!("{name_or_number}")
}

/// Finds a service by name, case-insensitively, returning its canonical spelling.
pub fn find_service(name: &str) -> Option<&'static str> {
    todo!("{name}")
}

/// A range of release series as written in a manifest: `">=2023.1, <=2025.2"`, `">=antelope"`,
/// `"2024.1"` (exactly that one), `"*"`. Comparators joined by `,` are all required.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ReleaseRange {
    /// The text as written, kept for display and for the index.
    text: String,
    /// Inclusive bounds as indexes into [`RELEASES`].
    low: usize,
    high: usize,
}

impl ReleaseRange {
    /// Error text names the bad part and lists how to spell a release.
    pub fn parse(text: &str) -> Result<Self, String> {
        todo!("{text}")
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }

    /// Whether the series named (by name or number) is inside the range; unknown names are not.
    pub fn contains(&self, release: &str) -> bool {
        let _ = (self.low, self.high);
        todo!("{release}")
    }

    /// Every series the range covers, oldest first.
    pub fn releases(&self) -> &'static [Release] {
        todo!()
    }
}

impl serde::Serialize for ReleaseRange {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.text)
    }
}
