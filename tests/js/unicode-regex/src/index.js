// Regular expressions with Unicode property escapes and the `v` flag, as
// apps and their packages write them: word and slug splitting, initials,
// script detection, emoji stripping. The engine refuses every one of them
// without ICU; the build rewrites them (regex.mjs). The test runs this module
// on Kiln and on Node and compares the answers.

const SAMPLES = {
  ascii: 'KILN-42 is Done, 3 days late!',
  accents: 'Crème brûlée à la française, Łódź № 5',
  greek: 'Ἀθῆναι καὶ Σπάρτη ΑΒΓ 123',
  cjk: '漢字とカタカナ、한국어 ２０２６年',
  emoji: 'ship it 🚀👍🏽 ❤️ 👨‍👩‍👧 ☕ #1 ©',
  astral: '𝐀𝐁𝐂 𐐀𐐨 𝟘𝟙 𠀀𠀁',
};

// Compiled at the top level (while the build snapshots the engine).
const LETTERS = /\p{L}+/gu;
const WORD_CHAR = /[\p{L}\p{N}]/u;
const NOT_LETTERS = /\P{L}+/gu;
const GREEK = /\p{Script=Greek}/gu;
const UPPER = /\p{Lu}/gu;
const PICTOGRAPHIC = /\p{Extended_Pictographic}/gu;
const EMOJI_PRESENTATION = /\p{Emoji_Presentation}/gu;
const NEITHER = /[^\p{L}\p{N}\s]/gu;
const FROM_STRING = new RegExp('\\p{L}+', 'gu');

const all = (text, re) => text.match(re) ?? [];

export const run = async () => {
  const answers = {};
  for (const [name, text] of Object.entries(SAMPLES)) {
    answers[`${name}.letters`] = all(text, LETTERS);
    answers[`${name}.firstWordChar`] = WORD_CHAR.exec(text)?.[0] ?? null;
    answers[`${name}.notLetters`] = text.replace(NOT_LETTERS, '|');
    answers[`${name}.greek`] = all(text, GREEK).join('');
    answers[`${name}.upper`] = all(text, UPPER).join('');
    answers[`${name}.pictographic`] = all(text, PICTOGRAPHIC).join('');
    answers[`${name}.emojiPresentation`] = all(text, EMOJI_PRESENTATION).join('');
    answers[`${name}.neither`] = all(text, NEITHER).join('');
    answers[`${name}.fromString`] = all(text, FROM_STRING).length;
    answers[`${name}.numbers`] = all(text, /\p{N}+/gu);
    answers[`${name}.notNumbers`] = text.split(/\P{N}+/u).filter(Boolean);
    answers[`${name}.words`] = text.split(/[^\p{L}\p{N}]+/u).filter(Boolean);
    answers[`${name}.slug`] = text
      .toLowerCase()
      .replace(/[^\p{L}\p{N}]+/gu, '-')
      .replace(/^-|-$/g, '');
  }
  const text = SAMPLES.accents + ' ' + SAMPLES.greek;
  // Case-insensitive: `\p{Lu}` matches lower-case letters too under `i`.
  answers.upperIgnoringCase = all('aÉσ1_', /\p{Lu}/giu).join('');
  answers.notLowerIgnoringCase = all('aÉσ1_', /\P{Ll}/giu).join('');
  answers.testCrème = /^[\p{L}\p{M}]+$/u.test('Crème');
  answers.testDigits = /^\p{Nd}+$/u.test('٣٤٥');
  answers.wordChar = WORD_CHAR.test('é');
  // Sticky: one match at lastIndex, no search.
  const sticky = /\p{Lu}\p{Ll}+/uy;
  sticky.lastIndex = 0;
  answers.stickyAt0 = sticky.exec('Crème Brûlée')?.[0] ?? null;
  sticky.lastIndex = 5;
  answers.stickyAt5 = sticky.exec('Crème Brûlée')?.[0] ?? null;
  sticky.lastIndex = 6;
  answers.stickyAt6 = sticky.exec('Crème Brûlée')?.[0] ?? null;
  answers.stickyLastIndex = sticky.lastIndex;
  // Global: lastIndex moves over astral letters by code points' lengths.
  const global = /\p{L}/gu;
  answers.astralSteps = [...'a𝐀é𐐨'.matchAll(global)].map((m) => [m[0], m.index]);
  answers.initials = 'émile zola, ἀριστοτέλης, 𐐨𐐩'
    .split(/,\s*/)
    .map((name) => name.replace(/(?<=^|\s)(\p{Ll})/gu, (c) => c.toUpperCase()));
  const named = /(?<word>\p{Lu}\p{Ll}*)\s+(?<number>\p{N}+)/u.exec('item Łódź 42 then');
  answers.namedGroups = named ? { ...named.groups, index: named.index } : null;
  answers.lookbehind = all(text, /(?<=\p{Lu})\p{Ll}+/gu);
  answers.scriptExtensions = all('abc αβγ ゃ', /\p{Script_Extensions=Latin}+/gu);
  answers.generalCategory = all('a1٢३', /\p{General_Category=Decimal_Number}/gu).join('');
  answers.ascii = all('aé1 ', /\p{ASCII}/gu).join('');
  answers.replaceFn = 'Ελλάδα και Κύπρος'.replace(/\p{Script=Greek}+/gu, (w) => `<${w.length}>`);
  answers.stripEmoji = SAMPLES.emoji.replace(/\p{Extended_Pictographic}(\u200d\p{Extended_Pictographic}|\p{Emoji_Modifier}|\ufe0f)*/gu, '').trim();
  answers.constructed = {
    letters: all(text, new RegExp('\\p{L}+', 'gu')).length,
    notNumber: RegExp('^\\P{N}+$', 'u').test('abc'),
    greek: new RegExp(`\\p{Script=Greek}`, 'u').test('λ'),
    source: new RegExp('[a-z]', 'u').source,
  };
  // The `v` flag: set difference, intersection, nested classes, strings.
  answers.vDifference = all('Aaé1Ωω', /[\p{L}--[a-z]]/gv).join('');
  answers.vIntersection = all('ΑΒΓαβγABC', /[\p{Script=Greek}&&\p{Lu}]/gv).join('');
  answers.vNested = all('a1_é-', /[[a-z][0-9]_]/gv).join('');
  answers.vStrings = all('xyz ab abc', /[\q{abc|ab}]/gv);
  answers.vIgnoreCase = all('ÉéEe', /[\p{Lu}--[A-Z]]/giv).join('');
  answers.vFlags = new RegExp('[\\p{N}--[0-9]]', 'v').test('٣');
  return answers;
};
