// Regular expressions with Unicode property escapes, rewritten at build time.
//
// The engine (StarlingMonkey's SpiderMonkey) is built without ICU, and so
// without Unicode's property data: it refuses `\p{L}`, `\P{N}`,
// `\p{Script=Greek}`, `\p{Extended_Pictographic}`… with a SyntaxError
// (`invalid class property name in regular expression`), and refuses the `v`
// flag (`unicodeSets`) altogether. Node accepts them, and so do popular
// packages (marked's emphasis rules use `/[\p{L}\p{N}]/u`, `\p{P}`, `\p{S}`):
// a bundle holding one such regular expression would not even load.
//
// What is rewritten, in the bundle esbuild wrote, before componentize-js
// reads it:
//
// - every regular expression literal with the `u` flag whose pattern has a
//   `\p{…}` or `\P{…}` escape, and every one with the `v` flag;
// - every `RegExp(<string>, <string>)` and `new RegExp(<string>, <string>)`
//   whose arguments are literals (the pattern a string or a template without
//   substitutions, the flags a string) and which would be one of those
//   (esbuild writes a `v`-flag literal that way for its es2022 target).
//
// Each pattern becomes regexpu-core's (what Babel's
// transform-unicode-property-regex uses) equivalent without property
// escapes: the property's code points spelled out as classes. The `u` flag
// stays (the engine handles it, case folding included); a `v` flag becomes
// `u`, with its set operations and string literals (`\q{…}`) worked out.
// Nothing else of the bundle changes (but for the prelude below, when it is
// needed): a regular expression that does not need it keeps its bytes, and
// the literals are found by acorn's parser (its tokens, as it reads the
// module), never by matching text.
//
// Patterns put together at run time (`new RegExp(variable, 'u')`, a
// concatenation) cannot be rewritten here. When the bundle's string literals
// spell property escapes (marked joins `'\\p{P}\\p{S}'` into most of its
// rules), `runtimePrelude` gives the engine's `RegExp` those properties'
// code points, and it replaces them in a `u`-flag pattern before the engine
// reads it (that `RegExp` is a Proxy of the engine's: `instanceof RegExp`
// holds, `re.constructor === RegExp` does not). Any other escape (one no
// literal of the bundle spells, or in a `v`-flag pattern built at run time)
// still reaches the engine, which refuses it with a SyntaxError when that
// code runs.
//
// A rewritten regular expression matches as the original (with regexpu-core's
// Unicode version, which may know characters newer than Node's ICU), but its
// `source` (and `flags`, for `v`) reads the rewritten pattern.

import { Parser } from 'acorn';
import rewritePattern from 'regexpu-core';

const OPTIONS = { unicodePropertyEscapes: 'transform', unicodeSetsFlag: 'transform' };

/**
 * Whether `text` may hold a regular expression this module rewrites: a cheap
 * look before parsing the bundle. `\p{`/`\P{` (in a literal or in a string's
 * source, `\\p{`), or a `v` among flags (`/…/gv`, `'v'`).
 */
export function mayNeedRewrite(text) {
  return (
    text.includes('\\p{') ||
    text.includes('\\P{') ||
    /\/[dgimsuy]*v[dgimsuy]*(?![\w$])|["'`][dgimsuy]*v[dgimsuy]*["'`]/.test(text)
  );
}

/** Whether `pattern` (read with the `u` flag) has a `\p{` or `\P{` escape. */
function hasPropertyEscape(pattern) {
  for (let i = 0; i < pattern.length; i += 1) {
    if (pattern[i] !== '\\') continue;
    // Under `u`, a backslash always escapes the one character after it.
    if ((pattern[i + 1] === 'p' || pattern[i + 1] === 'P') && pattern[i + 2] === '{') return true;
    i += 1;
  }
  return false;
}

/** Whether a regular expression of `pattern` and `flags` needs rewriting. */
function needsRewrite(pattern, flags) {
  return flags.includes('v') || (flags.includes('u') && hasPropertyEscape(pattern));
}

/** `{ pattern, flags }` without property escapes or `v`. */
function rewrite(pattern, flags) {
  let newFlags = flags;
  const newPattern = rewritePattern(pattern, flags, {
    ...OPTIONS,
    onNewFlags(value) {
      newFlags = value;
    },
  });
  // What the engine will be given, checked here where the error can name it.
  new RegExp(newPattern, newFlags);
  return { pattern: newPattern, flags: newFlags };
}

/** `/pattern/flags`, or null when that text would not read back as exactly this literal. */
function literal(pattern, flags) {
  const text = `/${pattern}/${flags}`;
  try {
    const token = Parser.tokenizer(text, { ecmaVersion: 'latest' }).getToken();
    return token.type.label === 'regexp' &&
      token.end === text.length &&
      token.value.pattern === pattern &&
      token.value.flags === flags
      ? text
      : null;
  } catch {
    return null;
  }
}

/**
 * `code` (an ES module) with its regular expressions that need it rewritten
 * (see above): `{ code, rewritten, errors, runtime }`, `rewritten` the number
 * changed, `errors` what could not be (each left as it was), `runtime` the
 * properties (`P`, `Script=Greek`) whose escapes string literals spell
 * otherwise (for `runtimePrelude`). Throws when `code` does not parse.
 */
export function rewriteRegexes(code) {
  const edits = [];
  const errors = [];
  let count = 0;
  // String literals (and template parts) with `\p{…}` text, and those of them
  // rewritten as a `RegExp(…)` call's pattern.
  const strings = [];
  const rewrittenStrings = new Set();
  const place = (start) => {
    const line = code.slice(0, start).split('\n').length;
    return `line ${line}`;
  };
  const attempt = (start, pattern, flags, apply) => {
    try {
      const done = rewrite(pattern, flags);
      apply(done);
      count += 1;
    } catch (error) {
      const shown = pattern.length > 80 ? `${pattern.slice(0, 80)}…` : pattern;
      errors.push(`${place(start)}: ${JSON.stringify(shown)} (flags ${JSON.stringify(flags)}): ${error?.message ?? error}`);
    }
  };

  // The last few tokens, for `RegExp(` `<string>` `,` `<string>` `)`.
  const recent = [];
  const isPatternArg = (tokens) =>
    tokens.length === 1
      ? tokens[0].type.label === 'string'
      : tokens.length === 3 &&
        tokens[0].type.label === '`' &&
        tokens[1].type.label === 'template' &&
        tokens[2].type.label === '`' &&
        typeof tokens[1].value === 'string';
  const constructorCall = () => {
    // `recent` ends with `)`: try `RegExp ( P )` and `RegExp ( P , F )`, P
    // one string token or three for a template.
    for (const patternLength of [1, 3]) {
      for (const withFlags of [false, true]) {
        const length = 3 + patternLength + (withFlags ? 2 : 0);
        if (recent.length < length) continue;
        const call = recent.slice(recent.length - length);
        const before = recent[recent.length - length - 1];
        if (call[0].type.label !== 'name' || call[0].value !== 'RegExp') continue;
        if (before && (before.type.label === '.' || before.type.label === '?.')) continue;
        if (call[1].type.label !== '(') continue;
        const patternTokens = call.slice(2, 2 + patternLength);
        if (!isPatternArg(patternTokens)) continue;
        let flagsToken = null;
        if (withFlags) {
          if (call[2 + patternLength].type.label !== ',') continue;
          flagsToken = call[3 + patternLength];
          if (flagsToken.type.label !== 'string') continue;
        }
        return { patternTokens, flagsToken };
      }
    }
    return null;
  };

  Parser.parse(code, {
    ecmaVersion: 'latest',
    sourceType: 'module',
    allowHashBang: true,
    onToken(token) {
      const label = token.type.label;
      recent.push(token);
      if (recent.length > 10) recent.shift();
      if ((label === 'string' || label === 'template') && typeof token.value === 'string' && hasPropertyText(token.value)) {
        strings.push(token);
      }
      if (label === 'regexp') {
        const { pattern, flags } = token.value;
        if (needsRewrite(pattern, flags)) {
          attempt(token.start, pattern, flags, (done) => {
            const text = literal(done.pattern, done.flags);
            if (text === null) throw new Error('the rewritten pattern is no regular expression literal');
            edits.push({ start: token.start, end: token.end, text });
          });
        }
      } else if (label === ')') {
        const call = constructorCall();
        if (call !== null) {
          const { patternTokens, flagsToken } = call;
          const value = patternTokens.length === 1 ? patternTokens[0].value : patternTokens[1].value;
          const flags = flagsToken?.value ?? '';
          if (needsRewrite(value, flags)) {
            const first = patternTokens[0];
            const last = patternTokens[patternTokens.length - 1];
            attempt(first.start, value, flags, (done) => {
              rewrittenStrings.add(patternTokens.length === 1 ? first : patternTokens[1]);
              edits.push({ start: first.start, end: last.end, text: JSON.stringify(done.pattern) });
              if (done.flags !== flags) {
                edits.push({ start: flagsToken.start, end: flagsToken.end, text: JSON.stringify(done.flags) });
              }
            });
          }
        }
      }
    },
  });

  // The property escapes of the strings left: fragments of patterns the code
  // puts together at run time (marked: `'\\p{P}\\p{S}'`, joined into classes).
  const runtime = new Set();
  for (const token of strings) {
    if (rewrittenStrings.has(token)) continue;
    for (const name of propertyNames(token.value)) runtime.add(name);
  }
  if (edits.length === 0) return { code, rewritten: 0, errors, runtime: [...runtime].sort() };
  edits.sort((a, b) => a.start - b.start);
  let out = '';
  let at = 0;
  for (const edit of edits) {
    out += code.slice(at, edit.start) + edit.text;
    at = edit.end;
  }
  out += code.slice(at);
  return { code: out, rewritten: count, errors, runtime: [...runtime].sort() };
}

/** Whether `text` has `\p{` or `\P{` in it. */
function hasPropertyText(text) {
  return text.includes('\\p{') || text.includes('\\P{');
}

/** The `X` of each `\p{X}` and `\P{X}` in `text` (a string's value). */
function propertyNames(text) {
  const names = [];
  for (let at = text.indexOf('\\'); at >= 0; at = text.indexOf('\\', at + 2)) {
    if ((text[at + 1] === 'p' || text[at + 1] === 'P') && text[at + 2] === '{') {
      const end = text.indexOf('}', at + 3);
      if (end > 0) names.push(text.slice(at + 3, end));
    }
  }
  return names;
}

/** The contents of a class of exactly `\p{name}`'s code points, or null when that is no set of code points. */
function classContents(escape) {
  try {
    const out = rewritePattern(`[${escape}]`, 'u', { unicodePropertyEscapes: 'transform' });
    if (!out.startsWith('[') || out.startsWith('[^') || !out.endsWith(']')) return null;
    const contents = out.slice(1, -1);
    new RegExp(`[${contents}]`, 'u');
    return contents;
  } catch {
    return null;
  }
}

/**
 * Patterns put together at run time cannot be rewritten here, but the
 * property escapes their string literals spell can be known: `names` (from
 * `rewriteRegexes`'s `runtime`). A statement to put first in the bundle, or
 * null when none of `names` is a property of code points: it has `RegExp`
 * (the global, a Proxy of the engine's) replace each of those escapes in a
 * pattern given with the `u` flag (not `v`) by its code points, as a class
 * (or, inside a class, as that class's ranges), before the engine reads it.
 * A pattern without one is given to the engine as it is.
 */
export function runtimePrelude(names) {
  const sets = {};
  for (const name of names) {
    const has = classContents(`\\p{${name}}`);
    const lacks = classContents(`\\P{${name}}`);
    if (has !== null && lacks !== null) sets[name] = [has, lacks];
  }
  if (Object.keys(sets).length === 0) return null;
  return `(() => { const SETS = ${JSON.stringify(sets)}; ${runtimeRewrite.toString()} ` +
    'globalThis.RegExp = new Proxy(RegExp, { construct: (target, args, newTarget) => Reflect.construct(target, runtimeRewrite(SETS, args), newTarget), apply: (target, self, args) => Reflect.apply(target, self, runtimeRewrite(SETS, args)) }); })();\n';
}

/**
 * `args` of a `RegExp` call, with the `\p{…}`/`\P{…}` escapes `sets` knows
 * replaced in a `u`-flag pattern (runs in the engine: see runtimePrelude).
 * Under `u`, a backslash escapes the one character after it and classes do
 * not nest, which is all the reading this needs.
 */
function runtimeRewrite(sets, args) {
  const [pattern, flags] = args;
  if (typeof pattern !== 'string' || typeof flags !== 'string' || !flags.includes('u') || flags.includes('v')) return args;
  if (!pattern.includes('\\p{') && !pattern.includes('\\P{')) return args;
  let out = '';
  let inClass = false;
  for (let i = 0; i < pattern.length; i += 1) {
    const c = pattern[i];
    if (c === '\\') {
      const next = pattern[i + 1];
      if ((next === 'p' || next === 'P') && pattern[i + 2] === '{') {
        const end = pattern.indexOf('}', i + 3);
        const set = end > 0 && Object.hasOwn(sets, pattern.slice(i + 3, end)) ? sets[pattern.slice(i + 3, end)] : undefined;
        if (set !== undefined) {
          const contents = set[next === 'p' ? 0 : 1];
          out += inClass ? contents : `[${contents}]`;
          i = end;
          continue;
        }
      }
      out += c + (next ?? '');
      i += 1;
      continue;
    }
    if (c === '[') inClass = true;
    else if (c === ']') inClass = false;
    out += c;
  }
  return [out, ...args.slice(1)];
}
