// Writes forge/kiln-forge-api/src/intl_collator_data.js, the collation table
// of the Forge layer's intl_collator.js (and intl_casing.js's Soft_Dotted
// code points), from the Unicode Collation Algorithm's DUCET (allkeys.txt)
// and the Node.js that runs it, whose ICU is the reference: run it with the
// Node the tests compare against (Node 20, full ICU). Not part of the build:
// run by hand, and its output committed, when the data should change:
//
//   pip download pyuca==1.2 --no-deps -d /tmp/pyuca
//   (cd /tmp/pyuca && unzip -o pyuca-1.2-py2.py3-none-any.whl)
//   node runtime/guest-build/js-toolchain/collation-data.mjs /tmp/pyuca/pyuca/allkeys-10.0.0.txt
//
// The source: PyPI's `pyuca` 1.2 (MIT; its allkeys files are Unicode's,
// under the Unicode license), whose newest table is DUCET 10.0.0
// (allkeys-10.0.0.txt, sha256 d4c477aaeb59e026f34688ffb48096c7505aa48ce044757977ace647d0429a17).
// No registry ships a newer allkeys.txt; what changed since is taken from
// Node's ICU (below). The toolchain's build has npm only, not pip, hence a
// committed table rather than one made at toolchain-build time.
//
// What the table is (see intl_collator.js for how it is read):
//  - DUCET's weights, re-ranked densely: primaries 1…N, secondaries 1…S,
//    tertiaries as DUCET's (1…31, from which the case of a weight follows).
//  - CLDR's root order where it departs from DUCET: the variable and symbol
//    primaries regrouped as spaces < punctuation < symbols < currency <
//    digits (UTS #35 part 5, "Root Collation"), each group in DUCET's order.
//  - What later DUCETs changed, as Node's ICU has it: quotation marks made
//    one primary (' ‘ ’, " “ ”…), and the code points Unicode assigned since
//    10.0 in the blocks kept (emoji above all) placed where ICU sorts them.
//  - The scripts a Jira app's text is in (BLOCKS below); a code point of
//    another block has the implicit weights of an unassigned one.
//  - From Node's Unicode: the unified ideographs (implicit weights), the
//    decimal digits (`numeric`), Soft_Dotted (Lithuanian casing), and the
//    locales Node's Intl.Collator resolves to (`resolvedOptions().locale`).

import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const source = process.argv[2];
if (!source) {
  console.error('usage: node collation-data.mjs <allkeys.txt>');
  process.exit(2);
}
const text = readFileSync(source, 'utf8');
const version = /^@version\s+(\S+)/m.exec(text)?.[1];

// The blocks whose code points the table keeps (start, end inclusive).
const BLOCKS = [
  [0x0000, 0x2fff], // Latin, Greek, Cyrillic, Armenian, Hebrew, Arabic, Indic, Thai, Georgian, Hangul Jamo, Ethiopic, … , punctuation, symbols, arrows, math, box drawing, dingbats
  [0x3000, 0x33ff], // CJK symbols, Hiragana, Katakana, Bopomofo, Hangul compatibility Jamo, enclosed CJK, CJK compatibility
  [0xa000, 0xabff], // Yi, Vai, Cyrillic Extended-B, Latin Extended-D, … , Hangul Jamo Extended-A, Meetei Mayek
  [0xd7b0, 0xd7ff], // Hangul Jamo Extended-B
  [0xf900, 0xffff], // CJK compatibility ideographs, alphabetic presentation forms, Arabic presentation forms, halfwidth and fullwidth forms, specials
  [0x1d400, 0x1d7ff], // mathematical alphanumeric symbols
  [0x1f000, 0x1faff], // mahjong, domino, playing cards, enclosed alphanumerics and ideographic supplement, emoji, symbols
  [0xe0000, 0xe01ef], // tags, variation selectors supplement (ignorable)
];
const inBlocks = (cp) => BLOCKS.some(([a, b]) => cp >= a && cp <= b);

// Parse: `cps ; [.p.s.t][*p.s.t]… # name`.
const entries = [];
const implicit = [];
for (const line of text.split('\n')) {
  const at = /^@implicitweights\s+([0-9A-F]+)\.\.([0-9A-F]+);\s*([0-9A-F]+)/.exec(line);
  if (at) {
    implicit.push([parseInt(at[1], 16), parseInt(at[2], 16), parseInt(at[3], 16)]);
    continue;
  }
  const m = /^([0-9A-F ]+);\s*((?:\[[.*][0-9A-F.]+\])+)/.exec(line);
  if (!m) continue;
  const cps = m[1].trim().split(/\s+/).map((h) => parseInt(h, 16));
  const ces = [...m[2].matchAll(/\[([.*])([0-9A-F]+)\.([0-9A-F]+)\.([0-9A-F]+)\]/g)].map((c) => ({
    variable: c[1] === '*',
    p: parseInt(c[2], 16),
    s: parseInt(c[3], 16),
    t: parseInt(c[4], 16),
  }));
  entries.push({ cps, ces });
}

// Each primary's reorder group, from the general categories of the single
// code points that have it as their first weight (a primary no single code
// point has keeps its place after the one before).
const GROUPS = { space: 0, punct: 1, symbol: 2, currency: 3, digit: 4, other: 5 };
function groupOf(cp) {
  const c = String.fromCodePoint(cp);
  if (/\p{Z}|[\t-\r\x85]/u.test(c)) return GROUPS.space;
  if (/\p{P}/u.test(c)) return GROUPS.punct;
  if (/\p{Sc}/u.test(c)) return GROUPS.currency;
  if (/\p{S}/u.test(c)) return GROUPS.symbol;
  if (/\p{Nd}/u.test(c)) return GROUPS.digit;
  return GROUPS.other;
}
const primaryGroup = new Map();
// DUCET's digits (each script's share the primaries of 0…9) come after the
// symbols and before the letters: only what sorts before them is regrouped.
const single = (cp) => entries.find((e) => e.cps.length === 1 && e.cps[0] === cp).ces[0].p;
const digitZero = single(0x30);
const digitNine = single(0x39);
for (const { cps, ces } of entries) {
  if (cps.length !== 1 || ces.length !== 1 || ces[0].p === 0 || ces[0].p >= digitZero) continue;
  let g = groupOf(cps[0]);
  if (g >= GROUPS.digit) g = GROUPS.symbol;
  const had = primaryGroup.get(ces[0].p);
  if (had === undefined || g < had) primaryGroup.set(ces[0].p, g);
}
const primaries = [...new Set(entries.flatMap((e) => e.ces.map((c) => c.p)).filter((p) => p !== 0))].sort((a, b) => a - b);
let last = GROUPS.space;
const grouped = primaries.map((p) => {
  let g = p > digitNine ? GROUPS.other : p >= digitZero ? GROUPS.digit : primaryGroup.get(p);
  if (g === undefined) g = last;
  last = g;
  return { p, g };
});
grouped.sort((a, b) => a.g - b.g || a.p - b.p);
// Where this Node's ICU (a newer DUCET) makes two of DUCET 10's
// punctuation and symbol primaries one (' ‘ ’ since UCA 11), they are made
// one here too, the later ones a secondary step apart (as ICU has them).
const representative = new Map();
for (const { cps, ces } of entries) {
  if (cps.length === 1 && ces.length === 1 && ces[0].s === 0x20 && ces[0].t === 2 && !representative.has(ces[0].p)) {
    representative.set(ces[0].p, String.fromCodePoint(cps[0]));
  }
}
const base = new Intl.Collator('en', { sensitivity: 'base' });
const merged = new Map(); // primary → [primary it joins, secondary step]
for (let i = 1; i < grouped.length && grouped[i].g < GROUPS.digit; i++) {
  const a = representative.get(grouped[i - 1].p);
  const b = representative.get(grouped[i].p);
  if (a === undefined || b === undefined || base.compare(a, b) !== 0) continue;
  const [into, step] = merged.get(grouped[i - 1].p) ?? [grouped[i - 1].p, 0];
  merged.set(grouped[i].p, [into, step + 1]);
}
console.error(`merged: ${[...merged].map(([p, [into]]) => representative.get(into) + representative.get(p)).join(' ')}`);
const kept = grouped.filter(({ p }) => !merged.has(p));

// What Unicode added to the blocks kept since DUCET's version (emoji above
// all) is placed where this Node's ICU sorts it: a primary of its own after
// the last of DUCET's it does not sort before, or that one's primary when
// ICU finds them equal (a tertiary step after).
const inDucet = new Set(entries.filter((e) => e.cps.length === 1).map((e) => e.cps[0]));
const reps = kept.filter(({ p }) => representative.has(p)).map(({ p, g }) => ({ p, g, c: representative.get(p) }));
const variant = new Intl.Collator('en');
const after = new Map(); // anchor primary → new [{ cp, c }]
let added = 0;
for (const [first, last] of BLOCKS) {
  for (let cp = first; cp <= last; cp++) {
    if (inDucet.has(cp) || (cp >= 0xac00 && cp <= 0xd7a3) || (cp >= 0xd800 && cp <= 0xf8ff)) continue;
    const c = String.fromCodePoint(cp);
    if (!/\p{Assigned}/u.test(c) || /\p{Unified_Ideograph}|\p{Cs}|\p{Co}/u.test(c) || c.normalize('NFD') !== c) continue;
    added++;
    if (variant.compare(c, '') === 0) {
      entries.push({ cps: [cp], ces: [{ p: 0, s: 0, t: 0 }] });
      continue;
    }
    let lo = 0;
    let hi = reps.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (base.compare(reps[mid].c, c) <= 0) lo = mid + 1;
      else hi = mid - 1;
    }
    const anchor = reps[hi];
    if (anchor !== undefined && base.compare(anchor.c, c) === 0) {
      entries.push({ cps: [cp], ces: [{ p: anchor.p, s: 0x20, t: 3 }] });
      continue;
    }
    const key = anchor?.p ?? 0;
    if (!after.has(key)) after.set(key, []);
    after.get(key).push({ cp, c });
  }
}
// The order with the new primaries, each after its anchor, in ICU's order.
const ordered = [];
const insert = (key, g) => {
  const list = (after.get(key) ?? []).sort((x, y) => base.compare(x.c, y.c) || x.cp - y.cp);
  let previous = null;
  for (const { cp, c } of list) {
    // Two ICU finds equal share one.
    const p = previous !== null && base.compare(previous.c, c) === 0 ? previous.p : 0x100000 + cp;
    if (p !== previous?.p) ordered.push({ p, g });
    entries.push({ cps: [cp], ces: [{ p, s: 0x20, t: p === previous?.p ? 3 : 2 }] });
    previous = { p, c };
  }
};
insert(0, GROUPS.space);
for (const entry of kept) {
  ordered.push(entry);
  insert(entry.p, entry.g);
}
kept.splice(0, kept.length, ...ordered);
console.error(`${added} code points added since DUCET ${version}`);
const primaryRank = new Map(kept.map(({ p }, i) => [p, i + 1]));
for (const [p, [into]] of merged) primaryRank.set(p, primaryRank.get(into));
const secondaryStep = (c) => (c.s === 0 ? 0 : (merged.get(c.p)?.[1] ?? 0));
// The last punctuation primary: `ignorePunctuation` (alternate shifted,
// CLDR's maxVariable punct) ignores every primary up to it.
const variableTop = kept.filter(({ g }) => g <= GROUPS.punct).length;
const secondaries = [...new Set(entries.flatMap((e) => e.ces.map((c) => c.s)).filter((s) => s !== 0))].sort((a, b) => a - b);
const secondaryRank = new Map(secondaries.map((s, i) => [s, i + 1]));
if (secondaries.length >= 256) throw new Error(`${secondaries.length} secondaries: more than a CE's 8 bits`);
if (grouped.length + 1 >= 1 << 15) throw new Error('too many primaries');

const ceOf = (c) => (c.p === 0 ? 0 : primaryRank.get(c.p)) * 8192 + (c.s === 0 ? 0 : secondaryRank.get(c.s + secondaryStep(c))) * 32 + c.t;

// Singles: `delta:ce.ce…`, runs of code points whose one CE each goes up a
// primary at a time `delta+count:ce`, runs of one CE `delta=count:ce`
// (base 36).
const singles = entries
  .filter((e) => e.cps.length === 1 && inBlocks(e.cps[0]))
  .map((e) => ({ cp: e.cps[0], ces: e.ces.map(ceOf) }))
  .sort((a, b) => a.cp - b.cp);
const parts = [];
let prev = 0;
for (let i = 0; i < singles.length; ) {
  const { cp, ces } = singles[i];
  let j = i + 1;
  let kind = '';
  if (ces.length === 1) {
    while (j < singles.length && singles[j].cp === cp + (j - i) && singles[j].ces.length === 1 && singles[j].ces[0] === ces[0] + (j - i) * 8192) j++;
    if (j - i >= 3) kind = '+';
    else {
      j = i + 1;
      while (j < singles.length && singles[j].cp === cp + (j - i) && singles[j].ces.length === 1 && singles[j].ces[0] === ces[0]) j++;
      if (j - i >= 3) kind = '=';
      else j = i + 1;
    }
  }
  const delta = (cp - prev).toString(36);
  parts.push(kind === '' ? `${delta}:${ces.map((c) => c.toString(36)).join('.')}` : `${delta}${kind}${(j - i).toString(36)}:${ces[0].toString(36)}`);
  prev = singles[j - 1].cp;
  i = j;
}
const contractions = entries
  .filter((e) => e.cps.length > 1 && inBlocks(e.cps[0]))
  .map((e) => `${e.cps.map((c) => c.toString(36)).join('.')}:${e.ces.map(ceOf).map((c) => c.toString(36)).join('.')}`);

// Code point ranges of a property, from this Node's Unicode.
function ranges(re) {
  const out = [];
  let start = -1;
  for (let cp = 0; cp <= 0x110000; cp++) {
    const has = cp < 0x110000 && !(cp >= 0xd800 && cp <= 0xdfff) && re.test(String.fromCodePoint(cp));
    if (has && start < 0) start = cp;
    if (!has && start >= 0) {
      out.push([start, cp - 1]);
      start = -1;
    }
  }
  return out;
}
const ideographs = ranges(/^\p{Unified_Ideograph}$/u);
// Decimal digits come in runs of ten from a zero: the zeros.
const zeros = ranges(/^\p{Nd}$/u).flatMap(([a, b]) => Array.from({ length: (b - a + 1) / 10 }, (_, k) => a + 10 * k));

// The locales Node's `Intl.Collator` resolves to (ICU's collation locales),
// for `resolvedOptions().locale`: each language of two letters (and the
// three-letter ones below) that resolves to itself, and each of its regions
// and scripts that does.
const letters = 'abcdefghijklmnopqrstuvwxyz';
const languages = [...letters].flatMap((x) => [...letters].map((y) => x + y));
languages.push('ast', 'ceb', 'chr', 'dsb', 'fil', 'haw', 'hsb', 'kok', 'lkt', 'smn', 'wae', 'yue', 'yue-Hans');
const regionsAndScripts = [...[...letters].flatMap((x) => [...letters].map((y) => (x + y).toUpperCase())), '419', 'Latn', 'Cyrl', 'Arab', 'Deva', 'Hans', 'Hant', 'Beng', 'Guru', 'Tfng'];
const resolvesTo = (tag) => {
  try {
    return new Intl.Collator(tag).resolvedOptions().locale;
  } catch {
    return null;
  }
};
const locales = [];
for (const language of languages) {
  if (resolvesTo(language) !== language) continue;
  locales.push(language);
  for (const sub of regionsAndScripts) {
    const tag = `${language}-${sub}`;
    if (resolvesTo(tag) !== tag) continue;
    locales.push(tag);
    if (/^[A-Z][a-z]{3}$/.test(sub)) {
      for (const region of regionsAndScripts.filter((r) => !/^[A-Z][a-z]{3}$/.test(r))) {
        if (resolvesTo(`${tag}-${region}`) === `${tag}-${region}`) locales.push(`${tag}-${region}`);
      }
    }
  }
}
locales.sort();

const out = `// @generated by runtime/guest-build/js-toolchain/collation-data.mjs from DUCET ${version} (PyPI pyuca 1.2)
// and Node.js ${process.version} (ICU ${process.versions.icu}, Unicode ${process.versions.unicode}).
// Do not edit by hand. Formats: see the generator; read by intl_collator.js.

export const DUCET_VERSION = ${JSON.stringify(version)};
export const UNICODE_VERSION = ${JSON.stringify(process.versions.unicode)};
/** Primary rank of digit zero, where \`numeric\` puts numbers. */
export const DIGIT_PRIMARY = ${primaryRank.get(digitZero)};
/** Highest primary rank \`ignorePunctuation\` ignores. */
export const VARIABLE_TOP = ${variableTop};
/** Primary ranks: explicit ones are 1…PRIMARIES; implicit ones follow. */
export const PRIMARIES = ${kept.length};
/** Secondary rank of DUCET's common secondary (0020). */
export const COMMON_SECONDARY = ${secondaryRank.get(0x20)};
export const SINGLES = ${JSON.stringify(parts.join(','))};
export const CONTRACTIONS = ${JSON.stringify(contractions.join(','))};
/** Implicit weights' own bases: [first, last, base] (DUCET's @implicitweights). */
export const IMPLICIT = ${JSON.stringify(implicit)};
/** Unified ideographs, as [first, last] ranges. */
export const IDEOGRAPHS = ${JSON.stringify(ideographs)};
/** The zero of each run of ten decimal digits. */
export const ZEROS = ${JSON.stringify(zeros)};
/** Soft_Dotted code points (Lithuanian casing, intl_casing.js), base 36. */
export const SOFT_DOTTED = ${JSON.stringify(ranges(/^\p{Soft_Dotted}$/u).flatMap(([a, b]) => Array.from({ length: b - a + 1 }, (_, k) => (a + k).toString(36))).join(','))};
/** The locales Node's Intl.Collator resolves to. */
export const LOCALES = ${JSON.stringify(locales.join(','))};
`;
const target = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'forge', 'kiln-forge-api', 'src', 'intl_collator_data.js');
writeFileSync(target, out);
console.error(`${target}: ${out.length} bytes; ${singles.length} code points, ${contractions.length} contractions, ${kept.length} primaries (${merged.size} merged), ${secondaries.length} secondaries`);
