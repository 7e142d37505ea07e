//! The OpenStack services and release series a manifest may name.
//!
//! Both lists are closed on purpose: a typo in `services` or `releases` would otherwise silently
//! hide an asset from the catalog's facets. Adding a name is a one-line change here plus a release
//! of osops-index (the registry and the CLI pick it up; the JSON Schema does not list them, so it
//! does not drift).

mod range;

pub use range::ReleaseRange;

/// One release series: `2023.1` / `antelope`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Release {
    /// Lowercase series name: `austin` … `antelope`, `bobcat`, …
    pub name: &'static str,
    /// The series number: `2010.1` style for the old ones (by release date), `2023.1` for new ones.
    pub number: &'static str,
}

const fn r(name: &'static str, number: &'static str) -> Release {
    Release { name, number }
}

/// Every release series, oldest first, Austin through the current one.
///
/// Before 2023 series were known by name; their numbers here are the `year.N` ones the OpenStack
/// releases page gives them, so `>=2016.1` and `>=mitaka` mean the same. `hibiscus` (2026.2) is the
/// series in development.
pub const RELEASES: &[Release] = &[
    r("austin", "2010.1"),
    r("bexar", "2011.1"),
    r("cactus", "2011.2"),
    r("diablo", "2011.3"),
    r("essex", "2012.1"),
    r("folsom", "2012.2"),
    r("grizzly", "2013.1"),
    r("havana", "2013.2"),
    r("icehouse", "2014.1"),
    r("juno", "2014.2"),
    r("kilo", "2015.1"),
    r("liberty", "2015.2"),
    r("mitaka", "2016.1"),
    r("newton", "2016.2"),
    r("ocata", "2017.1"),
    r("pike", "2017.2"),
    r("queens", "2018.1"),
    r("rocky", "2018.2"),
    r("stein", "2019.1"),
    r("train", "2019.2"),
    r("ussuri", "2020.1"),
    r("victoria", "2020.2"),
    r("wallaby", "2021.1"),
    r("xena", "2021.2"),
    r("yoga", "2022.1"),
    r("zed", "2022.2"),
    r("antelope", "2023.1"),
    r("bobcat", "2023.2"),
    r("caracal", "2024.1"),
    r("dalmatian", "2024.2"),
    r("epoxy", "2025.1"),
    r("flamingo", "2025.2"),
    r("gazpacho", "2026.1"),
    r("hibiscus", "2026.2"),
];

/// Every official service (by its project name: `nova`, `neutron`, …) plus the deployment
/// projects (`kolla-ansible`, `openstack-ansible`, `openstack-helm`, `kayobe`, `charms`, …).
///
/// Three groups, each sorted:
/// 1. OpenStack projects by their service project name, including retired ones that operators
///    still run (`sahara`, `murano`, `senlin`, `monasca`, `congress`, …).
/// 2. Deployment and lifecycle projects (`kolla-ansible`, `tripleo`, `bifrost`, …).
/// 3. Infrastructure that is *not* an OpenStack project but that every cloud runs under it and
///    operators' scripts check: message queue, databases, caches, load balancers, SDN, storage,
///    hypervisor.
pub const SERVICES: &[&str] = &[
    // 1. OpenStack projects.
    "adjutant",
    "aodh",
    "barbican",
    "blazar",
    "ceilometer",
    "cinder",
    "cloudkitty",
    "congress",
    "cyborg",
    "designate",
    "ec2-api",
    "freezer",
    "glance",
    "gnocchi",
    "heat",
    "horizon",
    "ironic",
    "karbor",
    "keystone",
    "kuryr",
    "magnum",
    "manila",
    "masakari",
    "mistral",
    "monasca",
    "murano",
    "neutron",
    "nova",
    "octavia",
    "panko",
    "placement",
    "qinling",
    "rally",
    "sahara",
    "searchlight",
    "senlin",
    "skyline",
    "solum",
    "storlets",
    "swift",
    "tacker",
    "trove",
    "venus",
    "vitrage",
    "watcher",
    "zaqar",
    "zun",
    // 2. Deployment and lifecycle projects.
    "bifrost",
    "charms",
    "kayobe",
    "kolla",
    "kolla-ansible",
    "openstack-ansible",
    "openstack-chef",
    "openstack-helm",
    "puppet-openstack",
    "tripleo",
    // 3. Infrastructure operators run under OpenStack (not OpenStack projects).
    "ceph",
    "etcd",
    "galera",
    "haproxy",
    "keepalived",
    "libvirt",
    "mariadb",
    "memcached",
    "openvswitch",
    "ovn",
    "rabbitmq",
];

/// Finds a series by name or number, case-insensitively.
pub fn find_release(name_or_number: &str) -> Option<&'static Release> {
    let wanted = name_or_number.trim();
    RELEASES
        .iter()
        .find(|r| r.name.eq_ignore_ascii_case(wanted) || r.number == wanted)
}

/// Finds a service by name, case-insensitively, returning its canonical spelling.
pub fn find_service(name: &str) -> Option<&'static str> {
    SERVICES
        .iter()
        .copied()
        .find(|s| s.eq_ignore_ascii_case(name.trim()))
}

/// The known service closest to a misspelt one (`neutorn` → `neutron`), for "did you mean" hints.
pub fn suggest_service(name: &str) -> Option<&'static str> {
    crate::suggest::closest(&name.to_ascii_lowercase(), SERVICES.iter().copied())
}

/// Index of a series in [`RELEASES`].
fn release_index(name_or_number: &str) -> Option<usize> {
    let found = find_release(name_or_number)?;
    RELEASES.iter().position(|r| r == found)
}
