//! `osops-registry`: argument parsing and logging; everything else is in the library.

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::{Args, Parser, Subcommand};

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
    /// Manage API tokens
    #[command(subcommand)]
    Token(TokenCommand),
    /// Manage needs
    #[command(subcommand)]
    Need(NeedCommand),
}

#[derive(Args)]
struct DataDirArg {
    /// Where the database (`registry.db`) and archives (`blobs/`) live
    #[arg(long, value_name = "DIR", default_value = "osops-data")]
    data_dir: PathBuf,
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
    /// Largest accepted upload, in bytes
    #[arg(long, value_name = "BYTES", default_value_t = osops_registry::server::default_max_upload())]
    max_upload: u64,
    /// Publish the example assets in DIR (as user `demo`) when the registry is empty
    #[arg(long, value_name = "DIR", num_args = 0..=1, default_missing_value = "examples")]
    demo: Option<PathBuf>,
}

#[derive(Subcommand)]
enum UserCommand {
    /// Create a user
    Add {
        name: String,
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
                    public_url: args.public_url,
                    max_upload: args.max_upload,
                    demo: args.demo,
                };
                osops_registry::serve(config, osops_registry::shutdown_signal()).await?;
            }
            Command::User(UserCommand::Add { name, data }) => {
                let user = osops_registry::admin::add_user(&data.data_dir, &name).await?;
                println!("{}", user.name);
            }
            Command::Token(TokenCommand::Create { user, label, data }) => {
                let token =
                    osops_registry::admin::create_token(&data.data_dir, &user, &label).await?;
                println!("{token}");
            }
            Command::Need(NeedCommand::Import { paths, user, data }) => {
                let report =
                    osops_registry::admin::needs::import(&data.data_dir, &paths, &user).await?;
                for file in &report.files {
                    println!("{file}");
                }
                if !report.success() {
                    return Ok(ExitCode::FAILURE);
                }
            }
            Command::Need(NeedCommand::Retire { id, reason, data }) => {
                let id = osops_registry::admin::needs::retire(&data.data_dir, &id, &reason).await?;
                println!("{id}");
            }
        }
        Ok(ExitCode::SUCCESS)
    })
}
