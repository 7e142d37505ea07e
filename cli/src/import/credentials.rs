//! Files that look like credentials: never part of a proposed asset unless the operator names
//! each one with `--include-credentials PATH`.
//!
//! Old operations repositories routinely hold a site's `clouds.yaml`, an `admin-openrc.sh` with
//! the admin password, a deploy key or a Terraform state. Publishing one would hand a cloud's
//! admin access to everyone who can read the registry, so the rule errs on the side of flagging:
//! a false alarm costs the operator one flag, a miss cannot be taken back.

use super::scan::SourceFile;

/// Why `file` looks like it holds credentials, or `None`.
pub fn looks_like_credentials(file: &SourceFile) -> Option<&'static str> {
    let name = file.file_name();
    let lower = name.to_ascii_lowercase();
    if lower == ".env" || lower.starts_with(".env.") || lower.ends_with(".env") {
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
    if sets_literal_os_password(text) {
        return Some("sets `OS_PASSWORD=` to a literal password");
    }
    None
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

/// `OS_PASSWORD=secret` (a literal), as opposed to `OS_PASSWORD=$OS_PASSWORD_INPUT` after a
/// `read -s`, or an empty value.
fn sets_literal_os_password(text: &str) -> bool {
    text.lines().any(|line| {
        let line = line.trim_start();
        if line.starts_with('#') {
            return false;
        }
        let Some((_, value)) = line.split_once("OS_PASSWORD=") else {
            return false;
        };
        let value = value.trim().trim_start_matches(['"', '\'']);
        !value.is_empty() && !value.starts_with('$') && !value.starts_with(['"', '\''])
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn file(rel: &str, text: &str) -> SourceFile {
        SourceFile {
            rel: rel.into(),
            abs: rel.into(),
            size: text.len() as u64,
            executable: false,
            text: Some(text.into()),
            sha256: String::new(),
        }
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
            file(
                "bin/cleanup.sh",
                "export OS_PASSWORD='letmein'\nopenstack server list\n",
            ),
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
        ];
        for f in &clean {
            assert_eq!(looks_like_credentials(f), None, "{} flagged", f.rel);
        }
    }
}
