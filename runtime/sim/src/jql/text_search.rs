//! `~` and `!~` on text fields: Jira's word search, not a substring match.
//!
//! Grammar of the text after `~` (Atlassian's "Search syntax for text
//! fields", as modelled here):
//!
//! ```text
//! query   = term*                       ; every term must match (any order)
//! term    = phrase | word-run
//! phrase  = '"' any-but-quote* '"'      ; its words, consecutive, in order
//! word-run = non-space+                 ; split into words; several are a phrase
//! pattern = word with '*' (any run of characters) and '?' (one character)
//! ```
//!
//! The text and the query are split into words on every character that is not
//! alphanumeric (the query keeps `*` and `?` as wildcards) and compared case
//! insensitively, so `ate` matches the word "ate" but not "Rotate" or "rate".
//! An unquoted run that splits into several words (`hand-over`) must match
//! them consecutively, as Lucene's query parser makes such a run a phrase.
//!
//! Jira also stems English words; the simulator models only a trailing plural
//! `s` (`limits` matches "limit" and the reverse; a wildcard pattern is never
//! stemmed, as in Lucene). Not modelled: Lucene's operators inside the text
//! (`AND`, `OR`, `NOT`, `+`, `-`, `~` fuzziness, `^` boosts, which here are words
//! or separators), stop words, and Jira's refusal of a leading wildcard. A
//! query with no word matches no issue (and `!~` every issue).

/// A compiled text query: the terms that must all match.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TextQuery {
    /// Each term is a run of word patterns that must appear consecutively.
    terms: Vec<Vec<Pattern>>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct Pattern {
    /// Lower-cased, with any `*` and `?` kept.
    text: String,
    wildcard: bool,
}

impl Pattern {
    fn new(word: &str) -> Self {
        Self {
            wildcard: word.contains(['*', '?']),
            text: word.to_lowercase(),
        }
    }

    fn matches(&self, word: &str) -> bool {
        if self.wildcard {
            glob(
                &self.text.chars().collect::<Vec<_>>(),
                &word.chars().collect::<Vec<_>>(),
            )
        } else {
            stem(&self.text) == stem(word)
        }
    }
}

impl TextQuery {
    pub(crate) fn parse(query: &str) -> Self {
        let mut terms = Vec::new();
        // Odd-numbered pieces between quotes are phrases; an unclosed quote
        // runs to the end of the text.
        for (index, piece) in query.split('"').enumerate() {
            let runs: Vec<&str> = if index % 2 == 1 {
                vec![piece]
            } else {
                piece.split_whitespace().collect()
            };
            for run in runs {
                let words: Vec<Pattern> = split(run, |c| c == '*' || c == '?')
                    .map(Pattern::new)
                    .collect();
                if !words.is_empty() {
                    terms.push(words);
                }
            }
        }
        Self { terms }
    }

    /// Whether every term appears in `text`.
    pub(crate) fn matches(&self, text: &str) -> bool {
        if self.terms.is_empty() {
            return false;
        }
        let words: Vec<String> = split(text, |_| false).map(str::to_lowercase).collect();
        self.terms.iter().all(|term| {
            words.windows(term.len()).any(|window| {
                term.iter()
                    .zip(window)
                    .all(|(pattern, word)| pattern.matches(word))
            })
        })
    }
}

/// The words of `text`: its runs of alphanumeric characters (and of those
/// `keep` also allows).
fn split(text: &str, keep: impl Fn(char) -> bool) -> impl Iterator<Item = &str> {
    text.split(move |c: char| !(c.is_alphanumeric() || keep(c)))
        .filter(|word| !word.is_empty())
}

/// The simulator's whole stemmer: a trailing plural `s` goes (not after
/// another `s`, and not from words of three letters or fewer: "is", "gas").
fn stem(word: &str) -> &str {
    match word.strip_suffix('s') {
        Some(stem) if word.chars().count() > 3 && !stem.ends_with('s') => stem,
        _ => word,
    }
}

/// `pattern` (`*` any run of characters, `?` one) against the whole of `word`:
/// the two-pointer match that backtracks only to the last `*`, so a hostile
/// pattern (`*a*a*a…b` against a long word) costs at most pattern × word
/// steps, never the exponential search a recursive match makes. The query is
/// the app's, and the simulator may run inside the host.
fn glob(pattern: &[char], word: &[char]) -> bool {
    let (mut p, mut w) = (0, 0);
    // Where the last `*` was, and the word position it now stands for.
    let mut star: Option<(usize, usize)> = None;
    while w < word.len() {
        match pattern.get(p) {
            Some('*') => {
                star = Some((p, w));
                p += 1;
            }
            Some(&c) if c == '?' || c == word[w] => {
                p += 1;
                w += 1;
            }
            _ => match star {
                Some((at, from)) => {
                    p = at + 1;
                    w = from + 1;
                    star = Some((at, from + 1));
                }
                None => return false,
            },
        }
    }
    pattern[p..].iter().all(|&c| c == '*')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hit(query: &str, text: &str) -> bool {
        TextQuery::parse(query).matches(text)
    }

    #[test]
    fn words_match_not_substrings() {
        assert!(hit("rotate", "Rotate the leaked credential"));
        assert!(hit("ROTATE", "rotate"));
        assert!(!hit("ate", "Rotate the rate"));
        assert!(!hit("rot", "Rotate"));
        assert!(hit("arm64", "runs on linux/arm64."));
    }

    #[test]
    fn every_term_must_appear_in_any_order() {
        assert!(hit("limits rate", "rate limits hit"));
        assert!(hit("limit rate", "The rate is over the limits"));
        assert!(!hit("rate missing", "rate limits hit"));
    }

    #[test]
    fn quotes_make_a_phrase_of_consecutive_words() {
        assert!(hit("\"rate limits\"", "Hit the rate limits today"));
        assert!(!hit("\"rate limits\"", "limits on the rate"));
        assert!(!hit("\"rate limits\"", "rate of limits"));
        assert!(hit("hand-over", "at the hand-over hour"));
        assert!(hit("hand-over", "at the hand over hour"));
        assert!(!hit("hand-over", "over the hand"));
        assert!(hit("\"rate limits", "rate limits"), "unclosed quote");
    }

    #[test]
    fn wildcards_match_within_a_word() {
        assert!(hit("rat*", "Rotate the rate"));
        assert!(hit("rot*", "Rotation"));
        assert!(!hit("rot*", "carrot"));
        assert!(hit("r?te", "rate"));
        assert!(!hit("r?te", "rte"));
        assert!(hit("wi*95", "windows 95 and win95"));
        assert!(!hit("limit*s", "limit"), "a wildcard is not stemmed");
        assert!(hit("*", "anything") && hit("a*b*c", "aXbYc") && !hit("a*b*c", "aXbY"));
    }

    #[test]
    fn a_hostile_pattern_is_matched_in_polynomial_time() {
        // Exponential for a recursive match: this would not finish.
        let pattern = format!("{}b", "*a".repeat(40));
        let word = "a".repeat(4000);
        assert!(!hit(&pattern, &word));
        assert!(hit(&format!("{}*", "*a".repeat(40)), &word));
    }

    #[test]
    fn a_trailing_plural_s_is_the_only_stem() {
        assert!(hit("limits", "limit") && hit("limit", "limits"));
        assert!(hit("class", "class") && !hit("clas", "class"));
        assert!(!hit("is", "i") && !hit("limiting", "limit"));
    }

    #[test]
    fn a_query_of_no_word_matches_nothing() {
        assert!(!hit("", "anything") && !hit("- \"\"", "anything"));
        assert!(!hit("word", ""));
    }
}
