//! Needs: the operator problems assets answer, as files and API bodies carry them.
//!
//! [`NeedRecord`] is what a person writes (a TOML need file, `osops need new`, or a user story
//! imported by [`import`]); the registry adds status, votes and answers around it.

pub mod import;

use crate::AssetName;
use crate::manifest::validate as v;

/// A need as its author describes it. JSON keys are snake_case; TOML need files may write
/// `use-cases` too.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct NeedRecord {
    /// Slug, same rules as asset names.
    pub id: AssetName,
    /// One line.
    #[schemars(length(min = 1, max = MAX_TITLE))]
    pub title: String,
    /// The problem in the operator's words (markdown).
    #[schemars(length(min = 1, max = MAX_PROBLEM))]
    pub problem: String,
    /// Who has it: "cloud operator", "deployer", …
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = MAX_PERSONA))]
    pub persona: Option<String>,
    /// Canonical service names from [`crate::openstack::SERVICES`].
    #[serde(default)]
    #[schemars(length(max = MAX_SERVICES))]
    pub services: Vec<String>,
    /// http(s) URLs of where it was raised: mailing-list thread, bug, user story, etherpad.
    #[serde(default)]
    #[schemars(length(max = MAX_LINKS), inner(regex(pattern = r"^[hH][tT][tT][pP][sS]?://")))]
    pub links: Vec<String>,
    #[serde(default, alias = "use-cases")]
    #[schemars(length(max = MAX_USE_CASES))]
    pub use_cases: Vec<UseCase>,
}

/// "As a cloud operator, I want …", with its persona kept apart.
#[derive(
    Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
pub struct UseCase {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schemars(length(min = 1, max = MAX_PERSONA))]
    pub persona: Option<String>,
    /// One line.
    #[schemars(length(min = 1, max = MAX_USE_CASE_TEXT))]
    pub text: String,
}

/// Why a need record was refused; names the field and how to fix it.
pub type NeedError = crate::ManifestError;

/// Longest title, in characters: one line in a list.
pub const MAX_TITLE: usize = 200;
/// Longest problem statement, in characters.
pub const MAX_PROBLEM: usize = 20_000;
/// Longest persona (of the record or of a use case), in characters.
pub const MAX_PERSONA: usize = 100;
/// Most services a need may name.
pub const MAX_SERVICES: usize = 20;
/// Most links a need may carry.
pub const MAX_LINKS: usize = 50;
/// Most use cases a need may carry.
pub const MAX_USE_CASES: usize = 50;
/// Longest use-case text, in characters.
pub const MAX_USE_CASE_TEXT: usize = 2_000;

impl NeedRecord {
    /// Checks every field: canonical id, non-empty one-line title (≤ 200 chars), non-empty problem
    /// (≤ 20,000 chars), known services (canonical spelling), http(s) links, no control characters
    /// outside the problem's newlines/tabs. Returns the record with services canonicalised.
    ///
    /// Also: leading and trailing whitespace is trimmed from every text, the problem's `\r\n`
    /// become `\n`; a persona is one line of at most [`MAX_PERSONA`] characters; a use case's text
    /// is one line of at most [`MAX_USE_CASE_TEXT`]; services (after canonicalisation) and links
    /// may not repeat; at most [`MAX_SERVICES`] services, [`MAX_LINKS`] links and
    /// [`MAX_USE_CASES`] use cases. Errors name the field as `id`, `title`, `problem`, `persona`,
    /// `services[2]`, `links[0]`, `use_cases[1].text`.
    pub fn validate(self) -> Result<NeedRecord, NeedError> {
        let NeedRecord {
            id,
            title,
            problem,
            persona,
            services,
            links,
            use_cases,
        } = self;
        let id = v::name("id", "need id", id.as_str())?;

        let title = title.trim().to_owned();
        one_line(
            "title",
            &title,
            "title",
            MAX_TITLE,
            "say in one line what the operator needs",
        )?;

        let problem = problem.replace("\r\n", "\n").trim().to_owned();
        if problem.is_empty() {
            return Err(NeedError::new("problem".into(), "problem is empty".into())
                .with_hint("describe the problem in the operator's words"));
        }
        if let Some(c) = problem
            .chars()
            .find(|&c| c.is_control() && c != '\n' && c != '\t')
        {
            return Err(control_char("problem", &problem, c)
                .with_hint("use only line breaks and tabs as control characters"));
        }
        let len = problem.chars().count();
        if len > MAX_PROBLEM {
            return Err(NeedError::new(
                "problem".into(),
                format!("problem is {len} characters long; the limit is {MAX_PROBLEM}"),
            )
            .with_hint("keep the problem statement short and link to the longer documents"));
        }

        let persona = persona.map(|p| p.trim().to_owned());
        if let Some(p) = &persona {
            one_line("persona", p, "persona", MAX_PERSONA, PERSONA_HINT)?;
        }

        too_many(
            "services",
            services.len(),
            MAX_SERVICES,
            "keep the services the need is really about",
        )?;
        let paths: Vec<String> = (0..services.len())
            .map(|i| format!("services[{i}]"))
            .collect();
        let services = services
            .iter()
            .zip(&paths)
            .map(|(s, path)| v::service(path, s))
            .collect::<Result<Vec<_>, _>>()?;
        v::no_duplicates(
            paths
                .iter()
                .map(String::as_str)
                .zip(services.iter().map(String::as_str)),
        )?;

        too_many(
            "links",
            links.len(),
            MAX_LINKS,
            "keep the links where the need was raised",
        )?;
        let links: Vec<String> = links.into_iter().map(|l| l.trim().to_owned()).collect();
        let paths: Vec<String> = (0..links.len()).map(|i| format!("links[{i}]")).collect();
        for (path, link) in paths.iter().zip(&links) {
            v::url(path, link)?;
        }
        v::no_duplicates(
            paths
                .iter()
                .map(String::as_str)
                .zip(links.iter().map(String::as_str)),
        )?;

        too_many(
            "use_cases",
            use_cases.len(),
            MAX_USE_CASES,
            "keep the use cases that differ",
        )?;
        let use_cases = use_cases
            .into_iter()
            .enumerate()
            .map(|(i, u)| {
                let persona = u.persona.map(|p| p.trim().to_owned());
                if let Some(p) = &persona {
                    one_line(
                        &format!("use_cases[{i}].persona"),
                        p,
                        "persona",
                        MAX_PERSONA,
                        PERSONA_HINT,
                    )?;
                }
                let text = u.text.trim().to_owned();
                one_line(
                    &format!("use_cases[{i}].text"),
                    &text,
                    "use case",
                    MAX_USE_CASE_TEXT,
                    "write the use case as one sentence: \"As a cloud operator, I want …\"",
                )?;
                Ok(UseCase { persona, text })
            })
            .collect::<Result<Vec<_>, NeedError>>()?;

        Ok(NeedRecord {
            id,
            title,
            problem,
            persona,
            services,
            links,
            use_cases,
        })
    }
}

const PERSONA_HINT: &str =
    "name who has the need in a few words, like `cloud operator` or `deployer`";

/// A non-empty, single-line text of at most `max` characters.
fn one_line(path: &str, value: &str, what: &str, max: usize, hint: &str) -> Result<(), NeedError> {
    if value.is_empty() {
        return Err(NeedError::new(path.to_owned(), format!("{what} is empty")).with_hint(hint));
    }
    if let Some(c) = value.chars().find(|c| c.is_control()) {
        return Err(control_char(path, value, c).with_hint(format!(
            "keep the {what} on one line, without tabs or other control characters"
        )));
    }
    let len = value.chars().count();
    if len > max {
        return Err(NeedError::new(
            path.to_owned(),
            format!(
                "{what} `{}` is {len} characters long; the limit is {max}",
                v::show(value)
            ),
        )
        .with_hint(hint));
    }
    Ok(())
}

fn control_char(path: &str, value: &str, c: char) -> NeedError {
    NeedError::new(
        path.to_owned(),
        format!(
            "`{}` contains the control character `{}`",
            v::show(value),
            c.escape_unicode()
        ),
    )
}

fn too_many(path: &str, len: usize, max: usize, hint: &str) -> Result<(), NeedError> {
    if len > max {
        return Err(NeedError::new(
            path.to_owned(),
            format!("{len} {path} given; the limit is {max}"),
        )
        .with_hint(hint));
    }
    Ok(())
}

/// The status of a need in the registry.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, schemars::JsonSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum NeedStatus {
    /// No non-yanked asset addresses it yet.
    Open,
    /// The newest non-yanked version of at least one asset addresses it.
    Addressed,
    /// Set by an admin, with a reason.
    Retired,
}

impl NeedStatus {
    pub const ALL: [NeedStatus; 3] = [NeedStatus::Open, NeedStatus::Addressed, NeedStatus::Retired];

    /// As in JSON and URLs: `open`, `addressed`, `retired`.
    pub fn as_str(self) -> &'static str {
        match self {
            NeedStatus::Open => "open",
            NeedStatus::Addressed => "addressed",
            NeedStatus::Retired => "retired",
        }
    }

    /// The status `text` names, in any case.
    pub fn parse(text: &str) -> Option<NeedStatus> {
        let text = text.to_ascii_lowercase();
        Self::ALL.into_iter().find(|s| s.as_str() == text)
    }
}
