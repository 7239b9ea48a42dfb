//! The patterns an evaluation has compiled, kept for the next call with the
//! same pattern ([`super::regexp`]).

use std::rc::Rc;

use super::regexp::{Flags, JsRegex};

/// The last few patterns an evaluation compiled: an expression applies one
/// pattern to every issue of a list (`issues.map(i => i.summary.match(…))`),
/// and compiling is the expensive part.
#[derive(Debug, Default)]
pub(crate) struct RegexCache {
    entries: Vec<(String, Flags, Rc<JsRegex>)>,
}

impl RegexCache {
    const ENTRIES: usize = 8;

    pub(crate) fn get(&self, pattern: &str, flags: Flags) -> Option<Rc<JsRegex>> {
        self.entries
            .iter()
            .find(|(p, f, _)| p == pattern && *f == flags)
            .map(|(_, _, regex)| Rc::clone(regex))
    }

    pub(crate) fn insert(&mut self, pattern: &str, flags: Flags, regex: Rc<JsRegex>) {
        if self.entries.len() >= Self::ENTRIES {
            self.entries.remove(0);
        }
        self.entries.push((pattern.to_owned(), flags, regex));
    }
}
