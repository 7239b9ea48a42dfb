// `Intl.Collator` and `String.prototype.localeCompare` for the engine, which
// is built without ICU: it has no `Intl.Collator`, and its `localeCompare`
// compares code units (`'a'.localeCompare('B')` is positive; Node says -1).
// Forge apps sort user names, issue summaries and project names with
// `localeCompare`, `new Intl.Collator(…).compare` or `{ numeric: true }`, and
// their output's order would differ from Forge's.
//
// What an app gets: the Unicode Collation Algorithm (UTS #10) over DUCET's
// weights in CLDR's root order (intl_collator_data.js, made by
// runtime/guest-build/js-toolchain/collation-data.mjs), as ICU applies it
// for `en` and root: tertiary strength, punctuation not ignored, lowercase
// before uppercase; and the options Node takes: `sensitivity` (base,
// accent, case, variant), `numeric`, `caseFirst` (upper, lower, false),
// `ignorePunctuation` (CLDR's "shifted" spaces and punctuation), `usage`
// (sort, search), `resolvedOptions()`, `supportedLocalesOf`, a bound
// `compare`. Text with combining marks is compared in its canonical order
// (NFD, with normalize_data.js's tables), as ICU does.
//
// Not given: ICU's tailorings. Every locale collates as root (Swedish å ä ö
// after z, Spanish ñ after n, German phonebook, Russian or Greek putting
// their script before Latin, Chinese pinyin…: as in English);
// `resolvedOptions().locale` still answers what Node resolves the locale to
// (`en-GB` → `en`, `fr-CA`, its `kn` and `kf`), but a `co` collation is
// dropped and `collation` is always `default`. Han sorts in UCA's implicit
// order (the core block by code point, then the extensions), not CLDR's
// radical-stroke one. Characters of the blocks the data leaves out (historic
// scripts, most of the supplementary planes) sort as unassigned ones, after
// Han; discontiguous contractions are not matched.
//
// The build installs it (intl_collator_polyfill.js) only for an app whose
// code names `localeCompare` or `Collator` (runtime/guest-build/js-toolchain/
// intl.mjs). Everything it calls is captured here, when the snapshot is
// taken: an app that replaces a `String.prototype` method later changes
// nothing here.

const fromCharCode = String.fromCharCode;
const codePointAt = Function.prototype.call.bind(String.prototype.codePointAt);
const charCodeAt = Function.prototype.call.bind(String.prototype.charCodeAt);
const sliceString = Function.prototype.call.bind(String.prototype.slice);
const toLowerCase = Function.prototype.call.bind(String.prototype.toLowerCase);
const toUpperCase = Function.prototype.call.bind(String.prototype.toUpperCase);
const splitString = Function.prototype.call.bind(String.prototype.split);
const indexOfString = Function.prototype.call.bind(String.prototype.indexOf);
const lastIndexOfString = Function.prototype.call.bind(String.prototype.lastIndexOf);
const StringCtor = String;
const MapCtor = Map;
const SetCtor = Set;
const ObjectDefineProperty = Object.defineProperty;
const ObjectCreate = Object.create;
const RangeErrorCtor = RangeError;
const TypeErrorCtor = TypeError;
const mapGet = Function.prototype.call.bind(Map.prototype.get);
const mapSet = Function.prototype.call.bind(Map.prototype.set);
const mapHas = Function.prototype.call.bind(Map.prototype.has);
const mapClear = Function.prototype.call.bind(Map.prototype.clear);
const mapSize = Function.prototype.call.bind(Object.getOwnPropertyDescriptor(Map.prototype, 'size').get);
const setHas = Function.prototype.call.bind(Set.prototype.has);
const ObjectCtor = Object;
const parseIntFn = parseInt;

// A collation element packed as primary * 8192 + secondary * 32 + tertiary.
const P = 8192;
/** Base primary of a number's length and digits (`numeric`): above every other rank. */
const NUMERIC_BASE = 40000;
// DUCET's uppercase tertiaries, and normal (not small) kana's, which ICU marks upper.
const UPPER_TERTIARIES = new SetCtor([0x08, 0x09, 0x0a, 0x0b, 0x0c, 0x0e, 0x11, 0x12, 0x1d]);

const S_BASE = 0xac00;
const S_COUNT = 11172;
const N_COUNT = 588;
const T_COUNT = 28;

/** Keys kept per collator before its cache starts again. */
const CACHE = 10000;

/** The collation of `data` (intl_collator_data.js): `keyOf(string, settings)`. */
export function makeCollation(data) {
  // Unpacked while the snapshot is taken, without making garbage (strings,
  // arrays) that would be kept in it: the tables and nothing else.
  const bmp = new Int32Array(0x10000);
  const supplementary = new MapCtor();
  const singles = data.SINGLES;
  let dots = 0;
  for (let i = 0; i < singles.length; i++) if (charCodeAt(singles, i) === 46) dots++;
  // A code point's several CEs: [count, ce…] at a negative index in bmp/supplementary.
  const expansions = new Int32Array(3 * dots + 2);
  let used = 1;
  const put = (cp, v) => (cp < 0x10000 ? (bmp[cp] = v) : mapSet(supplementary, cp, v));
  const ces = [];
  const r = numbers(singles);
  let cp = 0;
  while (r.more()) {
    cp += r.read();
    const kind = r.next();
    let count = 0;
    if (kind === 43 || kind === 61) {
      r.skip();
      count = r.read();
    }
    r.skip();
    ces.length = 0;
    for (;;) {
      ces.push(r.read());
      if (r.next() !== 46) break;
      r.skip();
    }
    r.skip();
    if (count === 0) {
      if (ces.length === 1) put(cp, ces[0] + 1);
      else {
        put(cp, -used);
        expansions[used++] = ces.length;
        for (let k = 0; k < ces.length; k++) expansions[used++] = ces[k];
      }
      continue;
    }
    const step = kind === 43 ? P : 0;
    for (let k = 0; k < count; k++) put(cp + k, ces[0] + k * step + 1);
    cp += count - 1;
  }
  // First code point → [[rest…], ces] (longest first).
  const contractions = new MapCtor();
  const c = numbers(data.CONTRACTIONS);
  while (c.more()) {
    const cps = [c.read()];
    while (c.next() === 46) {
      c.skip();
      cps.push(c.read());
    }
    c.skip();
    const weights = [c.read()];
    while (c.next() === 46) {
      c.skip();
      weights.push(c.read());
    }
    c.skip();
    const first = cps.shift();
    if (!mapHas(contractions, first)) mapSet(contractions, first, []);
    mapGet(contractions, first).push([cps, weights]);
  }
  for (const list of contractions.values()) list.sort((a, b) => b[0].length - a[0].length);
  const ideographs = data.IDEOGRAPHS;
  const zeros = data.ZEROS;
  const { PRIMARIES, COMMON_SECONDARY, DIGIT_PRIMARY, VARIABLE_TOP, IMPLICIT } = data;
  const commonCE = DIGIT_PRIMARY * P + COMMON_SECONDARY * 32 + 2;

  const isIdeograph = (c) => {
    for (let i = 0; i < ideographs.length; i++) {
      if (c < ideographs[i][0]) return false;
      if (c <= ideographs[i][1]) return true;
    }
    return false;
  };
  /** UCA's implicit weights (section 10.1), as two CEs. */
  const implicit = (c, out) => {
    let lead;
    let low;
    for (const [first, last, base] of IMPLICIT) {
      if (c >= first && c <= last) {
        lead = base;
        low = (c - first) | 0x8000;
      }
    }
    if (lead === undefined) {
      const core = (c >= 0x4e00 && c <= 0x9fff) || (c >= 0xf900 && c <= 0xfaff);
      lead = (isIdeograph(c) ? (core ? 0xfb40 : 0xfb80) : 0xfbc0) + (c >> 15);
      low = (c & 0x7fff) | 0x8000;
    }
    out.push((PRIMARIES + 1 + lead - 0xfb00) * P + COMMON_SECONDARY * 32 + 2, ((low & 0x7fff) + 1) * P);
  };
  const lookup = (c, out) => {
    // U+FFFD sorts after everything, even Han and unassigned code points (CLDR).
    if (c === 0xfffd) {
      out.push((PRIMARIES + 0x200) * P + COMMON_SECONDARY * 32 + 2);
      return;
    }
    const v = c < 0x10000 ? bmp[c] : (mapGet(supplementary, c) ?? 0);
    if (v > 0) out.push(v - 1);
    else if (v < 0) {
      const at = -v;
      const count = expansions[at];
      for (let k = 1; k <= count; k++) out.push(expansions[at + k]);
    } else if (c >= S_BASE && c < S_BASE + S_COUNT) {
      const index = c - S_BASE;
      lookup(0x1100 + Math.floor(index / N_COUNT), out);
      lookup(0x1161 + Math.floor((index % N_COUNT) / T_COUNT), out);
      if (index % T_COUNT !== 0) lookup(0x11a7 + (index % T_COUNT), out);
    } else implicit(c, out);
  };
  const digitOf = (c) => {
    if (c < 0x30 || c > 0x1fbf9) return -1;
    let lo = 0;
    let hi = zeros.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (zeros[mid] > c) hi = mid - 1;
      else if (zeros[mid] + 9 < c) lo = mid + 1;
      else return c - zeros[mid];
    }
    return -1;
  };

  // Canonical combining class ranks (normalize_data.js's COMBINING): marks
  // after a base are put in canonical order first, as NFD would.
  const combining = decodeClasses(data.COMBINING);
  // Canonical decompositions (normalize_data.js's CANONICAL), one level each.
  const canonical = new MapCtor();
  const d = numbers(data.CANONICAL ?? '');
  let at = 0;
  while (d.more()) {
    at += d.read();
    d.skip();
    const parts = [d.read()];
    while (d.next() === 46) {
      d.skip();
      parts.push(d.read());
    }
    d.skip();
    mapSet(canonical, at, parts);
  }
  const codePoints = (s) => {
    let cps = [];
    let marks = false;
    for (let i = 0; i < s.length; ) {
      const c = codePointAt(s, i);
      cps.push(c);
      i += c > 0xffff ? 2 : 1;
      if (c >= 0x300 && mapHas(combining, c)) marks = true;
    }
    if (!marks) return cps;
    // Decomposed (NFD) where a mark follows, so that a precomposed letter
    // and its marks sort as the letter and all its marks in canonical order.
    if (mapSize(canonical) !== 0) {
      const decomposed = [];
      const decompose = (c) => {
        const parts = mapGet(canonical, c);
        if (parts === undefined) decomposed.push(c);
        else for (const part of parts) decompose(part);
      };
      for (const c of cps) decompose(c);
      cps = decomposed;
    }
    // Stable insertion sort of each run of non-starters by class.
    for (let i = 1; i < cps.length; i++) {
      const rank = mapGet(combining, cps[i]);
      if (rank === undefined) continue;
      let j = i;
      const c = cps[i];
      while (j > 0) {
        const before = mapGet(combining, cps[j - 1]);
        if (before === undefined || before <= rank) break;
        cps[j] = cps[j - 1];
        j--;
      }
      cps[j] = c;
    }
    return cps;
  };

  /** The collation elements of `s`; a number's (`numeric`) as its own primaries. */
  const elements = (s, numeric) => {
    const out = [];
    const cps = codePoints(s);
    const n = cps.length;
    for (let i = 0; i < n; ) {
      const c = cps[i];
      if (numeric) {
        let d = digitOf(c);
        if (d >= 0) {
          const digits = [];
          let j = i;
          while (j < n && (d = digitOf(cps[j])) >= 0) {
            if (d !== 0 || digits.length !== 0) digits.push(d);
            j++;
          }
          if (digits.length === 0) digits.push(0);
          out.push(commonCE, (NUMERIC_BASE + 20 + Math.min(digits.length, 20000)) * P);
          for (const digit of digits) out.push((NUMERIC_BASE + 1 + digit) * P);
          i = j;
          continue;
        }
      }
      const candidates = mapGet(contractions, c);
      if (candidates !== undefined) {
        let matched = false;
        for (const [rest, ces] of candidates) {
          let k = 0;
          while (k < rest.length && i + 1 + k < n && cps[i + 1 + k] === rest[k]) k++;
          if (k === rest.length) {
            out.push(...ces);
            i += 1 + k;
            matched = true;
            break;
          }
        }
        if (matched) continue;
      }
      lookup(c, out);
      i++;
    }
    return out;
  };

  /**
   * A sort key: a string whose code-unit order is the collation order under
   * `settings` ({ strength: 1–3, caseLevel, caseFirst: 0 off, 1 lower,
   * 2 upper, shifted, numeric }), levels separated by U+0001.
   */
  const keyOf = (s, settings) => {
    const ces = elements(s, settings.numeric);
    const { strength, caseLevel, caseFirst, shifted } = settings;
    const l1 = [];
    const l2 = [];
    const lc = [];
    const l3 = [];
    let afterVariable = false;
    for (let i = 0; i < ces.length; i++) {
      const ce = ces[i];
      const p = Math.floor(ce / P);
      const st = ce % P;
      if (shifted) {
        if (p !== 0 && p <= VARIABLE_TOP) {
          afterVariable = true;
          continue;
        }
        if (p === 0) {
          if (afterVariable) continue;
        } else afterVariable = false;
      }
      if (st === 0 && p === 0) continue;
      const sec = st >> 5;
      const ter = st & 31;
      if (p !== 0) l1.push(p + 1);
      if (strength >= 2 && sec !== 0) l2.push(sec + 1);
      // A weight's case: lower (and uncased) 0, upper 2; a CE with only a
      // tertiary weight counts as upper (ICU's "0.0.ut").
      const upper = sec === 0 ? ter !== 0 : setHas(UPPER_TERTIARIES, ter);
      if (caseLevel && (strength === 1 ? p !== 0 && st !== 0 : sec !== 0)) {
        const c = upper ? 2 : 0;
        lc.push((caseFirst === 2 ? 2 - c : c) + 2);
      }
      if (strength >= 3 && ter !== 0) {
        let w = ter;
        if (caseFirst !== 0 && !caseLevel) {
          let c = upper ? 2 : 0;
          if (caseFirst === 2) c = sec !== 0 ? c ^ 3 : c + 1;
          w += c * 64;
        }
        l3.push(w + 2);
      }
    }
    let key = chars(l1);
    if (strength >= 2) key += '\u0001' + chars(l2);
    if (caseLevel) key += '\u0001' + chars(lc);
    if (strength >= 3) key += '\u0001' + chars(l3);
    return key;
  };
  return { keyOf, elements };
}

/**
 * A reader of the base-36 numbers of `text` (`-` before a negative one) and
 * the punctuation between them (`,` 44, `.` 46, `:` 58, `+` 43, `=` 61),
 * making no strings.
 */
function numbers(text) {
  let i = 0;
  const n = text.length;
  return {
    more: () => i < n,
    next: () => (i < n ? charCodeAt(text, i) : -1),
    skip: () => {
      i++;
    },
    read: () => {
      // A delta may go back: `-1a`.
      const sign = i < n && charCodeAt(text, i) === 45 ? -1 : 1;
      if (sign < 0) i++;
      let v = 0;
      while (i < n) {
        const c = charCodeAt(text, i);
        const digit = c >= 48 && c <= 57 ? c - 48 : c >= 97 && c <= 122 ? c - 87 : -1;
        if (digit < 0) break;
        v = v * 36 + digit;
        i++;
      }
      return sign * v;
    },
  };
}

/** normalize_data.js's COMBINING (`delta:rank`, base 36) as a map from code point to its class's rank. */
export function decodeClasses(text) {
  const classes = new MapCtor();
  const r = numbers(text ?? '');
  let at = 0;
  while (r.more()) {
    at += r.read();
    r.skip();
    mapSet(classes, at, r.read());
    r.skip();
  }
  return classes;
}

function chars(list) {
  let out = '';
  for (let i = 0; i < list.length; i += 4096) out += fromCharCode(...list.slice(i, i + 4096));
  return out;
}

// Locales: well-formed BCP 47 tags (a `RangeError` otherwise, as Node's),
// canonicalized by their subtags' case (not by CLDR's aliases: `iw` stays `iw`,
// which Node resolves to `he`).
const TAG = /^[A-Za-z]{2,3}(?:-[A-Za-z]{3}){0,3}(?:-[A-Za-z]{4})?(?:-(?:[A-Za-z]{2}|\d{3}))?(?:-(?:[A-Za-z\d]{5,8}|\d[A-Za-z\d]{3}))*(?:-[0-9A-WY-Za-wy-z](?:-[A-Za-z\d]{2,8})+)*(?:-[Xx](?:-[A-Za-z\d]{1,8})+)?$/;

function canonicalize(tag) {
  if (!TAG.test(tag)) throw new RangeErrorCtor(`Incorrect locale information provided`);
  const parts = splitString(tag, '-');
  let singleton = false;
  return parts
    .map((part, i) => {
      if (part.length === 1) singleton = true;
      if (i === 0 || singleton) return toLowerCase(part);
      if (part.length === 4 && /^[A-Za-z]+$/.test(part)) return toUpperCase(part[0]) + toLowerCase(sliceString(part, 1));
      if (part.length === 2 || (part.length === 3 && /^\d+$/.test(part))) return toUpperCase(part);
      return toLowerCase(part);
    })
    .join('-');
}

export function canonicalLocales(locales) {
  if (locales === undefined) return [];
  const list = typeof locales === 'string' ? [locales] : ObjectCtor(locales);
  const out = [];
  const length = typeof locales === 'string' ? 1 : Math.min(Number(list.length) || 0, 2 ** 32);
  for (let i = 0; i < length; i++) {
    if (!(i in list)) continue;
    const item = list[i];
    if (typeof item !== 'string' && (typeof item !== 'object' || item === null)) {
      throw new TypeErrorCtor('Language ID should be string or object.');
    }
    const tag = canonicalize(StringCtor(item));
    if (!out.includes(tag)) out.push(tag);
  }
  return out;
}

/** `tag` without its Unicode extension, and that extension's `kn`, `kf`, `co` keywords. */
function splitExtension(tag) {
  const parts = splitString(tag, '-');
  const at = parts.indexOf('u');
  if (at < 0) return { base: tag, keywords: new MapCtor() };
  let end = at + 1;
  while (end < parts.length && parts[end].length !== 1) end++;
  const keywords = new MapCtor();
  let key = null;
  for (const part of parts.slice(at + 1, end)) {
    if (part.length === 2) {
      key = part;
      mapSet(keywords, key, 'true');
      continue;
    }
    if (key !== null) mapSet(keywords, key, mapGet(keywords, key) === 'true' ? part : `${mapGet(keywords, key)}-${part}`);
  }
  return { base: [...parts.slice(0, at), ...parts.slice(end)].join('-'), keywords };
}

/**
 * `Intl.Collator` and `localeCompare` over `data`, `global`'s `Intl` giving
 * a default locale `defaultLocale` (Forge's Lambda runs `en-US`).
 */
export function makeIntlCollator(data, defaultLocale = 'en-US') {
  const { keyOf } = makeCollation(data);
  const available = new SetCtor(splitString(data.LOCALES, ','));
  const best = (base) => {
    let tag = base;
    for (;;) {
      if (setHas(available, tag)) return tag;
      const cut = lastIndexOfString(tag, '-');
      if (cut < 0) return null;
      tag = sliceString(tag, 0, cut);
      // A script or region alone left after a singleton is no tag.
      if (/-[A-Za-z\d]$/.test(tag)) tag = sliceString(tag, 0, tag.length - 2);
    }
  };
  const lookupLocale = (requested) => {
    for (const tag of requested) {
      const { base, keywords } = splitExtension(tag);
      const found = best(base);
      if (found !== null) return { locale: found, keywords };
    }
    return { locale: defaultLocale, keywords: new MapCtor() };
  };
  const internal = new WeakMap();
  const state = (self, method) => {
    const s = self !== null && typeof self === 'object' ? internal.get(self) : undefined;
    if (s === undefined) {
      throw new TypeErrorCtor(`Method Intl.Collator.prototype.${method} called on incompatible receiver ${StringCtor(self)}`);
    }
    return s;
  };
  const option = (options, name, type, values, fallback) => {
    let v = options[name];
    if (v === undefined) return fallback;
    if (type === 'boolean') return Boolean(v);
    v = StringCtor(v);
    if (values !== undefined && !values.includes(v)) {
      throw new RangeErrorCtor(`Value ${v} out of range for Intl.Collator options property ${name}`);
    }
    return v;
  };

  function resolve(locales, options) {
    const requested = canonicalLocales(locales);
    options = options === undefined ? ObjectCreate(null) : ObjectCtor(options);
    const usage = option(options, 'usage', 'string', ['sort', 'search'], 'sort');
    option(options, 'localeMatcher', 'string', ['lookup', 'best fit'], 'best fit');
    const collation = option(options, 'collation', 'string', undefined, undefined);
    if (collation !== undefined && !/^[a-zA-Z0-9]{3,8}(-[a-zA-Z0-9]{3,8})*$/.test(collation)) {
      throw new RangeErrorCtor(`Invalid collation : ${collation}`);
    }
    let numeric = option(options, 'numeric', 'boolean', undefined, undefined);
    let caseFirst = option(options, 'caseFirst', 'string', ['upper', 'lower', 'false'], undefined);
    const { locale, keywords } = lookupLocale(requested);
    // The locale's own `kf` and `kn`: the option wins, and the locale keeps
    // them (as V8 has it: `en-u-kn` with `{ numeric: false }` stays `en-u-kn`).
    const extension = [];
    const kf = mapGet(keywords, 'kf');
    if (kf === 'upper' || kf === 'lower' || kf === 'false') {
      if (caseFirst === undefined) caseFirst = kf;
      extension.push(`kf-${kf}`);
    }
    const kn = mapGet(keywords, 'kn');
    if (kn !== undefined) {
      if (numeric === undefined) numeric = kn !== 'false';
      extension.push(kn === 'false' ? 'kn-false' : 'kn');
    }
    let sensitivity = option(options, 'sensitivity', 'string', ['base', 'accent', 'case', 'variant'], undefined);
    if (sensitivity === undefined) sensitivity = 'variant';
    const ignorePunctuation = option(options, 'ignorePunctuation', 'boolean', undefined, false);
    const resolved = {
      locale: extension.length === 0 ? locale : `${locale}-u-${extension.join('-')}`,
      usage,
      sensitivity,
      ignorePunctuation,
      collation: 'default',
      numeric: numeric ?? false,
      caseFirst: caseFirst ?? 'false',
    };
    const settings = {
      strength: sensitivity === 'base' || sensitivity === 'case' ? 1 : sensitivity === 'accent' ? 2 : 3,
      caseLevel: sensitivity === 'case',
      caseFirst: resolved.caseFirst === 'upper' ? 2 : resolved.caseFirst === 'lower' ? 1 : 0,
      shifted: ignorePunctuation,
      numeric: resolved.numeric,
    };
    const cache = new MapCtor();
    const key = (s) => {
      let k = mapGet(cache, s);
      if (k === undefined) {
        if (mapSize(cache) >= CACHE) mapClear(cache);
        k = keyOf(s, settings);
        mapSet(cache, s, k);
      }
      return k;
    };
    const compare = (x, y) => {
      const a = key(StringCtor(x));
      const b = key(StringCtor(y));
      return a < b ? -1 : a > b ? 1 : 0;
    };
    return { resolved, compare, bound: undefined };
  }

  // No declared parameters: `Intl.Collator.length` is 0.
  function Collator() {
    const self = new.target === undefined ? ObjectCreate(Collator.prototype) : this;
    internal.set(self, resolve(arguments[0], arguments[1]));
    return self;
  }
  ObjectDefineProperty(Collator, 'prototype', { writable: false, enumerable: false, configurable: false });
  const prototype = Collator.prototype;
  ObjectDefineProperty(prototype, 'compare', {
    configurable: true,
    enumerable: false,
    get: function () {
      const s = state(this, 'compare');
      if (s.bound === undefined) {
        const compare = s.compare;
        const bound = (x, y) => compare(x, y);
        ObjectDefineProperty(bound, 'name', { value: '' });
        s.bound = bound;
      }
      return s.bound;
    },
  });
  ObjectDefineProperty(prototype, 'resolvedOptions', {
    writable: true,
    configurable: true,
    enumerable: false,
    value: function resolvedOptions() {
      return { ...state(this, 'resolvedOptions').resolved };
    },
  });
  ObjectDefineProperty(prototype, Symbol.toStringTag, { value: 'Intl.Collator', configurable: true });
  ObjectDefineProperty(Collator, 'supportedLocalesOf', {
    writable: true,
    configurable: true,
    enumerable: false,
    value: function supportedLocalesOf(locales, options) {
      if (options !== undefined) option(ObjectCtor(options), 'localeMatcher', 'string', ['lookup', 'best fit'], 'best fit');
      return canonicalLocales(locales).filter((tag) => best(splitExtension(tag).base) !== null);
    },
  });

  let plain;
  function localeCompare(that, locales = undefined, options = undefined) {
    if (this === undefined || this === null) {
      throw new TypeErrorCtor('String.prototype.localeCompare called on null or undefined');
    }
    const s = StringCtor(this);
    const t = StringCtor(that);
    if (locales === undefined && options === undefined) {
      if (plain === undefined) plain = resolve(undefined, undefined);
      return plain.compare(s, t);
    }
    return resolve(locales, options).compare(s, t);
  }
  return { Collator, localeCompare };
}

/** Installs them on `global`'s `Intl` (made when there is none) and `String.prototype`. */
export function installCollator(data, global = globalThis) {
  const { Collator, localeCompare } = makeIntlCollator(data);
  if (typeof global.Intl !== 'object' || global.Intl === null) {
    ObjectDefineProperty(global, 'Intl', { value: {}, writable: true, configurable: true, enumerable: false });
  }
  ObjectDefineProperty(global.Intl, 'Collator', { value: Collator, writable: true, configurable: true, enumerable: false });
  ObjectDefineProperty(global.String.prototype, 'localeCompare', {
    value: localeCompare,
    writable: true,
    configurable: true,
    enumerable: false,
  });
}
