// src/intl_collator.js and src/intl_casing.js against this Node's own
// Intl.Collator, localeCompare, toLocaleUpperCase and toLocaleLowerCase
// (full ICU): a generated corpus of strings, every pair compared under every
// combination of options Node takes, and every string cased in the
// languages with rules of their own.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as collatorData from '../src/intl_collator_data.js';
import { CANONICAL, COMBINING } from '../src/normalize_data.js';
import { makeIntlCollator, installCollator } from '../src/intl_collator.js';
import { makeCasing, installCasing } from '../src/intl_casing.js';

const data = { ...collatorData, CANONICAL, COMBINING };
const { Collator, localeCompare } = makeIntlCollator(data);
const casing = makeCasing(data);

/** A seeded generator (mulberry32): the same corpus on every run. */
function random(seed) {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const range = (a, b) => Array.from({ length: b - a + 1 }, (_, i) => String.fromCodePoint(a + i));
const ALPHABETS = {
  ascii: [...'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ'],
  punctuation: [
    ...' !"#$%&\'()*+,-./:;<=>?@[\\]^_`{|}~',
    ...'\u00a0\t\u2013\u2014\u2018\u2019\u201c\u201d\u2026\u00b7\u00bf\u00a1\u00a7\u00b6\u20ac\u00a3\u00a5\u00a9\u00ae\u00b0\u00b1\u00d7\u00f7\u2022\u2192\u221e\u2260',
  ],
  digits: [...'0123456789', ...'0123456789', '\u0660', '\u0661', '\u0669', '\u00b2', '\u00bd', '\uff11', '\u0967'],
  latin1: range(0xc0, 0xff),
  latinExtendedA: range(0x100, 0x17f),
  latinExtendedB: range(0x180, 0x24f),
  ipaAndModifiers: [...range(0x250, 0x2af), ...range(0x2b0, 0x2ff)],
  combining: [...'\u0300\u0301\u0302\u0303\u0308\u030a\u0327\u0328\u030c\u0307\u0316'],
  greek: [...range(0x370, 0x3ff).filter((c) => /\p{L}/u.test(c)), ...range(0x1f00, 0x1f15)],
  cyrillic: [...range(0x400, 0x45f), ...'ґҐєЄїЇўЎ'],
  // Han in the core block, where UCA's implicit order is code point order;
  // kana (small and normal, hiragana and katakana, halfwidth), Hangul.
  cjk: [...'中文字日本語漢字東京北京上海人名一丁七万丈三上下不与丑', ...'ぁあぃいぅうゃやアァイィウゥヤャｱｲｳーゝゞ', ...'한국어가나다각간갇ㄱㄴㄷ'],
  emoji: [...'😀😃😄👍🏽❤️🎉🚀✅⭐🔥💡🥰🫠🧑‍💻🇬🇧'],
  scripts: [...'אבגابتپकखगक्षกขคᏣᏤ₂Ⅳⅻⓐⓑ㈱㎏ﬁﬀ𝐀𝐚'],
};

/** Words a Jira app sorts, and the strings that tell the levels apart. */
const FIXED = [
  '', ' ', '  ', 'a', 'A', 'b', 'B', 'á', 'Á', 'à', 'â', 'ä', 'Ä', 'å', 'Å', 'æ', 'Æ', 'ae', 'AE', 'ß', 'ss', 'SS', 'ẞ',
  'ij', 'ĳ', 'IJ', 'co-op', 'coop', 'co op', 'Co-op', 'co_op', 'co.op', 'résumé', 'resume', 'Resume', 'RÉSUMÉ', 'rèsumè',
  'naïve', 'naive', 'Zoë', 'zoe', 'Zoe', 'Ångström', 'angstrom', 'Œuvre', 'oeuvre', 'ǅ', 'Ǆ', 'ǆ', 'DŽ', 'Dž', 'dž',
  'ﬁ', 'fi', 'Ⅳ', 'IV', 'iv', 'ⓐ', 'ａ', 'Ａ', 'ª', 'º', '¹', '1', '①', 'l·l', 'L·L', 'll', 'й', 'и', 'ё', 'е', 'Ё',
  'İ', 'ı', 'i', 'I', 'Σ', 'σ', 'ς', 'ά', 'α', 'Ά', '𝐀', 'ǈ', 'a\u0301', '\u00e1', 'e\u0301\u0302', 'e\u0302\u0301',
  'a\u0327\u0301', 'a\u0301\u0327', '\u00e1\u0327', 'file10', 'file9', 'file09', 'file 10', 'file-10', 'File10',
  'a1', 'a01', 'a001', 'a10', 'a1b', 'a01b', '100', '99', '099', '0', '00', '1,000', '1.5', '1.05', '-1', '+1', '١٢',
  '12', '١٣', 'v1.10.2', 'v1.9.12', 'v1.10.10', 'ISSUE-12', 'ISSUE-102', 'ISSUE-9', 'issue-12',
  'Émile Zola', 'Emile Zola', 'emile zola', 'Åsa', 'Ola Nordmann', 'Ærø', 'Çelik', 'Şahin', 'Øre', 'Łukasz', 'Ńiko',
  'Đorđe', 'Dorde', 'José', 'Jose', 'josé', 'Müller', 'Mueller', 'Muller', 'Straße', 'Strasse', 'Ιωάννης', 'Иван',
  'Ivan', 'Ёлка', 'Елка', '山田', '田中', 'やまだ', 'ヤマダ', '김', '李', 'O\'Brien', 'OBrien', 'O’Brien', 'o\'brien',
  'van der Berg', 'Van Der Berg', 'vanderberg', '#123', '@user', '_private', '$5', '€5', '5$', '(draft)', '[WIP]', '—',
  '\u0000', 'a\u0000b', 'ab', '\u200b', 'a\u200bb', '\ufffd', '\u{1f600}', '\u{1f970}', 'x\u{e0100}',
];

function corpus(seed, size) {
  const rand = random(seed);
  const out = new Set(FIXED);
  const kinds = Object.keys(ALPHABETS);
  while (out.size < size) {
    const home = kinds[Math.floor(rand() * kinds.length)];
    const length = Math.floor(rand() * 9);
    let s = '';
    for (let i = 0; i < length; i++) {
      const r = rand();
      const alphabet = ALPHABETS[r < 0.65 ? home : r < 0.85 ? 'ascii' : kinds[Math.floor(rand() * kinds.length)]];
      s += alphabet[Math.floor(rand() * alphabet.length)];
    }
    out.add(s);
    // The same, differing only in case, accents, spacing or digits.
    if (rand() < 0.25) out.add(s.toUpperCase());
    if (rand() < 0.15) out.add(s.toLowerCase());
    if (rand() < 0.2) out.add(s.normalize('NFD').replace(/\p{M}/gu, ''));
    if (rand() < 0.1) out.add(`${s} ${s}`);
    if (rand() < 0.1) out.add(`${s}${Math.floor(rand() * 1000)}`);
  }
  return [...out];
}

const show = (s) =>
  `${JSON.stringify(s)} (${[...s].map((c) => c.codePointAt(0).toString(16).padStart(4, '0')).join(' ')})`;

/** Every ordered pair of `words`, ours against Node's; the differing ones. */
function differences(words, locale, options) {
  const ours = new Collator(locale, options).compare;
  const node = new Intl.Collator(locale, options).compare;
  const differ = [];
  for (const a of words) {
    for (const b of words) {
      const want = Math.sign(node(a, b));
      if (Math.sign(ours(a, b)) !== want) differ.push(`${show(a)} vs ${show(b)}: Node ${want}, ours ${ours(a, b)}`);
    }
  }
  return differ;
}

const OPTION_SETS = [];
for (const sensitivity of [undefined, 'base', 'accent', 'case', 'variant']) {
  for (const caseFirst of [undefined, 'upper', 'lower', 'false']) {
    for (const numeric of [false, true]) {
      for (const ignorePunctuation of [false, true]) {
        for (const usage of ['sort', 'search']) {
          const options = { usage, numeric, ignorePunctuation };
          if (sensitivity !== undefined) options.sensitivity = sensitivity;
          if (caseFirst !== undefined) options.caseFirst = caseFirst;
          OPTION_SETS.push(options);
        }
      }
    }
  }
}

let pairsCompared = 0;

test('default options: 800 strings, every ordered pair, as Node', () => {
  const words = corpus(1, 800);
  const differ = differences(words, 'en');
  pairsCompared += words.length ** 2;
  assert.deepEqual(differ.slice(0, 20), [], `${differ.length} of ${words.length ** 2} pairs differ`);
  // And `localeCompare` with no locale, as `'a'.localeCompare('B')`.
  for (const a of words.slice(0, 120)) {
    for (const b of words.slice(0, 120)) {
      assert.equal(Math.sign(localeCompare.call(a, b)), Math.sign(a.localeCompare(b)), `${show(a)} vs ${show(b)}`);
    }
  }
  assert.equal(localeCompare.call('a', 'B'), -1);
});

test(`every option combination (${OPTION_SETS.length}): every pair of 160 strings, as Node`, () => {
  const words = corpus(2, 160);
  const failed = [];
  for (const options of OPTION_SETS) {
    const differ = differences(words, 'en', options);
    pairsCompared += words.length ** 2;
    if (differ.length > 0) failed.push(`${JSON.stringify(options)}: ${differ.length} differ, e.g. ${differ.slice(0, 3).join('; ')}`);
  }
  assert.deepEqual(failed, []);
});

test('each option alone on a larger corpus, and sorted lists equal to Node', () => {
  const words = corpus(3, 450);
  const single = [
    { sensitivity: 'base' },
    { sensitivity: 'accent' },
    { sensitivity: 'case' },
    { caseFirst: 'upper' },
    { caseFirst: 'lower' },
    { numeric: true },
    { ignorePunctuation: true },
    { usage: 'search' },
    { numeric: true, sensitivity: 'base' },
  ];
  for (const options of single) {
    const differ = differences(words, 'en', options);
    pairsCompared += words.length ** 2;
    assert.deepEqual(differ.slice(0, 10), [], `${JSON.stringify(options)}: ${differ.length} differ`);
    // A stable sort puts equal strings in input order: the same list, when
    // every comparison agrees.
    const ours = [...words].sort(new Collator('en', options).compare);
    const node = [...words].sort(new Intl.Collator('en', options).compare);
    assert.deepEqual(ours, node, JSON.stringify(options));
  }
});

test('locales: every locale collates as root, in the options a locale tag carries', () => {
  const words = corpus(4, 120);
  // Locales whose ICU order is root's for these strings.
  for (const locale of ['en-US', 'en-GB', 'en-IN', 'fr', 'de', 'it', 'pt-BR', 'nl', 'id', 'en-u-kn', 'en-u-kf-upper', 'en-u-kn-true-kf-lower']) {
    const differ = differences(words, locale);
    pairsCompared += words.length ** 2;
    assert.deepEqual(differ.slice(0, 5), [], `${locale}: ${differ.length} differ`);
  }
});

test('known differences from Node: tailorings, Han order, Greek uppercase', () => {
  // What intl_collator.js and intl_casing.js say they do not give. Should
  // one of these start agreeing with Node, say so there and here.
  const differs = (locale, a, b, options) => {
    const ours = Math.sign(new Collator(locale, options).compare(a, b));
    const node = Math.sign(new Intl.Collator(locale, options).compare(a, b));
    assert.notEqual(ours, node, `${locale}: ${a} vs ${b} now as Node`);
    // As root does.
    assert.equal(ours, Math.sign(new Intl.Collator('und', options).compare(a, b)), `${locale}: ${a} vs ${b} as root`);
  };
  differs('sv', 'ä', 'z'); // Swedish: å ä ö after z
  differs('de-u-co-phonebk', 'Müller', 'Muff'); // phonebook: ü as ue
  differs('es', 'ñ', 'nz'); // Spanish: ñ a letter after n
  differs('ru', 'я', 'a'); // Cyrillic before Latin
  differs('el', 'α', 'a'); // Greek before Latin
  differs('zh', '中', '安'); // Chinese: Han in pinyin order
  // Han: UCA's implicit order (core block first, then code point order), not
  // CLDR's radical-stroke order.
  assert.equal(new Collator('en').compare('京', '㐀'), -1);
  assert.equal(new Intl.Collator('en').compare('京', '㐀'), 1);
  // Greek uppercasing keeps accents.
  assert.equal(casing.toLocaleUpperCase.call('άλφα', 'el'), 'ΆΛΦΑ');
  assert.equal('άλφα'.toLocaleUpperCase('el'), 'ΑΛΦΑ');
  // A collation named in the locale is not taken.
  assert.equal(new Collator('de-u-co-phonebk').resolvedOptions().locale, 'de');
  assert.equal(new Intl.Collator('de-u-co-phonebk').resolvedOptions().locale, 'de-u-co-phonebk');
});

test('resolvedOptions and supportedLocalesOf answer as Node', () => {
  const cases = [
    [undefined, undefined],
    ['en', undefined],
    ['en-US', { numeric: true }],
    ['en-GB', { sensitivity: 'base' }],
    ['de-DE', { usage: 'search' }],
    ['de', { usage: 'search', sensitivity: 'base' }],
    ['fr-CA', { caseFirst: 'upper' }],
    ['ja-JP', { ignorePunctuation: true }],
    ['pt-BR', undefined],
    ['zh-TW', undefined],
    ['sr-Latn-RS', undefined],
    ['es-419', undefined],
    ['tr', undefined],
    ['sv-SE', undefined],
    ['zz', undefined],
    [['zz', 'de'], undefined],
    [[], undefined],
    ['EN-us', undefined],
    ['en-u-kn-true', undefined],
    ['en-u-kn', { numeric: false }],
    ['en-u-kn-false', undefined],
    ['en-u-kf-upper', { caseFirst: 'upper' }],
    ['en-u-kf-upper', { caseFirst: 'lower' }],
    ['en-u-kn-true-kf-upper', undefined],
    ['en-u-kf-lower-kn-true', { numeric: true }],
    ['en', { numeric: 'yes', ignorePunctuation: 0 }],
    ['en', { localeMatcher: 'lookup' }],
  ];
  for (const [locales, options] of cases) {
    assert.deepEqual(
      new Collator(locales, options).resolvedOptions(),
      new Intl.Collator(locales, options).resolvedOptions(),
      `${JSON.stringify(locales)} ${JSON.stringify(options)}`,
    );
  }
  const requested = ['en-US', 'en-GB', 'de', 'de-AT', 'fr-CA', 'zz', 'tlh', 'ja-JP', 'pt-BR', 'sr-Latn', 'zh-Hant-TW'];
  assert.deepEqual(Collator.supportedLocalesOf(requested), Intl.Collator.supportedLocalesOf(requested));
  assert.deepEqual(Collator.supportedLocalesOf('de'), Intl.Collator.supportedLocalesOf('de'));
});

test('the API: bound compare, without new, errors, localeCompare with locales and options', () => {
  const collator = new Collator('en');
  const { compare } = collator;
  assert.equal(compare, collator.compare);
  assert.equal(compare.length, 2);
  assert.equal(compare('a', 'B'), -1);
  assert.deepEqual(['b', 'A', 'a', 'B'].sort(compare), ['a', 'A', 'b', 'B']);
  // eslint-disable-next-line new-cap
  assert.equal(Collator('en').compare('a', 'b'), -1);
  assert.ok(Collator() instanceof Collator);
  assert.equal(Object.prototype.toString.call(collator), '[object Intl.Collator]');
  assert.equal(Collator.length, Intl.Collator.length);
  assert.equal(localeCompare.length, String.prototype.localeCompare.length);
  assert.throws(() => new Collator('en', { sensitivity: 'loud' }), RangeError);
  assert.throws(() => new Collator('en', { usage: 'index' }), RangeError);
  assert.throws(() => new Collator('en', { caseFirst: 'first' }), RangeError);
  assert.throws(() => new Collator('en_US'), RangeError);
  assert.throws(() => new Collator('a'), RangeError);
  assert.throws(() => new Collator([5]), TypeError);
  assert.throws(() => Reflect.apply(Object.getOwnPropertyDescriptor(Collator.prototype, 'compare').get, {}, []), TypeError);
  assert.throws(() => localeCompare.call(null, 'a'), TypeError);
  const pairs = [
    ['a', 'B', undefined, undefined],
    ['file10', 'file9', 'en', { numeric: true }],
    ['résumé', 'resume', 'fr', { sensitivity: 'base' }],
    ['a', 'A', 'en', { caseFirst: 'upper' }],
    ['co-op', 'coop', undefined, { ignorePunctuation: true }],
    ['Ä', 'a', 'en', { sensitivity: 'accent' }],
    ['Ä', 'a', 'en', { sensitivity: 'case' }],
    ['10', '9', 'en-u-kn', undefined],
  ];
  for (const [a, b, locales, options] of pairs) {
    assert.equal(localeCompare.call(a, b, locales, options), a.localeCompare(b, locales, options), `${a} ${b} ${locales}`);
  }
});

test('an app replacing String.prototype methods after load changes nothing', () => {
  const proto = String.prototype;
  const saved = {};
  const names = ['codePointAt', 'charCodeAt', 'slice', 'split', 'indexOf', 'lastIndexOf', 'toLowerCase', 'toUpperCase', 'normalize'];
  for (const name of names) saved[name] = proto[name];
  const collator = new Collator('en', { numeric: true });
  try {
    for (const name of names) {
      proto[name] = () => {
        throw new Error(`${name} replaced`);
      };
    }
    assert.equal(collator.compare('item 10', 'Item 9'), 1);
    assert.equal(new Collator('de', { sensitivity: 'base' }).compare('Äpfel', 'apfel'), 0);
    assert.equal(localeCompare.call('a', 'B'), -1);
    assert.equal(casing.toLocaleUpperCase.call('istanbul', 'tr'), 'İSTANBUL');
    assert.equal(casing.toLocaleLowerCase.call('ISPARTA', 'tr'), 'ısparta');
  } finally {
    Object.assign(proto, saved);
  }
});

test('install: Intl.Collator and the String.prototype methods, made where missing', () => {
  const global = { String: { prototype: {} } };
  installCollator(data, global);
  installCasing(data, global);
  assert.equal(typeof global.Intl.Collator, 'function');
  assert.equal(global.String.prototype.localeCompare.call('a', 'B'), -1);
  assert.equal(global.String.prototype.toLocaleUpperCase.call('i', 'tr'), 'İ');
  assert.equal(Object.getOwnPropertyDescriptor(global.String.prototype, 'localeCompare').enumerable, false);
  // An existing `Intl` (FormatJS's) keeps what it has.
  const withIntl = { Intl: { NumberFormat: 1 }, String: { prototype: {} } };
  installCollator(data, withIntl);
  assert.equal(withIntl.Intl.NumberFormat, 1);
  assert.equal(typeof withIntl.Intl.Collator, 'function');
});

test('toLocaleUpperCase and toLocaleLowerCase: every string of the corpus, in each language, as Node', () => {
  const words = [
    ...corpus(5, 3000),
    'İSTANBUL IıI\u0307 I\u0316\u0307 I\u0301\u0307',
    'I\u0300 J\u0301 Į\u0303 Ì Í Ĩ I',
    'i\u0307 j\u0307\u0301 i\u0316\u0307 ı\u0307 i\u0307\u0307',
    'ΑΣ ΣΑ ΌΣΟΣ ΣΑΣ.',
    'ŉ ß ǰ ﬀ ΐ',
    'iİıI DİYARBAKIR Iğdır',
    'Ilgaz Irmak İzmir Iİ',
    'Lietuva ĮĖJIMAS JÌS',
  ];
  const locales = [undefined, 'tr', 'az', 'lt', 'en', 'tr-TR', 'TR', 'az-Latn-AZ', 'lt-LT', ['az', 'en'], ['en', 'tr'], [], 'de', 'nl', 'fr'];
  let checked = 0;
  const differ = [];
  for (const locale of locales) {
    for (const w of words) {
      for (const name of ['toLocaleUpperCase', 'toLocaleLowerCase']) {
        checked++;
        const ours = casing[name].call(w, locale);
        const node = w[name](locale);
        if (ours !== node) differ.push(`${name}(${JSON.stringify(locale)}) of ${show(w)}: Node ${show(node)}, ours ${show(ours)}`);
      }
    }
  }
  assert.deepEqual(differ.slice(0, 20), [], `${differ.length} of ${checked} differ`);
  assert.ok(checked > 90000);
  assert.equal(casing.toLocaleUpperCase.length, String.prototype.toLocaleUpperCase.length);
  assert.throws(() => casing.toLocaleUpperCase.call('a', 'x-bad'), RangeError);
  assert.throws(() => casing.toLocaleLowerCase.call(undefined), TypeError);
});

test('the pairs compared', () => {
  // The corpus tests above ran: millions of pairs, each against Node.
  assert.ok(pairsCompared > 3_000_000, `${pairsCompared}`);
  console.log(`intl_collator: ${pairsCompared} pairs compared with Node's Intl.Collator`);
});
