// `Intl` for the apps that use it (build.mjs). The engine (StarlingMonkey's
// SpiderMonkey) is built without ICU: it has no `Intl`, and its
// `toLocaleString` ignores locale and options. Forge runs apps on Node.js,
// which has all of ICU, so an app formatting a date for a comment
// (`toLocaleString('en-GB', { timeZone: 'Europe/London' })`) or a number
// (`Intl.NumberFormat`) would fail or print something else on Kiln.
//
// What an app that uses them gets: FormatJS's polyfills (@formatjs/intl-*,
// MIT, the ECMA-402 implementations react-intl ships and tests against the
// spec's test262 suite), `Intl.getCanonicalLocales`, `Locale`,
// `PluralRules`, `NumberFormat`, `DateTimeFormat` (with the IANA time zones
// of FormatJS's "golden" set: every zone in common use), `RelativeTimeFormat`
// and `ListFormat`, and the `toLocaleString`, `toLocaleDateString`,
// `toLocaleTimeString` of `Date` and `Number` through them. Besides, only
// for an app whose code names them (see POLYFILLS): `DisplayNames` (with
// the locales' data), `Segmenter` (Unicode's default rules, which ICU
// follows but for the dictionary-based words of Chinese, Japanese, Thai…),
// `DurationFormat` (only for an app on Forge's `nodejs24.x`: Node has it
// from 23, so on `nodejs20.x` and `nodejs22.x`, Forge's default, code that
// tests for `Intl.DurationFormat` finds none, on Forge and on Kiln alike) and
// `supportedValuesOf` (the values these polyfills take, not ICU's).
//
// `Collator` and `String.prototype.localeCompare` (the engine's compares
// code units), and `toLocaleUpperCase` / `toLocaleLowerCase` (the engine's
// ignore the locale), are Kiln's own (no polyfill exists), each only for an
// app whose code names it, whether or not it names `Intl` (collationFor):
// the Forge layer's intl_collator.js, the Unicode Collation Algorithm over
// DUCET's weights in CLDR's root order (data: intl_collator_data.js, made by
// collation-data.mjs beside this file), with every option Node takes, every
// locale collating as root (no tailorings: Swedish, Spanish ñ, German
// phonebook, Cyrillic-first Russian, pinyin Chinese… sort as in English;
// Han in UCA's implicit order, not CLDR's radical-stroke one); and
// intl_casing.js, Turkish, Azeri and Lithuanian casing (Greek uppercase
// keeps its accents, where ICU drops them).
//
// Only for an app whose own code (or a dependency's) names `Intl` or calls a
// `toLocale…String`: the polyfills and their data are 1–2 MB of script,
// evaluated once while the snapshot is taken (the snapshot, and so the app's
// compiled artifact, grows by about 20 MB, and 7–8 MB more per locale whose
// date patterns are worked out there: see intlFor), which every other app
// would carry for nothing.
//
// Locale data: ICU has every locale and a bundle cannot, so an app gets
// English (`en`, also the default locale, as Forge's `en-US` Lambda) and the
// locales its bundle names: string literals with a region (`'en-GB'`,
// `"de-DE"`) and the first argument of a `toLocale…String` or `Intl.…` call
// (`toLocaleDateString('fr')`, or each of a list: `new Intl.DisplayNames(['de',
// 'fr'], …)`), and those its package.json declares (`"kiln": { "locales":
// [...] }`, declaredLocales), at most MAX_LOCALES. A locale the app only
// learns when it runs (a user's `locale` from Jira) and does not declare
// formats as English, as Node built with English-only ICU does.
//
// Node's (V8's) one departure from ICU's data kept: since CLDR 42 the space
// before AM/PM is U+202F, which V8 prints as a plain space (web
// compatibility); the DateTimeFormat data is rewritten to match.

import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runInNewContext } from 'node:vm';

/** Locales whose DateTimeFormat patterns are worked out at build (see intlFor). */
const WARM_LOCALES = 3;

/** Most locales an app's bundle brings data for (English besides). */
export const MAX_LOCALES = 12;

// In the order they depend on each other (DisplayNames on
// getCanonicalLocales, DurationFormat on NumberFormat, PluralRules and
// ListFormat); `true`: it has locale data. The first seven go to every app
// that uses `Intl`; one with a pattern only to an app whose code also names
// it (`Intl.Segmenter`, `const { Segmenter } = Intl`, `Intl['Segmenter']`):
// an app that names none pays nothing for them.
const POLYFILLS = [
  ['intl-getcanonicallocales', false],
  ['intl-locale', false],
  ['intl-pluralrules', true],
  ['intl-numberformat', true],
  ['intl-datetimeformat', true],
  ['intl-relativetimeformat', true],
  ['intl-listformat', true],
  ['intl-displaynames', true, /\bDisplayNames\b/],
  ['intl-segmenter', false, /\bSegmenter\b/],
  ['intl-durationformat', false, /\bDurationFormat\b/, 23],
  ['intl-supportedvaluesof', false, /\bsupportedValuesOf\b/],
];

// A use, not a definition: `Intl` named, or a `toLocale…String` called
// (the buffer package defines `Buffer.prototype.toLocaleString =`).
const USES_INTL = /\bIntl\b|\.toLocale(?:Date|Time)?String\s*\(/;
// A string literal that is a locale with its region: 'en-GB', "zh-Hant-TW", `es-419`.
const REGION_LITERAL = /["'`]([a-z]{2,3}(?:-[A-Z][a-z]{3})?-(?:[A-Z]{2}|\d{3}))["'`]/g;
// The opening of a call that takes a locale first, and a quoted locale tag.
const LOCALE_CALL = String.raw`(?:toLocale(?:Date|Time)?String|Intl\.[A-Z][A-Za-z]*)\(\s*`;
const QUOTED_TAG = String.raw`["'\`]([A-Za-z]{2,3}(?:-[A-Za-z0-9]{2,8}){0,3})["'\`]`;
// A literal first argument of such a call.
const LOCALE_ARGUMENT = new RegExp(LOCALE_CALL + QUOTED_TAG, 'g');
// A literal list of locales as that first argument (`new Intl.DisplayNames(['de', 'fr'], …)`):
// each string in it, read by QUOTED_LOCALE.
const LOCALE_LIST = new RegExp(String.raw`${LOCALE_CALL}\[([^\]]{0,400})\]`, 'g');
const QUOTED_LOCALE = new RegExp(QUOTED_TAG, 'g');
const LOCALE_TAG = /^[a-z]{2,3}(?:-[A-Z][a-z]{3})?(?:-(?:[A-Z]{2}|\d{3}))?$/;

/** `de_de`, `DE-de` → `de-DE`: what a data file is named. */
function canonical(tag) {
  const [language, ...rest] = tag.replace(/_/g, '-').split('-');
  const parts = [language.toLowerCase()];
  for (const part of rest) {
    if (/^[A-Za-z]{4}$/.test(part)) parts.push(part[0].toUpperCase() + part.slice(1).toLowerCase());
    else parts.push(part.toUpperCase());
  }
  return parts.join('-');
}

/**
 * The locales an app declares in its package.json (`"kiln": { "locales":
 * ["de", "fr-FR"] }`): those it formats for but cannot name in its code (a
 * user's `locale` read from Jira at run time). `[]` when it declares none;
 * throws an Error saying what is wrong with a declaration that is not a list
 * of at most MAX_LOCALES locale tags.
 */
export function declaredLocales(packageJson) {
  const kiln = packageJson?.kiln;
  if (kiln === undefined || kiln === null || kiln.locales === undefined) return [];
  const { locales } = kiln;
  if (!Array.isArray(locales) || locales.length > MAX_LOCALES) {
    throw new Error(`package.json's \`kiln.locales\` must be a list of at most ${MAX_LOCALES} locale tags (such as "de" or "fr-FR")`);
  }
  return locales.map((written) => {
    const tag = typeof written === 'string' && written.length <= 16 ? canonical(written) : '';
    if (!LOCALE_TAG.test(tag)) {
      throw new Error(
        `package.json's \`kiln.locales\` names ${JSON.stringify(String(written).slice(0, 40))}, which is no locale tag (such as "de" or "fr-FR")`,
      );
    }
    return tag;
  });
}

/**
 * What an app whose own code (its files and its dependencies', not Kiln's
 * layer) is `sources` needs for `Intl`: `null` when it uses none, else
 * `{ locales, imports }` (the lines that go first in the setup module: the
 * imports, then the date patterns' warm-up), with FormatJS's packages in
 * `modules` (the toolchain's
 * node_modules) and the layer's lazy zone data in `zonesModule`.
 */
export function intlFor(sources, modules, zonesModule, nodeMajor, declared = []) {
  const bundle = sources.join('\n');
  if (!USES_INTL.test(bundle)) return null;
  const named = [];
  const name = (written) => {
    const tag = canonical(written);
    if (LOCALE_TAG.test(tag) && tag !== 'en' && !named.includes(tag)) named.push(tag);
  };
  // The app's declared locales first: it asked for them by name.
  for (const tag of declared) name(tag);
  for (const pattern of [LOCALE_ARGUMENT, REGION_LITERAL]) {
    for (const match of bundle.matchAll(pattern)) name(match[1]);
  }
  for (const list of bundle.matchAll(LOCALE_LIST)) {
    for (const match of list[1].matchAll(QUOTED_LOCALE)) name(match[1]);
  }
  const formatjs = join(modules, '@formatjs');
  const dataOf = (pkg, tag) => join(formatjs, pkg, 'locale-data', `${tag}.js`);
  // A locale with data in DateTimeFormat's set (the largest): as named, else its language.
  const locales = ['en'];
  for (const tag of named) {
    if (locales.length > MAX_LOCALES) break;
    const found = [tag, tag.split('-')[0]].find((t) => existsSync(dataOf('intl-datetimeformat', t)));
    if (found !== undefined && !locales.includes(found)) locales.push(found);
  }
  const lines = [];
  for (const [pkg, hasData, named, sinceNode = 0] of POLYFILLS) {
    if (named !== undefined && !named.test(bundle)) continue;
    if (nodeMajor < sinceNode) continue;
    lines.push(`import ${JSON.stringify(join(formatjs, pkg, 'polyfill-force.js'))};`);
    if (!hasData) continue;
    for (const tag of locales) {
      // Each package's data is looked up on its own: not every locale has every kind.
      const file = [tag, tag.split('-')[0]].map((t) => dataOf(pkg, t)).find((f) => existsSync(f));
      if (file !== undefined) lines.push(`import ${JSON.stringify(file)};`);
    }
    if (pkg === 'intl-datetimeformat') {
      // Unpacked per zone when read (the layer's intl_zones.js): all of them at once
      // would be 12.8 MB of snapshot.
      lines.push(`import ${JSON.stringify(zonesModule)};`);
      lines.push(`import ${JSON.stringify(join(formatjs, pkg, 'add-golden-tz.js'))};`);
    }
  }
  // FormatJS's DateTimeFormat works out a locale's patterns (every skeleton
  // of its data) the first time the locale is used: 300–470 ms of an
  // invocation in the engine's interpreter, paid again by every invocation,
  // each in a fresh instance. Done once here, while the snapshot is taken,
  // each invocation finds them worked out. Each costs 7–8 MB of snapshot,
  // and an app naming twelve locales is already ≈ 51 MB without it, so all
  // are worked out only for an app with at most WARM_LOCALES (English and
  // two named, ≈ 55 MB), else English alone (≤ ≈ 59 MB; ≤ ≈ 64 MB when the
  // app names DisplayNames, Segmenter, DurationFormat and supportedValuesOf
  // too, the case guest-build's size test builds): under the 64 MiB
  // (67.1 MB) component limit either way.
  const warm = locales.length <= WARM_LOCALES ? locales : locales.slice(0, 1);
  lines.push(
    `for (const locale of ${JSON.stringify(warm)}) { try { new Intl.DateTimeFormat(locale, { timeZone: 'UTC' }).format(0); } catch {} }`,
  );
  return { locales, imports: lines.join('\n') };
}

// A use of the collator (`'a'.localeCompare(b)`, `new Intl.Collator()`,
// `const { Collator } = Intl`) and of locale-sensitive casing.
const USES_COLLATOR = /\b(?:localeCompare|Collator)\b/;
const USES_CASING = /\btoLocale(?:Upper|Lower)Case\b/;

/**
 * What an app whose own code is `sources` needs for collation and casing:
 * `null` when it names neither, else `{ collator, casing, imports }` (the
 * lines that go in the setup module after `Intl`'s, which the collator adds
 * `Collator` to, making an `Intl` for an app that has none), with the Forge
 * layer's modules in `forgeSrc`. The collator is ≈ 150 kB of script and
 * data whose tables, unpacked while the snapshot is taken, make the app's
 * component ≈ 1.3 MB larger; the casing ≈ 13 kB of script, ≈ 0.1 MB. With
 * both, the largest app intlFor describes is ≈ 63.3 MB, still under the
 * component limit.
 */
export function collationFor(sources, forgeSrc) {
  const bundle = sources.join('\n');
  const collator = USES_COLLATOR.test(bundle);
  const casing = USES_CASING.test(bundle);
  if (!collator && !casing) return null;
  const lines = [];
  if (collator) lines.push(`import ${JSON.stringify(join(forgeSrc, 'intl_collator_polyfill.js'))};`);
  if (casing) lines.push(`import ${JSON.stringify(join(forgeSrc, 'intl_casing_polyfill.js'))};`);
  return { collator, casing, imports: lines.join('\n') };
}

// FormatJS's Segmenter keeps a sentence going after the abbreviations CLDR
// lists for the locale ("Mr.", "e.g.", "z.B."): ICU does so only when asked
// (the `ss` locale keyword), which Node's Segmenter never is (even
// `en-u-ss-standard`), so "Mr. Smith left." is two sentences there. The
// check is taken out, as Node segments.
const SUPPRESSIONS = 'if ("suppressions" in mergedSegmentationTypeValue) {';

/**
 * A DisplayNames locale-data file (`Intl.DisplayNames.__addLocaleData({ data,
 * locale })`, and the same again for data loaded before the polyfill) as a
 * module whose names of each kind (`language`, `region`, `currency`, …) are
 * JSON text parsed when first read. Read while the snapshot is taken, a
 * locale's names are ≈ 0.7 MB of objects in it, the most of which an app
 * never reads (an app naming twelve locales and using everything would be
 * ≈ 69 MB, over the component limit); as text in functions not yet run,
 * ≈ 0.3 MB.
 */
function lazyDisplayNames(text, path) {
  const added = [];
  const DisplayNames = { __addLocaleData: (...data) => added.push(...data) };
  runInNewContext(text, { Intl: { DisplayNames }, globalThis: {} });
  if (added.length !== 1 || typeof added[0]?.data?.types !== 'object') {
    throw new Error(`${path}: not one locale's DisplayNames data`);
  }
  const { locale, data } = added[0];
  const types = Object.entries(data.types).map(
    ([type, names]) =>
      `get ${JSON.stringify(type)}() { return own(this, ${JSON.stringify(type)}, JSON.parse(${JSON.stringify(JSON.stringify(names))})); }`,
  );
  const rest = Object.entries(data)
    .filter(([key]) => key !== 'types')
    .map(([key, value]) => `${JSON.stringify(key)}: ${JSON.stringify(value)},`);
  return `const own = (names, type, value) => (Object.defineProperty(names, type, { value, enumerable: true }), value);
if (Intl.DisplayNames && typeof Intl.DisplayNames.__addLocaleData === 'function') {
  Intl.DisplayNames.__addLocaleData({
    locale: ${JSON.stringify(locale)},
    data: {
      ${rest.join('\n      ')}
      types: {
        ${types.join(',\n        ')}
      },
    },
  });
}
`;
}

/**
 * The esbuild plugin that gives DateTimeFormat's data Node's space before
 * AM/PM, Segmenter Node's sentences (SUPPRESSIONS), and DisplayNames' data
 * as text read when used (lazyDisplayNames).
 */
export function intlDataPlugin(modules) {
  const dir = join(modules, '@formatjs', 'intl-datetimeformat', 'locale-data');
  const displayNames = join(modules, '@formatjs', 'intl-displaynames', 'locale-data');
  const segmenter = join(modules, '@formatjs', 'intl-segmenter', 'polyfill-force.js');
  return {
    name: 'kiln-intl-data',
    setup(build) {
      build.onLoad({ filter: /[\\/]locale-data[\\/][^\\/]+\.js$/ }, async (args) => {
        if (args.path.startsWith(displayNames)) {
          return { contents: lazyDisplayNames(await readFile(args.path, 'utf8'), args.path), loader: 'js' };
        }
        if (!args.path.startsWith(dir)) return undefined;
        const text = await readFile(args.path, 'utf8');
        return { contents: text.replace(/\u202f/g, ' ').replace(/\\u202[fF]/g, ' '), loader: 'js' };
      });
      build.onLoad({ filter: /[\\/]intl-segmenter[\\/]polyfill-force\.js$/ }, async (args) => {
        if (args.path !== segmenter) return undefined;
        const text = await readFile(args.path, 'utf8');
        // Said, rather than kept silently, when another version words it otherwise.
        if (!text.includes(SUPPRESSIONS)) throw new Error(`${args.path}: no \`${SUPPRESSIONS}\` to take out`);
        return { contents: text.replace(SUPPRESSIONS, 'if (false) {'), loader: 'js' };
      });
    },
  };
}
