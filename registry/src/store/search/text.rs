//! Free text in memory: an inverted index of listed assets' name, description, keywords and
//! README, and the query that runs over it, ranked with BM25.
//!
//! The words are what FTS5's `unicode61` tokenizer and the PostgreSQL store index: runs of
//! letters and digits, lowercased, accents removed (`Größe` is `große`, as there). A query word is a phrase of its runs (`nova-evacuate` → `nova evacuate`), every phrase
//! is required, and the last run of the last word matches as a prefix, so results appear while
//! typing. A phrase of several runs must be adjacent in the name, description or keywords; in a
//! README, which is kept as word counts only to keep memory small, it must have each of its runs.

use std::collections::{BTreeMap, HashMap};
use std::ops::Bound;

use unicode_normalization::UnicodeNormalization;

/// The fields are name, description, keywords and README, in the order of [`WEIGHTS`]; only the
/// README's index is needed by name.
const README: usize = 3;
const FIELDS: usize = 4;
/// How much a match in each field counts: a name match outranks a README one.
const WEIGHTS: [f32; FIELDS] = [10.0, 4.0, 4.0, 1.0];
/// BM25's term-frequency saturation and length normalisation, the usual values (FTS5's too).
const K1: f32 = 1.2;
const B: f32 = 0.75;
/// At most this many words of a query are searched; the rest is ignored.
const MAX_WORDS: usize = 16;
/// At most this many characters of a token are kept, in documents and queries alike.
const MAX_TOKEN: usize = 64;
/// Only this much of a README is indexed: its words past that are not searched.
pub const MAX_README: usize = 64 * 1024;

/// A combining diacritical mark: part of a token (its letter's accent, written decomposed), and
/// dropped by [`fold`].
fn is_mark(c: char) -> bool {
    ('\u{300}'..='\u{36f}').contains(&c)
}

/// `run` lowercased without accents, cut to [`MAX_TOKEN`] characters.
fn fold(run: &str) -> String {
    if run.is_ascii() {
        return run[..run.len().min(MAX_TOKEN)].to_ascii_lowercase();
    }
    run.nfd()
        .filter(|c| !is_mark(*c))
        .flat_map(char::to_lowercase)
        .take(MAX_TOKEN)
        .collect()
}

/// The tokens of `text`, in order.
pub(super) fn tokens(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split(|c: char| !(c.is_alphanumeric() || is_mark(c)))
        .filter(|run| run.chars().any(|c| c.is_alphanumeric() && !is_mark(c)))
        .map(fold)
        .filter(|t| !t.is_empty())
}

/// What a query asks for: phrases, each a list of tokens; the very last token is a prefix.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct TextQuery {
    phrases: Vec<Vec<String>>,
}

impl TextQuery {
    /// `None` when `q` has nothing to search (no letter or digit).
    pub(super) fn parse(q: &str) -> Option<TextQuery> {
        let phrases: Vec<Vec<String>> = q
            .split_whitespace()
            .map(|word| tokens(word).collect::<Vec<_>>())
            .filter(|phrase| !phrase.is_empty())
            .take(MAX_WORDS)
            .collect();
        (!phrases.is_empty()).then_some(TextQuery { phrases })
    }
}

/// One document's occurrences of one token.
#[derive(Debug, Clone, Copy)]
struct Posting {
    doc: u32,
    /// Occurrences in each field (a README's count stops at `u16::MAX`).
    tf: [u16; FIELDS],
}

/// What the index keeps of one document: enough to check adjacency in the short fields, to
/// score, and to remove it again.
#[derive(Debug, Default)]
struct Document {
    /// The name's, description's and keywords' tokens in order.
    short: [Box<[u32]>; 3],
    /// Tokens per field, for BM25's length normalisation.
    len: [u32; FIELDS],
    /// Every token this document has a posting under.
    tokens: Box<[u32]>,
}

/// The inverted index. Documents are numbered by the caller (slots that may be reused); each
/// token's postings are kept in document order.
#[derive(Debug, Default)]
pub(super) struct TextIndex {
    vocabulary: BTreeMap<Box<str>, u32>,
    /// By token id: the token, and its postings (empty for a free id).
    words: Vec<Box<str>>,
    postings: Vec<Vec<Posting>>,
    free_ids: Vec<u32>,
    /// By document number.
    documents: Vec<Option<Document>>,
    /// How many documents are indexed.
    count: usize,
    total_len: [u64; FIELDS],
}

/// A document's text, as [`TextIndex::insert`] takes it.
pub(super) struct Fields<'a> {
    pub name: &'a str,
    pub description: &'a str,
    pub keywords: &'a [String],
    pub readme: Option<&'a str>,
}

impl TextIndex {
    /// Indexes `doc` (which must not be indexed already).
    pub(super) fn insert(&mut self, doc: u32, fields: &Fields<'_>) {
        let readme = fields.readme.map(|r| cut(r, MAX_README)).unwrap_or("");
        let keywords = fields.keywords.join(" ");
        let texts: [&str; FIELDS] = [fields.name, fields.description, &keywords, readme];
        let mut counts: HashMap<u32, [u16; FIELDS]> = HashMap::new();
        let mut document = Document::default();
        for (field, text) in texts.into_iter().enumerate() {
            let mut sequence = Vec::new();
            for token in tokens(text) {
                let id = self.id_of(token);
                let tf = &mut counts.entry(id).or_default()[field];
                *tf = tf.saturating_add(1);
                document.len[field] += 1;
                if field != README {
                    sequence.push(id);
                }
            }
            if field != README {
                document.short[field] = sequence.into_boxed_slice();
            }
            self.total_len[field] += u64::from(document.len[field]);
        }
        let mut ids: Vec<u32> = counts.keys().copied().collect();
        ids.sort_unstable();
        for &id in &ids {
            let list = &mut self.postings[id as usize];
            let at = list.partition_point(|p| p.doc < doc);
            list.insert(
                at,
                Posting {
                    doc,
                    tf: counts[&id],
                },
            );
        }
        document.tokens = ids.into_boxed_slice();
        let at = doc as usize;
        if self.documents.len() <= at {
            self.documents.resize_with(at + 1, || None);
        }
        self.documents[at] = Some(document);
        self.count += 1;
    }

    /// Forgets `doc` (nothing when it is not indexed); a token no document has any more is freed.
    pub(super) fn remove(&mut self, doc: u32) {
        let Some(document) = self.documents.get_mut(doc as usize).and_then(Option::take) else {
            return;
        };
        self.count -= 1;
        for (field, len) in document.len.iter().enumerate() {
            self.total_len[field] -= u64::from(*len);
        }
        for &id in document.tokens.iter() {
            let list = &mut self.postings[id as usize];
            if let Ok(at) = list.binary_search_by_key(&doc, |p| p.doc) {
                list.remove(at);
            }
            if list.is_empty() {
                *list = Vec::new();
                let word = std::mem::take(&mut self.words[id as usize]);
                self.vocabulary.remove(&word);
                self.free_ids.push(id);
            }
        }
    }

    fn id_of(&mut self, token: String) -> u32 {
        if let Some(&id) = self.vocabulary.get(token.as_str()) {
            return id;
        }
        let token = token.into_boxed_str();
        let id = match self.free_ids.pop() {
            Some(id) => {
                self.words[id as usize] = token.clone();
                id
            }
            None => {
                self.words.push(token.clone());
                self.postings.push(Vec::new());
                u32::try_from(self.words.len() - 1).expect("fewer than 2^32 distinct words")
            }
        };
        self.vocabulary.insert(token, id);
        id
    }

    /// The ids of the tokens `token` stands for: itself, or with `prefix` every token it starts.
    fn ids(&self, token: &str, prefix: bool) -> Vec<u32> {
        if !prefix {
            return self.vocabulary.get(token).copied().into_iter().collect();
        }
        let mut ids: Vec<u32> = self
            .vocabulary
            .range::<str, _>((Bound::Included(token), Bound::Unbounded))
            .take_while(|(word, _)| word.starts_with(token))
            .map(|(_, id)| *id)
            .collect();
        ids.sort_unstable();
        ids
    }

    /// Every document matching `query`, with its score (higher is better), in document order.
    pub(super) fn matches(&self, query: &TextQuery) -> Vec<(u32, f32)> {
        let last = query.phrases.len() - 1;
        let mut scored: Option<HashMap<u32, f32>> = None;
        for (p, phrase) in query.phrases.iter().enumerate() {
            let alternatives: Vec<Vec<u32>> = phrase
                .iter()
                .enumerate()
                .map(|(t, token)| self.ids(token, p == last && t == phrase.len() - 1))
                .collect();
            let counts = self.phrase_counts(&alternatives, scored.as_ref());
            // The phrase's frequency among the documents still in the running: every result has
            // every phrase, so this only weighs the phrases against each other.
            let idf = idf(self.count, counts.len());
            let mut next = HashMap::with_capacity(counts.len());
            for (doc, tf) in counts {
                let before = scored.as_ref().map_or(Some(0.0), |s| s.get(&doc).copied());
                if let Some(before) = before {
                    next.insert(doc, before + idf * self.bm25(doc, &tf));
                }
            }
            scored = Some(next);
        }
        let mut out: Vec<(u32, f32)> = scored.unwrap_or_default().into_iter().collect();
        out.sort_unstable_by_key(|(doc, _)| *doc);
        out
    }

    /// The documents having the phrase (each position one of its ids), with the phrase's count
    /// per field; only among `within` when given.
    fn phrase_counts(
        &self,
        alternatives: &[Vec<u32>],
        within: Option<&HashMap<u32, f32>>,
    ) -> HashMap<u32, [u32; FIELDS]> {
        // Per position: the documents having one of its ids, with their summed counts.
        let mut per_position: Vec<HashMap<u32, [u32; FIELDS]>> = Vec::new();
        for ids in alternatives {
            let mut docs: HashMap<u32, [u32; FIELDS]> = HashMap::new();
            for &id in ids {
                for posting in &self.postings[id as usize] {
                    if within.is_some_and(|w| !w.contains_key(&posting.doc)) {
                        continue;
                    }
                    let sum = docs.entry(posting.doc).or_default();
                    for (s, tf) in sum.iter_mut().zip(posting.tf) {
                        *s += u32::from(tf);
                    }
                }
            }
            per_position.push(docs);
        }
        let Some((first, rest)) = per_position.split_first_mut() else {
            return HashMap::new();
        };
        if rest.is_empty() {
            return std::mem::take(first);
        }
        let mut out = HashMap::new();
        for (&doc, first_tf) in first.iter() {
            if !rest.iter().all(|r| r.contains_key(&doc)) {
                continue;
            }
            let Some(document) = self.document(doc) else {
                continue;
            };
            let mut tf = [0u32; FIELDS];
            for (field, sequence) in document.short.iter().enumerate() {
                tf[field] = adjacent(sequence, alternatives);
            }
            tf[README] = rest
                .iter()
                .map(|r| r[&doc][README])
                .fold(first_tf[README], u32::min);
            if tf.iter().any(|n| *n > 0) {
                out.insert(doc, tf);
            }
        }
        out
    }

    fn document(&self, doc: u32) -> Option<&Document> {
        self.documents.get(doc as usize).and_then(Option::as_ref)
    }

    /// BM25 of one phrase's counts in `doc`, weighted per field (without the idf).
    fn bm25(&self, doc: u32, tf: &[u32; FIELDS]) -> f32 {
        let Some(document) = self.document(doc) else {
            return 0.0;
        };
        let n = self.count.max(1) as f32;
        (0..FIELDS)
            .filter(|f| tf[*f] > 0)
            .map(|f| {
                let average = (self.total_len[f] as f32 / n).max(1.0);
                let tf = tf[f] as f32;
                let norm = 1.0 - B + B * document.len[f] as f32 / average;
                WEIGHTS[f] * tf * (K1 + 1.0) / (tf + K1 * norm)
            })
            .sum()
    }
}

/// BM25's inverse document frequency of a phrase in `matching` of `total` documents.
fn idf(total: usize, matching: usize) -> f32 {
    let (n, m) = (total as f32, matching as f32);
    (1.0 + (n - m + 0.5) / (m + 0.5)).ln()
}

/// How many times `sequence` has the phrase, each position one of its (sorted) ids.
fn adjacent(sequence: &[u32], alternatives: &[Vec<u32>]) -> u32 {
    if sequence.len() < alternatives.len() {
        return 0;
    }
    sequence
        .windows(alternatives.len())
        .filter(|window| {
            window
                .iter()
                .zip(alternatives)
                .all(|(id, ids)| ids.binary_search(id).is_ok())
        })
        .count() as u32
}

/// At most `max` bytes of `text`, cut at a character boundary.
fn cut(text: &str, max: usize) -> &str {
    if text.len() <= max {
        return text;
    }
    let mut end = max;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn index(docs: &[(&str, &str, &[&str], Option<&str>)]) -> TextIndex {
        let mut index = TextIndex::default();
        for (doc, (name, description, keywords, readme)) in docs.iter().enumerate() {
            let keywords: Vec<String> = keywords.iter().map(|k| k.to_string()).collect();
            let fields = Fields {
                name,
                description,
                keywords: &keywords,
                readme: *readme,
            };
            index.insert(doc as u32, &fields);
        }
        index
    }

    fn docs(index: &TextIndex, q: &str) -> Vec<u32> {
        let query = TextQuery::parse(q).expect("a query");
        let mut found = index.matches(&query);
        found.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        found.into_iter().map(|(doc, _)| doc).collect()
    }

    #[test]
    fn tokens_are_folded_runs_of_letters_and_digits() {
        let t: Vec<String> = tokens("Nova-Evacuate v2.1: Größe café").collect();
        assert_eq!(t, ["nova", "evacuate", "v2", "1", "große", "cafe"]);
        assert_eq!(TextQuery::parse(" \" * ( ) - "), None);
        let long = "x".repeat(100);
        assert_eq!(tokens(&long).next().map(|t| t.len()), Some(MAX_TOKEN));
    }

    #[test]
    fn every_phrase_is_required_and_the_last_token_is_a_prefix() {
        let i = index(&[
            ("nova-evacuate", "Evacuate a host", &["nova"], None),
            (
                "neutron-ports",
                "Clean up orphaned ports",
                &["neutron"],
                None,
            ),
            ("nova-ports", "Ports of nova hosts", &[], None),
        ]);
        assert_eq!(docs(&i, "evacuate host"), [0]);
        assert_eq!(docs(&i, "ports"), [1, 2]);
        assert_eq!(docs(&i, "nova ho"), [0, 2], "hosts and host by prefix");
        assert_eq!(docs(&i, "orph"), [1]);
        assert!(docs(&i, "orph nova").is_empty(), "both are required");
        assert!(
            docs(&i, "ho nova").is_empty(),
            "only the last word is a prefix"
        );
    }

    #[test]
    fn a_phrase_is_adjacent_in_short_fields_and_present_in_a_readme() {
        let i = index(&[
            ("a", "evacuate nova hosts", &[], None),
            ("b", "nova can evacuate", &[], None),
            ("c", "", &[], Some("evacuate, then nova")),
        ]);
        assert_eq!(docs(&i, "evacuate-nova"), [0, 2]);
    }

    #[test]
    fn name_matches_rank_above_description_above_readme() {
        let i = index(&[
            ("r", "", &[], Some("galera")),
            ("d", "check galera", &[], None),
            ("galera-check", "", &[], None),
        ]);
        assert_eq!(docs(&i, "galera"), [2, 1, 0]);
    }

    #[test]
    fn removing_forgets_a_document_and_frees_its_words() {
        let mut i = index(&[
            ("rabbitmq-check", "queues", &[], Some("zanzibar")),
            ("other", "queues", &[], None),
        ]);
        i.remove(0);
        assert!(docs(&i, "zanzibar").is_empty());
        assert!(docs(&i, "rabbitmq").is_empty());
        assert_eq!(docs(&i, "queues"), [1]);
        assert!(!i.vocabulary.contains_key("zanzibar"));
        let keywords = vec!["again".to_owned()];
        let fields = Fields {
            name: "rabbitmq-again",
            description: "",
            keywords: &keywords,
            readme: None,
        };
        i.insert(0, &fields);
        assert_eq!(docs(&i, "rabbitmq again"), [0], "freed ids are reused");
        assert_eq!(i.total_len[0], 3, "the name's tokens");
    }

    #[test]
    fn readmes_are_cut_at_a_character_boundary() {
        let text = format!("{}é tail", "a".repeat(MAX_README - 1));
        assert_eq!(cut(&text, MAX_README).len(), MAX_README - 1);
    }
}
