//! `osops import` through the real binaries: a repository of loose operational code with every
//! kind of tool and every awkward case, imported, published, changed and re-imported.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use osops_tests::{TestContext, TestRegistry, walk};

const APACHE: &str = "                                 Apache License\n                           Version 2.0, January 2004\n                        http://www.apache.org/licenses/\n";
const MIT: &str = "MIT License\n\nCopyright (c) 2016 Ops\n\nPermission is hereby granted, free of charge, to any person obtaining a copy\n";
const BSD3: &str = "Redistribution and use in source and binary forms, with or without\nmodification, are permitted ...\n3. Neither the name of the copyright holder nor the names of its contributors\n";

/// One file of the fixture: path, contents, executable.
type Fixture = (&'static str, &'static [u8], bool);

/// The repository: 30 tools of every kind, helpers, credentials, compiled and empty files,
/// repository tooling.
const REPOSITORY: &[Fixture] = &[
    ("README.md", b"# Old ops tools\n\nA pile of scripts.\n", false),
    ("Makefile", b"all:\n\techo nothing\n", false),
    ("tox.ini", b"[tox]\nenvlist = pep8\n", false),
    (".gitreview", b"[gerrit]\nhost=review.opendev.org\n", false),
    ("docs/guide.md", b"# Guide\n\nRead the scripts.\n", false),
    // nova/: a helper one level up, a Python helper beside, a shebang without the exec bit.
    ("nova/LICENSE", APACHE.as_bytes(), false),
    (
        "nova/evacuate_host.sh",
        b"#!/bin/bash\n# Evacuate every instance off a compute host.\n#\n# Usage: evacuate_host.sh HOST\nsource ../lib/common.sh\nopenstack server list --host \"$1\" -f value -c ID\nnova service-disable \"$1\" nova-compute\n",
        true,
    ),
    (
        "nova/Live-Migrate.py",
        b"#!/usr/bin/env python3\n\"\"\"Live-migrate every instance off a compute host.\"\"\"\nfrom novaclient import client\nimport nova_util\n",
        false,
    ),
    ("nova/nova_util.py", b"from cinderclient import client as cinder\n", false),
    (
        "nova/cleanup.sh",
        b"#!/bin/sh\n# Remove instances stuck in ERROR.\nopenstack server delete $(openstack server list --status ERROR -f value -c ID)\n",
        true,
    ),
    (
        "lib/common.sh",
        b"# Shared functions for the ops scripts.\nlog() { echo \"$(date) $*\" >&2; }\nopenstack token issue >/dev/null\n",
        false,
    ),
    // neutron/: a clashing basename, an executable without a shebang, a look-alike name.
    (
        "neutron/cleanup.sh",
        b"#!/bin/bash\n# SPDX-License-Identifier: MIT\n# Delete ports that have no device.\nfor port in $(openstack port list --device-owner '' -f value -c ID); do\n  neutron port-delete \"$port\"\ndone\n",
        true,
    ),
    (
        "neutron/orphan_ports",
        b"# Find floating IPs and ports nobody uses.\nopenstack floating ip list --status DOWN\n",
        true,
    ),
    (
        "neutron/neutron-audit.sh",
        b"#!/bin/bash\n# SPDX-License-Identifier: Apache-2.0\n# Audit security groups.\nopenstack security group list\n",
        true,
    ),
    (
        "tools/neutr0n_audit.sh",
        b"#!/bin/bash\n# SPDX-License-Identifier: Apache-2.0\n# Audit routers (a different tool with a look-alike name).\nopenstack router list\n",
        true,
    ),
    // checks/: Nagios checks, one with a `functions` helper.
    ("checks/LICENSE", MIT.as_bytes(), false),
    (
        "checks/check_rabbitmq",
        b"#!/bin/bash\n# Nagios check: RabbitMQ queue depth.\nrabbitmqctl list_queues name messages\n",
        true,
    ),
    (
        "checks/check_galera.py",
        b"#!/usr/bin/env python3\n\"\"\"Nagios check for the Galera cluster size.\"\"\"\nimport subprocess\n",
        true,
    ),
    (
        "checks/check_Nova_API.sh",
        b"#!/bin/bash\n# Check that every nova-compute service is up.\n. ./functions\nopenstack compute service list -f value\n",
        true,
    ),
    ("checks/functions", b"# shared check helpers\nok() { echo OK; }\n", false),
    ("OLD SCRIPTS/Check_Disk.sh", b"#!/bin/sh\n# SPDX-License-Identifier: MIT\n# Check the root disk has 10% free.\ndf -h /\n", true),
    // playbooks/: playbooks that import each other, and the group_vars they both load.
    // control-plane/roles/: two roles (with many main.yml) that no playbook of the repository
    // applies, each its own asset named after its project.
    (
        "playbooks/rotate-fernet.yml",
        b"---\n# SPDX-License-Identifier: Apache-2.0\n- name: Rotate Fernet keys\n  hosts: keystone\n  tasks:\n    - name: Rotate\n      shell: keystone-manage fernet_rotate\n",
        false,
    ),
    ("playbooks/site.yml", b"# Everything, in order.\n- import_playbook: rotate-fernet.yml\n", false),
    ("playbooks/group_vars/all.yml", b"---\nkeystone_token_expiration: 3600\n", false),
    (
        "control-plane/roles/Galera_Backup/tasks/main.yml",
        b"- name: Dump\n  shell: mysqldump --all-databases > /backup/all.sql\n",
        false,
    ),
    (
        "control-plane/roles/Galera_Backup/handlers/main.yml",
        b"- name: restart\n  service: name=mysql state=restarted\n",
        false,
    ),
    ("control-plane/roles/Galera_Backup/defaults/main.yml", b"backup_dir: /backup\n", false),
    (
        "control-plane/roles/Galera_Backup/README.md",
        b"# Galera_Backup\n\nBack up the Galera cluster every night.\n",
        false,
    ),
    ("control-plane/roles/Galera_Backup/LICENSE", BSD3.as_bytes(), false),
    (
        "control-plane/roles/rabbitmq_users/tasks/main.yml",
        b"# Manage the RabbitMQ users of the control plane.\n- name: Add the monitoring user\n  shell: rabbitmqctl add_user monitoring \"{{ monitoring_password }}\"\n",
        false,
    ),
    (
        "control-plane/roles/rabbitmq_users/meta/main.yml",
        b"# SPDX-License-Identifier: Apache-2.0\ngalaxy_info:\n  author: ops\n",
        false,
    ),
    // ansible/: a playbook with an include (which imports another task file), a role from the
    // project's roles/, Jinja vars_files, a template source and an absolute include.
    (
        "ansible/playbooks/reboot.yml",
        b"---\n# SPDX-License-Identifier: Apache-2.0\n# Reboot compute hosts one at a time.\n- hosts: compute\n  serial: 1\n  vars_files:\n    - \"vars/{{ env }}.yml\"\n  roles:\n    - drain\n  tasks:\n    - include: ../tasks/reboot.yaml\n    - template: src=motd.j2 dest=/etc/motd\n    - include: /etc/ansible/tasks/notify.yaml\n",
        false,
    ),
    ("ansible/playbooks/vars/prod.yml", b"batch: 1\n", false),
    ("ansible/playbooks/vars/dev.yml", b"batch: 5\n", false),
    ("ansible/playbooks/templates/motd.j2", b"Rebooted by ops\n", false),
    (
        "ansible/tasks/reboot.yaml",
        b"- name: Disable the compute service\n  shell: nova service-disable {{ inventory_hostname }} nova-compute\n- import_tasks: wait.yaml\n",
        false,
    ),
    ("ansible/tasks/wait.yaml", b"- wait_for_connection:\n    delay: 30\n", false),
    ("ansible/roles/drain/tasks/main.yml", b"- name: Drain\n  shell: echo draining\n", false),
    // lampstack/: an Ansible project, one asset with its roles, vars, group_vars and config.
    ("lampstack/README.md", b"# LAMP stack\n\nDeploy a LAMP stack on OpenStack servers.\n", false),
    ("lampstack/LICENSE", MIT.as_bytes(), false),
    ("lampstack/ansible.cfg", b"[defaults]\nhost_key_checking = False\n", false),
    (
        "lampstack/site.yml",
        b"---\n- name: provision servers\n  hosts: cloud\n  vars_files:\n    - \"vars/{{ env }}.yml\"\n  roles:\n    - \"{{ action }}\"\n\n- name: setup database\n  hosts: dbservers\n  roles:\n    - database\n",
        false,
    ),
    ("lampstack/vars/leap.yml", b"image: leap\n", false),
    ("lampstack/group_vars/all.yml", b"flavor: m1.small\n", false),
    (
        "lampstack/roles/apply/tasks/main.yml",
        b"- name: Create the servers\n  shell: openstack server create --flavor {{ flavor }} web\n",
        false,
    ),
    ("lampstack/roles/database/tasks/main.yml", b"- name: Install MariaDB\n  package: name=mariadb-server\n", false),
    // heat/: templates, one with an upper-case extension, one with a nested template (which has
    // one of its own) and a get_file.
    ("heat/LICENSE", APACHE.as_bytes(), false),
    (
        "heat/tenant_net.yaml",
        b"heat_template_version: 2018-08-31\ndescription: A tenant network with a router\nresources:\n  net:\n    type: OS::Neutron::Net\n",
        false,
    ),
    (
        "heat/Server-Group.YAML",
        b"heat_template_version: 2016-10-14\ndescription: >\n  Anti-affinity server group\nresources:\n  group:\n    type: OS::Nova::ServerGroup\n",
        false,
    ),
    (
        "heat/lamp/web_tier.yaml",
        b"heat_template_version: 2016-04-08\ndescription: A LAMP stack behind its own network\nresources:\n  net:\n    type: lib/net.yaml\n  web:\n    type: OS::Nova::Server\n    properties:\n      user_data: { get_file: files/cloud-config.yaml }\n",
        false,
    ),
    (
        "heat/lamp/lib/net.yaml",
        b"heat_template_version: 2016-04-08\ndescription: The network\nresources:\n  net:\n    type: OS::Neutron::Net\n  sg:\n    type: sg.yaml\n",
        false,
    ),
    (
        "heat/lamp/lib/sg.yaml",
        b"heat_template_version: 2016-04-08\ndescription: The security group\nresources:\n  sg:\n    type: OS::Neutron::SecurityGroup\n",
        false,
    ),
    ("heat/lamp/files/cloud-config.yaml", b"#cloud-config\npackages: [apache2]\n", false),
    // mon-checks/: a pbr package (setup.cfg, no setup.py) with its unit tests and tooling.
    (
        "mon-checks/setup.cfg",
        b"[metadata]\nname = mon-checks\n\n[files]\npackages =\n    oschecks\n\n[entry_points]\nconsole_scripts =\n    oschecks-nova = oschecks.nova:main\n",
        false,
    ),
    ("mon-checks/README.md", b"Monitoring checks for the OpenStack APIs.\n", false),
    ("mon-checks/tox.ini", b"[tox]\nenvlist = py3\n", false),
    ("mon-checks/requirements.txt", b"python-novaclient\n", false),
    ("mon-checks/oschecks/__init__.py", b"", false),
    (
        "mon-checks/oschecks/nova.py",
        b"# SPDX-License-Identifier: Apache-2.0\nfrom novaclient import client\nfrom oschecks import utils\n",
        false,
    ),
    ("mon-checks/oschecks/utils.py", b"# SPDX-License-Identifier: Apache-2.0\nimport sys\n", false),
    ("mon-checks/oschecks/tests/test_nova.py", b"import unittest\n", false),
    // monitoring/: Nagios checks known by their directory, and a unit test outside any package.
    (
        "monitoring/nagios-plugins/nova-services.sh",
        b"#!/bin/bash\n# SPDX-License-Identifier: Apache-2.0\n# Check that no nova service is down.\nnova service-list > /tmp/services\nif grep -q down /tmp/services; then echo \"CRITICAL - a service is down\"; exit 2; fi\necho OK\n",
        true,
    ),
    ("monitoring/test_checks.py", b"import unittest\n", false),
    // terraform/: two stacks, one with its state (credentials).
    ("terraform/LICENSE", MIT.as_bytes(), false),
    (
        "terraform/prod_network/main.tf",
        b"# Production provider network and its subnets.\nresource \"openstack_networking_network_v2\" \"prod\" {\n  name = \"prod\"\n}\n",
        false,
    ),
    ("terraform/prod_network/variables.tf", b"variable \"cidr\" {}\n", false),
    ("terraform/prod_network/terraform.tfstate", b"{\"version\": 4}\n", false),
    (
        "terraform/dev_network/main.tf",
        b"resource \"openstack_compute_instance_v2\" \"dev\" {}\n",
        false,
    ),
    ("terraform/dev_network/README.md", b"# dev\n\nA throwaway development network.\n", false),
    // CONFIG/: an upper-case directory of example configuration.
    ("CONFIG/nova.conf.sample", b"[DEFAULT]\ndebug = false\n", false),
    ("CONFIG/neutron.ini", b"[DEFAULT]\ncore_plugin = ml2\n", false),
    ("CONFIG/README.md", b"Example configuration for nova and neutron.\n", false),
    ("CONFIG/LICENSE", MIT.as_bytes(), false),
    // site/: credentials only.
    ("site/clouds.yaml", b"clouds:\n  prod:\n    auth:\n      username: admin\n      password: s3cret\n", false),
    ("site/admin-openrc.sh", b"export OS_USERNAME=admin\nexport OS_PASSWORD=hunter2\n", false),
    ("site/deploy_key", b"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----\n", false),
    ("site/.env", b"DB_PASSWORD=x\n", false),
    // tools/: a Python project, compiled and empty files.
    ("tools/quota_report/setup.py", b"from setuptools import setup\nsetup(name=\"quota-report\")\n", false),
    ("tools/quota_report/quota_report/__init__.py", b"\"\"\"Quota report.\"\"\"\n", false),
    (
        "tools/quota_report/quota_report/cli.py",
        b"# SPDX-License-Identifier: Apache-2.0\nimport openstack\nconn = openstack.connect()\nfor project in conn.identity.projects():\n    print(conn.compute.get_limits())\n",
        false,
    ),
    ("tools/quota_report/README.md", b"Report quota usage per project.\n", false),
    ("tools/Empty.sh", b"", true),
    ("tools/agent", b"\x7fELF\x02\x01\x01\x00\x00\x00\x00\x00", true),
    ("tools/build/helper.o", b"\x00\x01binary", false),
    ("tools/__pycache__/x.cpython-311.pyc", b"\x00\x01", false),
    ("tools/legacy.pyc", b"\x00\x01", false),
    // scripts/: a shared README, no description, a sourced openrc, a bare Python file.
    (
        "scripts/README.md",
        b"Maintenance scripts.\n\nSet your credentials first, for example:\n\n    export OS_PASSWORD=mys3cr3t\n",
        false,
    ),
    ("scripts/requirements.txt", b"openstacksdk\n", false),
    (
        "scripts/simple_script.sh",
        b"#!/bin/bash\n# SPDX-License-Identifier: MIT\n# List the servers of the admin project.\nexport OS_USERNAME=admin\nexport OS_PASSWORD=supersecure!\nopenstack server list\n",
        true,
    ),
    ("scripts/volume_report.sh", b"#!/bin/bash\nset -e\ncinder list --all-tenants\n", true),
    (
        "scripts/disable_compute.sh",
        b"#!/bin/bash\n# SPDX-License-Identifier: Apache-2.0\n# Disable a compute service before maintenance.\nsource ../site/admin-openrc.sh\nopenstack compute service set --disable \"$1\" nova-compute\n",
        true,
    ),
    (
        "scripts/flavor_audit.py",
        b"\"\"\"Audit flavors for missing extra specs.\"\"\"\nimport openstack\nconn = openstack.connect()\nprint(list(conn.compute.flavors()))\n",
        false,
    ),
];

/// name, kind, tool path, services, license ("" = unknown), entry point, flags.
type Expected = (
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
    &'static str,
);

const EXPECTED: &[Expected] = &[
    ("old-ops-config", "config", "CONFIG", "", "MIT", "", ""),
    (
        "check-disk",
        "check",
        "OLD SCRIPTS/Check_Disk.sh",
        "",
        "MIT",
        "bin Check_Disk.sh=Check_Disk.sh",
        "",
    ),
    (
        "check-nova-api",
        "check",
        "checks/check_Nova_API.sh",
        "nova",
        "MIT",
        "bin check_Nova_API.sh=check_Nova_API.sh",
        "",
    ),
    (
        "check-galera",
        "check",
        "checks/check_galera.py",
        "",
        "MIT",
        "bin check_galera.py=check_galera.py",
        "",
    ),
    (
        "check-rabbitmq",
        "check",
        "checks/check_rabbitmq",
        "rabbitmq",
        "MIT",
        "bin check_rabbitmq=check_rabbitmq",
        "",
    ),
    (
        "server-group",
        "template",
        "heat/Server-Group.YAML",
        "heat,nova",
        "Apache-2.0",
        "",
        "",
    ),
    (
        "tenant-net",
        "template",
        "heat/tenant_net.yaml",
        "heat,neutron",
        "Apache-2.0",
        "",
        "",
    ),
    (
        "neutron-cleanup",
        "script",
        "neutron/cleanup.sh",
        "neutron",
        "MIT",
        "bin cleanup.sh=cleanup.sh",
        "name-collision",
    ),
    (
        "neutron-neutron-audit",
        "script",
        "neutron/neutron-audit.sh",
        "neutron",
        "Apache-2.0",
        "bin neutron-audit.sh=neutron-audit.sh",
        "name-collision",
    ),
    (
        "orphan-ports",
        "script",
        "neutron/orphan_ports",
        "neutron",
        "",
        "bin orphan_ports=orphan_ports",
        "no-license,no-shebang",
    ),
    (
        "live-migrate",
        "script",
        "nova/Live-Migrate.py",
        "cinder,nova",
        "Apache-2.0",
        "bin Live-Migrate.py=Live-Migrate.py",
        "not-executable",
    ),
    (
        "nova-cleanup",
        "script",
        "nova/cleanup.sh",
        "nova",
        "Apache-2.0",
        "bin cleanup.sh=cleanup.sh",
        "name-collision",
    ),
    (
        "evacuate-host",
        "script",
        "nova/evacuate_host.sh",
        "keystone,nova",
        "Apache-2.0",
        "bin evacuate_host.sh=nova/evacuate_host.sh",
        "",
    ),
    (
        "control-plane-galera-backup",
        "role",
        "control-plane/roles/Galera_Backup",
        "",
        "BSD-3-Clause",
        "",
        "",
    ),
    (
        "control-plane-rabbitmq-users",
        "role",
        "control-plane/roles/rabbitmq_users",
        "rabbitmq",
        "Apache-2.0",
        "",
        "",
    ),
    (
        "rotate-fernet",
        "playbook",
        "playbooks/rotate-fernet.yml",
        "keystone",
        "Apache-2.0",
        "playbook rotate-fernet.yml",
        "",
    ),
    (
        "playbooks-site",
        "playbook",
        "playbooks/site.yml",
        "keystone",
        "Apache-2.0",
        "playbook site.yml",
        "",
    ),
    (
        "reboot",
        "playbook",
        "ansible/playbooks/reboot.yml",
        "nova",
        "Apache-2.0",
        "playbook playbooks/reboot.yml",
        "helper-missing",
    ),
    (
        "lampstack",
        "playbook",
        "lampstack",
        "nova",
        "MIT",
        "playbook site.yml",
        "",
    ),
    (
        "web-tier",
        "template",
        "heat/lamp/web_tier.yaml",
        "heat,neutron,nova",
        "Apache-2.0",
        "",
        "",
    ),
    (
        "mon-checks",
        "tool",
        "mon-checks",
        "nova",
        "Apache-2.0",
        "",
        "",
    ),
    (
        "nova-services",
        "check",
        "monitoring/nagios-plugins/nova-services.sh",
        "nova",
        "Apache-2.0",
        "bin nova-services.sh=nova-services.sh",
        "",
    ),
    (
        "simple-script",
        "script",
        "scripts/simple_script.sh",
        "nova",
        "MIT",
        "bin simple_script.sh=simple_script.sh",
        "credentials",
    ),
    (
        "disable-compute",
        "script",
        "scripts/disable_compute.sh",
        "nova",
        "Apache-2.0",
        "bin disable_compute.sh=disable_compute.sh",
        "credentials-excluded",
    ),
    (
        "flavor-audit",
        "script",
        "scripts/flavor_audit.py",
        "nova",
        "",
        "bin flavor_audit.py=flavor_audit.py",
        "no-license,no-shebang,not-executable",
    ),
    (
        "volume-report",
        "script",
        "scripts/volume_report.sh",
        "cinder",
        "",
        "bin volume_report.sh=volume_report.sh",
        "no-description,no-license",
    ),
    (
        "dev-network",
        "template",
        "terraform/dev_network",
        "nova",
        "MIT",
        "",
        "",
    ),
    (
        "prod-network",
        "template",
        "terraform/prod_network",
        "neutron",
        "MIT",
        "",
        "credentials-excluded",
    ),
    (
        "tools-neutr0n-audit",
        "script",
        "tools/neutr0n_audit.sh",
        "neutron",
        "Apache-2.0",
        "bin neutr0n_audit.sh=neutr0n_audit.sh",
        "name-collision",
    ),
    (
        "quota-report",
        "tool",
        "tools/quota_report",
        "keystone,nova",
        "Apache-2.0",
        "",
        "",
    ),
];

fn write_repository(root: &Path) {
    for (path, bytes, executable) in REPOSITORY {
        let file = root.join(path);
        std::fs::create_dir_all(file.parent().expect("parent")).expect("create fixture dir");
        std::fs::write(&file, bytes).expect("write fixture file");
        set_mode(&file, if *executable { 0o755 } else { 0o644 });
    }
}

#[cfg(unix)]
fn set_mode(path: &Path, mode: u32) {
    use std::os::unix::fs::PermissionsExt;
    std::fs::set_permissions(path, std::fs::Permissions::from_mode(mode)).expect("chmod");
}

/// Every path below `dir` with its bytes and mode: the originals, byte for byte.
fn snapshot(dir: &Path) -> BTreeMap<PathBuf, (Vec<u8>, u32)> {
    use std::os::unix::fs::PermissionsExt;
    walk(dir)
        .into_iter()
        .map(|path| {
            let bytes = std::fs::read(&path).expect("read fixture file");
            let mode = std::fs::metadata(&path).expect("stat").permissions().mode();
            (
                path.strip_prefix(dir).expect("below").to_path_buf(),
                (bytes, mode),
            )
        })
        .collect()
}

/// An asset as [`EXPECTED`] has it, owned.
type Row = (String, String, String, String, String, String, String);

/// One asset of the JSON report in the shape of [`EXPECTED`].
fn summarise(asset: &serde_json::Value) -> Row {
    let text = |v: &serde_json::Value| v.as_str().unwrap_or_default().to_owned();
    let list = |v: &serde_json::Value| {
        v.as_array()
            .map(|items| items.iter().map(text).collect::<Vec<_>>().join(","))
            .unwrap_or_default()
    };
    let entry = match (
        asset["entrypoints"]["playbook"].as_str(),
        asset["entrypoints"]["bin"].as_object(),
    ) {
        (Some(playbook), _) => format!("playbook {playbook}"),
        (None, Some(bin)) if !bin.is_empty() => {
            let (command, path) = bin.iter().next().expect("one entry");
            format!("bin {command}={}", text(path))
        }
        _ => String::new(),
    };
    let flags: BTreeSet<String> = asset["flags"]
        .as_array()
        .expect("flags")
        .iter()
        .map(|f| text(&f["flag"]))
        .collect();
    (
        text(&asset["name"]),
        text(&asset["kind"]),
        text(&asset["path"]),
        list(&asset["services"]),
        text(&asset["license"]),
        entry,
        flags.into_iter().collect::<Vec<_>>().join(","),
    )
}

/// What repository tooling is set aside with.
const TOOLING: &str =
    "repository tooling (tests, CI, review or packaging), not an operator tool or configuration";

/// The proposed asset called `name` in a `--json` report.
fn asset_named<'a>(report: &'a serde_json::Value, name: &str) -> &'a serde_json::Value {
    report["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .find(|a| a["name"] == name)
        .unwrap_or_else(|| panic!("no asset {name}"))
}

fn versions(report: &serde_json::Value) -> BTreeMap<String, String> {
    report["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .map(|a| {
            (
                a["name"].as_str().expect("name").to_owned(),
                a["version"].as_str().expect("version").to_owned(),
            )
        })
        .collect()
}

#[test]
fn a_repository_of_loose_tools_is_proposed_published_and_reimported() {
    let registry = TestRegistry::start_with(&[
        "--rate-limit",
        "new-name=off",
        "--rate-limit",
        "new-version=off",
    ]);
    let ctx = TestContext::new(registry.url()).with_token(&registry.user_with_token("jane"));
    let repo = ctx.work_dir().join("old-ops");
    write_repository(&repo);
    let repo_arg = repo.to_string_lossy().to_string();
    let overlay = ctx.work_dir().join("review");
    let overlay_arg = overlay.to_string_lossy().to_string();
    let before = snapshot(&repo);

    // The table, then the same as JSON.
    let table = ctx
        .osops(&["import", &repo_arg, "--out", &overlay_arg])
        .assert_success();
    assert!(table.stdout.starts_with("NAME"), "{}", table.stdout);
    for (name, ..) in EXPECTED {
        assert!(
            table.stdout.contains(name),
            "{name} missing from the table:\n{}",
            table.stdout
        );
    }
    assert!(
        table.stdout.contains("site/clouds.yaml"),
        "{}",
        table.stdout
    );
    let report = ctx
        .osops(&["import", &repo_arg, "--out", &overlay_arg, "--json"])
        .assert_success()
        .json();
    assert_eq!(snapshot(&repo), before, "the originals must be untouched");

    let got: BTreeSet<_> = report["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .map(summarise)
        .collect();
    let expected: BTreeSet<_> = EXPECTED
        .iter()
        .map(|e| {
            (
                e.0.to_owned(),
                e.1.to_owned(),
                e.2.to_owned(),
                e.3.to_owned(),
                e.4.to_owned(),
                e.5.to_owned(),
                e.6.to_owned(),
            )
        })
        .collect();
    let missing: Vec<_> = expected.difference(&got).collect();
    let unexpected: Vec<_> = got.difference(&expected).collect();
    assert!(
        missing.is_empty() && unexpected.is_empty(),
        "missing: {missing:#?}\nunexpected: {unexpected:#?}"
    );
    assert!(versions(&report).values().all(|v| v == "0.1.0"), "{report}");

    // Credentials are listed and in no asset; compiled, empty and helper files are set aside.
    let credentials: BTreeSet<&str> = report["credentials"]
        .as_array()
        .expect("credentials")
        .iter()
        .map(|c| c["path"].as_str().expect("path"))
        .collect();
    assert_eq!(
        credentials,
        BTreeSet::from([
            "site/.env",
            "site/admin-openrc.sh",
            "site/clouds.yaml",
            "site/deploy_key",
            "terraform/prod_network/terraform.tfstate"
        ])
    );
    let bundled: BTreeSet<&str> = report["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .flat_map(|a| {
            a["files"]
                .as_array()
                .expect("files")
                .iter()
                .map(|f| f["source"].as_str().expect("source"))
        })
        .collect();
    for secret in &credentials {
        assert!(!bundled.contains(secret), "{secret} was bundled");
    }
    for helper in [
        "lib/common.sh",
        "nova/nova_util.py",
        "checks/functions",
        "nova/LICENSE",
    ] {
        assert!(bundled.contains(helper), "{helper} not bundled");
    }
    let skipped: BTreeMap<&str, &str> = report["skipped"]
        .as_array()
        .expect("skipped")
        .iter()
        .map(|s| {
            (
                s["path"].as_str().expect("path"),
                s["reason"].as_str().expect("reason"),
            )
        })
        .collect();
    assert_eq!(skipped["tools/Empty.sh"], "empty file");
    assert_eq!(skipped["tools/agent"], "compiled binary");
    assert_eq!(skipped["tools/build/helper.o"], "compiled file");
    assert_eq!(skipped["tools/legacy.pyc"], "compiled file");
    assert_eq!(skipped["tools/__pycache__"], "compiled Python cache");
    assert_eq!(
        skipped["lib/common.sh"],
        "helper bundled with the tools that use it"
    );
    assert_eq!(
        skipped["checks/functions"],
        "helper bundled with the tools that use it"
    );

    assert_eq!(skipped["tox.ini"], TOOLING);
    assert_eq!(skipped[".gitreview"], TOOLING);
    assert!(skipped["monitoring/test_checks.py"].starts_with("unit test"));
    for bundled_only in [
        "ansible/tasks/reboot.yaml",
        "ansible/tasks/wait.yaml",
        "ansible/roles/drain/tasks/main.yml",
        "heat/lamp/lib/net.yaml",
        "heat/lamp/lib/sg.yaml",
        "heat/lamp/files/cloud-config.yaml",
        "playbooks/group_vars/all.yml",
        "scripts/requirements.txt",
    ] {
        assert_eq!(
            skipped[bundled_only], "helper bundled with the tools that use it",
            "{bundled_only}"
        );
    }

    // What each Ansible, Heat, package and credential case bundles, in its own layout.
    let files_of = |name: &str| -> Vec<String> {
        let asset = asset_named(&report, name);
        asset["files"]
            .as_array()
            .expect("files")
            .iter()
            .map(|f| f["path"].as_str().expect("path").to_owned())
            .collect()
    };
    assert_eq!(
        files_of("reboot"),
        [
            "playbooks/reboot.yml",
            "playbooks/templates/motd.j2",
            "playbooks/vars/dev.yml",
            "playbooks/vars/prod.yml",
            "roles/drain/tasks/main.yml",
            "tasks/reboot.yaml",
            "tasks/wait.yaml",
        ]
    );
    let reboot = asset_named(&report, "reboot");
    assert!(
        reboot["flags"][0]["detail"]
            .as_str()
            .expect("detail")
            .contains("`/etc/ansible/tasks/notify.yaml`"),
        "{reboot}"
    );
    assert_eq!(
        files_of("lampstack"),
        [
            "LICENSE",
            "README.md",
            "ansible.cfg",
            "group_vars/all.yml",
            "roles/apply/tasks/main.yml",
            "roles/database/tasks/main.yml",
            "site.yml",
            "vars/leap.yml",
        ]
    );
    assert_eq!(
        files_of("playbooks-site"),
        ["group_vars/all.yml", "rotate-fernet.yml", "site.yml"]
    );
    assert_eq!(
        files_of("web-tier"),
        [
            "LICENSE",
            "files/cloud-config.yaml",
            "lib/net.yaml",
            "lib/sg.yaml",
            "web_tier.yaml",
        ]
    );
    assert_eq!(
        files_of("mon-checks"),
        [
            "README.md",
            "oschecks/__init__.py",
            "oschecks/nova.py",
            "oschecks/tests/test_nova.py",
            "oschecks/utils.py",
            "requirements.txt",
            "setup.cfg",
            "tox.ini",
        ]
    );
    assert!(files_of("flavor-audit").contains(&"requirements.txt".to_owned()));
    let simple = asset_named(&report, "simple-script");
    assert_eq!(simple["flags"][0]["flag"], "credentials");
    assert_eq!(simple["flags"][0]["blocking"], true);
    assert!(
        simple["flags"][0]["detail"]
            .as_str()
            .expect("detail")
            .contains("`scripts/simple_script.sh` line 5"),
        "{simple}"
    );

    // Helpers keep their relative layout; each manifest is where the tool is, mirrored.
    let evacuate = report["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .find(|a| a["name"] == "evacuate-host")
        .expect("evacuate-host");
    assert_eq!(evacuate["root"], "");
    assert_eq!(evacuate["helpers"], serde_json::json!(["lib/common.sh"]));
    let manifest = std::fs::read_to_string(overlay.join("nova/evacuate_host.sh/osops.toml"))
        .expect("manifest in the overlay");
    assert!(manifest.contains("name = \"evacuate-host\""), "{manifest}");
    assert!(manifest.contains("\"lib/common.sh\""), "{manifest}");
    assert!(
        overlay
            .join("OLD SCRIPTS/Check_Disk.sh/osops.toml")
            .is_file()
    );
    assert!(overlay.join("osops-import.json").is_file());

    // Publish: every asset without a blocking flag, the rest reported with the reason.
    let published = ctx
        .osops(&[
            "import",
            &repo_arg,
            "--out",
            &overlay_arg,
            "--publish",
            "--json",
        ])
        .assert_success()
        .json();
    assert_eq!(
        snapshot(&repo),
        before,
        "publishing must not touch the originals"
    );
    let outcomes: BTreeMap<String, (String, String)> = published["published"]
        .as_array()
        .expect("published")
        .iter()
        .map(|r| {
            (
                r["name"].as_str().expect("name").to_owned(),
                (
                    r["outcome"].as_str().expect("outcome").to_owned(),
                    r["reason"].as_str().unwrap_or_default().to_owned(),
                ),
            )
        })
        .collect();
    assert_eq!(outcomes.len(), EXPECTED.len());
    for (name, _, _, _, _, _, flags) in EXPECTED {
        let name = *name;
        let blocked: Vec<&str> = flags
            .split(',')
            .filter(|f| {
                [
                    "no-license",
                    "no-description",
                    "credentials-excluded",
                    "credentials",
                ]
                .contains(f)
            })
            .collect();
        let (outcome, reason) = &outcomes[name];
        if blocked.is_empty() {
            assert_eq!(outcome, "published", "{name}: {reason}");
            let info = ctx.osops(&["info", name, "--json"]).assert_success().json();
            assert_eq!(info["latest"], "0.1.0", "{name}");
        } else {
            assert_eq!(outcome, "not-attempted", "{name}");
            for flag in blocked {
                assert!(reason.contains(flag), "{name}: {reason}");
            }
            ctx.osops(&["info", name]).assert_failure();
        }
    }

    // A later revision: two files change (one a helper), so exactly two assets move to 0.1.1.
    std::fs::write(repo.join("nova/cleanup.sh"), b"#!/bin/sh\n# Remove instances stuck in ERROR.\nopenstack server delete --wait $(openstack server list --status ERROR -f value -c ID)\n").expect("change a script");
    std::fs::write(repo.join("lib/common.sh"), b"# Shared functions for the ops scripts.\nlog() { echo \"$(date -u) $*\" >&2; }\nopenstack token issue >/dev/null\n").expect("change a helper");
    let before = snapshot(&repo);
    let again = ctx
        .osops(&[
            "import",
            &repo_arg,
            "--out",
            &overlay_arg,
            "--publish",
            "--json",
        ])
        .assert_success()
        .json();
    assert_eq!(snapshot(&repo), before);
    let versions = versions(&again);
    let bumped: BTreeSet<&str> = versions
        .iter()
        .filter(|(_, v)| *v == "0.1.1")
        .map(|(n, _)| n.as_str())
        .collect();
    assert_eq!(bumped, BTreeSet::from(["evacuate-host", "nova-cleanup"]));
    assert!(
        versions
            .iter()
            .all(|(n, v)| bumped.contains(n.as_str()) || v == "0.1.0"),
        "{versions:?}"
    );
    for result in again["published"].as_array().expect("published") {
        let name = result["name"].as_str().expect("name");
        let expected = match name {
            "evacuate-host" | "nova-cleanup" => "published",
            _ if outcomes[name].0 == "published" => "already-published",
            _ => "not-attempted",
        };
        assert_eq!(result["outcome"], expected, "{name}: {result}");
    }
    let info = ctx
        .osops(&["info", "nova-cleanup", "--json"])
        .assert_success()
        .json();
    assert_eq!(info["latest"], "0.1.1");
}

#[test]
fn the_overlay_may_not_be_inside_the_repository_and_publishing_needs_a_token() {
    let registry = TestRegistry::start();
    let ctx = TestContext::new(registry.url());
    let repo = ctx.work_dir().join("ops");
    write_repository(&repo);
    let before = snapshot(&repo);
    let repo_arg = repo.to_string_lossy().to_string();
    let inside = repo.join("review").to_string_lossy().to_string();
    let refused = ctx
        .osops(&["import", &repo_arg, "--out", &inside])
        .assert_failure();
    assert!(
        refused.stderr.contains("inside the repository"),
        "{}",
        refused.stderr
    );
    assert!(refused.stderr.contains("hint:"), "{}", refused.stderr);
    let refused = ctx
        .osops(&["import", &repo_arg, "--publish"])
        .assert_failure();
    assert!(refused.stderr.contains("OSOPS_TOKEN"), "{}", refused.stderr);
    assert_eq!(snapshot(&repo), before);
    assert!(
        !ctx.work_dir().join("ops-osops-import").exists(),
        "nothing written without a token"
    );

    // The default overlay sits beside the repository; opting in a credential file bundles it.
    let report = ctx
        .osops(&[
            "import",
            &repo_arg,
            "--json",
            "--include-credentials",
            "terraform/prod_network/terraform.tfstate",
        ])
        .assert_success()
        .json();
    assert!(
        ctx.work_dir()
            .join("ops-osops-import/osops-import.json")
            .is_file()
    );
    let prod = report["assets"]
        .as_array()
        .expect("assets")
        .iter()
        .find(|a| a["name"] == "prod-network")
        .expect("prod-network");
    assert!(
        prod["flags"].as_array().expect("flags").is_empty(),
        "{prod}"
    );
    assert!(
        prod["files"].to_string().contains("terraform.tfstate"),
        "{prod}"
    );
    assert_eq!(snapshot(&repo), before);
}

#[test]
fn in_place_writes_only_a_directory_of_its_own_and_reimports_ignore_it() {
    let ctx = TestContext::new("http://127.0.0.1:9");
    let repo = ctx.work_dir().join("ops");
    write_repository(&repo);
    let before = snapshot(&repo);
    let repo_arg = repo.to_string_lossy().to_string();
    let report = ctx
        .osops(&["import", &repo_arg, "--in-place", "--json"])
        .assert_success()
        .json();
    let overlay = repo.join(".osops-import");
    assert!(overlay.join("osops-import.json").is_file());
    assert!(!ctx.work_dir().join("ops-osops-import").exists());
    // Every original is as it was; the only new entries are under `.osops-import/`.
    let after = snapshot(&repo);
    let added: Vec<&PathBuf> = after.keys().filter(|p| !before.contains_key(*p)).collect();
    assert!(!added.is_empty());
    assert!(
        added.iter().all(|p| p.starts_with(".osops-import")),
        "{added:?}"
    );
    for (path, file) in &before {
        assert_eq!(after.get(path), Some(file), "{}", path.display());
    }
    let manifests = report["assets"].as_array().expect("assets").len();
    assert!(manifests > 0);

    // Again: the same assets at the same versions, none proposed from the overlay's manifests.
    let again = ctx
        .osops(&["import", &repo_arg, "--in-place", "--json"])
        .assert_success()
        .json();
    assert_eq!(versions(&again), versions(&report));
    assert!(
        !again.to_string().contains(".osops-import/"),
        "the overlay is never scanned"
    );
    let refused = ctx
        .osops(&["import", &repo_arg, "--in-place", "--out", "elsewhere"])
        .assert_failure();
    assert!(refused.stderr.contains("--out"), "{}", refused.stderr);
}
