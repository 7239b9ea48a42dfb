// What apps do with String.prototype.normalize: strip accents for a slug or
// a search key, compare user input in NFC, fold compatibility forms. The
// test runs this module on Kiln and on Node and compares the answers.

const SAMPLES = {
  french: 'Crème brûlée à la française',
  vietnamese: 'Nguyễn Thị Phạm Đặng Hồ',
  decomposed: 'e\u0301te\u0301 a\u0323\u0302 A\u030a',
  greek: 'ᾅ Ἀθῆναι \u03b1\u0345\u0313\u0301',
  hangul: '한국어 \u1100\u1161\u11a8',
  kana: 'か\u3099 ｶﾞ パ',
  compatibility: 'ﬁﬂ ① ² ½ ™ Ａｂｃ \u00a0 \u2126 \u212b',
  plain: 'KILN-1 is Done',
};

const slug = (text) =>
  text
    .normalize('NFD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-|-$/g, '');

const codePoints = (text) => [...text].map((c) => c.codePointAt(0).toString(16)).join(' ');

export const run = async () => {
  const answers = {};
  for (const [name, text] of Object.entries(SAMPLES)) {
    for (const form of ['NFC', 'NFD', 'NFKC', 'NFKD']) {
      answers[`${name}.${form}`] = codePoints(text.normalize(form));
    }
    answers[`${name}.default`] = codePoints(text.normalize());
  }
  answers.slug = slug('Crème Brûlée: Ångström & Łódź № 5');
  answers.sameInNfc = 'e\u0301te\u0301'.normalize() === 'été'.normalize();
  answers.length = String.prototype.normalize.length;
  try {
    'x'.normalize('nfc');
    answers.badForm = 'no error';
  } catch (error) {
    answers.badForm = `${error.name}: ${error.message}`;
  }
  return answers;
};
