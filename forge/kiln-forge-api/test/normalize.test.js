// `String.prototype.normalize` for the engine (src/normalize.js), checked
// against Node's own (ICU) normalize, which is what Forge runs apps on.

import { test } from 'node:test';
import assert from 'node:assert/strict';

import * as data from '../src/normalize_data.js';
import { installNormalize, normalizerOf } from '../src/normalize.js';

const normalize = normalizerOf(data);
const FORMS = ['NFC', 'NFD', 'NFKC', 'NFKD'];

// Strings whose normal forms have been stable since Unicode 3: precomposed
// Latin and Vietnamese, marks out of order, Greek with breathings and iota,
// Hangul (arithmetic), kana with voicing marks, Indic two-part vowels,
// ligatures, full-width and superscript forms, singletons, a lone surrogate.
const CORPUS = [
  '',
  'plain ASCII stays as it is',
  'Crème brûlée à la française, São Paulo, Ångström, Øresund, Łódź',
  'Tiếng Việt có dấu: Nguyễn, Hồ, Phạm, Đặng',
  'e\u0301 a\u0323\u0302 a\u0302\u0323 o\u031b\u0301 q\u0307\u0323 A\u030a',
  'ᾅ ῷ ἀΐδιος Ἀθῆναι \u03b1\u0345\u0313\u0301',
  '한국어 \u1100\u1161\u11a8 \u1112\u1161\u11ab\u1100\u1173\u11af 각',
  'がぎぐげご か\u3099 ｶﾞ パ ﾊﾟ',
  '\u0b47\u0b3e \u0dd9\u0dcf \u0915\u093c',
  'ﬁﬂ ﬀ Ǆ ǆ ㍿ ① ² ½ ™ ℌ Ａｂｃ \u00a0 \u2126 \u212b \u0340 \u0344',
  'lone \ud800 surrogate \udc00 and \u{1d15e} \u{1d160}',
];

test('the corpus normalizes as Node does, in every form', () => {
  for (const text of CORPUS) {
    for (const form of FORMS) {
      assert.equal(normalize(text, form), text.normalize(form), `${form} of ${JSON.stringify(text)}`);
    }
  }
});

test('every code point normalizes as Node does, when Node has the data\'s Unicode version', (t) => {
  if (process.versions.unicode !== data.UNICODE_VERSION) {
    t.skip(`Node's Unicode is ${process.versions.unicode}, the data's ${data.UNICODE_VERSION}: the corpus above is checked instead`);
    return;
  }
  let disagree = 0;
  for (let cp = 0; cp <= 0x10ffff; cp++) {
    const text = String.fromCodePoint(cp);
    for (const form of FORMS) {
      if (normalize(text, form) !== text.normalize(form)) disagree++;
    }
  }
  assert.equal(disagree, 0);
});

test('long text with marks composes and decomposes as Node does', () => {
  const text = 'Ca\u0300 phe\u0302\u0301 '.repeat(5000) + '한\u1100\u1161'.repeat(3000);
  for (const form of FORMS) {
    assert.equal(normalize(text, form), text.normalize(form));
  }
});

test('installed on an engine without normalize, it behaves as the built-in', () => {
  const native = Object.getOwnPropertyDescriptor(String.prototype, 'normalize');
  const reference = (text, form) => native.value.call(text, form);
  delete String.prototype.normalize;
  try {
    installNormalize(data);
    const installed = Object.getOwnPropertyDescriptor(String.prototype, 'normalize');
    assert.equal(installed.enumerable, false);
    assert.equal(installed.writable, true);
    assert.equal(installed.configurable, true);
    assert.equal(String.prototype.normalize.length, 0);
    assert.equal(String.prototype.normalize.name, 'normalize');

    assert.equal('e\u0301'.normalize(), 'é', 'NFC by default');
    assert.equal('e\u0301'.normalize(undefined), 'é');
    assert.equal('é'.normalize('NFD'), reference('é', 'NFD'));
    assert.equal(
      'Crème brûlée'.normalize('NFD').replace(/[\u0300-\u036f]/g, ''),
      'Creme brulee',
      'the accent-stripping idiom',
    );
    assert.throws(() => 'x'.normalize('nfc'), {
      name: 'RangeError',
      message: 'The normalization form should be one of NFC, NFD, NFKC, NFKD.',
    });
    assert.throws(() => String.prototype.normalize.call(null), TypeError);
    assert.throws(() => String.prototype.normalize.call(undefined, 'NFC'), TypeError);
    // `this` and the form are converted as the built-in converts them.
    assert.equal(String.prototype.normalize.call(42, 'NFKC'), '42');
    assert.equal('ﬁ'.normalize({ toString: () => 'NFKD' }), 'fi');
  } finally {
    Object.defineProperty(String.prototype, 'normalize', native);
  }
});

test('an engine that has normalize keeps its own', () => {
  const before = String.prototype.normalize;
  installNormalize(data);
  assert.equal(String.prototype.normalize, before);
});
