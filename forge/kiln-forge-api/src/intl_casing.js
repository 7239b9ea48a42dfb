// `String.prototype.toLocaleUpperCase` and `toLocaleLowerCase` as Node's
// (ICU's) for the languages whose casing differs from the default: Turkish
// and Azeri (`'istanbul'.toLocaleUpperCase('tr')` is `İSTANBUL`, `I` lowers
// to `ı`, `İ` to `i`) and Lithuanian (a dot above kept on a lowercase `i`
// before another accent, and dropped when uppercasing), Unicode's
// SpecialCasing.txt conditions. The engine, built without ICU, ignores the
// locale. Every other language cases as `toUpperCase` / `toLowerCase` do,
// as in Node; but for Greek (`el`), whose uppercasing ICU strips of accents
// (`'άλφα'` → `ΑΛΦΑ`): here it keeps them (`ΆΛΦΑ`).
//
// The locale is checked (`RangeError` for a malformed tag) and the first of
// a list taken, as ECMA-402's TransformCase does.
//
// The build installs it (intl_casing_polyfill.js) only for an app whose code
// names `toLocaleUpperCase` or `toLocaleLowerCase` (runtime/guest-build/
// js-toolchain/intl.mjs). What it calls is captured when it is evaluated.

import { canonicalLocales, decodeClasses } from './intl_collator.js';

const StringCtor = String;
const call = Function.prototype.call;
const codePointAt = call.bind(String.prototype.codePointAt);
const toUpperCase = call.bind(String.prototype.toUpperCase);
const toLowerCase = call.bind(String.prototype.toLowerCase);
const splitString = call.bind(String.prototype.split);
const fromCodePoint = String.fromCodePoint;
const SetCtor = Set;
const mapGet = call.bind(Map.prototype.get);
const setHas = call.bind(Set.prototype.has);
const ObjectDefineProperty = Object.defineProperty;
const TypeErrorCtor = TypeError;
const parseIntFn = parseInt;

const DOT_ABOVE = 0x307;

/** The casing functions over `data` (SOFT_DOTTED, and normalize_data.js's COMBINING). */
export function makeCasing(data) {
  const combining = decodeClasses(data.COMBINING);
  // Combining class 230 (Above) is U+0301's.
  const above = mapGet(combining, 0x301);
  const softDotted = new SetCtor(splitString(data.SOFT_DOTTED, ',').map((c) => parseIntFn(c, 36)));
  /** 0: a starter (class 0), 1: class Above, 2: another class. */
  const kind = (c) => {
    const rank = mapGet(combining, c);
    return rank === undefined ? 0 : rank === above ? 1 : 2;
  };
  const codePoints = (s) => {
    const cps = [];
    for (let i = 0; i < s.length; ) {
      const c = codePointAt(s, i);
      cps.push(c);
      i += c > 0xffff ? 2 : 1;
    }
    return cps;
  };
  // SpecialCasing's conditions, at index i of cps.
  const beforeDot = (cps, i) => {
    for (let j = i + 1; j < cps.length; j++) {
      if (cps[j] === DOT_ABOVE) return true;
      if (kind(cps[j]) !== 2) return false;
    }
    return false;
  };
  const afterI = (cps, i) => {
    for (let j = i - 1; j >= 0; j--) {
      if (cps[j] === 0x49) return true;
      if (kind(cps[j]) !== 2) return false;
    }
    return false;
  };
  const moreAbove = (cps, i) => {
    for (let j = i + 1; j < cps.length; j++) {
      const k = kind(cps[j]);
      if (k === 1) return true;
      if (k === 0) return false;
    }
    return false;
  };
  const afterSoftDotted = (cps, i) => {
    for (let j = i - 1; j >= 0; j--) {
      if (setHas(softDotted, cps[j])) return true;
      if (kind(cps[j]) !== 2) return false;
    }
    return false;
  };
  const join = (cps) => {
    let out = '';
    for (let i = 0; i < cps.length; i += 4096) out += fromCodePoint(...cps.slice(i, i + 4096));
    return out;
  };

  /** The language whose rules apply: `tr`, `az`, `lt` or null. */
  const languageOf = (locales) => {
    const list = canonicalLocales(locales);
    if (list.length === 0) return null;
    const language = splitString(list[0], '-')[0];
    return language === 'tr' || language === 'az' || language === 'lt' ? language : null;
  };

  const upper = (s, language) => {
    if (language === null) return toUpperCase(s);
    const cps = codePoints(s);
    const out = [];
    for (let i = 0; i < cps.length; i++) {
      const c = cps[i];
      if (language === 'lt') {
        if (c === DOT_ABOVE && afterSoftDotted(cps, i)) continue;
        out.push(c);
      } else out.push(c === 0x69 ? 0x130 : c);
    }
    return toUpperCase(join(out));
  };
  const lower = (s, language) => {
    if (language === null) return toLowerCase(s);
    const cps = codePoints(s);
    const out = [];
    for (let i = 0; i < cps.length; i++) {
      const c = cps[i];
      if (language === 'lt') {
        if ((c === 0x49 || c === 0x4a || c === 0x12e) && moreAbove(cps, i)) out.push(c + (c === 0x12e ? 1 : 0x20), DOT_ABOVE);
        else if (c === 0xcc) out.push(0x69, DOT_ABOVE, 0x300);
        else if (c === 0xcd) out.push(0x69, DOT_ABOVE, 0x301);
        else if (c === 0x128) out.push(0x69, DOT_ABOVE, 0x303);
        else out.push(c);
      } else if (c === 0x130) out.push(0x69);
      else if (c === 0x49) out.push(beforeDot(cps, i) ? 0x69 : 0x131);
      else if (c === DOT_ABOVE && afterI(cps, i)) continue;
      else out.push(c);
    }
    return toLowerCase(join(out));
  };
  const self = (value, name) => {
    if (value === undefined || value === null) throw new TypeErrorCtor(`String.prototype.${name} called on null or undefined`);
    return StringCtor(value);
  };
  return {
    toLocaleUpperCase: function toLocaleUpperCase(locales = undefined) {
      const s = self(this, 'toLocaleUpperCase');
      return upper(s, languageOf(locales));
    },
    toLocaleLowerCase: function toLocaleLowerCase(locales = undefined) {
      const s = self(this, 'toLocaleLowerCase');
      return lower(s, languageOf(locales));
    },
  };
}

/** Installs them on `global`'s `String.prototype`. */
export function installCasing(data, global = globalThis) {
  const casing = makeCasing(data);
  for (const name of ['toLocaleUpperCase', 'toLocaleLowerCase']) {
    ObjectDefineProperty(global.String.prototype, name, {
      value: casing[name],
      writable: true,
      configurable: true,
      enumerable: false,
    });
  }
}
