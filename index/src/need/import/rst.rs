//! A forgiving reader for the reStructuredText that user stories are written in: section titles,
//! paragraphs, bullet and enumerated lists, block quotes, literal blocks, directives, comments and
//! hyperlink targets, turned into [`Block`]s whose text is markdown-ish (`` `code` ``,
//! `[text](url)`, `**bold**`).
//!
//! It is not docutils: it accepts what people wrote in practice (bullets written `*As an operator`
//! without a space, list items whose continuation lines are not indented, emphasised titles)
//! and never fails; anything it does not understand becomes a paragraph.

/// A piece of body text.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Block {
    /// One paragraph, its lines joined with spaces (a line block keeps its `\n`s).
    Para(String),
    List {
        ordered: bool,
        items: Vec<Item>,
    },
    Quote(Vec<Block>),
    Code {
        lang: Option<String>,
        text: String,
    },
    /// `.. note::` and friends: "Note", "Warning", …
    Admonition {
        label: String,
        blocks: Vec<Block>,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub(super) struct Item {
    /// The item's first paragraph, continuation lines joined.
    pub text: String,
    /// What is nested under it: more paragraphs, sub-lists.
    pub children: Vec<Block>,
}

/// A URL found in the text, in document order.
#[derive(Debug, Clone, PartialEq)]
pub(super) struct Link {
    pub url: String,
    /// Written as a bare URL rather than as hyperlink markup (`` `text <url>`_ ``, `.. _x: url`).
    pub bare: bool,
}

/// A section title.
#[derive(Debug, Clone)]
pub(super) struct Heading {
    /// The title text, inline markup removed.
    pub text: String,
    /// Nesting depth by adornment style, in order of first appearance (0 for the first style).
    pub level: usize,
}

#[derive(Debug)]
pub(super) struct Section {
    pub heading: Heading,
    pub blocks: Vec<Block>,
    pub links: Vec<Link>,
}

/// A document cut at its section titles.
#[derive(Debug)]
pub(super) struct Document {
    /// The first section title, with the text between it and the next title.
    pub title: Option<Section>,
    /// Every later section, flat, in order; nesting is in [`Heading::level`].
    pub sections: Vec<Section>,
    /// Hyperlinks written before the first title.
    pub preamble_links: Vec<Link>,
    /// Names of directives whose content was dropped (`image`, `raw`, …), each once.
    pub dropped: Vec<String>,
}

pub(super) fn parse(text: &str) -> Document {
    let lines = normalise(text);
    let headings = find_headings(&lines);
    let mut styles: Vec<(char, bool)> = Vec::new();
    let mut dropped = Vec::new();
    let mut parts = Vec::new();
    for (n, h) in headings.iter().enumerate() {
        let level = match styles.iter().position(|s| *s == h.style) {
            Some(l) => l,
            None => {
                styles.push(h.style);
                styles.len() - 1
            }
        };
        let end = headings.get(n + 1).map_or(lines.len(), |next| next.start);
        let mut ctx = Ctx::default();
        let mut links = Vec::new();
        let heading_text = inline(&h.text, &mut links);
        let blocks = blocks(&lines[h.end..end], &mut ctx);
        links.extend(ctx.links);
        merge(&mut dropped, ctx.dropped);
        parts.push(Section {
            heading: Heading {
                text: strip_emphasis(&heading_text),
                level,
            },
            blocks,
            links,
        });
    }
    let mut ctx = Ctx::default();
    let first = headings.first().map_or(lines.len(), |h| h.start);
    blocks(&lines[..first], &mut ctx);
    merge(&mut dropped, ctx.dropped);
    let mut sections = parts.into_iter();
    Document {
        title: sections.next(),
        sections: sections.collect(),
        preamble_links: ctx.links,
        dropped,
    }
}

fn merge(into: &mut Vec<String>, from: Vec<String>) {
    for d in from {
        if !into.contains(&d) {
            into.push(d);
        }
    }
}

/// `*Requirements*` / `**Gaps**` / ``` ``Glossary`` ``` as a title: the words only.
fn strip_emphasis(text: &str) -> String {
    text.trim()
        .trim_matches('*')
        .trim_matches('`')
        .trim()
        .to_owned()
}

/// Lines with `\r\n`/`\r` as `\n`, tabs expanded to 8-column stops, other control characters as
/// spaces, trailing blanks removed, a leading BOM dropped.
fn normalise(text: &str) -> Vec<String> {
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    let text = text.replace("\r\n", "\n").replace('\r', "\n");
    text.split('\n')
        .map(|line| {
            let mut out = String::with_capacity(line.len());
            let mut col = 0;
            for c in line.chars() {
                if c == '\t' {
                    let next = (col / 8 + 1) * 8;
                    out.extend(std::iter::repeat_n(' ', next - col));
                    col = next;
                } else {
                    out.push(if c.is_control() { ' ' } else { c });
                    col += 1;
                }
            }
            out.truncate(out.trim_end().len());
            out
        })
        .collect()
}

struct FoundHeading {
    /// First line (the overline, or the title text).
    start: usize,
    /// First line after the underline.
    end: usize,
    text: String,
    style: (char, bool),
}

/// The characters rST allows in section adornments.
const ADORNMENT: &str = "!\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}~";

/// The adornment character of a line made of one repeated punctuation character (3 or more),
/// with the line's length in characters.
fn adornment(line: &str) -> Option<(char, usize)> {
    let mut chars = line.chars();
    let c = chars.next()?;
    if !ADORNMENT.contains(c) {
        return None;
    }
    let mut len = 1;
    for other in chars {
        if other != c {
            return None;
        }
        len += 1;
    }
    (len >= 3).then_some((c, len))
}

fn indent(line: &str) -> usize {
    line.len() - line.trim_start_matches(' ').len()
}

/// Section titles: a line at the left margin underlined (and optionally overlined) with one
/// punctuation character repeated at least as many times as the title is long. Indented blocks
/// (literal, quote, directive or comment bodies) never hold one, nor does a comment line.
fn find_headings(lines: &[String]) -> Vec<FoundHeading> {
    let mut found = Vec::new();
    let mut i = 0;
    while i + 1 < lines.len() {
        let line = &lines[i];
        // Overline, title, underline.
        if let (Some((c, _)), Some(text), Some((u, ulen))) = (
            adornment(line),
            lines.get(i + 1),
            lines.get(i + 2).and_then(|l| adornment(l)),
        ) {
            let t = text.trim();
            if !t.is_empty() && adornment(t).is_none() && u == c && ulen >= t.chars().count() {
                found.push(FoundHeading {
                    start: i,
                    end: i + 3,
                    text: t.to_owned(),
                    style: (c, true),
                });
                i += 3;
                continue;
            }
        }
        // Title, underline.
        let candidate = !line.is_empty()
            && indent(line) == 0
            && adornment(line).is_none()
            && !line.starts_with("..");
        if let Some((c, len)) = adornment(&lines[i + 1]).filter(|_| candidate)
            && len >= line.chars().count()
        {
            found.push(FoundHeading {
                start: i,
                end: i + 2,
                text: line.clone(),
                style: (c, false),
            });
            i += 2;
            continue;
        }
        i += 1;
    }
    found
}

#[derive(Default)]
struct Ctx {
    links: Vec<Link>,
    dropped: Vec<String>,
    /// How many blocks enclose the ones being parsed.
    depth: usize,
}

/// Deepest nesting of quotes, list items and directives parsed as such; deeper text is kept as
/// one paragraph, so no input can exhaust the stack or make parsing quadratic.
const MAX_DEPTH: usize = 16;

/// [`blocks`] for content nested in another block.
fn nested(lines: &[String], ctx: &mut Ctx) -> Vec<Block> {
    if ctx.depth >= MAX_DEPTH {
        let text = inline(&join_lines(lines), &mut ctx.links);
        return if text.is_empty() {
            Vec::new()
        } else {
            vec![Block::Para(text)]
        };
    }
    ctx.depth += 1;
    let out = blocks(lines, ctx);
    ctx.depth -= 1;
    out
}

/// Directives whose content is an admonition, with the label shown for them.
const ADMONITIONS: &[(&str, &str)] = &[
    ("note", "Note"),
    ("warning", "Warning"),
    ("important", "Important"),
    ("tip", "Tip"),
    ("hint", "Hint"),
    ("attention", "Attention"),
    ("caution", "Caution"),
    ("danger", "Danger"),
    ("error", "Error"),
    ("seealso", "See also"),
    ("todo", "To do"),
];
/// Directives whose content is kept as body text.
const TRANSPARENT: &[&str] = &[
    "only",
    "container",
    "compound",
    "table",
    "list-table",
    "epigraph",
    "highlights",
    "pull-quote",
    "line-block",
];
/// Directives dropped without a note: they carry no text a reader would miss.
const SILENT: &[&str] = &[
    "highlight",
    "toctree",
    "contents",
    "index",
    "meta",
    "sectnum",
    "section-numbering",
    "class",
    "role",
    "default-role",
    "title",
    "target-notes",
    "header",
    "footer",
];

/// Parses body lines (cut out of the document, possibly dedented) into blocks.
fn blocks(lines: &[String], ctx: &mut Ctx) -> Vec<Block> {
    let mut out = Vec::new();
    let mut i = 0;
    // The previous paragraph ended with `::`: the next indented block is literal.
    let mut literal_next = false;
    while i < lines.len() {
        let line = &lines[i];
        if line.is_empty() {
            i += 1;
            continue;
        }
        if indent(line) > 0 {
            let end = indented_end(lines, i);
            let body = dedent(&lines[i..end]);
            if literal_next {
                out.push(Block::Code {
                    lang: None,
                    text: body.join("\n"),
                });
            } else {
                let inner = nested(&body, ctx);
                if !inner.is_empty() {
                    out.push(Block::Quote(inner));
                }
            }
            literal_next = false;
            i = end;
            continue;
        }
        literal_next = false;
        if line == ".." || line.starts_with(".. ") || line.starts_with("__ ") {
            let end = indented_end(lines, i + 1).max(i + 1);
            explicit(line, &lines[i + 1..end], &mut out, ctx);
            i = end;
            continue;
        }
        if line == "::" {
            literal_next = true;
            i += 1;
            continue;
        }
        if let Some(first) = list_marker(line) {
            let (list, end) = list(lines, i, first.ordered, ctx);
            out.push(list);
            i = end;
            continue;
        }
        if line.starts_with("+-") || line.starts_with("+=") {
            let mut end = i;
            while end < lines.len() && !lines[end].is_empty() {
                end += 1;
            }
            out.push(Block::Code {
                lang: None,
                text: lines[i..end].join("\n"),
            });
            i = end;
            continue;
        }
        if line.starts_with("| ") || line == "|" {
            let mut end = i;
            let mut kept = Vec::new();
            while end < lines.len() && (lines[end].starts_with("| ") || lines[end] == "|") {
                kept.push(inline(lines[end][1..].trim(), &mut ctx.links));
                end += 1;
            }
            out.push(Block::Para(kept.join("\n")));
            i = end;
            continue;
        }
        // A paragraph: lines at the margin up to a blank line, an indented line, or a line that
        // starts a list or markup (accepted without the blank line rST would want).
        // In a run of "As a …, I want …" lines, each line is a paragraph of its own: people
        // list use cases one per line without blank lines or bullets.
        let as_line = |l: &str| l.starts_with("As ");
        let mut end = i + 1;
        while end < lines.len() {
            let l = &lines[end];
            let next_story = as_line(line) && as_line(l);
            if l.is_empty()
                || indent(l) > 0
                || l.starts_with(".. ")
                || list_marker(l).is_some()
                || next_story
            {
                break;
            }
            end += 1;
        }
        let joined = join_lines(&lines[i..end]);
        let (text, literal) = literal_marker(&joined);
        literal_next = literal;
        let text = inline(&text, &mut ctx.links);
        if !text.is_empty() {
            out.push(Block::Para(text));
        }
        i = end;
    }
    out
}

/// The end of the indented block starting at `start`: up to the first line at the margin, with
/// the blank lines before it left out.
fn indented_end(lines: &[String], start: usize) -> usize {
    let mut end = start;
    let mut last = start;
    while end < lines.len() {
        let l = &lines[end];
        if !l.is_empty() {
            if indent(l) == 0 {
                break;
            }
            last = end + 1;
        }
        end += 1;
    }
    last
}

/// Removes the common indentation of the non-blank lines.
fn dedent(lines: &[String]) -> Vec<String> {
    let min = lines
        .iter()
        .filter(|l| !l.is_empty())
        .map(|l| indent(l))
        .min()
        .unwrap_or(0);
    lines
        .iter()
        .map(|l| l.get(min..).unwrap_or_default().to_owned())
        .collect()
}

fn join_lines(lines: &[String]) -> String {
    lines
        .iter()
        .map(|l| l.trim())
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

/// A paragraph ending in `::` announces a literal block: `Text::` reads `Text:`, `Text ::` and a
/// lone `::` read as nothing more.
fn literal_marker(text: &str) -> (String, bool) {
    match text.strip_suffix("::") {
        None => (text.to_owned(), false),
        Some(rest) if rest.is_empty() || rest.ends_with(' ') => (rest.trim_end().to_owned(), true),
        Some(rest) => (format!("{rest}:"), true),
    }
}

/// `.. directive::`, `.. _target: url`, `.. [1] footnote`, `.. |sub| …` or a comment, with the
/// indented lines after it.
fn explicit(first: &str, rest: &[String], out: &mut Vec<Block>, ctx: &mut Ctx) {
    let anonymous = first.starts_with("__ ");
    let head = if anonymous {
        first[2..].trim()
    } else {
        first.get(2..).unwrap_or_default().trim()
    };
    // Hyperlink targets: `.. _label: url`, `.. __: url`, `__ url`.
    if anonymous || head.starts_with('_') {
        let url = if anonymous {
            Some(head)
        } else {
            target_url(head)
        };
        if let Some(url) = url {
            let url: String = std::iter::once(url)
                .chain(rest.iter().map(|l| l.trim()))
                .collect();
            if is_external(&url) {
                ctx.links.push(Link { url, bare: false });
            }
        }
        return;
    }
    // Footnotes and citations.
    if let Some((label, text)) = head.strip_prefix('[').and_then(|a| a.split_once(']')) {
        let body = std::iter::once(text.to_owned())
            .chain(rest.iter().cloned())
            .collect::<Vec<_>>();
        let para = format!("[{label}] {}", join_lines(&body));
        out.push(Block::Para(inline(&para, &mut ctx.links)));
        return;
    }
    // Substitution definitions carry no body text.
    if head.starts_with('|') {
        return;
    }
    let Some((name, args)) = directive(head) else {
        return; // A comment.
    };
    // Options (`:linenos:`) come first, then the content after a blank line.
    let mut content: &[String] = rest;
    let body_indent = rest.iter().find(|l| !l.is_empty()).map_or(0, |l| indent(l));
    while let Some(l) = content.first() {
        let t = l.trim();
        let option = indent(l) == body_indent && t.starts_with(':') && t[1..].contains(':');
        if l.is_empty() || !option {
            break;
        }
        content = &content[1..];
    }
    let content = dedent(content);
    let lower = name.to_ascii_lowercase();
    if let Some((_, label)) = ADMONITIONS.iter().find(|(n, _)| *n == lower) {
        let mut lines: Vec<String> = Vec::new();
        if !args.is_empty() {
            lines.push(args.to_owned());
            lines.push(String::new());
        }
        lines.extend(content);
        out.push(Block::Admonition {
            label: (*label).to_owned(),
            blocks: nested(&lines, ctx),
        });
    } else if matches!(
        lower.as_str(),
        "admonition" | "topic" | "sidebar" | "rubric"
    ) {
        if !args.is_empty() {
            out.push(Block::Para(format!("**{}**", inline(args, &mut ctx.links))));
        }
        out.extend(nested(&content, ctx));
    } else if matches!(
        lower.as_str(),
        "code-block" | "code" | "sourcecode" | "parsed-literal"
    ) {
        let lang = (!args.is_empty()).then(|| args.to_owned());
        let text = content.join("\n");
        out.push(Block::Code {
            lang,
            text: text.trim_matches('\n').to_owned(),
        });
    } else if TRANSPARENT.contains(&lower.as_str()) {
        out.extend(nested(&content, ctx));
    } else if !SILENT.contains(&lower.as_str()) && !ctx.dropped.contains(&lower) {
        ctx.dropped.push(lower);
    }
}

/// `_label: url` → `url` (`None` for an internal target `_label:`).
fn target_url(head: &str) -> Option<&str> {
    let rest = head.strip_prefix('_')?;
    // The label may be quoted with backticks when it holds a colon.
    let after_label = if let Some(quoted) = rest.strip_prefix('`') {
        let close = quoted.find('`')?;
        quoted[close + 1..].strip_prefix(':')?
    } else {
        let colon = rest
            .find(": ")
            .or_else(|| rest.ends_with(':').then(|| rest.len() - 1))?;
        &rest[colon + 1..]
    };
    let url = after_label.trim();
    (!url.is_empty()).then_some(url)
}

/// `name:: args` → `(name, args)`.
fn directive(head: &str) -> Option<(&str, &str)> {
    let (name, args) = head.split_once("::")?;
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_:+.".contains(c));
    ok.then(|| (name, args.trim()))
}

/// A link target outside the document (`scheme://…` or `mailto:…`), as opposed to a reference to
/// another target (`label_`) or a document path. Only http(s) ones become links; the others are
/// reported as skipped.
fn is_external(target: &str) -> bool {
    let lower = target.to_ascii_lowercase();
    !target.ends_with('_')
        && (lower.starts_with("mailto:")
            || lower.split_once("://").is_some_and(|(scheme, _)| {
                !scheme.is_empty()
                    && scheme
                        .chars()
                        .all(|c| c.is_ascii_alphanumeric() || "+.-".contains(c))
            }))
}

/// Starts with `http://` or `https://`, in any case.
fn is_http(text: &str) -> bool {
    let head: String = text
        .chars()
        .take(8)
        .collect::<String>()
        .to_ascii_lowercase();
    head.starts_with("http://") || head.starts_with("https://")
}

struct Marker {
    ordered: bool,
    /// Byte offset of the item's text in the line.
    text_at: usize,
}

/// A bullet (`* `, `- `, `+ `, `• `, and `*As` as people write it) or an enumerator (`1.`, `1)`,
/// `(1)`, `#.`, `a.`) at the start of `line`, followed by text.
fn list_marker(line: &str) -> Option<Marker> {
    let t = line.trim_start_matches(' ');
    let lead = line.len() - t.len();
    let spaces_after = |rest: &str| rest.len() - rest.trim_start_matches(' ').len();
    for bullet in ['*', '-', '+', '•'] {
        if let Some(rest) = t.strip_prefix(bullet) {
            let n = spaces_after(rest);
            if n > 0 && rest.len() > n {
                return Some(Marker {
                    ordered: false,
                    text_at: lead + bullet.len_utf8() + n,
                });
            }
            // `*As an operator, …` without the space, but not `*emphasis*`.
            if bullet == '*' && rest.starts_with("As ") && !rest.ends_with('*') {
                return Some(Marker {
                    ordered: false,
                    text_at: lead + 1,
                });
            }
        }
    }
    let (label, rest) = if let Some(inner) = t.strip_prefix('(') {
        let close = inner.find(')')?;
        (&inner[..close], &inner[close + 1..])
    } else {
        let end = t.find(['.', ')'])?;
        (&t[..end], &t[end + 1..])
    };
    let label_ok = label == "#"
        || (!label.is_empty() && label.len() <= 3 && label.chars().all(|c| c.is_ascii_digit()))
        || (label.len() == 1 && label.chars().all(|c| c.is_ascii_lowercase()));
    let n = spaces_after(rest);
    (label_ok && n > 0 && rest.len() > n).then(|| Marker {
        ordered: true,
        text_at: line.len() - rest.len() + n,
    })
}

/// A list starting at `start`: items of one kind (bulleted or enumerated) at the margin, each
/// with its continuation lines, indented or not.
fn list(lines: &[String], start: usize, ordered: bool, ctx: &mut Ctx) -> (Block, usize) {
    let mut items = Vec::new();
    let mut i = start;
    while i < lines.len() {
        let Some(marker) = list_marker(&lines[i]).filter(|m| m.ordered == ordered) else {
            break;
        };
        // The first paragraph: the marker's line and the lines right after it that do not start
        // another item or markup (indented or not: lazy continuation is common).
        let mut para = vec![lines[i][marker.text_at..].to_owned()];
        let mut end = i + 1;
        while end < lines.len() {
            let l = &lines[end];
            let t = l.trim_start();
            if l.is_empty() || list_marker(l).is_some() || t.starts_with(".. ") || t == "::" {
                break;
            }
            para.push(l.clone());
            end += 1;
        }
        // The rest of the item: indented lines, with blank lines between them.
        let body_end = indented_end(lines, end).max(end);
        let body = dedent(&lines[end..body_end]);
        let (text, literal) = literal_marker(&join_lines(&para));
        let children = if literal && !body.is_empty() {
            vec![Block::Code {
                lang: None,
                text: body.join("\n").trim_matches('\n').to_owned(),
            }]
        } else {
            nested(&body, ctx)
        };
        let text = inline(&text, &mut ctx.links);
        items.push(Item { text, children });
        i = body_end;
        // The list goes on past blank lines only with another item of its kind at the margin.
        let mut next = i;
        while next < lines.len() && lines[next].is_empty() {
            next += 1;
        }
        let more = lines
            .get(next)
            .filter(|l| indent(l) == 0)
            .and_then(|l| list_marker(l))
            .is_some_and(|m| m.ordered == ordered);
        if !more {
            break;
        }
        i = next;
    }
    (Block::List { ordered, items }, i.max(start + 1))
}

/// rST inline markup as markdown-ish text. Hyperlinks are recorded in `links` (`bare` for URLs
/// written as plain text):
///
/// - ``` ``literal`` ``` → `` `literal` ``; `` `interpreted` `` stays;
/// - `` `text <https://…>`_ `` → `[text](https://…)`, `` `<https://…>`_ `` → the URL;
/// - `` `label`_ ``, `label_`, `[1]_` → `label`, `label`, `[1]`;
/// - `` :role:`text <target>` `` → `text`, `` :role:`text` `` → `` `text` ``;
/// - `\*` → `*`; `**bold**` and `*emphasis*` are already markdown.
pub(super) fn inline(text: &str, links: &mut Vec<Link>) -> String {
    let mut out = String::with_capacity(text.len());
    let mut rest = text;
    while let Some(c) = rest.chars().next() {
        let prev = out.chars().next_back();
        let at_word_start = prev.is_none_or(|p| !p.is_alphanumeric());
        if let Some(after) = rest.strip_prefix("``")
            && let Some(close) = after.find("``")
        {
            out.push('`');
            out.push_str(&after[..close]);
            out.push('`');
            rest = &after[close + 2..];
            continue;
        }
        if c == ':'
            && at_word_start
            && let Some((content, after)) = role(rest)
        {
            let (label, target) = split_target(content);
            match target {
                Some(t) if is_external(t) => {
                    links.push(Link {
                        url: t.to_owned(),
                        bare: false,
                    });
                    push_link(&mut out, label, t);
                }
                Some(_) => out.push_str(label),
                None => {
                    out.push('`');
                    out.push_str(content);
                    out.push('`');
                }
            }
            rest = after;
            continue;
        }
        if c == '`'
            && let Some(close) = rest[1..].find('`')
        {
            let content = &rest[1..1 + close];
            let after = &rest[2 + close..];
            let (is_ref, after) = match after.strip_prefix("__") {
                Some(a) => (true, a),
                None => match after.strip_prefix('_') {
                    Some(a) => (true, a),
                    None => (false, after),
                },
            };
            if is_ref {
                let (label, target) = split_target(content);
                match target {
                    Some(t) if is_external(t) => {
                        links.push(Link {
                            url: t.to_owned(),
                            bare: false,
                        });
                        push_link(&mut out, label, t);
                    }
                    _ => out.push_str(label),
                }
            } else {
                out.push('`');
                out.push_str(content);
                out.push('`');
            }
            rest = after;
            continue;
        }
        if at_word_start && is_http(rest) {
            let (url, after) = bare_url(rest);
            links.push(Link {
                url: url.to_owned(),
                bare: true,
            });
            out.push_str(url);
            rest = after;
            continue;
        }
        if c == '['
            && let Some(close) = rest.find("]_")
        {
            let label = &rest[1..close];
            if !label.is_empty() && !label.contains(char::is_whitespace) {
                out.push_str(&rest[..=close]);
                rest = &rest[close + 2..];
                continue;
            }
        }
        if c == '_' && prev.is_some_and(|p| p.is_alphanumeric()) {
            let after = rest.strip_prefix("__").unwrap_or(&rest[1..]);
            if after
                .chars()
                .next()
                .is_none_or(|n| !(n.is_alphanumeric() || n == '_'))
            {
                rest = after; // A `label_` reference: the word is enough.
                continue;
            }
        }
        if c == '\\' {
            let mut chars = rest[1..].chars();
            match chars.next() {
                Some(' ') | None => {}
                Some(escaped) => out.push(escaped),
            }
            rest = chars.as_str();
            continue;
        }
        out.push(c);
        rest = &rest[c.len_utf8()..];
    }
    out.trim().to_owned()
}

/// ``:name:`content` `` at the start of `text` → `(content, rest)`.
fn role(text: &str) -> Option<(&str, &str)> {
    let after = text.strip_prefix(':')?;
    let end = after.find(':')?;
    let name = &after[..end];
    let ok = !name.is_empty()
        && name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || "-_.+".contains(c));
    let body = after[end + 1..].strip_prefix('`')?;
    let close = body.find('`')?;
    ok.then(|| (&body[..close], &body[close + 1..]))
}

/// `text <target>` → `("text", Some("target"))`; `text` → `("text", None)`.
fn split_target(content: &str) -> (&str, Option<&str>) {
    let c = content.trim();
    if let Some(inner) = c.strip_suffix('>')
        && let Some(open) = inner.rfind('<')
    {
        return (inner[..open].trim(), Some(inner[open + 1..].trim()));
    }
    (c, None)
}

fn push_link(out: &mut String, label: &str, url: &str) {
    if label.is_empty() || label == url {
        out.push_str(url);
    } else {
        out.push('[');
        out.push_str(label);
        out.push_str("](");
        out.push_str(url);
        out.push(')');
    }
}

/// A URL written as plain text: up to whitespace or a character that cannot be in it, without
/// the punctuation of the sentence around it (a `)` stays when the URL opened one).
fn bare_url(text: &str) -> (&str, &str) {
    let end = text
        .find(|c: char| c.is_whitespace() || "<>\"'`|".contains(c))
        .unwrap_or(text.len());
    let mut url = &text[..end];
    loop {
        let mut trimmed = url.trim_end_matches(['.', ',', ';', ':', '!', '?', '*']);
        let unbalanced = (trimmed.ends_with(')')
            && trimmed.matches('(').count() < trimmed.matches(')').count())
            || (trimmed.ends_with(']') && !trimmed.contains('['));
        if unbalanced {
            trimmed = &trimmed[..trimmed.len() - 1];
        }
        if trimmed.len() == url.len() {
            break;
        }
        url = trimmed;
    }
    (url, &text[url.len()..])
}

/// Blocks as markdown-ish text: paragraphs apart, `- ` / `1. ` lists, `> ` quotes, fenced code.
pub(super) fn render(blocks: &[Block]) -> String {
    let mut out = String::new();
    for block in blocks {
        if !out.is_empty() {
            out.push_str("\n\n");
        }
        render_block(block, &mut out);
    }
    out
}

fn render_block(block: &Block, out: &mut String) {
    match block {
        Block::Para(text) => out.push_str(text),
        Block::List { ordered, items } => {
            for (n, item) in items.iter().enumerate() {
                if n > 0 {
                    out.push('\n');
                }
                let marker = if *ordered {
                    format!("{}. ", n + 1)
                } else {
                    "- ".to_owned()
                };
                out.push_str(&marker);
                out.push_str(&item.text);
                if !item.children.is_empty() {
                    let pad = " ".repeat(marker.len());
                    for line in render(&item.children).lines() {
                        out.push('\n');
                        if !line.is_empty() {
                            out.push_str(&pad);
                            out.push_str(line);
                        }
                    }
                }
            }
        }
        Block::Quote(inner) => {
            let quoted: Vec<String> = render(inner)
                .lines()
                .map(|l| {
                    if l.is_empty() {
                        ">".to_owned()
                    } else {
                        format!("> {l}")
                    }
                })
                .collect();
            out.push_str(&quoted.join("\n"));
        }
        Block::Code { lang, text } => {
            let fence = if text.contains("```") { "~~~~" } else { "```" };
            out.push_str(fence);
            out.push_str(lang.as_deref().unwrap_or_default());
            out.push('\n');
            out.push_str(text);
            out.push('\n');
            out.push_str(fence);
        }
        Block::Admonition { label, blocks } => {
            out.push_str("**");
            out.push_str(label);
            out.push_str(":**");
            match blocks.split_first() {
                Some((Block::Para(first), rest)) => {
                    out.push(' ');
                    out.push_str(first);
                    if !rest.is_empty() {
                        out.push_str("\n\n");
                        out.push_str(&render(rest));
                    }
                }
                Some(_) => {
                    out.push_str("\n\n");
                    out.push_str(&render(blocks));
                }
                None => {}
            }
        }
    }
}
