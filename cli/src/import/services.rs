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

/// Python modules → service: the clients, the services' own packages (server-side tools run
/// `from nova import db`), and the bindings of the infrastructure services.
const PYTHON_MODULES: &[(&str, &str)] = &[
    ("nova", "nova"),
    ("cinder", "cinder"),
    ("neutron", "neutron"),
    ("glance", "glance"),
    ("keystone", "keystone"),
    ("heat", "heat"),
    ("swift", "swift"),
    ("ironic", "ironic"),
    ("octavia", "octavia"),
    ("manila", "manila"),
    ("designate", "designate"),
    ("magnum", "magnum"),
    ("trove", "trove"),
    ("barbican", "barbican"),
    ("ceilometer", "ceilometer"),
    ("aodh", "aodh"),
    ("gnocchi", "gnocchi"),
    ("placement", "placement"),
    ("ceilometerclient", "ceilometer"),
    ("libvirt", "libvirt"),
    ("rados", "ceph"),
    ("rbd", "ceph"),
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
    // The alarm resources kept their old Ceilometer names after alarms moved to Aodh.
    ("OS::Ceilometer::", "ceilometer"),
    ("OS::Aodh::", "aodh"),
    ("OS::Ironic::", "ironic"),
    ("OS::Zaqar::", "zaqar"),
    ("OS::Mistral::", "mistral"),
    ("OS::Sahara::", "sahara"),
    ("OS::Senlin::", "senlin"),
    ("OS::Zun::", "zun"),
    ("OS::Monasca::", "monasca"),
    ("OS::Blazar::", "blazar"),
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
        for i in 0..words.len() {
            add_command(&mut found, &words, i);
        }
        for argv in quoted_lists(trimmed)
            .iter()
            .filter(|list| looks_like_argv(list))
        {
            add_command(&mut found, argv, 0);
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

/// Adds the service of the command at `words[i]`: `openstack` anywhere with a known
/// subcommand, a legacy client or infrastructure tool where a command stands and followed by a
/// subcommand. Global options may come between them (`keystone --insecure tenant-list`) and the
/// command may be called by its path (`/usr/bin/nova show`).
fn add_command(found: &mut BTreeSet<&'static str>, words: &[String], i: usize) {
    let command = command_name(&words[i]);
    let subcommand = subcommand_after(&words[i + 1..]);
    if command == "openstack" {
        if let Some(sub) = subcommand {
            add(found, OPENSTACK_SUBCOMMANDS, sub);
        }
    } else if at_command_position(words, i) && subcommand.is_some_and(is_subcommand) {
        add(found, COMMANDS, command);
    }
}

/// A command's name: the word itself, or its file name when it is called by a path into a
/// `bin`/`sbin` directory (`/usr/local/bin/openstack`); other paths (`/etc/nova/nova.conf`) are
/// not commands.
fn command_name(word: &str) -> &str {
    match word.rsplit_once('/') {
        Some((dir, name)) if dir.ends_with("/bin") || dir.ends_with("/sbin") => name,
        Some(_) => "",
        None => word,
    }
}

/// The first word after a command that is not a global option, skipping option values where
/// they are separate words (`--os-cloud prod`, `--os-region-name R`, `--timeout 30`).
fn subcommand_after(after: &[String]) -> Option<&str> {
    let mut words = after.iter();
    while let Some(word) = words.next() {
        if takes_a_value(word) {
            words.next();
        } else if !word.starts_with('-') {
            return Some(word.as_str());
        }
    }
    None
}

/// Global options of the OpenStack clients whose value is the next word.
fn takes_a_value(option: &str) -> bool {
    !option.contains('=')
        && (option.starts_with("--os-")
            || matches!(
                option,
                "--timeout" | "--endpoint-type" | "--service-type" | "--bypass-url" | "--cluster"
            ))
}

/// The string elements of every list literal of quoted strings on a line: a Python
/// `subprocess.check_output(["ceph", "df"])` is `ceph`, `df`; a list whose elements are not all
/// quoted strings gives nothing.
fn quoted_lists(line: &str) -> Vec<Vec<String>> {
    line.match_indices('[')
        .filter_map(|(at, _)| quoted_elements(&line[at + 1..]))
        .collect()
}

/// Whether a list of strings reads as a command line rather than as data: `["nova", "list"]` is
/// one, `["nova", "cinder", "glance"]` (a list of service names) is not.
fn looks_like_argv(list: &[String]) -> bool {
    list.get(1).is_some_and(|second| {
        second != "openstack" && !COMMANDS.iter().any(|(command, _)| command == second)
    })
}

/// The quoted elements of a list from just after its `[` to its `]`.
fn quoted_elements(mut rest: &str) -> Option<Vec<String>> {
    let mut elements = Vec::new();
    loop {
        rest = rest.trim_start();
        let quote = rest.chars().next().filter(|c| *c == '"' || *c == '\'')?;
        let (element, after) = rest[1..].split_once(quote)?;
        elements.push(element.to_owned());
        rest = after.trim_start();
        match rest.chars().next()? {
            ',' => rest = &rest[1..],
            ']' => return Some(elements),
            _ => return None,
        }
    }
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
/// `then`, `sudo`, `exec`, `xargs`, `watch`, a shell assignment (`x=`, not a spaced Python
/// `x = ["nova", …]`), a YAML `shell:`/`command:`/`- `, or Ruby's `%x{…}`.
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
            | "%x"
    ) || (before.ends_with('=') && before != "=")
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
    fn commands_called_by_path_or_with_options_before_the_subcommand_count() {
        // generic/ansible/playbooks/ghost-vm-finder.yaml
        assert_eq!(
            shell(
                "  - local_action: shell . /root/openrc && /usr/bin/nova show --minimal {{ item }}\n"
            ),
            vec!["nova"]
        );
        assert_eq!(shell("/usr/local/bin/openstack server list"), vec!["nova"]);
        // generic/nova/auto-fix-quota-all-tenants.sh
        assert_eq!(
            shell("for x in $(keystone --insecure tenant-list | awk '{print $2}');\n"),
            vec!["keystone"]
        );
        assert_eq!(shell("nova --os-region-name RegionOne list"), vec!["nova"]);
        assert_eq!(
            shell("openstack --os-cloud x --insecure volume list"),
            vec!["cinder"]
        );
        // A path that is not a bin directory is a file, not a command.
        assert!(shell("cat /etc/nova/nova show\nvi /etc/nova/nova.conf\n").is_empty());
        assert!(shell("nova --insecure\n").is_empty());
    }

    #[test]
    fn argv_lists_and_ruby_command_substitutions_count() {
        // monitoring-for-openstack/oschecks/ceph.py
        let check =
            "        res = subprocess.check_output([\"ceph\", \"df\", \"--format=json\"],\n";
        assert_eq!(
            services_in(check, true).into_iter().collect::<Vec<_>>(),
            vec!["ceph"]
        );
        assert_eq!(shell("out = run(['nova', 'list'])"), vec!["nova"]);
        // A list of service names is data.
        assert!(shell("SERVICES = [\"nova\", \"cinder\", \"glance\"]").is_empty());
        // generic/libvirt/instance_metrics.rb
        assert_eq!(
            shell("  dominfo_output = %x{ virsh dominfo #{instance} 2> /dev/null }\n"),
            vec!["libvirt"]
        );
        assert_eq!(shell("  out = `virsh list --all`\n"), vec!["libvirt"]);
    }

    #[test]
    fn server_side_packages_and_more_clients_map_to_services() {
        let python = |text| services_in(text, true).into_iter().collect::<Vec<_>>();
        // generic/nova/auto-fix-quota.py
        assert_eq!(
            python("from nova import db\nfrom nova import config\n"),
            vec!["nova"]
        );
        assert_eq!(python("import nova.db.api\n"), vec!["nova"]);
        // monitoring/nagios-plugins/check_ceilometer_update.py, and an import inside a function.
        assert_eq!(
            python("from ceilometerclient import client\n    from aodhclient import client\n"),
            vec!["aodh", "ceilometer"]
        );
        assert_eq!(
            python("import gnocchiclient\nimport heatclient\nimport swiftclient\n"),
            vec!["gnocchi", "heat", "swift"]
        );
        assert_eq!(
            python("import libvirt\nimport rados\n"),
            vec!["ceph", "libvirt"]
        );
        // Prose is not an import, and shell files have no Python imports.
        assert!(python("# from nova import db\nprint('import nova first')\n").is_empty());
        assert!(shell("from nova import db\n").is_empty());
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
            shell("    type: OS::Ceilometer::Alarm\n"),
            vec!["ceilometer"]
        );
        // Every mapped service is one the registry accepts.
        for (_, service) in HEAT_RESOURCES {
            assert!(
                osops_index::openstack::find_service(service) == Some(*service),
                "{service}"
            );
        }
        assert_eq!(
            shell("resource \"openstack_networking_network_v2\" \"prod\" {\n"),
            vec!["neutron"]
        );
    }
}
