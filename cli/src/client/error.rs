use std::time::Duration;

/// Why a request to the registry failed.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// The registry answered with an error status; `detail` comes from its problem+json body.
    #[error("the registry answered {status}: {detail}")]
    Api {
        status: u16,
        detail: String,
        url: String,
        /// The `Retry-After` of the answer (429 and 503 carry one), in seconds.
        retry_after: Option<Duration>,
    },
    #[error("registry URL `{0}` is not an http://, https:// or file:/// URL")]
    BadRegistryUrl(String),
    /// A mirror (a `file:///` directory, or one a web server serves) was asked for something
    /// only a registry server's API can do.
    #[error("`{registry}` is a mirror, not a registry server: it has no API for {what}")]
    NoApi { registry: String, what: String },
    /// A mirror without `index/catalog.json` (made before mirrors had one) cannot be searched.
    #[error("the mirror `{registry}` has no `index/catalog.json` to search")]
    NoCatalog { registry: String },
    /// A `file:///` registry whose directory has no `index/config.json`.
    #[error("`{}` is not an osops mirror: it has no `index/config.json`", .dir.display())]
    NotAMirror { dir: std::path::PathBuf },
    /// A file of a directory registry could not be read.
    #[error("cannot read `{}`", .path.display())]
    Local {
        path: std::path::PathBuf,
        #[source]
        source: std::io::Error,
    },
    #[error("cannot connect to `{url}`")]
    Connect {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("`{url}` did not answer within {}s", .after.as_secs())]
    Timeout { url: String, after: Duration },
    #[error("request to `{url}` failed")]
    Http {
        url: String,
        #[source]
        source: reqwest::Error,
    },
    #[error("the connection to `{url}` broke during the answer")]
    Body {
        url: String,
        #[source]
        source: std::io::Error,
    },
    #[error("`{url}` failed {attempts} times; giving up")]
    GaveUp {
        url: String,
        attempts: u32,
        #[source]
        last: Box<Error>,
    },
    #[error("`{url}` sent more than {limit} bytes")]
    TooLarge { url: String, limit: u64 },
    #[error("cannot understand the answer from `{url}`: {message}")]
    Decode { url: String, message: String },
    #[error("cannot write the download")]
    Io(#[source] std::io::Error),
    /// A request that changes the registry was about to go out without a token; `action` says
    /// what ("publishing", "yanking").
    #[error("{action} needs an API token")]
    NoToken { action: &'static str },
}

impl Error {
    pub fn status(&self) -> Option<u16> {
        match self {
            Error::Api { status, .. } => Some(*status),
            Error::GaveUp { last, .. } => last.status(),
            _ => None,
        }
    }

    /// A 404 from a registry server, or a file a directory registry does not have.
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Local { source, .. } => source.kind() == std::io::ErrorKind::NotFound,
            _ => self.status() == Some(404),
        }
    }

    /// How long the registry asked to wait before trying again.
    pub fn retry_after(&self) -> Option<Duration> {
        match self {
            Error::Api { retry_after, .. } => *retry_after,
            Error::GaveUp { last, .. } => last.retry_after(),
            _ => None,
        }
    }

    /// How to fix it, when there is something to say.
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::NoToken { .. } | Error::Api { status: 401, .. } => Some(
                "set OSOPS_TOKEN, pass --token, or save one with `osops login`; create one with `osops token create` or, as an administrator, `osops-registry token create --user NAME`".into(),
            ),
            Error::Api { status: 403, .. } => {
                Some("the token is valid but may not do this; check its scopes and patterns (`osops token list`) and the asset's owners (`osops owner list NAME`)".into())
            }
            Error::Api { status: 429, retry_after, .. } => Some(match retry_after {
                Some(after) => format!(
                    "the registry limits how often this may be done; retry after {}s (its Retry-After)",
                    after.as_secs()
                ),
                None => "the registry limits how often this may be done; wait and retry later".into(),
            }),
            Error::Connect { .. } => {
                Some("check `--registry` (or OSOPS_REGISTRY) and that the registry is running".into())
            }
            Error::Timeout { .. } => Some("raise OSOPS_HTTP_TIMEOUT if the link is slow".into()),
            Error::GaveUp { last, .. } => last.hint(),
            Error::BadRegistryUrl(_) => Some(
                "use a URL such as `https://osops.example.org`, or `file:///srv/osops-mirror` for a mirror on disk".into(),
            ),
            Error::NoApi { .. } => Some(
                "search, info, install and need list/show work on a mirror; publishing, yanking, \
                 owners, tokens, logins, votes and new needs go to the registry the mirror was \
                 made from: pass its URL with `--registry`".into(),
            ),
            Error::NoCatalog { .. } => Some(
                "it was made by an older osops: run `osops mirror DIR` into it again (from the \
                 registry it came from) to add the catalog; installs work without it"
                    .into(),
            ),
            Error::NotAMirror { .. } => Some(
                "check the path (is the disk mounted?), or make a mirror with `osops mirror DIR` \
                 on a machine that reaches the registry and copy DIR here".into(),
            ),
            _ => None,
        }
    }
}
