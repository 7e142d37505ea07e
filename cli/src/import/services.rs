//! The OpenStack services a tool touches, from the commands and libraries it uses: `openstack`
//! CLI subcommands, the legacy per-service clients (`nova`, `neutron`, …, `*-manage`), Python
//! client imports and openstacksdk proxies, Ansible `openstack.cloud` modules, and the
//! infrastructure tools every cloud runs (`rabbitmqctl`, `virsh`, `ovs-vsctl`, `ceph`).
//!
//! Only services osops-index knows are returned (each mapping below goes through
//! [`osops_index::openstack::find_service`]), so a proposal never fails validation on a service
//! name. Comment lines are skipped, so prose about nova does not count as using it.

use std::collections::BTreeSet;

/// `openstack` subcommands (first one or two words) → service.
const OPENSTACK_SUBCOMMANDS: &[(&str, &str)] = &[
    ("server", "nova"),
    ("flavor", "nova"),
    ("hypervisor", "nova"),
    ("keypair", "nova"),
    ("aggregate", "nova"),
    ("compute", "nova"),
    ("console", "nova"),
    ("usage", "nova"),
    ("network", "neutron"),
    ("port", "neutron"),
    ("router", "neutron"),
    ("subnet", "neutron"),
    ("floating", "neutron"),
    ("security", "neutron"),
    ("address", "neutron"),
    ("volume", "cinder"),
    ("image", "glance"),
    ("stack", "heat"),
    ("orchestration", "heat"),
    ("project", "keystone"),
    ("user", "keystone"),
    ("role", "keystone"),
    ("domain", "keystone"),
    ("endpoint", "keystone"),
    ("token", "keystone"),
    ("credential", "keystone"),
    ("region", "keystone"),
    ("container", "swift"),
    ("object", "swift"),
    ("loadbalancer", "octavia"),
    ("baremetal", "ironic"),
    ("resource", "placement"),
    ("allocation", "placement"),
    ("trait", "placement"),
    ("zone", "designate"),
    ("recordset", "designate"),
    ("share", "manila"),
    ("secret", "barbican"),
    ("coe", "magnum"),
    ("database", "trove"),
    ("alarm", "aodh"),
    ("metric", "gnocchi"),
];

/// Commands that name their service.
const COMMANDS: &[(&str, &str)] = &[
    ("nova", "nova"),
    ("nova-manage", "nova"),
    ("nova-status", "nova"),
    ("neutron", "neutron"),
    ("neutron-db-manage", "neutron"),
    ("cinder", "cinder"),
    ("cinder-manage", "cinder"),
    ("glance", "glance"),
    ("glance-manage", "glance"),
    ("keystone", "keystone"),
    ("keystone-manage", "keystone"),
    ("heat", "heat"),
    ("heat-manage", "heat"),
    ("swift", "swift"),
    ("swift-ring-builder", "swift"),
    ("ironic", "ironic"),
    ("manila", "manila"),
    ("designate", "designate"),
    ("magnum", "magnum"),
    ("trove", "trove"),
    ("barbican", "barbican"),
    ("placement-status", "placement"),
    ("rabbitmqctl", "rabbitmq"),
    ("virsh", "libvirt"),
    ("ovs-vsctl", "openvswitch"),
    ("ovs-ofctl", "openvswitch"),
    ("ovn-nbctl", "ovn"),
    ("ovn-sbctl", "ovn"),
    ("ceph", "ceph"),
    ("etcdctl", "etcd"),
];

/// Python modules → service.
const PYTHON_MODULES: &[(&str, &str)] = &[
    ("novaclient", "nova"),
    ("neutronclient", "neutron"),
    ("cinderclient", "cinder"),
    ("glanceclient", "glance"),
    ("keystoneclient", "keystone"),
    ("heatclient", "heat"),
    ("swiftclient", "swift"),
    ("ironicclient", "ironic"),
    ("octaviaclient", "octavia"),
    ("manilaclient", "manila"),
    ("designateclient", "designate"),
    ("magnumclient", "magnum"),
    ("troveclient", "trove"),
    ("barbicanclient", "barbican"),
    ("aodhclient", "aodh"),
    ("gnocchiclient", "gnocchi"),
];

/// openstacksdk proxies (`conn.compute.servers()`) → service.
const SDK_PROXIES: &[(&str, &str)] = &[
    ("compute", "nova"),
    ("network", "neutron"),
    ("block_storage", "cinder"),
    ("volume", "cinder"),
    ("image", "glance"),
    ("identity", "keystone"),
    ("orchestration", "heat"),
    ("object_store", "swift"),
    ("load_balancer", "octavia"),
    ("baremetal", "ironic"),
    ("placement", "placement"),
    ("dns", "designate"),
    ("shared_file_system", "manila"),
    ("key_manager", "barbican"),
    ("container_infrastructure_management", "magnum"),
    ("database", "trove"),
];

/// Ansible `openstack.cloud.*` (and old `os_*`) module prefixes → service.
const ANSIBLE_MODULES: &[(&str, &str)] = &[
    ("server", "nova"),
    ("compute", "nova"),
    ("keypair", "nova"),
    ("host_aggregate", "nova"),
    ("network", "neutron"),
    ("subnet", "neutron"),
    ("port", "neutron"),
    ("router", "neutron"),
    ("floating_ip", "neutron"),
    ("security_group", "neutron"),
    ("volume", "cinder"),
    ("image", "glance"),
    ("stack", "heat"),
    ("project", "keystone"),
    ("identity", "keystone"),
    ("role_assignment", "keystone"),
    ("object", "swift"),
    ("loadbalancer", "octavia"),
    ("lb_", "octavia"),
    ("baremetal", "ironic"),
    ("dns_zone", "designate"),
    ("recordset", "designate"),
];

/// Heat resource type prefixes → service.
const HEAT_RESOURCES: &[(&str, &str)] = &[
    ("OS::Nova::", "nova"),
    ("OS::Neutron::", "neutron"),
    ("OS::Cinder::", "cinder"),
    ("OS::Glance::", "glance"),
    ("OS::Heat::", "heat"),
    ("OS::Keystone::", "keystone"),
    ("OS::Octavia::", "octavia"),
    ("OS::Swift::", "swift"),
    ("OS::Designate::", "designate"),
    ("OS::Manila::", "manila"),
    ("OS::Trove::", "trove"),
    ("OS::Magnum::", "magnum"),
    ("OS::Barbican::", "barbican"),
];

/// Terraform OpenStack provider resource prefixes → service.
const TERRAFORM_RESOURCES: &[(&str, &str)] = &[
    ("openstack_compute_", "nova"),
    ("openstack_networking_", "neutron"),
    ("openstack_fw_", "neutron"),
    ("openstack_blockstorage_", "cinder"),
    ("openstack_images_", "glance"),
    ("openstack_identity_", "keystone"),
    ("openstack_lb_", "octavia"),
    ("openstack_dns_", "designate"),
    ("openstack_objectstorage_", "swift"),
    ("openstack_orchestration_", "heat"),
    ("openstack_sharedfilesystem_", "manila"),
    ("openstack_keymanager_", "barbican"),
];

/// The services one file's text touches.
pub fn services_in(text: &str, python: bool) -> BTreeSet<&'static str> {
    let mut found = BTreeSet::new();
    let uses_sdk = python
        && text.lines().any(|l| {
            let l = l.trim();
            l == "import openstack"
                || l.starts_with("import openstack ")
                || l.starts_with("from openstack")
        });
    for line in text.lines() {
        let trimmed = line.trim_start();
        if trimmed.starts_with('#') || trimmed.starts_with("//") {
            continue;
        }
        let words = command_words(trimmed);
        for (i, word) in words.iter().enumerate() {
            if word == "openstack" {
                if let Some(sub) = openstack_subcommand(&words[i + 1..]) {
                    add(&mut found, OPENSTACK_SUBCOMMANDS, sub);
                }
            } else if at_command_position(&words, i)
                && words.get(i + 1).is_some_and(|next| is_subcommand(next))
            {
                add(&mut found, COMMANDS, word);
            }
        }
        if python {
            for module in python_imports(trimmed) {
                add(&mut found, PYTHON_MODULES, module);
            }
        }
        if uses_sdk {
            for (proxy, service) in SDK_PROXIES {
                if trimmed.contains(&format!(".{proxy}.")) {
                    insert(&mut found, service);
                }
            }
        }
        for (prefix, service) in HEAT_RESOURCES {
            if trimmed.contains(prefix) {
                insert(&mut found, service);
            }
        }
        for (prefix, service) in TERRAFORM_RESOURCES {
            if trimmed.contains(&format!("\"{prefix}")) {
                insert(&mut found, service);
            }
        }
        for module in ansible_modules(trimmed) {
            if let Some((_, service)) = ANSIBLE_MODULES.iter().find(|(p, _)| module.starts_with(p))
            {
                insert(&mut found, service);
            }
        }
    }
    found
}

/// Adds the service `table` maps `key` to, if osops-index knows it.
fn add(found: &mut BTreeSet<&'static str>, table: &[(&str, &str)], key: &str) {
    if let Some((_, service)) = table.iter().find(|(k, _)| *k == key) {
        insert(found, service);
    }
}

/// Adds `service` in osops-index's spelling, if osops-index knows it.
fn insert(found: &mut BTreeSet<&'static str>, service: &str) {
    if let Some(known) = osops_index::openstack::find_service(service) {
        found.insert(known);
    }
}

/// The subcommand after `openstack`, skipping global options (`--os-cloud prod`, `-q`).
fn openstack_subcommand(after: &[String]) -> Option<&str> {
    let mut words = after.iter();
    while let Some(word) = words.next() {
        if word.starts_with("--os-") && !word.contains('=') {
            words.next();
        } else if !word.starts_with('-') {
            return Some(word.as_str());
        }
    }
    None
}

/// The words of a line, quotes removed and every command boundary (`;`, `&&`, `||`, `|`, `$(`,
/// backticks) turned into a `|` word: `x=$(nova list; cinder list)` → `x=`, `|`, `nova`, `list`,
/// `|`, `cinder`, `list`.
fn command_words(line: &str) -> Vec<String> {
    let marked = line
        .replace("&&", " | ")
        .replace("||", " | ")
        .replace("$(", " | ")
        .replace([';', '`'], " | ");
    marked
        .split(|c: char| c.is_whitespace() || "\"'()$&,[]{}".contains(c))
        .filter(|w| !w.is_empty())
        .map(str::to_owned)
        .collect()
}

/// Whether word `i` stands where a command does: first on the line, after a pipe, `&&`, `do`,
/// `then`, `sudo`, `exec`, `xargs`, `watch`, an assignment, or a YAML `shell:`/`command:`/`- `.
fn at_command_position(words: &[String], i: usize) -> bool {
    let Some(before) = i.checked_sub(1).map(|j| words[j].as_str()) else {
        return true;
    };
    matches!(
        before,
        "|" | "do"
            | "then"
            | "else"
            | "sudo"
            | "exec"
            | "xargs"
            | "watch"
            | "time"
            | "-"
            | "shell:"
            | "command:"
            | "cmd:"
            | "ansible.builtin.shell:"
            | "ansible.builtin.command:"
            | "run:"
    ) || before.ends_with('=')
}

/// A plausible subcommand: lowercase letters, digits, `-` and `_` (`service-list`,
/// `list_queues`).
fn is_subcommand(word: &str) -> bool {
    word.starts_with(|c: char| c.is_ascii_lowercase())
        && word
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Top-level modules of a Python `import`/`from` line.
fn python_imports(line: &str) -> Vec<&str> {
    if let Some(rest) = line.strip_prefix("import ") {
        rest.split(',')
            .filter_map(|m| m.split_whitespace().next())
            .filter_map(|m| m.split('.').next())
            .collect()
    } else if let Some(rest) = line.strip_prefix("from ") {
        rest.split_whitespace()
            .next()
            .and_then(|m| m.split('.').next())
            .into_iter()
            .collect()
    } else {
        Vec::new()
    }
}

/// Ansible module names after `openstack.cloud.` or `os_` used as a task key.
fn ansible_modules(line: &str) -> Vec<&str> {
    let key = line.trim_start_matches("- ").trim_start();
    let Some((name, _)) = key.split_once(':') else {
        return Vec::new();
    };
    name.strip_prefix("openstack.cloud.")
        .or_else(|| name.strip_prefix("os_"))
        .into_iter()
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn shell(text: &str) -> Vec<&'static str> {
        services_in(text, false).into_iter().collect()
    }

    #[test]
    fn openstack_cli_subcommands_map_to_services() {
        assert_eq!(
            shell(
                "openstack --os-cloud prod server list\nfor p in $(openstack port list -f value); do\n  openstack volume delete $v\ndone\n"
            ),
            vec!["cinder", "neutron", "nova"]
        );
        assert_eq!(shell("openstack stack list | grep FAILED"), vec!["heat"]);
        assert_eq!(shell("openstack loadbalancer list"), vec!["octavia"]);
    }

    #[test]
    fn legacy_clients_count_only_where_a_command_stands() {
        assert_eq!(
            shell("nova service-list\nx=$(cinder list)\n"),
            vec!["cinder", "nova"]
        );
        assert_eq!(shell("sudo rabbitmqctl list_queues"), vec!["rabbitmq"]);
        assert!(
            shell("# nova list in a comment\necho restart nova now\ncat /etc/nova/nova.conf\n")
                .is_empty()
        );
    }

    #[test]
    fn python_clients_and_sdk_proxies_map_to_services() {
        let script = "from novaclient import client\nimport neutronclient.v2_0.client\nimport openstack\nconn = openstack.connect()\nfor v in conn.block_storage.volumes(): pass\nconn.image.images()\n";
        assert_eq!(
            services_in(script, true).into_iter().collect::<Vec<_>>(),
            vec!["cinder", "glance", "neutron", "nova"]
        );
        // Without `import openstack`, `.image.` is just an attribute.
        assert!(services_in("x.image.y\n", true).is_empty());
    }

    #[test]
    fn ansible_openstack_modules_map_to_services() {
        let play = "- hosts: localhost\n  tasks:\n    - openstack.cloud.server:\n        name: x\n    - os_network:\n        name: y\n    - shell: openstack image list\n";
        assert_eq!(shell(play), vec!["glance", "neutron", "nova"]);
    }

    #[test]
    fn heat_and_terraform_resources_map_to_services() {
        assert_eq!(shell("    type: OS::Nova::ServerGroup\n"), vec!["nova"]);
        assert_eq!(
            shell("resource \"openstack_networking_network_v2\" \"prod\" {\n"),
            vec!["neutron"]
        );
    }
}
