//! `osops-registry`: argument parsing and logging; everything else is in the library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};
use osops_registry::DataDir;
use osops_registry::access::Scope;
use osops_registry::admin;
use osops_registry::rate_limit::{RateLimits, RateSetting};
use osops_registry::store::Database;

#[derive(Parser)]
#[command(name = "osops-registry", version, about = "The osops registry server")]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// Serve the registry (creates the data directory and migrates its database)
    Serve(ServeArgs),
    /// Manage users
    #[command(subcommand)]
    User(UserCommand),
    /// Manage teams (owners name a team as `team:NAME`)
    #[command(subcommand)]
    Team(TeamCommand),
    /// Manage API tokens
    #[command(subcommand)]
    Token(TokenCommand),
    /// Show the audit log, newest first
    Audit {
        /// Only events about this asset
        #[arg(long, value_name = "NAME")]
        asset: Option<String>,
        /// Only events by this user (`(admin)` for admin commands)
        #[arg(long, value_name = "NAME")]
        user: Option<String>,
        /// Print `{"events": [...]}` as the API does
        #[arg(long)]
        json: bool,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Manage needs
    #[command(subcommand)]
    Need(NeedCommand),
    /// Remove archives no version references (left by a crash or a refused publish); prints one
    /// line per archive removed and a summary. Exits 1 if some version's archive is missing
    Gc(GcArgs),
    /// Write the whole registry (every table, and every archive a version names, each verified)
    /// to DIR: manifest.json, tables/*.jsonl, archives/. Re-running it on the same DIR copies
    /// only archives not there yet
    Export(ExportArgs),
    /// Load an export made by `export` into this registry's database and blob store, checking
    /// every checksum first; all or nothing. Refuses a database that holds anything, unless
    /// --force
    Import(ImportArgs),
}

#[derive(Args)]
struct ExportArgs {
    /// The directory to write (created if missing; a previous export in it is refreshed)
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    #[command(flatten)]
    data: DataDirArg,
    #[command(flatten)]
    storage: StorageArgs,
}

#[derive(Args)]
struct ImportArgs {
    /// A directory written by `osops-registry export`
    #[arg(value_name = "DIR")]
    dir: PathBuf,
    /// Replace everything the target database holds (in the same transaction as the import)
    #[arg(long)]
    force: bool,
    #[command(flatten)]
    data: DataDirArg,
    #[command(flatten)]
    storage: StorageArgs,
}

#[derive(Args)]
struct DataDirArg {
    /// Where the database (`registry.db`) and archives (`blobs/`) live, unless
    /// --database-url and --storage say otherwise
    #[arg(long, value_name = "DIR", default_value = "osops-data")]
    data_dir: PathBuf,
    /// The metadata database: `postgres://USER@HOST:PORT/DB` (shared by every replica) or
    /// `sqlite://PATH` [default: DIR/registry.db]
    #[arg(long, env = "OSOPS_DATABASE_URL", value_name = "URL")]
    database_url: Option<String>,
}

impl DataDirArg {
    /// The database these arguments name; the data directory is created for SQLite.
    fn database(&self) -> anyhow::Result<Database> {
        let default = DataDir::create(&self.data_dir)?.database();
        Ok(Database::from_url(self.database_url.as_deref(), default)?)
    }
}

#[derive(Args)]
struct ServeArgs {
    /// Address to listen on; port 0 picks a free port (the log line says which)
    #[arg(long, value_name = "ADDR", default_value = "127.0.0.1:8080")]
    listen: SocketAddr,
    #[command(flatten)]
    data: DataDirArg,
    /// URL clients reach the registry at, used in the index's config.json [default: http://ADDR]
    #[arg(long, value_name = "URL")]
    public_url: Option<String>,
    /// Largest accepted upload, in bytes (at most the default: the largest archive clients install)
    #[arg(long, value_name = "BYTES", default_value_t = osops_registry::server::default_max_upload())]
    max_upload: u64,
    /// Publish the example assets in DIR (as user `demo`) when the registry is empty
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = "examples")]
    demo: Option<PathBuf>,
    /// Per-user limit of `new-name`, `new-version` or `yank`, as ACTION=N/PERIOD (`30s`, `1m`,
    /// `1h`) or ACTION=off; repeatable. Defaults: new-name=10/1h, new-version=60/1h, yank=30/1h.
    /// Buckets are per process: with several replicas, the limit is per replica
    #[arg(long = "rate-limit", value_name = "ACTION=N/PERIOD")]
    rate_limits: Vec<RateSetting>,
    #[command(flatten)]
    storage: StorageArgs,
    /// The registry's config file (TOML): trusted publishing's issuers, as
    /// `[[trusted-publishing.issuer]]` tables (see docs/http-api.md)
    #[arg(long, value_name = "FILE")]
    config: Option<PathBuf>,
}

/// Where archives live: `serve`'s and `gc`'s `--storage`, `--s3-endpoint` and `--s3-region`.
#[derive(Args)]
struct StorageArgs {
    /// Where archives live: `s3://BUCKET[/PREFIX]` (S3-compatible storage shared by every
    /// replica; endpoint, region and credentials from --s3-endpoint/--s3-region or the AWS_*
    /// variables) or `file://DIR` [default: DIR/blobs of --data-dir]
    #[arg(long, env = "OSOPS_STORAGE", value_name = "URL")]
    storage: Option<String>,
    /// The S3 endpoint, for self-hosted stores (Garage, Ceph RGW, Swift) [env: AWS_ENDPOINT_URL]
    #[arg(long, value_name = "URL")]
    s3_endpoint: Option<String>,
    /// The S3 region [env: AWS_REGION]
    #[arg(long, value_name = "REGION")]
    s3_region: Option<String>,
}

impl From<StorageArgs> for osops_registry::config::Storage {
    fn from(args: StorageArgs) -> Self {
        osops_registry::config::Storage {
            url: args.storage,
            s3_endpoint: args.s3_endpoint,
            s3_region: args.s3_region,
        }
    }
}

#[derive(Args)]
struct GcArgs {
    /// Print what would be removed (`would remove SHA256 (SIZE bytes, AGE old)`); remove nothing
    #[arg(long)]
    dry_run: bool,
    /// Keep unreferenced archives younger than this (`30m`, `1h`, `2days`): they may belong to a
    /// publish still in flight on another replica
    #[arg(long, value_name = "DURATION", default_value = admin::gc::DEFAULT_MIN_AGE)]
    min_age: humantime::Duration,
    #[command(flatten)]
    data: DataDirArg,
    #[command(flatten)]
    storage: StorageArgs,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user; prints its name
    Add {
        name: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// List users, one per line: `NAME` or `NAME (disabled since TIME)`
    List {
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Disable a user: its tokens are refused (403) until it is enabled again; prints its name
    Disable {
        name: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Enable a disabled user again; prints its name
    Enable {
        name: String,
        #[command(flatten)]
        data: DataDirArg,
    },
}

#[derive(Subcommand)]
enum TeamCommand {
    /// Create a team; prints its name
    Add {
        name: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// List teams, one per line: `TEAM: member, member`
    List {
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Manage a team's members
    #[command(subcommand)]
    Member(MemberCommand),
}

#[derive(Subcommand)]
enum MemberCommand {
    /// Add a user to a team (members count as owners of the team's assets); prints the user
    Add {
        team: String,
        user: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Remove a user from a team; prints the user
    Remove {
        team: String,
        user: String,
        #[command(flatten)]
        data: DataDirArg,
    },
}

#[derive(Subcommand)]
enum TokenCommand {
    /// Create an API token for a user and print it (only its hash is stored)
    Create {
        #[arg(long, value_name = "NAME")]
        user: String,
        /// A label to tell the user's tokens apart
        #[arg(long = "name", value_name = "LABEL", default_value = "default")]
        label: String,
        /// What the token may do (repeatable): publish-new, publish-update, yank, change-owners,
        /// needs [default: all of them]
        #[arg(long = "scope", value_name = "SCOPE")]
        scopes: Vec<Scope>,
        /// Only assets whose names match this glob (repeatable), e.g. `nova-*` [default: all]
        #[arg(long = "pattern", value_name = "GLOB")]
        patterns: Vec<String>,
        /// Days until the token expires, 1 to 365
        #[arg(long, value_name = "N", default_value_t = osops_registry::tokens::DEFAULT_EXPIRY_DAYS)]
        expires_in_days: u32,
        /// The token never expires (only admins can make such tokens)
        #[arg(long, conflicts_with = "expires_in_days")]
        no_expiry: bool,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// List a user's tokens, one per line:
    /// `ID<TAB>NAME<TAB>SCOPES<TAB>PATTERNS<TAB>expires …<TAB>last used …<TAB>active|expired|revoked`
    List {
        #[arg(long, value_name = "NAME")]
        user: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Revoke any user's token by id; prints the id
    Revoke {
        id: i64,
        #[command(flatten)]
        data: DataDirArg,
    },
}

#[derive(Subcommand)]
enum NeedCommand {
    /// Create or update needs from TOML need files and reStructuredText user stories
    /// (directories are walked for *.toml and *.rst); prints one line per file
    Import {
        /// Files or directories
        #[arg(required = true, value_name = "PATH")]
        paths: Vec<PathBuf>,
        /// The user new needs are created by (created if missing)
        #[arg(long = "as", value_name = "USER", default_value = osops_registry::admin::needs::DEFAULT_IMPORT_USER)]
        user: String,
        #[command(flatten)]
        data: DataDirArg,
    },
    /// Mark a need retired: it stays listed, with its reason, but is never `open` again
    Retire {
        id: String,
        /// Why, for the people who voted for it
        #[arg(long, value_name = "TEXT")]
        reason: String,
        #[command(flatten)]
        data: DataDirArg,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    if matches!(cli.command, Command::Serve(_)) {
        cap_malloc_arenas();
    }
    let default_level = if matches!(cli.command, Command::Serve(_)) {
        "info"
    } else {
        "warn"
    };
    init_tracing(default_level);
    match run(cli) {
        Ok(code) => code,
        Err(err) => {
            eprintln!("error: {err}");
            for cause in err.chain().skip(1) {
                eprintln!("  caused by: {cause}");
            }
            ExitCode::FAILURE
        }
    }
}

/// Caps glibc's malloc arenas at one per core for the server, by re-executing it once with
/// `MALLOC_ARENA_MAX` set (unless the operator set it).
///
/// glibc gives each thread that allocates while others do an arena of its own, up to eight per
/// core, and each keeps what was freed in it: the blocking pool's file reads and the SQLite
/// worker threads left ~15 MiB that way under the benchmark's loads at 1,000 assets (68 → 53 MiB
/// peak, the same throughput; docs/PERFORMANCE.md). The cap can only be set before the first
/// allocation, so by the environment: `mallopt` would need `unsafe`, which this crate forbids.
/// `exec` keeps the process id, the arguments and open descriptors; if it fails, the server
/// runs with glibc's default.
#[cfg(all(target_os = "linux", target_env = "gnu"))]
fn cap_malloc_arenas() {
    use std::os::unix::process::CommandExt;
    if std::env::var_os("MALLOC_ARENA_MAX").is_some() {
        return;
    }
    let Ok(exe) = std::env::current_exe() else {
        return;
    };
    let mut args = std::env::args_os();
    let arg0 = args.next().unwrap_or_else(|| exe.clone().into_os_string());
    let arenas = std::thread::available_parallelism().map_or(2, |n| n.get());
    let err = std::process::Command::new(&exe)
        .arg0(arg0)
        .args(args)
        .env("MALLOC_ARENA_MAX", arenas.to_string())
        .exec();
    eprintln!(
        "warning: cannot restart {} with MALLOC_ARENA_MAX={arenas} ({err}); running with glibc's default arenas",
        exe.display()
    );
}

#[cfg(not(all(target_os = "linux", target_env = "gnu")))]
fn cap_malloc_arenas() {}

fn init_tracing(default_level: &str) {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env().unwrap_or_else(|_| {
        tracing_subscriber::EnvFilter::new(format!("{default_level},sqlx=warn"))
    });
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .init();
}

fn run(cli: Cli) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async {
        match cli.command {
            Command::Serve(args) => {
                let config = osops_registry::Config {
                    listen: args.listen,
                    data_dir: args.data.data_dir,
                    database_url: args.data.database_url,
                    storage: args.storage.into(),
                    public_url: args.public_url,
                    max_upload: args.max_upload,
                    demo: args.demo,
                    rate_limits: RateLimits::with(&args.rate_limits),
                    config_file: args.config,
                };
                osops_registry::serve(config, osops_registry::shutdown_signal()).await?;
            }
            Command::User(UserCommand::Add { name, data }) => {
                let user = admin::add_user(&data.database()?, &name).await?;
                println!("{}", user.name);
            }
            Command::User(UserCommand::List { data }) => {
                for user in admin::list_users(&data.database()?).await? {
                    println!("{}", admin::UserLine(&user));
                }
            }
            Command::User(UserCommand::Disable { name, data }) => {
                admin::set_user_disabled(&data.database()?, &name, true).await?;
                println!("{name}");
            }
            Command::User(UserCommand::Enable { name, data }) => {
                admin::set_user_disabled(&data.database()?, &name, false).await?;
                println!("{name}");
            }
            Command::Team(TeamCommand::Add { name, data }) => {
                let team = admin::add_team(&data.database()?, &name).await?;
                println!("{}", team.name);
            }
            Command::Team(TeamCommand::List { data }) => {
                for team in admin::list_teams(&data.database()?).await? {
                    println!("{}", admin::TeamLine(&team));
                }
            }
            Command::Team(TeamCommand::Member(MemberCommand::Add { team, user, data })) => {
                admin::set_member(&data.database()?, &team, &user, true).await?;
                println!("{user}");
            }
            Command::Team(TeamCommand::Member(MemberCommand::Remove { team, user, data })) => {
                admin::set_member(&data.database()?, &team, &user, false).await?;
                println!("{user}");
            }
            Command::Token(TokenCommand::Create {
                user,
                label,
                scopes,
                patterns,
                expires_in_days,
                no_expiry,
                data,
            }) => {
                let expiry = if no_expiry {
                    admin::Expiry::Never
                } else {
                    admin::Expiry::Days(expires_in_days)
                };
                let token = admin::create_token(
                    &data.database()?,
                    &user,
                    &label,
                    &scopes,
                    &patterns,
                    expiry,
                )
                .await?;
                println!("{token}");
            }
            Command::Token(TokenCommand::List { user, data }) => {
                for token in admin::list_tokens(&data.database()?, &user).await? {
                    println!("{}", admin::TokenLine(&token));
                }
            }
            Command::Token(TokenCommand::Revoke { id, data }) => {
                admin::revoke_token(&data.database()?, id).await?;
                println!("{id}");
            }
            Command::Audit {
                asset,
                user,
                json,
                data,
            } => {
                let events =
                    admin::audit::events(&data.database()?, asset.as_deref(), user.as_deref())
                        .await?;
                if json {
                    println!("{}", admin::audit::to_json(&events));
                } else {
                    for event in &events {
                        println!("{}", admin::audit::EventLine(event));
                    }
                }
            }
            Command::Need(NeedCommand::Import { paths, user, data }) => {
                let report =
                    osops_registry::admin::needs::import(&data.database()?, &paths, &user).await?;
                for file in &report.files {
                    println!("{file}");
                }
                if !report.success() {
                    return Ok(ExitCode::FAILURE);
                }
            }
            Command::Need(NeedCommand::Retire { id, reason, data }) => {
                let id =
                    osops_registry::admin::needs::retire(&data.database()?, &id, &reason).await?;
                println!("{id}");
            }
            Command::Gc(args) => {
                let database = args.data.database()?;
                let data_dir = DataDir::create(&args.data.data_dir)?;
                let storage = osops_registry::config::Storage::from(args.storage);
                let blobs = storage.open(&data_dir).await?;
                let options = admin::gc::Options {
                    dry_run: args.dry_run,
                    min_age: args.min_age.into(),
                };
                let report = admin::gc::run(&database, &blobs, options).await?;
                for archive in &report.removed {
                    let dry_run = options.dry_run;
                    println!("{}", admin::gc::RemovedLine { archive, dry_run });
                }
                let now = std::time::SystemTime::now();
                for write in &report.partial {
                    let dry_run = options.dry_run;
                    println!(
                        "{}",
                        admin::gc::PartialLine {
                            write,
                            dry_run,
                            now
                        }
                    );
                }
                for (archive, cause) in &report.failed {
                    eprintln!("{}", admin::gc::FailedLine(archive, cause));
                }
                for sha256 in &report.missing {
                    eprintln!("{}", admin::gc::MissingLine(sha256));
                }
                println!("{}", admin::gc::Summary(&report));
                if !report.success() {
                    return Ok(ExitCode::FAILURE);
                }
            }
            Command::Export(args) => {
                let database = args.data.database()?;
                let data_dir = DataDir::create(&args.data.data_dir)?;
                let storage = osops_registry::config::Storage::from(args.storage);
                let blobs = storage.open(&data_dir).await?;
                let report = osops_registry::transfer::export(&database, &blobs, &args.dir).await?;
                println!("exported {} to {}", database.describe(), args.dir.display());
                println!("{report}");
            }
            Command::Import(args) => {
                let database = args.data.database()?;
                let data_dir = DataDir::create(&args.data.data_dir)?;
                let storage = osops_registry::config::Storage::from(args.storage);
                let blobs = storage.open(&data_dir).await?;
                let report =
                    osops_registry::transfer::import(&args.dir, &database, &blobs, args.force)
                        .await?;
                println!(
                    "imported {} into {}",
                    args.dir.display(),
                    database.describe()
                );
                println!("{report}");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
