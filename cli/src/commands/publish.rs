use std::path::PathBuf;
use std::process::ExitCode;

use super::Context;
use crate::client::{self, Client, Published};
use crate::printer::human_bytes;
use crate::{package, trusted};

pub const EXAMPLES: &str = concat!(
    "\
Examples:
  osops publish ops/evacuate --dry-run     # every check, by the registry too when there is a token
  osops publish nova-evacuate-host-1.2.0.osops   # upload an archive `osops package` made earlier
  OSOPS_TOKEN=osops_… osops publish --registry https://osops.example.org
  osops publish --trusted                  # in CI: trade the job's OIDC identity token

Publishing never prompts. It uses --token, else OSOPS_TOKEN, else the token `osops login` saved for
the registry. With --trusted it uses instead a short-lived, publish-only token that the registry
mints for the CI job's identity token (OSOPS_OIDC_TOKEN, or GitHub Actions' token request); that
token is never printed nor saved. See docs/guides/publishing-from-ci.md.

--dry-run with a token (or --trusted) has the registry run every check it runs on a publish (token,
owners, name, version not taken, needs, manifest, archive) and store nothing; without a token only
the local checks run. Publishing the same bytes again succeeds: CI retries and re-runs are safe.
The upload is retried (--http-retries) only when no answer came, and on 429 once Retry-After has
passed (up to 60s; a longer wait fails at once with exit 6).

",
    crate::exit::help_text!()
);

#[derive(Debug, clap::Args)]
pub struct Args {
    /// The asset's directory (with osops.toml), or a `.osops` archive made by `osops package`
    #[arg(default_value = ".")]
    pub dir: PathBuf,
    /// Run every check, locally and (with a token) on the registry, but store nothing
    #[arg(long)]
    pub dry_run: bool,
    /// Publish with a token minted from the CI job's OIDC identity token, not with a saved one
    #[arg(long)]
    pub trusted: bool,
    /// The audience to ask GitHub Actions' identity token for (--trusted)
    #[arg(
        long,
        value_name = "AUD",
        default_value = trusted::DEFAULT_AUDIENCE,
        requires = "trusted"
    )]
    pub audience: String,
    /// Print the registry's answer as JSON on stdout
    #[arg(long)]
    pub json: bool,
}

/// What is about to be uploaded.
struct Upload {
    /// `nova-tools v1.2.0`, or the archive's path when it was not opened.
    what: String,
    name: Option<String>,
    version: Option<String>,
    sha256: Option<String>,
    bytes: Vec<u8>,
}

pub fn exec(args: Args, ctx: &Context) -> anyhow::Result<ExitCode> {
    // Credentials first, without the network: a CI job without them fails before packaging.
    // An unknown `--registry` name is reported as such, not as a missing token.
    let registry = ctx.registry()?;
    if registry.starts_with("file://") {
        return Err(client::Error::NoApi {
            registry,
            what: "publishing".into(),
        }
        .into());
    }
    let oidc = args.trusted.then(trusted::OidcEnv::from_env);
    let token = match &oidc {
        Some(env) => {
            env.source()?;
            None
        }
        None => ctx.token(),
    };
    if oidc.is_none() && token.is_none() && !args.dry_run {
        return Err(client::Error::NoToken {
            action: "publishing",
        }
        .into());
    }

    let upload = prepare(&args, ctx)?;

    if oidc.is_none() && token.is_none() {
        ctx.printer.note(
            "dry run: nothing was uploaded; without a token only the local checks ran \
             (set OSOPS_TOKEN, pass --token or run `osops login` to have the registry run its checks too)",
        );
        if args.json {
            ctx.printer.json(&serde_json::json!({
                "name": upload.name, "version": upload.version, "cksum": upload.sha256,
                "dry_run": true, "registry_checked": false,
            }))?;
        }
        return Ok(ExitCode::SUCCESS);
    }

    let reporter = ctx.printer.reporter();
    let client = match oidc {
        Some(env) => trusted_client(ctx, &env, &args.audience, upload.name.as_deref())?,
        None => ctx.client_with(token.map(|t| t.secret))?,
    };
    let verb = if args.dry_run {
        "Checking"
    } else {
        "Uploading"
    };
    ctx.printer.status(
        verb,
        format_args!(
            "{} ({}) with {}",
            upload.what,
            human_bytes(upload.bytes.len() as u64),
            client.registry()
        ),
    );
    let published = client.publish(&upload.bytes, args.dry_run, &reporter)?;
    if args.dry_run && !published.dry_run {
        // A registry that predates dry runs ignores `?dry_run=true`, and publishes.
        anyhow::bail!(
            "the registry at `{}` does not support dry runs and PUBLISHED {} v{}",
            client.registry(),
            published.name,
            published.version
        );
    }
    if args.json {
        ctx.printer.json(&published.raw)?;
    }
    report(ctx, &published, &client, args.dry_run);
    Ok(ExitCode::SUCCESS)
}

/// Packages the directory, or reads the archive (and, for a dry run, validates it as the
/// registry would).
fn prepare(args: &Args, ctx: &Context) -> anyhow::Result<Upload> {
    if args.dir.is_file() {
        // A CI pipeline may package in one job and publish the artifact in another. The archive
        // goes up as it is: the registry runs the same validator as `osops package` did. A dry
        // run runs that validator here too, so it checks something even without a token.
        let bytes = package::read_archive_file(&args.dir)?;
        if args.dry_run {
            let archive = package::check_archive(&args.dir, &bytes)?;
            let (name, version) = (
                &archive.manifest.asset.name,
                &archive.manifest.asset.version,
            );
            ctx.printer.status(
                "Checked",
                format_args!("{name} v{version} in `{}`", args.dir.display()),
            );
            return Ok(Upload {
                what: format!("{name} v{version}"),
                name: Some(name.to_string()),
                version: Some(version.to_string()),
                sha256: Some(archive.sha256.to_string()),
                bytes,
            });
        }
        return Ok(Upload {
            what: format!("`{}`", args.dir.display()),
            name: None,
            version: None,
            sha256: None,
            bytes,
        });
    }
    let packaged = package::package(&args.dir)?;
    let (name, version) = (
        &packaged.manifest.asset.name,
        &packaged.manifest.asset.version,
    );
    ctx.printer.status(
        "Packaged",
        format_args!(
            "{name} v{version} ({} files, {}, sha256 {})",
            packaged.files,
            human_bytes(packaged.bytes.len() as u64),
            packaged.sha256
        ),
    );
    Ok(Upload {
        what: format!("{name} v{version}"),
        name: Some(name.to_string()),
        version: Some(version.to_string()),
        sha256: Some(packaged.sha256.to_string()),
        bytes: packaged.bytes,
    })
}

/// A client holding the token the registry mints for the CI job's identity token.
fn trusted_client(
    ctx: &Context,
    env: &trusted::OidcEnv,
    audience: &str,
    name: Option<&str>,
) -> anyhow::Result<Client> {
    let anonymous = ctx.client_with(None)?;
    let (exchanged, source) = trusted::mint(env, audience, &anonymous, &ctx.printer.reporter())?;
    ctx.printer.status(
        "Exchanged",
        format_args!(
            "the identity token from {source} for a publish token ({}; expires {})",
            if exchanged.assets.is_empty() {
                "no assets".to_owned()
            } else {
                exchanged.assets.join(", ")
            },
            exchanged.expires_at
        ),
    );
    if let Some(name) = name.filter(|n| !exchanged.assets.iter().any(|a| a == n)) {
        ctx.printer.warn(format_args!(
            "no trusted-publisher rule of `{name}` matches this identity; the registry will refuse it"
        ));
    }
    Ok(anonymous.with_token(exchanged.token))
}

fn report(ctx: &Context, published: &Published, client: &Client, dry_run: bool) {
    let (name, version) = (&published.name, &published.version);
    match (dry_run, published.new) {
        (false, true) => ctx.printer.status(
            "Published",
            format_args!("{name} v{version} (sha256 {})", published.cksum),
        ),
        (true, true) => ctx.printer.status(
            "Checked",
            format_args!(
                "{name} v{version} with {}: ready to publish",
                client.registry()
            ),
        ),
        (_, false) => ctx.printer.say(format_args!(
            "{name} v{version} is already published with identical contents"
        )),
    }
    if dry_run {
        ctx.printer
            .note("dry run: the registry ran every check and stored nothing");
    }
}
