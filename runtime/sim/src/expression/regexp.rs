//! JavaScript's regular expressions, as Jira's strings take them (`match`,
//! `search`, `matchAll`), run on the `regex` crate.
//!
//! The pattern comes from an app or a site's validator, so it is hostile input:
//! the `regex` crate matches in time linear in the text (no catastrophic
//! backtracking, whatever the pattern), and the pattern, its expansion and its
//! compiled program are bounded ([`super::limits`]). The crate's syntax is not
//! JavaScript's, so the pattern is translated, not passed through: JavaScript's
//! `\d`, `\w` and `\b` are ASCII-only, its `\s` and `.` know their own
//! characters, its lone `{`, `}` and `]` are literals (Annex B), and its classes
//! have no nested classes or set operators. What JavaScript has and the crate
//! cannot do (lookaround, backreferences) is [`RegexError::NotModelled`]: Jira
//! would evaluate it, the simulator cannot. What JavaScript refuses is
//! [`RegexError::Invalid`], in the words of JavaScript's `SyntaxError`; the
//! whole pattern is read before the first is answered, so that a pattern
//! JavaScript refuses is always refused. Without the `u` flag, which Jira's
//! strings cannot set, escapes are read as Annex B reads them: `\1` beyond
//! the pattern's groups is an octal escape, `\8` an `8`, and `\k` a `k` where
//! no group has a name.

use std::ops::Range;

use regex::{Captures, Match, Regex, RegexBuilder};
use thiserror::Error;

use super::limits::{
    MAX_REGEX_GROUP_DEPTH, MAX_REGEX_PATTERN_CHARS, MAX_REGEX_WEIGHT, REGEX_CACHE_BYTES,
    REGEX_PROGRAM_BYTES,
};

/// JavaScript's flags the translation knows. Jira's strings take a pattern as a
/// String, so the methods set them (`g` for `matchAll`) and nothing else can;
/// the others are translated for the day a pattern can carry flags.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub(crate) struct Flags {
    pub(crate) global: bool,
    pub(crate) ignore_case: bool,
    pub(crate) multiline: bool,
    pub(crate) dot_all: bool,
    pub(crate) unicode: bool,
}

impl Flags {
    /// As JavaScript prints them, in its order.
    fn text(self) -> String {
        [
            (self.global, 'g'),
            (self.ignore_case, 'i'),
            (self.multiline, 'm'),
            (self.dot_all, 's'),
            (self.unicode, 'u'),
        ]
        .iter()
        .filter(|(on, _)| *on)
        .map(|(_, c)| *c)
        .collect()
    }
}

/// Why a pattern cannot be run.
#[derive(Debug, Error, Clone, PartialEq)]
pub(crate) enum RegexError {
    /// JavaScript throws a `SyntaxError` for it: Jira refuses it too.
    #[error("{0}")]
    Invalid(String),
    /// JavaScript runs it; the `regex` crate cannot (names the feature).
    #[error("{0}")]
    NotModelled(&'static str),
    /// Longer, more deeply nested, or expanding to a larger program than the
    /// simulator's bounds allow.
    #[error("the pattern is larger than the simulator's bounds")]
    TooLarge,
}

/// Why reading a pattern stops. What JavaScript runs and the crate cannot is
/// no reason to stop: it is noted ([`Translator::not_modelled`]) and the rest
/// read, so that a pattern JavaScript refuses is refused wherever its error
/// lies, and only a pattern JavaScript accepts is [`RegexError::NotModelled`].
#[derive(Debug)]
enum Refused {
    Invalid(String),
    TooLarge,
}

impl From<Refused> for RegexError {
    fn from(refused: Refused) -> Self {
        match refused {
            Refused::Invalid(reason) => RegexError::Invalid(reason),
            Refused::TooLarge => RegexError::TooLarge,
        }
    }
}

/// A compiled pattern and what running it costs.
#[derive(Debug)]
pub(crate) struct JsRegex {
    pub(crate) regex: Regex,
    /// Work charged per byte of text scanned: the matcher's worst case (when
    /// its lazy DFA gives up and it tracks every state of the program at every
    /// byte) grows with the size of the program, which counted repetitions
    /// multiply (`a{1000}` is a thousand states), not with the pattern's
    /// length. Charged as that worst case: most searches cost far less.
    pub(crate) cost_per_byte: usize,
    /// The program's estimated size (see [`Translator`]), charged once for
    /// compiling it.
    pub(crate) weight: usize,
    /// Each of JavaScript's groups, the whole match first.
    js_groups: Vec<JsGroup>,
}

/// One of JavaScript's capture groups: the crate's index of it (the
/// translation adds groups of its own, so the two numberings differ), and
/// the repeated atoms it is in, innermost last.
#[derive(Debug)]
struct JsGroup {
    index: usize,
    repeats: Vec<Repeat>,
}

/// A repeated atom (`(?:(a)|b)+`) holding one of JavaScript's capture groups,
/// wrapped by the translation in a group of its own, the crate's `pass`,
/// which holds the atom's last pass.
///
/// JavaScript forgets an atom's captures at the start of each pass
/// (ECMA-262 RepeatMatcher, step 4), so a group that took no part in the last
/// pass is `undefined` (`'ab'.match('(?:(a)|b)+')` is `["ab", undefined]`);
/// the crate, as Perl does, keeps the last text a group took (`"a"`). A
/// group's text is the last pass's exactly when it lies within that pass:
/// earlier passes end where the last begins.
///
/// A group that every pass enters (`(a*)` in `(?:(a*)b)+`) is the last
/// pass's even where it matched empty text at that pass's start.
#[derive(Debug, Clone, Copy)]
struct Repeat {
    pass: usize,
    entered_by_every_pass: bool,
}

impl JsRegex {
    /// JavaScript's match array for one of the crate's matches: the match,
    /// then each of JavaScript's groups, `None` where JavaScript has
    /// `undefined`.
    pub(crate) fn groups<'t>(
        &self,
        captures: &Captures<'t>,
    ) -> Result<Vec<Option<Match<'t>>>, RegexError> {
        let mut groups = Vec::with_capacity(self.js_groups.len());
        for js_group in &self.js_groups {
            let mut found = captures.get(js_group.index);
            for repeat in &js_group.repeats {
                let (Some(group), Some(pass)) = (found, captures.get(repeat.pass)) else {
                    found = None;
                    break;
                };
                if group.start() < pass.start() || group.end() > pass.end() {
                    found = None;
                    break;
                }
                // Empty text where the last pass begins may be that pass's,
                // or the end of an earlier one's: the crate's answer cannot
                // tell them apart, unless every pass enters the group.
                if group.is_empty()
                    && group.start() == pass.start()
                    && !repeat.entered_by_every_pass
                {
                    return Err(RegexError::NotModelled(
                        "a repeated group's capture group that matched empty text where the \
                         last pass began",
                    ));
                }
            }
            groups.push(found);
        }
        Ok(groups)
    }
}

/// Compiles `pattern` with `flags` as JavaScript's `new RegExp(pattern, flags)`.
pub(crate) fn compile(pattern: &str, flags: Flags) -> Result<JsRegex, RegexError> {
    if pattern.chars().count() > MAX_REGEX_PATTERN_CHARS {
        return Err(RegexError::TooLarge);
    }
    let chars: Vec<char> = pattern.chars().collect();
    let groups = GroupsAhead::scan(&chars);
    let mut translator = Translator {
        chars,
        groups,
        names_closed: Vec::new(),
        names_referenced: Vec::new(),
        at: 0,
        out: String::with_capacity(pattern.len() * 2 + 8),
        flags,
        frames: vec![Frame::new(0, 0)],
        token_start: 0,
        js_groups: 0,
        openings: Vec::new(),
        repeats: Vec::new(),
        not_modelled: None,
    };
    translator.pattern()?;
    if let Some(what) = translator.not_modelled {
        return Err(RegexError::NotModelled(what));
    }
    let weight = translator.frames.first().map_or(1, |f| f.sum.max(1));
    let js_groups = translator.numbering();
    let passes = translator.repeats.len();
    let translated = translator.out;
    let regex = RegexBuilder::new(&translated)
        .case_insensitive(flags.ignore_case)
        .multi_line(flags.multiline)
        .size_limit(REGEX_PROGRAM_BYTES)
        .dfa_size_limit(REGEX_CACHE_BYTES)
        // The translator bounds groups itself; classes, repetitions and the
        // groups holding a repetition's last pass nest too in the crate's
        // count.
        .nest_limit(u32::try_from(MAX_REGEX_GROUP_DEPTH * 6).unwrap_or(u32::MAX))
        .build()
        .map_err(|error| match error {
            regex::Error::CompiledTooBig(_) => RegexError::TooLarge,
            regex::Error::Syntax(message) => RegexError::Invalid(crate_reason(&message)),
            _ => RegexError::Invalid("Invalid regular expression".to_owned()),
        })?;
    // Every group the translation wrote is one of the crate's: a pattern
    // whose numbering went astray is refused, never answered wrongly.
    if regex.captures_len() != js_groups.len() + passes {
        return Err(RegexError::NotModelled("this pattern's capture groups"));
    }
    Ok(JsRegex {
        regex,
        cost_per_byte: 1 + weight,
        weight,
        js_groups,
    })
}

/// The message JavaScript gives for an invalid pattern, V8's wording
/// (`Invalid regular expression: /(/: Unterminated group`); a long pattern is
/// cut, so that the error never repeats a megabyte of text.
pub(crate) fn invalid_message(pattern: &str, flags: Flags, reason: &str) -> String {
    const SHOWN: usize = 100;
    let shown: String = pattern.chars().take(SHOWN).collect();
    let cut = if pattern.chars().nth(SHOWN).is_some() {
        "…"
    } else {
        ""
    };
    format!(
        "Invalid regular expression: /{shown}{cut}/{}: {reason}",
        flags.text()
    )
}

/// The line of the `regex` crate's error that says what is wrong (its other
/// lines quote the translated pattern, which the caller never wrote).
fn crate_reason(message: &str) -> String {
    message
        .lines()
        .find_map(|line| line.trim().strip_prefix("error: "))
        .map_or_else(|| "Invalid regular expression".to_owned(), capitalised)
}

fn capitalised(text: &str) -> String {
    let mut chars = text.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// JavaScript's `\s`: its WhiteSpace and LineTerminator characters, as the
/// inside of a class.
const JS_SPACE: &str = r"\t\n\x0B\x0C\r\x20\xA0\x{1680}\x{2000}-\x{200A}\x{2028}\x{2029}\x{202F}\x{205F}\x{3000}\x{FEFF}";
/// JavaScript's `\d` and `\w`: ASCII only, whatever the flags.
const JS_DIGIT: &str = "0-9";
const JS_WORD: &str = "0-9A-Za-z_";
/// JavaScript's `.` without the `s` flag: anything but a line terminator.
const JS_DOT: &str = r"[^\n\r\x{2028}\x{2029}]";
/// Every character: JavaScript's `[^]`, and the complement of its `[]`.
const ANY: &str = r"\x{0}-\x{10FFFF}";

/// JavaScript's capture groups in the whole pattern, counted before it is
/// read: a decimal escape is a backreference only where the pattern has that
/// many groups, wherever they stand (`\1(a)` refers to the group after it),
/// and `\k` means a named reference only where the pattern names a group
/// (ECMA-262 Annex B.1.2, without the `u` flag).
#[derive(Debug)]
struct GroupsAhead {
    count: usize,
    /// Whether some group has a name (`(?<name>…)`).
    named: bool,
}

impl GroupsAhead {
    /// Counts each `(` not followed by `?`, and each `(?<` not followed by
    /// `=` or `!`, outside classes and escapes, as V8 does before it reads
    /// the pattern. An invalid pattern may be miscounted: reading it
    /// refuses it anyway.
    fn scan(chars: &[char]) -> Self {
        let mut groups = GroupsAhead {
            count: 0,
            named: false,
        };
        let mut in_class = false;
        let mut at = 0;
        while let Some(&c) = chars.get(at) {
            at += 1;
            match c {
                // An escaped character opens nothing.
                '\\' => at += 1,
                '[' => in_class = true,
                ']' => in_class = false,
                '(' if !in_class => match (chars.get(at), chars.get(at + 1), chars.get(at + 2)) {
                    (Some('?'), Some('<'), Some(next)) if *next != '=' && *next != '!' => {
                        groups.count += 1;
                        groups.named = true;
                    }
                    (Some('?'), _, _) => {}
                    _ => groups.count += 1,
                },
                _ => {}
            }
        }
        groups
    }
}

/// One level of groups: the estimated program size of what it holds so far,
/// what a quantifier would repeat, and whether it can match empty text.
#[derive(Debug)]
struct Frame {
    sum: usize,
    last: Last,
    /// Whether the group is a lookaround, `(?=…)` or `(?<=…)`.
    lookaround: Option<Lookaround>,
    /// The group's name, if it has one: checked against the others' when
    /// the group closes.
    name: Option<String>,
    /// Where the group's `(` is in the translation, and the number of
    /// JavaScript's groups opened before it.
    opened_at: usize,
    groups_before: usize,
    /// Whether an alternative before the current one can match empty text,
    /// whether the current one can so far, and whether it could before its
    /// last atom (a quantifier may make that atom optional).
    earlier_alternative_empty: bool,
    alternative_empty: bool,
    empty_before_last: bool,
    /// Whether something in it may match empty text where it could match
    /// more (see [`Atom::prefers_empty`]).
    prefers_empty: bool,
    /// JavaScript's number of the group, if it captures.
    number: Option<usize>,
    /// Whether it has alternatives (`a|b`), and JavaScript's groups in it
    /// that its text always enters, if it has none.
    alternates: bool,
    always_entered: Vec<usize>,
}

impl Frame {
    fn new(opened_at: usize, groups_before: usize) -> Self {
        Frame {
            sum: 0,
            last: Last::Nothing,
            lookaround: None,
            name: None,
            opened_at,
            groups_before,
            earlier_alternative_empty: false,
            alternative_empty: true,
            empty_before_last: true,
            prefers_empty: false,
            number: None,
            alternates: false,
            always_entered: Vec::new(),
        }
    }

    fn can_match_empty(&self) -> bool {
        self.earlier_alternative_empty || self.alternative_empty
    }
}

/// What a quantifier would repeat, at some point of a pattern.
#[derive(Debug, Clone)]
enum Last {
    Atom(Atom),
    /// Nothing: after `(`, `|`, `^`, `$`, `\b` or a quantifier.
    Nothing,
    /// A lookaround JavaScript refuses to repeat: a lookbehind, or a
    /// lookahead with the `u` flag (Annex B repeats a lookahead without it).
    Lookaround,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Lookaround {
    Ahead,
    Behind,
}

/// Something a quantifier can repeat: its estimated program size, where it
/// starts in the translation, JavaScript's groups it holds (numbered from 1),
/// and whether it can match empty text.
#[derive(Debug, Clone)]
struct Atom {
    weight: usize,
    start: usize,
    groups: Range<usize>,
    can_match_empty: bool,
    /// Whether its first choice may be empty text where text to match
    /// follows: a lazy quantifier that may take nothing (`a*?`), or an
    /// alternative that can match empty text before another (`(?:|a)`).
    prefers_empty: bool,
    /// JavaScript's groups in it that every match of it enters.
    always_entered: Vec<usize>,
}

/// A capturing group of the translation, by where its `(` is.
#[derive(Debug, Clone, Copy)]
enum Opening {
    /// JavaScript's group of this number.
    Js(usize),
    /// The group holding the last pass of this [`Repeat`].
    Pass(usize),
}

/// One item of a character class.
enum ClassAtom {
    Char(char),
    /// A class escape (`\d`, `\S`, …) as the crate's class syntax.
    Set(String),
}

/// Reads a JavaScript pattern and writes the crate's. It never recurses (groups
/// are a stack of [`Frame`]s), so a deeply nested pattern cannot overflow.
struct Translator {
    chars: Vec<char>,
    groups: GroupsAhead,
    /// The names of the groups closed so far, which JavaScript refuses to
    /// repeat.
    names_closed: Vec<String>,
    /// The names `\k<…>` refers to, each of which the pattern must name.
    names_referenced: Vec<String>,
    at: usize,
    out: String,
    flags: Flags,
    frames: Vec<Frame>,
    /// Where the token being read starts in the translation.
    token_start: usize,
    /// JavaScript's capture groups opened so far.
    js_groups: usize,
    /// Every capturing group of the translation, by where its `(` is.
    openings: Vec<(usize, Opening)>,
    /// The first thing read that JavaScript runs and the crate would answer
    /// differently.
    not_modelled: Option<&'static str>,
    /// JavaScript's groups in each repeated atom, and those every pass
    /// enters, by [`Opening::Pass`].
    repeats: Vec<(Range<usize>, Vec<usize>)>,
}

impl Translator {
    fn peek(&self) -> Option<char> {
        self.chars.get(self.at).copied()
    }

    fn peek_at(&self, ahead: usize) -> Option<char> {
        self.chars.get(self.at + ahead).copied()
    }

    fn next(&mut self) -> Option<char> {
        let c = self.peek()?;
        self.at += 1;
        Some(c)
    }

    fn starts_with(&self, text: &str) -> bool {
        text.chars()
            .enumerate()
            .all(|(i, c)| self.peek_at(i) == Some(c))
    }

    fn frame(&mut self) -> &mut Frame {
        if self.frames.is_empty() {
            self.frames.push(Frame::new(0, 0));
        }
        let last = self.frames.len() - 1;
        &mut self.frames[last]
    }

    /// A character, class or escape, of estimated size `weight`, that the
    /// token being read wrote.
    fn atom(&mut self, weight: usize) -> Result<(), Refused> {
        let atom = Atom {
            weight,
            start: self.token_start,
            groups: self.js_groups..self.js_groups,
            can_match_empty: false,
            prefers_empty: false,
            always_entered: Vec::new(),
        };
        self.push_atom(atom)
    }

    fn push_atom(&mut self, atom: Atom) -> Result<(), Refused> {
        let frame = self.frame();
        frame.sum = frame.sum.saturating_add(atom.weight);
        frame.empty_before_last = frame.alternative_empty;
        frame.alternative_empty &= atom.can_match_empty;
        frame.prefers_empty |= atom.prefers_empty;
        frame.always_entered.extend_from_slice(&atom.always_entered);
        frame.last = Last::Atom(atom);
        if frame.sum > MAX_REGEX_WEIGHT {
            return Err(Refused::TooLarge);
        }
        Ok(())
    }

    /// Something that matches a position: nothing to repeat after it.
    fn assertion(&mut self) {
        let frame = self.frame();
        frame.sum = frame.sum.saturating_add(1);
        frame.last = Last::Nothing;
    }

    fn invalid(reason: &str) -> Refused {
        Refused::Invalid(reason.to_owned())
    }

    fn pattern(&mut self) -> Result<(), Refused> {
        loop {
            self.token_start = self.out.len();
            let Some(c) = self.next() else {
                break;
            };
            match c {
                '\\' => self.escape()?,
                '(' => self.open_group()?,
                ')' => {
                    if self.frames.len() <= 1 {
                        return Err(Self::invalid("Unmatched ')'"));
                    }
                    let Some(mut group) = self.frames.pop() else {
                        return Err(Self::invalid("Unmatched ')'"));
                    };
                    self.out.push(')');
                    // V8 checks a name when its group closes, so that
                    // `(?<a>(?<a>` is an unterminated group.
                    if let Some(name) = group.name.take() {
                        if self.names_closed.contains(&name) {
                            return Err(Self::invalid("Duplicate capture group name"));
                        }
                        self.names_closed.push(name);
                    }
                    let mut always_entered = if group.alternates {
                        Vec::new()
                    } else {
                        std::mem::take(&mut group.always_entered)
                    };
                    always_entered.extend(group.number);
                    self.push_atom(Atom {
                        weight: group.sum.max(1),
                        start: group.opened_at,
                        // JavaScript's numbers, from 1: the group's own, if
                        // it captures, and those it holds.
                        groups: group.groups_before + 1..self.js_groups + 1,
                        // A lookaround matches a position.
                        can_match_empty: group.lookaround.is_some() || group.can_match_empty(),
                        prefers_empty: group.prefers_empty,
                        always_entered,
                    })?;
                    let repeatable = match group.lookaround {
                        None => true,
                        Some(Lookaround::Ahead) => !self.flags.unicode,
                        Some(Lookaround::Behind) => false,
                    };
                    if !repeatable {
                        self.frame().last = Last::Lookaround;
                    }
                }
                '|' => {
                    self.out.push('|');
                    let frame = self.frame();
                    frame.last = Last::Nothing;
                    frame.alternates = true;
                    frame.prefers_empty |= frame.alternative_empty;
                    frame.earlier_alternative_empty |= frame.alternative_empty;
                    frame.alternative_empty = true;
                    frame.empty_before_last = true;
                }
                '^' | '$' => {
                    self.out.push(c);
                    self.assertion();
                }
                '.' => {
                    self.out
                        .push_str(if self.flags.dot_all { "(?s:.)" } else { JS_DOT });
                    self.atom(1)?;
                }
                '[' => self.class()?,
                '*' => self.quantifier(c, 0, None)?,
                '+' => self.quantifier(c, 1, None)?,
                '?' => self.quantifier(c, 0, Some(1))?,
                '{' => match self.braces() {
                    Some((low, high, length)) => {
                        self.at += length;
                        self.quantifier('{', low, high)?;
                    }
                    // V8's words: a `{` after what a quantifier could
                    // follow is a quantifier left incomplete.
                    None if self.flags.unicode => {
                        return Err(Self::invalid(match self.frame().last {
                            Last::Nothing => "Lone quantifier brackets",
                            Last::Atom(_) | Last::Lookaround => "Incomplete quantifier",
                        }));
                    }
                    None => self.literal('{')?,
                },
                '}' | ']' if self.flags.unicode => {
                    return Err(Self::invalid("Lone quantifier brackets"));
                }
                _ => self.literal(c)?,
            }
        }
        if self.frames.len() > 1 {
            return Err(Self::invalid("Unterminated group"));
        }
        // Checked once every group is read: a reference may precede its group.
        let named = &self.names_closed;
        if !self
            .names_referenced
            .iter()
            .all(|name| named.contains(name))
        {
            return Err(Self::invalid("Invalid named capture referenced"));
        }
        Ok(())
    }

    fn literal(&mut self, c: char) -> Result<(), Refused> {
        let mut buffer = [0; 4];
        self.out
            .push_str(&regex::escape(c.encode_utf8(&mut buffer)));
        self.atom(1)
    }

    /// `{n}`, `{n,}` or `{n,m}` at the cursor (just after the `{`): its bounds
    /// and its length after the `{`, or `None` where it is no quantifier (a
    /// literal `{` in JavaScript without the `u` flag).
    fn braces(&self) -> Option<(u64, Option<u64>, usize)> {
        let mut i = 0;
        let number = |i: &mut usize| -> Option<u64> {
            let start = *i;
            let mut value: u64 = 0;
            while let Some(d) = self.peek_at(*i).and_then(|c| c.to_digit(10)) {
                value = value.saturating_mul(10).saturating_add(u64::from(d));
                *i += 1;
            }
            (*i > start).then_some(value)
        };
        let low = number(&mut i)?;
        let high = if self.peek_at(i) == Some(',') {
            i += 1;
            number(&mut i)
        } else {
            Some(low)
        };
        (self.peek_at(i) == Some('}')).then_some((low, high, i + 1))
    }

    /// A quantifier after the last atom: `*`, `+`, `?` or `{low,high}`
    /// (`high` `None` for unbounded), and its lazy `?`.
    fn quantifier(&mut self, kind: char, low: u64, high: Option<u64>) -> Result<(), Refused> {
        let last = match self.frame().last.clone() {
            Last::Atom(atom) => atom,
            Last::Nothing => return Err(Self::invalid("Nothing to repeat")),
            Last::Lookaround => return Err(Self::invalid("Invalid quantifier")),
        };
        if high.is_some_and(|high| high < low) {
            return Err(Self::invalid("numbers out of order in {} quantifier"));
        }
        let holds_groups = !last.groups.is_empty();
        // JavaScript refuses a pass beyond the required ones that matches
        // empty text (RepeatMatcher: "if min = 0 and y's endIndex =
        // x's endIndex, return failure") and then tries the atom's other
        // ways or stops repeating; the crate takes that empty pass, and so
        // answers differently for its groups (`'b'.match('(a*)*')` is
        // `["", undefined]` in JavaScript, `["", ""]` in the crate).
        let has_optional_pass = high.is_none_or(|high| high > low);
        if holds_groups && last.can_match_empty && has_optional_pass {
            self.not_modelled("capture groups in a repeated atom that can match empty text");
        }
        // Where the atom's first choice is empty text, JavaScript refuses it
        // and takes the atom's next choice, which may match more
        // (`'aa'.match('(?:a*?)+')` is `"aa"` in JavaScript, `""` in the
        // crate).
        if last.prefers_empty && has_optional_pass {
            self.not_modelled(
                "a repeated atom whose first choice is empty text (a lazy quantifier or \
                 an empty alternative first)",
            );
        }
        // A repetition is its atom as many times as its largest count (one
        // more where unbounded).
        let times = match kind {
            '{' => high.unwrap_or(low).saturating_add(1),
            _ => 2,
        };
        let grown = usize::try_from(times)
            .unwrap_or(usize::MAX)
            .saturating_mul(last.weight);
        if grown > MAX_REGEX_WEIGHT {
            return Err(Refused::TooLarge);
        }
        if holds_groups && high.is_none_or(|high| high > 1) {
            self.hold_last_pass(&last);
        }
        match kind {
            '{' => {
                self.out.push_str(&format!("{{{low}"));
                match high {
                    Some(high) if high == low => {}
                    Some(high) => self.out.push_str(&format!(",{high}")),
                    None => self.out.push(','),
                }
                self.out.push('}');
            }
            _ => self.out.push(kind),
        }
        let lazy = self.peek() == Some('?');
        if lazy {
            self.at += 1;
            self.out.push('?');
        }
        let frame = self.frame();
        frame.sum = frame.sum.saturating_sub(last.weight).saturating_add(grown);
        frame.last = Last::Nothing;
        let can_match_empty = low == 0 || last.can_match_empty;
        frame.alternative_empty = frame.empty_before_last && can_match_empty;
        if low == 0 {
            frame
                .always_entered
                .retain(|number| !last.groups.contains(number));
        }
        frame.prefers_empty |= lazy && can_match_empty;
        Ok(())
    }

    /// Notes the first thing JavaScript runs that the crate would answer
    /// differently; the rest of the pattern is still read, so that a pattern
    /// JavaScript refuses is refused as JavaScript refuses it.
    fn not_modelled(&mut self, what: &'static str) {
        self.not_modelled.get_or_insert(what);
    }

    /// Wraps the repeated `atom`, just written, in a capturing group, which
    /// holds its last pass (see [`Repeat`]).
    fn hold_last_pass(&mut self, atom: &Atom) {
        self.out.insert(atom.start, '(');
        self.out.push(')');
        for (at, _) in &mut self.openings {
            if *at >= atom.start {
                *at += 1;
            }
        }
        self.openings
            .push((atom.start, Opening::Pass(self.repeats.len())));
        self.repeats
            .push((atom.groups.clone(), atom.always_entered.clone()));
    }

    /// Each of JavaScript's groups, with the crate's index of it and the
    /// repeated atoms it is in: the crate numbers groups by where their `(`
    /// is.
    fn numbering(&mut self) -> Vec<JsGroup> {
        self.openings.sort_by_key(|(at, _)| *at);
        let mut passes = vec![0; self.repeats.len()];
        let mut js_groups: Vec<JsGroup> = (0..=self.js_groups)
            .map(|_| JsGroup {
                index: 0,
                repeats: Vec::new(),
            })
            .collect();
        for (index, (_, opening)) in self.openings.iter().enumerate() {
            let slot = match opening {
                Opening::Js(number) => js_groups.get_mut(*number).map(|g| &mut g.index),
                Opening::Pass(repeat) => passes.get_mut(*repeat),
            };
            if let Some(slot) = slot {
                *slot = index + 1;
            }
        }
        // Outer repeats were recorded after the inner ones they hold.
        for ((groups, entered), pass) in self.repeats.iter_mut().zip(passes).rev() {
            entered.sort_unstable();
            for number in groups.clone() {
                if let Some(js_group) = js_groups.get_mut(number) {
                    js_group.repeats.push(Repeat {
                        pass,
                        entered_by_every_pass: entered.binary_search(&number).is_ok(),
                    });
                }
            }
        }
        js_groups
    }

    fn open_group(&mut self) -> Result<(), Refused> {
        if self.frames.len() > MAX_REGEX_GROUP_DEPTH {
            return Err(Refused::TooLarge);
        }
        let groups_before = self.js_groups;
        let mut lookaround = None;
        let mut group_name = None;
        if self.peek() == Some('?') {
            if self.starts_with("?:") {
                self.at += 2;
                self.out.push_str("(?:");
            } else if self.starts_with("?=") || self.starts_with("?!") {
                self.not_modelled("lookahead assertions, (?=…) and (?!…)");
                lookaround = Some(Lookaround::Ahead);
                self.at += 2;
                self.out.push_str("(?:");
            } else if self.starts_with("?<=") || self.starts_with("?<!") {
                self.not_modelled("lookbehind assertions, (?<=…) and (?<!…)");
                lookaround = Some(Lookaround::Behind);
                self.at += 3;
                self.out.push_str("(?:");
            } else if self.starts_with("?<") {
                self.at += 2;
                let name = self.group_name()?;
                self.open_capture();
                self.out.push_str(&format!("(?<{name}>"));
                group_name = Some(name);
            } else {
                return Err(Self::invalid("Invalid group"));
            }
        } else {
            self.open_capture();
            self.out.push('(');
        }
        // `token_start` is where this group's `(` is. A lookaround's body is
        // read as a group's, so that JavaScript's refusals in it are found.
        let mut frame = Frame::new(self.token_start, groups_before);
        frame.number = (self.js_groups > groups_before).then_some(self.js_groups);
        frame.lookaround = lookaround;
        frame.name = group_name;
        self.frames.push(frame);
        Ok(())
    }

    /// JavaScript's next capture group, whose `(` is about to be written.
    fn open_capture(&mut self) {
        self.js_groups += 1;
        self.openings
            .push((self.out.len(), Opening::Js(self.js_groups)));
    }

    /// A named group's name, up to its `>`. The crate takes ASCII letters,
    /// digits and `_`; JavaScript's `$` and non-ASCII letters are not modelled.
    fn group_name(&mut self) -> Result<String, Refused> {
        let mut name = String::new();
        loop {
            match self.next() {
                Some('>') if !name.is_empty() => return Ok(name),
                Some(c) if c.is_ascii_alphabetic() || c == '_' => name.push(c),
                Some(c) if c.is_ascii_digit() && !name.is_empty() => name.push(c),
                Some(c) if c == '$' || (!c.is_ascii() && c.is_alphanumeric()) => {
                    self.not_modelled("group names with `$` or letters beyond ASCII");
                    name.push(c);
                }
                _ => return Err(Self::invalid("Invalid capture group name")),
            }
        }
    }

    /// After a `\` outside a class.
    fn escape(&mut self) -> Result<(), Refused> {
        let Some(c) = self.next() else {
            return Err(Self::invalid("\\ at end of pattern"));
        };
        match c {
            'd' | 'D' | 'w' | 'W' | 's' | 'S' => {
                let set = Self::class_escape(c);
                self.out.push_str(&set);
                self.atom(1)
            }
            // ASCII word boundaries, as JavaScript's: a word character is
            // `[0-9A-Za-z_]` there, with or without flags.
            'b' => {
                self.out.push_str(r"(?-u:\b)");
                self.assertion();
                Ok(())
            }
            'B' => {
                self.out.push_str(r"(?-u:\B)");
                self.assertion();
                Ok(())
            }
            '1'..='9' => self.decimal_escape(c),
            // Annex B: where no group has a name, `\k` is a `k`.
            'k' if self.groups.named || self.flags.unicode => self.named_reference(),
            'p' | 'P' if self.flags.unicode => {
                let escape = self.property(c)?;
                self.out.push_str(&escape);
                // A property is a large class: many states once in UTF-8.
                self.atom(4)
            }
            _ => {
                let c = self.character_escape(c)?;
                self.literal(c)
            }
        }
    }

    /// After a `\` and `first`, a digit from 1 to 9, outside a class: a
    /// backreference where the whole number is at most the pattern's number
    /// of groups; else, without the `u` flag, a legacy octal escape or, for
    /// `\8` and `\9`, the digit (Annex B: `'a\u0001'.match(/a\1/)` and
    /// `'8'.match(/\8/)` match).
    fn decimal_escape(&mut self, first: char) -> Result<(), Refused> {
        let more_digits = (0..)
            .take_while(|&i| self.peek_at(i).is_some_and(|c| c.is_ascii_digit()))
            .count();
        let number = std::iter::once(first)
            .chain((0..more_digits).filter_map(|i| self.peek_at(i)))
            .filter_map(|c| c.to_digit(10))
            .fold(0_u64, |number, digit| {
                number.saturating_mul(10).saturating_add(u64::from(digit))
            });
        if usize::try_from(number).is_ok_and(|number| number <= self.groups.count) {
            self.at += more_digits;
            self.not_modelled("backreferences (\\1 …)");
            return self.unmodelled_atom();
        }
        if self.flags.unicode {
            return Err(Self::invalid("Invalid escape"));
        }
        let c = self.character_escape(first)?;
        self.literal(c)
    }

    /// After `\k`, where it can only be a named backreference: `<name>`, a
    /// name some group of the pattern has.
    fn named_reference(&mut self) -> Result<(), Refused> {
        if self.next() != Some('<') {
            return Err(Self::invalid("Invalid named reference"));
        }
        let name = self.group_name()?;
        self.names_referenced.push(name);
        self.not_modelled("named backreferences (\\k<name>)");
        self.unmodelled_atom()
    }

    /// An atom the crate cannot match, already noted as not modelled: only
    /// its place is kept (a quantifier may follow), as the translation is
    /// never compiled.
    fn unmodelled_atom(&mut self) -> Result<(), Refused> {
        self.out.push_str("(?:)");
        self.atom(1)
    }

    /// `\p{…}` or `\P{…}` with the `u` flag, in the crate's syntax, whose
    /// property names are Unicode's, as JavaScript's are.
    fn property(&mut self, c: char) -> Result<String, Refused> {
        if self.next() != Some('{') {
            return Err(Self::invalid("Invalid property name"));
        }
        let mut name = String::new();
        loop {
            match self.next() {
                Some('}') if !name.is_empty() => break,
                Some(n) if n.is_ascii_alphanumeric() || n == '_' || n == '=' => name.push(n),
                _ => return Err(Self::invalid("Invalid property name")),
            }
        }
        Ok(format!("\\{c}{{{name}}}"))
    }

    /// The crate's class for JavaScript's `\d`, `\w`, `\s` and their
    /// complements.
    fn class_escape(c: char) -> String {
        let inner = match c.to_ascii_lowercase() {
            'd' => JS_DIGIT,
            'w' => JS_WORD,
            _ => JS_SPACE,
        };
        if c.is_ascii_uppercase() {
            format!("[^{inner}]")
        } else {
            format!("[{inner}]")
        }
    }

    /// The character an escape stands for, `c` being what follows the `\`
    /// (not a class escape, assertion or backreference).
    fn character_escape(&mut self, c: char) -> Result<char, Refused> {
        Ok(match c {
            'n' => '\n',
            'r' => '\r',
            't' => '\t',
            'v' => '\u{B}',
            'f' => '\u{C}',
            '0' if !self.peek().is_some_and(|d| d.is_ascii_digit()) => '\0',
            '0' if self.flags.unicode => return Err(Self::invalid("Invalid decimal escape")),
            '0'..='7' if !self.flags.unicode => self.legacy_octal(c),
            'c' => match self.peek() {
                Some(letter) if letter.is_ascii_alphabetic() => {
                    self.at += 1;
                    char::from(u8::try_from(u32::from(letter) % 32).unwrap_or(0))
                }
                // Annex B: a `\c` not before a letter is a backslash, and the
                // `c` is read again as itself.
                _ if !self.flags.unicode => {
                    self.at -= 1;
                    '\\'
                }
                _ => return Err(Self::invalid("Invalid Unicode escape")),
            },
            'x' => match self.hex(2) {
                Some(code) => char::from_u32(code).unwrap_or('\0'),
                None if !self.flags.unicode => 'x',
                None => return Err(Self::invalid("Invalid escape")),
            },
            'u' => self.unicode_escape()?,
            _ if !self.flags.unicode => c,
            // With `u`, only syntax characters and `/` may be escaped.
            _ if "^$\\.*+?()[]{}|/-".contains(c) => c,
            _ => return Err(Self::invalid("Invalid escape")),
        })
    }

    /// Annex B's legacy octal escape, `first` its first digit: up to three
    /// octal digits while the value stays at most `0o377` (`\477` is `\47`
    /// and a `7`).
    fn legacy_octal(&mut self, first: char) -> char {
        let mut value = first.to_digit(8).unwrap_or(0);
        let most = if value <= 3 { 2 } else { 1 };
        for _ in 0..most {
            let Some(digit) = self.peek().and_then(|c| c.to_digit(8)) else {
                break;
            };
            value = value * 8 + digit;
            self.at += 1;
        }
        char::from_u32(value).unwrap_or('\0')
    }

    /// `digits` hex digits at the cursor, consumed if all there.
    fn hex(&mut self, digits: usize) -> Option<u32> {
        let mut value = 0;
        for i in 0..digits {
            value = value * 16 + self.peek_at(i)?.to_digit(16)?;
        }
        self.at += digits;
        Some(value)
    }

    /// After `\u`: four hex digits (a UTF-16 code unit; a surrogate pair
    /// written as two escapes is one character), or `{…}` with the `u` flag.
    fn unicode_escape(&mut self) -> Result<char, Refused> {
        if self.flags.unicode && self.peek() == Some('{') {
            self.at += 1;
            let mut value: u32 = 0;
            let mut digits = 0;
            while let Some(d) = self.peek().and_then(|c| c.to_digit(16)) {
                value = value.saturating_mul(16).saturating_add(d);
                digits += 1;
                self.at += 1;
            }
            if digits == 0 || self.next() != Some('}') {
                return Err(Self::invalid("Invalid Unicode escape"));
            }
            return char::from_u32(value).ok_or_else(|| Self::invalid("Invalid Unicode escape"));
        }
        let Some(unit) = self.hex(4) else {
            return if self.flags.unicode {
                Err(Self::invalid("Invalid Unicode escape"))
            } else {
                Ok('u')
            };
        };
        if let Some(c) = char::from_u32(unit) {
            return Ok(c);
        }
        // A high surrogate: the simulator's text is characters, not UTF-16
        // code units, so only a whole pair can match anything.
        if (0xD800..0xDC00).contains(&unit) && self.starts_with("\\u") {
            let back = self.at;
            self.at += 2;
            if let Some(low) = self.hex(4).filter(|low| (0xDC00..0xE000).contains(low)) {
                let code = 0x10000 + ((unit - 0xD800) << 10) + (low - 0xDC00);
                if let Some(c) = char::from_u32(code) {
                    return Ok(c);
                }
            }
            self.at = back;
        }
        self.not_modelled("lone UTF-16 surrogates (the simulator's strings are characters)");
        Ok(char::REPLACEMENT_CHARACTER)
    }

    /// After a `[`: the class up to its `]`, each character written as a
    /// `\x{…}` escape so that nothing in it means more in the crate's syntax
    /// (nested classes, `&&`, `--`, `~~`).
    fn class(&mut self) -> Result<(), Refused> {
        let negated = self.peek() == Some('^');
        if negated {
            self.at += 1;
        }
        let mut items = String::new();
        loop {
            let Some(c) = self.next() else {
                return Err(Self::invalid("Unterminated character class"));
            };
            if c == ']' {
                break;
            }
            let low = self.class_atom(c)?;
            let is_range = self.peek() == Some('-') && !matches!(self.peek_at(1), None | Some(']'));
            if !is_range {
                Self::push_class_atom(&mut items, low);
                continue;
            }
            self.at += 1;
            let Some(c) = self.next() else {
                return Err(Self::invalid("Unterminated character class"));
            };
            let high = self.class_atom(c)?;
            match (low, high) {
                (ClassAtom::Char(low), ClassAtom::Char(high)) => {
                    if low > high {
                        return Err(Self::invalid("Range out of order in character class"));
                    }
                    items.push_str(&format!(
                        r"\x{{{:X}}}-\x{{{:X}}}",
                        u32::from(low),
                        u32::from(high)
                    ));
                }
                // Annex B: a class escape at either end makes the `-` a literal.
                (low, high) if !self.flags.unicode => {
                    Self::push_class_atom(&mut items, low);
                    Self::push_class_atom(&mut items, ClassAtom::Char('-'));
                    Self::push_class_atom(&mut items, high);
                }
                _ => return Err(Self::invalid("Invalid character class")),
            }
        }
        match (items.is_empty(), negated) {
            // `[]` matches nothing, `[^]` anything.
            (true, false) => self.out.push_str(&format!("[^{ANY}]")),
            (true, true) => self.out.push_str(&format!("[{ANY}]")),
            (false, false) => self.out.push_str(&format!("[{items}]")),
            (false, true) => self.out.push_str(&format!("[^{items}]")),
        }
        self.atom(1)
    }

    fn class_atom(&mut self, c: char) -> Result<ClassAtom, Refused> {
        if c != '\\' {
            return Ok(ClassAtom::Char(c));
        }
        let Some(c) = self.next() else {
            return Err(Self::invalid("\\ at end of pattern"));
        };
        Ok(match c {
            'd' | 'D' | 'w' | 'W' | 's' | 'S' => ClassAtom::Set(Self::class_escape(c)),
            // In a class, `\b` is a backspace and `\-` a hyphen.
            'b' => ClassAtom::Char('\u{8}'),
            '-' => ClassAtom::Char('-'),
            'p' | 'P' if self.flags.unicode => ClassAtom::Set(self.property(c)?),
            // No backreference in a class: with the `u` flag a decimal escape
            // is refused; without it, `\1` is an octal escape and `\8` an `8`
            // (see `character_escape`).
            '1'..='7' if self.flags.unicode => return Err(Self::invalid("Invalid class escape")),
            '0' if self.flags.unicode && self.peek().is_some_and(|d| d.is_ascii_digit()) => {
                return Err(Self::invalid("Invalid class escape"));
            }
            // Where a group has a name, `\k` is no identity escape.
            'k' if self.groups.named => return Err(Self::invalid("Invalid escape")),
            // Annex B: in a class, `\c` before a digit or `_` is a control
            // character too (`[\c1]` is U+0011).
            'c' if !self.flags.unicode
                && self.peek().is_some_and(|d| d.is_ascii_digit() || d == '_') =>
            {
                let code = self.next().map_or(0, |d| u32::from(d) % 32);
                ClassAtom::Char(char::from_u32(code).unwrap_or('\0'))
            }
            _ => ClassAtom::Char(self.character_escape(c)?),
        })
    }

    fn push_class_atom(items: &mut String, atom: ClassAtom) {
        match atom {
            ClassAtom::Char(c) => items.push_str(&format!(r"\x{{{:X}}}", u32::from(c))),
            ClassAtom::Set(set) => items.push_str(&set),
        }
    }
}
