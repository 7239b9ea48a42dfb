// Sorting and casing as a Forge backend does it, for people's names, issue
// summaries, project keys and versions: tests/tests/forge_collator.rs
// compares what Kiln answers with what Node answers running this file.
//
// The global object is reached by a computed name so that the build gives
// this app the collator and casing alone (the other formatters come only to
// code that names their namespace): the cheap path an app that only calls
// `localeCompare` takes.
const { Collator } = globalThis['In' + 'tl'];

const names = [
  'Zoë Smith', 'zoe smith', 'Émile Zola', 'emile', 'Ångström', 'Anna', 'anna', 'ANNA', 'Åsa', 'Ærø', 'Ørsted',
  'Łukasz', 'Lukas', 'Müller', 'Mueller', 'Muller', 'Straße', 'Strasse', 'O\'Brien', 'O’Brien', 'OBrien',
  'van der Berg', 'Van Der Berg', 'de la Cruz', 'DeLaCruz', 'Çelik', 'Şahin', 'İlkay', 'Ilkay', 'ılık',
  'Иван', 'Ёлка', 'Елена', 'Ιωάννης', 'Άννα', '山田', 'やまだ', 'ヤマダ', '김민준', 'José', 'Jose', 'josé',
  '', ' ', '_admin', '-dash', '#1', '@mention', '😀 smile', 'ß', 'ss', 'ǅemal', 'Dž', 'ﬁne', 'fine', 'Ⅳ', 'IV',
];
const summaries = [
  'Fix login bug', 'fix login bug', 'Fix Login Bug', 'fix-login bug', 'Fix  login bug', 'Fix login bug!',
  '[WIP] Fix login', '(draft) Fix login', 'Fix: login', 'Fix — login', 'Fix - login', 'fix_login_bug',
  'Résumé upload fails', 'Resume upload fails', 'resume upload fails', 'Crème brûlée', 'Creme brulee',
  'Naïve search', 'Naive search', 'naïve Search',
];
const keys = [
  'PROJ-10', 'PROJ-9', 'PROJ-100', 'PROJ-1', 'proj-2', 'PROJ-010', 'ABC-7', 'ABC-07', 'abc-70', 'Z-1',
  'v1.10.0', 'v1.9.12', 'v1.10.10', 'v1.2', 'v10', 'v9', 'file 10.txt', 'file 9.txt', 'file10.txt', 'File 1.txt',
  'item ١٢', 'item 12', 'item 13', '2024-01-05', '2024-1-5', '½ cup', '1 cup', '１０ yen', '9 yen',
];

const sorted = (list, compare) => [...list].sort(compare);
const join = (list) => list.join(' | ');

export async function run() {
  const out = {};
  out.localeCompare = join(sorted(names, (a, b) => a.localeCompare(b)));
  out.collatorDefault = join(sorted(names, new Collator().compare));
  out.collatorEn = join(sorted(summaries, new Collator('en').compare));
  out.numeric = join(sorted(keys, new Collator(undefined, { numeric: true }).compare));
  out.numericLocaleCompare = join(sorted(keys, (a, b) => a.localeCompare(b, 'en', { numeric: true, sensitivity: 'base' })));
  out.plainKeys = join(sorted(keys, (a, b) => a.localeCompare(b)));
  out.base = join(sorted(names, new Collator('en', { sensitivity: 'base' }).compare));
  out.accent = join(sorted(summaries, new Collator('en', { sensitivity: 'accent' }).compare));
  out.caseSensitivity = join(sorted(summaries, new Collator('en', { sensitivity: 'case' }).compare));
  out.upperFirst = join(sorted(names, new Collator('en', { caseFirst: 'upper' }).compare));
  out.lowerFirst = join(sorted(names, new Collator('en-u-kf-lower').compare));
  out.ignorePunctuation = join(sorted(summaries, new Collator('en', { ignorePunctuation: true }).compare));
  out.search = join(sorted(summaries, new Collator('de-DE', { usage: 'search', sensitivity: 'base' }).compare));
  // Equal under `base`: search without case or accents.
  const search = new Collator('en', { usage: 'search', sensitivity: 'base' });
  out.searchMatches = summaries.filter((s) => search.compare(s.slice(0, 9), 'resume up') === 0).join(' | ');
  const pairs = [
    ['a', 'B'], ['a', 'A'], ['A', 'a'], ['résumé', 'resume'], ['ä', 'b'], ['file10', 'file9'], ['', 'a'], ['a', 'a'],
    ['co-op', 'coop'], ['ß', 'ss'], ['Å', 'Å'], ['😀', 'a'], ['中', 'a'],
  ];
  out.compares = pairs.map(([a, b]) => a.localeCompare(b)).join(',');
  out.comparesBase = pairs.map(([a, b]) => a.localeCompare(b, 'en', { sensitivity: 'base' })).join(',');
  out.comparesNumeric = pairs.map(([a, b]) => new Collator('en', { numeric: true }).compare(a, b)).join(',');
  const options = (collator) => JSON.stringify(collator.resolvedOptions());
  out.resolvedDefault = options(new Collator());
  out.resolvedGB = options(new Collator('en-GB', { numeric: true }));
  out.resolvedGerman = options(new Collator('de-DE', { usage: 'search' }));
  out.resolvedExtension = options(new Collator('en-u-kn-true-kf-upper'));
  out.resolvedFallback = options(new Collator(['zz', 'fr-CA']));
  out.supported = Collator.supportedLocalesOf(['en-US', 'de', 'zz', 'pt-BR']).join(',');
  out.boundCompare = ['b', 'a', 'C'].sort(new Collator('en').compare).join('');
  try {
    new Collator('en', { sensitivity: 'loud' });
    out.badOption = 'no error';
  } catch (error) {
    out.badOption = error.constructor.name;
  }
  // Casing: Turkish and Azeri dotted and dotless i, Lithuanian dots.
  out.upperTr = 'istanbul ıi diyarbakır'.toLocaleUpperCase('tr');
  out.upperAz = 'istanbul'.toLocaleUpperCase('az-Latn-AZ');
  out.upperEn = 'istanbul'.toLocaleUpperCase('en-US');
  out.upperDefault = 'istanbul'.toLocaleUpperCase();
  out.lowerTr = 'İSTANBUL IĞDIR Iı'.toLocaleLowerCase('tr-TR');
  out.lowerTrDot = 'I\u0307'.toLocaleLowerCase('tr');
  out.lowerEn = 'İSTANBUL IĞDIR'.toLocaleLowerCase('en');
  out.lowerLt = 'ÌÍĨ I\u0300 J\u0301'.toLocaleLowerCase('lt');
  out.upperLt = 'i\u0307 j\u0307\u0301'.toLocaleUpperCase('lt');
  out.firstOfList = 'i'.toLocaleUpperCase(['en', 'tr']);
  try {
    'i'.toLocaleUpperCase('not a tag');
    out.badTag = 'no error';
  } catch (error) {
    out.badTag = error.constructor.name;
  }
  return out;
}
