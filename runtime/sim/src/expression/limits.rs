//! Every bound the evaluator enforces: Jira's documented complexity limits, which
//! an app must learn about offline, and the simulator's own bounds against hostile
//! expressions, each naming the threat it stops.

/// Jira's limit on an expression's length, in characters. Also the simulator's
/// first defence: it bounds the tokens lexed, the nodes parsed and so the work of
/// every later stage before any of it runs.
pub(crate) const MAX_EXPRESSION_CHARS: usize = 1_000;

/// Deepest nesting the parser accepts: brackets, unary operators, member chains and
/// operator chains all count. Parsing and evaluating recurse once per level, so
/// without it `((((…` or `!!!!…` or `a.b.c.…` within the length limit could
/// overflow a worker thread's stack. Jira's own limit is on syntactic elements; no
/// real expression nests anywhere near this deep.
pub(crate) const MAX_NESTING_DEPTH: usize = 64;

/// Deepest nesting of a value built while evaluating (lists in lists, a function
/// capturing a function): `reduce((a, x) => [a], [])` nests once per step, and
/// comparing, converting or dropping such a value recurses once per level.
pub(crate) const MAX_VALUE_DEPTH: usize = 100;

/// Characters all string operations of one evaluation may build together
/// (concatenation, `join`, `replace`, …). Repeated concatenation doubles a string
/// each step, so without a budget ten steps could ask for gigabytes.
pub(crate) const MAX_BUILT_CHARS: usize = 1_000_000;

/// List items all list operations of one evaluation may build together (`map`,
/// `flatten`, `split`, `concat`, …): the same threat for lists.
pub(crate) const MAX_BUILT_ITEMS: usize = 100_000;

/// Units of work (list items and bytes of text walked) all methods and
/// comparisons of one evaluation may do together. The step limit counts calls,
/// but one call of `includes`, `join`, `split` or one `==` walks a whole list or
/// text: ten thousand calls each over a hundred thousand items would keep a
/// worker busy for minutes.
pub(crate) const MAX_WORK: usize = 20_000_000;

/// Characters of a regular expression's pattern (`match`, `search`,
/// `matchAll`). Jira's length limit bounds a pattern written in the expression,
/// not one built while evaluating (`'(a|b)'.repeat(100000)`), and translating and
/// compiling a pattern take time in its length.
pub(crate) const MAX_REGEX_PATTERN_CHARS: usize = 10_000;

/// A pattern's estimated program size, its atoms with each counted repetition
/// multiplied out (`(a{1000}){1000}` is a million states in a seven-character
/// pattern): the matcher's time per character of text grows with it.
pub(crate) const MAX_REGEX_WEIGHT: usize = 20_000;

/// Groups nested in a pattern: the `regex` crate parses and compiles with
/// recursion bounded by its own nest limit, set from this.
pub(crate) const MAX_REGEX_GROUP_DEPTH: usize = 64;

/// Bytes of a compiled pattern's program (`RegexBuilder::size_limit`): the
/// last bound on a pattern whose size the estimate misjudges (large Unicode
/// classes, case-insensitivity).
pub(crate) const REGEX_PROGRAM_BYTES: usize = 4 << 20;

/// Bytes of the lazy DFA's cache per pattern (`RegexBuilder::dfa_size_limit`);
/// past it the crate falls back to slower matchers, still linear in the text.
pub(crate) const REGEX_CACHE_BYTES: usize = 2 << 20;

/// Jira's limit on evaluation steps ("A step is an operation such as arithmetic,
/// accessing a property, accessing a context variable, or calling a function").
pub(crate) const MAX_STEPS: u32 = 10_000;

/// Jira's limit on expensive operations (those that load more data: comments,
/// entity properties).
pub(crate) const MAX_EXPENSIVE_OPERATIONS: u32 = 10;

/// Jira's limit on REST API objects (beans) in the result.
pub(crate) const MAX_BEANS: u32 = 1_000;

/// Jira's limit on primitive values in the result.
pub(crate) const MAX_PRIMITIVE_VALUES: u32 = 10_000;

/// Deepest the evaluator recurses, counting each node it evaluates inside another
/// and each function call: a function applied to itself
/// (`(f => f(f))(f => f(f))`) would otherwise recurse until the stack overflows,
/// long before the step limit stops it.
pub(crate) const MAX_EVALUATION_DEPTH: usize = 200;

/// The stack an evaluation runs on (`super::evaluate`): room for
/// [`MAX_EVALUATION_DEPTH`] levels of the deepest paths through the evaluator
/// (a function applied to itself through `map`, `sort`, `reduce`, `join`: the
/// HTTP tests run each to the bound) with a wide margin: they need under 4 MiB
/// in a debug build, whose frames are many times a release build's. Reserved,
/// not committed: untouched pages cost no memory.
pub(crate) const EVALUATION_STACK_BYTES: usize = 32 * 1024 * 1024;
