// Each entry is a call a Forge backend may make to Intl.Segmenter,
// Intl.DisplayNames, Intl.DurationFormat or Intl.supportedValuesOf;
// tests/tests/forge_intl.rs compares what Kiln prints with what Node prints
// for the same calls, running this file under the Node on PATH.
const segments = (locale, granularity, text) =>
  [...new Intl.Segmenter(locale, { granularity }).segment(text)].map((s) =>
    granularity === 'word' ? `${s.segment}${s.isWordLike ? '*' : ''}@${s.index}` : `${s.segment}@${s.index}`,
  );

const duration = { hours: 1, minutes: 46, seconds: 40 };
const everyUnit = {
  years: 1, months: 2, weeks: 3, days: 3, hours: 4, minutes: 5, seconds: 6,
  milliseconds: 7, microseconds: 8, nanoseconds: 9,
};
const durations = (locale, style, value) => new Intl.DurationFormat(locale, { style }).format(value);

const calls = {
  // Grapheme clusters: a combining mark, a flag, a family emoji (ZWJ), CRLF.
  graphemes: () => segments('en', 'grapheme', 'e\u0301a🇬🇧👨‍👩‍👧\r\nz'),
  graphemeCount: () => [...new Intl.Segmenter().segment('Ça va? 👍🏽')].length,
  words: () => segments('en', 'word', "Don't panic: it's 3.14 km, e.g. 42 apps."),
  wordsGerman: () => segments('de-DE', 'word', 'Grüße, Jürgen! Straße 7b.'),
  sentences: () => segments('en', 'sentence', 'Hello world. How are you? Fine!  Thanks.\nBye'),
  // ICU breaks after an abbreviation unless asked not to (`-u-ss-standard`).
  sentencesAbbreviations: () => segments('en', 'sentence', 'Mr. Smith met Dr. Jones, e.g. at 3 p.m. They left.'),
  containing: () => {
    const found = new Intl.Segmenter('en', { granularity: 'word' }).segment('alpha beta gamma').containing(7);
    return `${found.segment}@${found.index}:${found.isWordLike}:${found.input}`;
  },
  segmenterOptions: () => {
    const { locale, granularity } = new Intl.Segmenter('en-GB', { granularity: 'sentence' }).resolvedOptions();
    return `${locale}|${granularity}`;
  },
  regions: () => ['US', 'GB', 'DE', 'JP', '419', 'ZZ'].map((code) => new Intl.DisplayNames(['en'], { type: 'region' }).of(code)),
  regionsGerman: () => ['US', 'GB', 'FR'].map((code) => new Intl.DisplayNames('de-DE', { type: 'region' }).of(code)),
  languages: () => ['fr', 'en-US', 'de-AT', 'zh-Hant', 'pt-BR'].map((code) => new Intl.DisplayNames(['en'], { type: 'language' }).of(code)),
  languagesStandard: () =>
    ['en-US', 'de-AT', 'fr-CA'].map((code) =>
      new Intl.DisplayNames(['en'], { type: 'language', languageDisplay: 'standard' }).of(code),
    ),
  currencies: () => ['USD', 'EUR', 'JPY', 'GBP'].map((code) => new Intl.DisplayNames(['en'], { type: 'currency' }).of(code)),
  currencyFrench: () => new Intl.DisplayNames('fr-FR', { type: 'currency' }).of('USD'),
  scripts: () => ['Latn', 'Cyrl', 'Hans', 'Arab'].map((code) => new Intl.DisplayNames(['en'], { type: 'script' }).of(code)),
  shortRegion: () => new Intl.DisplayNames(['en'], { type: 'region', style: 'short' }).of('GB'),
  fallbackCode: () => String(new Intl.DisplayNames(['en'], { type: 'region', fallback: 'code' }).of('AA')),
  fallbackNone: () => String(new Intl.DisplayNames(['en'], { type: 'region', fallback: 'none' }).of('AA')),
  fallbackCurrency: () => String(new Intl.DisplayNames(['en'], { type: 'currency' }).of('XYZ')),
  fallbackLanguage: () => String(new Intl.DisplayNames(['en'], { type: 'language', fallback: 'none' }).of('xyz')),
  displayNamesOptions: () => {
    const { locale, style, type, fallback } = new Intl.DisplayNames(['en-GB'], { type: 'currency' }).resolvedOptions();
    return `${locale}|${style}|${type}|${fallback}`;
  },
  durationLong: () => durations('en', 'long', duration),
  durationShort: () => durations('en', 'short', duration),
  durationNarrow: () => durations('en', 'narrow', duration),
  durationDigital: () => durations('en', 'digital', duration),
  durationEveryUnitLong: () => durations('en', 'long', everyUnit),
  durationEveryUnitShort: () => durations('en', 'short', everyUnit),
  durationEveryUnitNarrow: () => durations('en', 'narrow', everyUnit),
  durationDigitalHoursLong: () => new Intl.DurationFormat('en', { style: 'digital', hours: 'long' }).format(duration),
  durationDays: () => durations('en', 'digital', { days: 2, hours: 3, minutes: 5, seconds: 9 }),
  durationZeros: () => durations('en', 'long', { hours: 0, minutes: 5, seconds: 0 }),
  units: () => Intl.supportedValuesOf('unit'),
  numberingSystems: () => Intl.supportedValuesOf('numberingSystem'),
};

export const run = async () => {
  const out = {};
  for (const [name, call] of Object.entries(calls)) {
    try {
      const value = call();
      out[name] = Array.isArray(value) ? value.join('|') : value;
    } catch (error) {
      out[name] = `error: ${error}`;
    }
  }
  return out;
};
