//! Files that look like credentials: never part of a proposed asset unless the operator names
//! each one with `--include-credentials PATH`.
//!
//! Old operations repositories routinely hold a site's `clouds.yaml`, an `admin-openrc.sh` with
//! the admin password, a deploy key or a Terraform state. Publishing one would hand a cloud's
//! admin access to everyone who can read the registry, so the rule errs on the side of flagging:
//! a false alarm costs the operator one flag, a miss cannot be taken back.
//!
//! A tool that writes a password into itself (`export OS_PASSWORD=supersecure!` in a script) is
//! different: the tool is what the operator wants to share, so it is still proposed, with a
//! blocking flag naming the line ([`literal_secret`]) until a human takes the password out.
//! Documentation is only ever flagged for real key material: an `export OS_PASSWORD=mys3cr3t` in
//! a README is an example, and flagging it would hide the README from the tool it describes.

use super::detect::is_doc;
use super::scan::SourceFile;

/// Why `file` looks like it holds credentials, or `None`.
pub fn looks_like_credentials(file: &SourceFile) -> Option<&'static str> {
    let name = file.file_name();
    let lower = name.to_ascii_lowercase();
    let is_env = lower == ".env" || lower.starts_with(".env.") || lower.ends_with(".env");
    if is_env && !file.text.as_deref().is_some_and(is_env_template) {
        return Some("environment file (`.env`), which usually holds secrets");
    }
    if lower.ends_with(".tfstate") || lower.ends_with(".tfstate.backup") {
        return Some("Terraform state, which holds every secret the stack was given");
    }
    if ["id_rsa", "id_dsa", "id_ecdsa", "id_ed25519"].contains(&lower.as_str()) {
        return Some("SSH private key");
    }
    let text = file.text.as_deref()?;
    if text.contains("-----BEGIN") && text.contains("PRIVATE KEY-----") {
        return Some("contains a private key");
    }
    if is_doc(name) {
        return None;
    }
    let is_clouds_yaml = matches!(
        lower.as_str(),
        "clouds.yaml" | "clouds.yml" | "secure.yaml" | "secure.yml"
    );
    if is_clouds_yaml && has_yaml_password(text) {
        return Some("`clouds.yaml` with a `password:`");
    }
    let is_openrc = lower.contains("openrc") || lower.ends_with("rc.sh") || lower.ends_with(".rc");
    if is_openrc && text.contains("OS_PASSWORD=") {
        return Some("openrc file setting `OS_PASSWORD=`");
    }
    None
}

/// A secret written into a tool: where, and in which variable.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LiteralSecret {
    /// 1-based.
    pub line: usize,
    pub variable: String,
}

/// Where a file other than documentation or a credentials file sets a secret variable to a
/// literal (`export OS_PASSWORD=supersecure!`, `DEFAULT_PASS='Welcome123'`): the file is a tool
/// to propose with a blocking flag.
pub fn literal_secret(file: &SourceFile) -> Option<LiteralSecret> {
    if is_doc(file.file_name()) || looks_like_credentials(file).is_some() {
        return None;
    }
    let text = file.text.as_deref()?;
    text.lines().enumerate().find_map(|(index, line)| {
        literal_secret_variable(line).map(|variable| LiteralSecret {
            line: index + 1,
            variable: variable.to_owned(),
        })
    })
}

/// Whether an environment file is a template rather than secrets: it has placeholders
/// (`${password}` for Terraform's `templatefile`, `{{ secret }}` for Jinja, `$VAR`,
/// `<password>`), every variable whose name says secret (`…PASSWORD`, `…SECRET`, `…TOKEN`,
/// `…KEY`) is empty or one, and no value carries a URL with a password (`postgres://u:pw@host`).
/// Anything else — a plain `.env` of values included — counts as secrets.
fn is_env_template(text: &str) -> bool {
    let is_placeholder = |value: &str| {
        value.starts_with('$')
            || value.starts_with("{{")
            || (value.starts_with('<') && value.ends_with('>'))
    };
    let values = || {
        text.lines().filter_map(|line| {
            let line = line.trim().trim_start_matches("export ");
            let (key, value) = line.split_once('=')?;
            (!line.starts_with('#')).then(|| {
                (
                    key.trim().to_ascii_uppercase(),
                    value.trim().trim_matches(['"', '\'']),
                )
            })
        })
    };
    values().any(|(_, value)| is_placeholder(value))
        && values().all(|(key, value)| {
            let secret_named = ["PASS", "SECRET", "TOKEN", "KEY", "CREDENTIAL"]
                .iter()
                .any(|word| key.contains(word));
            let url_with_password = value.contains("://") && value.contains('@');
            // A path names where the secret is (`…_TLS_KEY=/opt/ssl/key.pem`), not the secret.
            let a_path = value.starts_with('/');
            (!secret_named || value.is_empty() || a_path || is_placeholder(value))
                && !url_with_password
        })
}

/// A `password:` key with a value, in any YAML mapping.
fn has_yaml_password(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start();
        !line.starts_with('#')
            && line
                .strip_prefix("password:")
                .is_some_and(|value| !value.trim().is_empty())
    })
}

/// The variable a shell-style assignment on this line sets to a literal secret: an upper-case
/// name that is or ends in `PASSWORD`, `PASSWD`, `PASS`, `SECRET` or `TOKEN`
/// (`OS_PASSWORD=supersecure!`, `DEFAULT_PASS='Welcome123'`), given a value that is neither empty
/// nor built from elsewhere (`$OS_PASSWORD_INPUT` after a `read -s`, `"-p${OPTARG}"`, `$(cat …)`,
/// `` `…` ``). Comments are not code.
fn literal_secret_variable(line: &str) -> Option<&str> {
    let line = line.trim_start();
    if line.starts_with('#') {
        return None;
    }
    line.split_whitespace().find_map(|word| {
        let (name, value) = word.split_once('=')?;
        // Shell variables are upper case; `password=password` is a Python keyword argument.
        let is_name = !name.is_empty()
            && name
                .chars()
                .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit() || c == '_');
        let upper = name.to_ascii_uppercase();
        let secret = ["PASSWORD", "PASSWD", "PASS", "SECRET", "TOKEN"]
            .iter()
            .any(|s| upper == *s || upper.ends_with(&format!("_{s}")));
        let value = value.trim_start_matches(['"', '\'']);
        let literal =
            !value.is_empty() && !value.starts_with(['`', '"', '\'']) && !value.contains('$');
        (is_name && secret && literal).then_some(name)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, text: &str) -> SourceFile {
        SourceFile::in_memory(rel, text, false)
    }

    #[test]
    fn an_environment_file_of_placeholders_is_a_template_not_secrets() {
        let template = file(
            "terraform/registry/templates/swift_vars.env",
            "# Filled in by registry.tf\nREGISTRY_STORAGE=swift\nREGISTRY_STORAGE_SWIFT_PASSWORD=${password}\nREGISTRY_HTTP_SECRET=${secret}\nAPI_TOKEN=\nDB_KEY={{ db_key }}\nREGISTRY_HTTP_TLS_KEY=/opt/docker-registry/ssl/key.pem\n${extra_vars}\n",
        );
        assert_eq!(looks_like_credentials(&template), None);
        for secret in [
            "REGISTRY_HTTP_SECRET=9f8e7d\n",
            "export OS_PASSWORD='hunter2'\n",
            "DATABASE_URL=postgres://app:hunter2@db/app\n",
        ] {
            // Placeholders elsewhere do not excuse one real secret.
            let env = file(
                "site/.env",
                &format!("REGISTRY_STORAGE=${{storage}}\n{secret}"),
            );
            assert!(looks_like_credentials(&env).is_some(), "{secret}");
        }
        let plain = file("site/.env", "REGISTRY_STORAGE=swift\n");
        assert!(
            looks_like_credentials(&plain).is_some(),
            "a .env without placeholders counts as secrets"
        );
    }

    #[test]
    fn credentials_are_recognised_by_name_and_contents() {
        let flagged = [
            file(
                "site/clouds.yaml",
                "clouds:\n  prod:\n    auth:\n      password: s3cret\n",
            ),
            file(
                "admin-openrc.sh",
                "export OS_USERNAME=admin\nexport OS_PASSWORD=hunter2\n",
            ),
            file("openrc", "export OS_PASSWORD=$OS_PASSWORD_INPUT\n"),
            file("keys/deploy", "-----BEGIN OPENSSH PRIVATE KEY-----\nabc\n"),
            file(".env", "X=1\n"),
            file("tf/terraform.tfstate", "{}"),
            file("docs/setup.md", "-----BEGIN RSA PRIVATE KEY-----\nabc\n"),
        ];
        for f in &flagged {
            assert!(looks_like_credentials(f).is_some(), "{} not flagged", f.rel);
        }
    }

    #[test]
    fn scripts_that_only_read_passwords_are_not_flagged() {
        let clean = [
            file(
                "clouds.yaml",
                "clouds:\n  prod:\n    auth:\n      username: admin\n",
            ),
            file(
                "bin/prompt.sh",
                "read -sr OS_PASSWORD_INPUT\nexport OS_PASSWORD=$OS_PASSWORD_INPUT\n",
            ),
            file("bin/check.sh", "# OS_PASSWORD=example in a comment\n"),
            file("docs/keys.md", "Put your public key in authorized_keys.\n"),
            file(
                "tool/README.md",
                "Example:\n\n    export OS_PASSWORD=mys3cr3t\n",
            ),
        ];
        for f in &clean {
            assert_eq!(looks_like_credentials(f), None, "{} flagged", f.rel);
            assert_eq!(literal_secret(f), None, "{} flagged", f.rel);
        }
    }

    #[test]
    fn a_tool_with_a_literal_password_is_a_tool_flagged_at_the_line() {
        let script = file(
            "linux/simple-script.sh",
            "#!/bin/bash\nexport OS_USERNAME=admin\nexport OS_PASSWORD=supersecure!\nnova list\n",
        );
        assert_eq!(looks_like_credentials(&script), None);
        assert_eq!(
            literal_secret(&script),
            Some(LiteralSecret {
                line: 3,
                variable: "OS_PASSWORD".into()
            })
        );
        let openrc = file("admin-openrc.sh", "export OS_PASSWORD=hunter2\n");
        assert_eq!(
            literal_secret(&openrc),
            None,
            "a credentials file, not a tool"
        );
        let doc = file("README.md", "export OS_PASSWORD=mys3cr3t\n");
        assert_eq!(literal_secret(&doc), None);
    }

    #[test]
    fn any_secret_variable_set_to_a_literal_is_found() {
        let at = |text: &str| {
            literal_secret(&file("install/config.cfg.sh", text)).map(|s| (s.line, s.variable))
        };
        // osops-tools-contrib's Liberty installer: one default password for every service.
        assert_eq!(
            at("HOST=ctl\nDEFAULT_PASS='Welcome123'\nADMIN_PASS=$DEFAULT_PASS\n"),
            Some((2, "DEFAULT_PASS".into()))
        );
        assert_eq!(
            at("env OS_TOKEN=gAAAAB3 openstack server list\n"),
            Some((1, "OS_TOKEN".into()))
        );
        for clean in [
            "PASS=$1\n",
            "DB_PASSWORD=\"\"\n",
            "OS_PASSWORD=\"${OS_PASSWORD:-}\"\n",
            "TOKEN=$(openstack token issue -f value -c id)\n",
            "SECRET=`cat /etc/secret`\n",
            "# OS_PASSWORD=example\n",
            "BYPASS=1\nPWD=/tmp\nPASSWORDS_FILE=/etc/x\n",
            "PASS=\"-p${OPTARG}\"\n",
            "    conn = connect(user=user, password=password, passwd=os_password)\n",
        ] {
            assert_eq!(at(clean), None, "{clean}");
        }
    }
}
