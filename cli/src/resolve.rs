//! `NAME[@REQ]` install specs, as typed on the command line. Choosing versions is the solver's
//! job ([`crate::solve`]).

use osops_index::{AssetName, NameError};
use semver::{Version, VersionReq};

#[derive(Debug, thiserror::Error)]
pub enum Error {
    #[error("invalid asset name in `{spec}`")]
    Name {
        spec: String,
        #[source]
        source: NameError,
    },
    #[error("`{req}` in `{spec}` is not a version or a semver requirement")]
    Req {
        spec: String,
        req: String,
        #[source]
        source: semver::Error,
    },
}

impl Error {
    pub fn hint(&self) -> Option<String> {
        match self {
            Error::Req { .. } => Some(
                "write a version (`1.2.0`) or a requirement (`1.2`, `^1`, `=1.2.0`, `>=1, <2`)"
                    .into(),
            ),
            Error::Name { .. } => None,
        }
    }
}

/// What the user asked to install.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Spec {
    pub name: AssetName,
    /// The name as typed, when it was not canonical (`Nova_Tools`).
    pub folded_from: Option<String>,
    /// `None`: any version.
    pub req: Option<VersionReq>,
    /// The requirement as typed, for messages.
    pub req_text: Option<String>,
}

impl Spec {
    pub fn parse(spec: &str) -> Result<Spec, Error> {
        let (name, req_text) = match spec.split_once('@') {
            Some((name, req)) => (name, Some(req.trim())),
            None => (spec, None),
        };
        let canonical = AssetName::canonical_form(name).map_err(|source| Error::Name {
            spec: spec.to_owned(),
            source,
        })?;
        let folded_from = (canonical.as_str() != name).then(|| name.to_owned());
        let req = match req_text {
            None => None,
            // A bare full version is an exact pin, as in `cargo install foo@1.2.0`.
            Some(text) => Some(
                match Version::parse(text) {
                    Ok(v) => VersionReq::parse(&format!("={v}")),
                    Err(_) => VersionReq::parse(text),
                }
                .map_err(|source| Error::Req {
                    spec: spec.to_owned(),
                    req: text.to_owned(),
                    source,
                })?,
            ),
        };
        Ok(Spec {
            name: canonical,
            folded_from,
            req,
            req_text: req_text.map(str::to_owned),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_fold_to_canonical() {
        let spec = Spec::parse("Nova_Tools@1").expect("spec");
        assert_eq!(spec.name.as_str(), "nova-tools");
        assert_eq!(spec.folded_from.as_deref(), Some("Nova_Tools"));
        assert_eq!(Spec::parse("nova-tools").expect("spec").folded_from, None);
    }

    #[test]
    fn a_bare_version_is_an_exact_pin_and_a_short_one_a_caret() {
        let req = |s: &str| Spec::parse(s).expect("spec").req.map(|r| r.to_string());
        assert_eq!(req("nova-tools@1.2.0").as_deref(), Some("=1.2.0"));
        assert_eq!(req("nova-tools@1.2").as_deref(), Some("^1.2"));
        assert_eq!(req("nova-tools@>=1, <2").as_deref(), Some(">=1, <2"));
        assert_eq!(req("nova-tools"), None);
    }

    #[test]
    fn bad_requirements_are_errors() {
        assert!(matches!(
            Spec::parse("nova-tools@banana"),
            Err(Error::Req { .. })
        ));
        assert!(matches!(Spec::parse("nova tools"), Err(Error::Name { .. })));
    }
}
