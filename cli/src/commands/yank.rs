use std::process::ExitCode;

use super::Context;
use crate::UserError;

pub const EXAMPLES: &str = "\
Examples:
  osops yank nova-evacuate-host@1.2.0          # new installs skip it; lockfiles still get it
  osops yank nova-evacuate-host@1.2.0 --reason 'deletes the wrong ports on 2024.1'
  osops yank nova-evacuate-host@1.2.0 --undo

Only the asset's owners may yank. A yanked version stays downloadable, so existing lockfiles keep
working, but it is no longer chosen for new installs, search, or as an answer to a need. The
reason, if given, is shown by `osops info`. Needs a token with the `yank` scope.";

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The version to yank: NAME@VERSION, with an exact version such as `1.2.0`
    #[arg(value_name = "NAME@VERSION")]
    pub spec: String,
    /// Unyank: make the version installable again
    #[arg(long)]
    pub undo: bool,
    /// Why, for the people who installed it: shown by `osops info`
    #[arg(long, value_name = "TEXT", conflicts_with = "undo")]
    pub reason: Option<String>,
}

/// Splits `NAME@VERSION`; the version must be one exact version.
pub fn parse_spec(spec: &str) -> Result<(String, semver::Version), UserError> {
    let (name, version) = spec.split_once('@').unwrap_or((spec, ""));
    let version = version.trim();
    if version.is_empty() {
        let name = osops_index::AssetName::canonical_form(name)
            .map_or_else(|_| name.to_owned(), |n| n.to_string());
        return Err(UserError::new(
            "name the version to yank: `osops yank NAME@1.2.0`",
            format!("see the versions of `{name}` with `osops info {name}`"),
        ));
    }
    let exact = version.strip_prefix('=').unwrap_or(version);
    let version = semver::Version::parse(exact).map_err(|_| {
        UserError::new(
            format!("`{version}` is not a version; yank names one exact version"),
            format!("use a version such as `osops yank {name}@1.2.0`"),
        )
    })?;
    Ok((name.to_owned(), version))
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    let (name, version) = parse_spec(&args.spec)?;
    let name = super::install::canonical(ctx, &name)?;
    let client = ctx.client()?;
    let answer = if args.undo {
        client.unyank(&name, &version)
    } else {
        let reason = args
            .reason
            .as_deref()
            .map(str::trim)
            .filter(|r| !r.is_empty());
        client.yank(&name, &version, reason)
    };
    let yank = answer.map_err(|e| {
        if e.is_not_found() {
            anyhow::Error::new(UserError::new(
                format!(
                    "no version {version} of `{name}` in the registry at `{}`",
                    client.registry()
                ),
                format!("see its versions with `osops info {name}`"),
            ))
        } else {
            e.into()
        }
    })?;
    let verb = if yank.yanked { "Yanked" } else { "Unyanked" };
    ctx.printer
        .status(verb, format_args!("{} v{}", yank.name, yank.version));
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_spec_names_one_exact_version() {
        let (name, version) = parse_spec("nova-evacuate-host@1.2.0").expect("spec");
        assert_eq!(name, "nova-evacuate-host");
        assert_eq!(version, semver::Version::new(1, 2, 0));
        assert_eq!(
            parse_spec("x-y@=2.0.0-rc.1").expect("spec").1.to_string(),
            "2.0.0-rc.1"
        );
        for missing in [
            "nova-evacuate-host",
            "nova-evacuate-host@",
            "nova-evacuate-host@ ",
            "Nova_Evacuate_Host",
        ] {
            let err = parse_spec(missing).expect_err(missing);
            assert_eq!(
                err.to_string(),
                "name the version to yank: `osops yank NAME@1.2.0`"
            );
            assert_eq!(
                err.hint.as_deref(),
                Some(
                    "see the versions of `nova-evacuate-host` with `osops info nova-evacuate-host`"
                )
            );
        }
        let err = parse_spec("x-y@^1.2").expect_err("a requirement");
        assert_eq!(
            err.to_string(),
            "`^1.2` is not a version; yank names one exact version"
        );
    }
}
