// `String.prototype.normalize` (Unicode normalization, UAX #15) for the
// engine, which is built without ICU and so has none: `'é'.normalize('NFD')`
// throws "normalize is not a function". Forge runs apps on Node.js, where the
// idiom `s.normalize('NFD').replace(/[\u0300-\u036f]/g, '')` (drop accents
// for a slug, a key or a search) and NFC before comparing user input are
// everyday code, and so are the libraries that use them.
//
// The build installs it (normalize_polyfill.js) only for an app whose code
// calls a `.normalize(`, as it gives `Intl` only to apps that use it: the
// data, read from Node's own `normalize` by tools/generate-normalize-data.mjs
// (which checks this file against Node on every code point before writing
// it), is unpacked into maps while the snapshot is taken. What Node gives for
// the Unicode version the data records is what the app gets.

const S_BASE = 0xac00;
const L_BASE = 0x1100;
const V_BASE = 0x1161;
const T_BASE = 0x11a7;
const L_COUNT = 19;
const V_COUNT = 21;
const T_COUNT = 28;
const N_COUNT = V_COUNT * T_COUNT;
const S_COUNT = L_COUNT * N_COUNT;

/** Above every combining class rank: a string that begins with a non-starter composes nothing onto it. */
const BLOCKED = 0x10000;

/** Code points per `String.fromCodePoint` call: an argument list has limits. */
const CHUNK = 4096;

const FORMS = ['NFC', 'NFD', 'NFKC', 'NFKD'];

/** `delta:mapping` entries (base 36) as a map from code point to its code points. */
function decodeMap(text) {
  const map = new Map();
  let cp = 0;
  for (const entry of text === '' ? [] : text.split(',')) {
    const colon = entry.indexOf(':');
    cp += parseInt(entry.slice(0, colon), 36);
    map.set(
      cp,
      entry
        .slice(colon + 1)
        .split('.')
        .map((part) => parseInt(part, 36)),
    );
  }
  return map;
}

function isSyllable(cp) {
  return cp >= S_BASE && cp < S_BASE + S_COUNT;
}

/** A Hangul syllable's jamo (Unicode's arithmetic, chapter 3.12). */
function hangulJamo(cp, out) {
  const index = cp - S_BASE;
  out.push(L_BASE + Math.floor(index / N_COUNT), V_BASE + Math.floor((index % N_COUNT) / T_COUNT));
  const t = index % T_COUNT;
  if (t !== 0) out.push(T_BASE + t);
}

function toText(codePoints) {
  let text = '';
  for (let at = 0; at < codePoints.length; at += CHUNK) {
    text += String.fromCodePoint(...codePoints.slice(at, at + CHUNK));
  }
  return text;
}

/**
 * `(text, form) => normalized` over the generator's data (normalize_data.js,
 * or a candidate the generator checks before writing it).
 */
export function normalizerOf(data) {
  const canonical = decodeMap(data.CANONICAL);
  const compatibility = decodeMap(data.COMPATIBILITY);
  const combining = new Map();
  let cp = 0;
  for (const entry of data.COMBINING === '' ? [] : data.COMBINING.split(',')) {
    const [delta, rank] = entry.split(':');
    cp += parseInt(delta, 36);
    combining.set(cp, parseInt(rank, 36));
  }
  const classOf = (c) => combining.get(c) ?? 0;

  // first -> (second -> composite). A composite's pair is the last code point
  // of its NFD and the NFC of the rest, so shorter decompositions go first:
  // the rest of a longer one composes with the pairs already known.
  const pairs = new Map();
  const composites = [];
  cp = 0;
  for (const delta of data.COMPOSITES === '' ? [] : data.COMPOSITES.split(',')) {
    cp += parseInt(delta, 36);
    composites.push(cp);
  }
  composites.sort((a, b) => canonical.get(a).length - canonical.get(b).length || a - b);

  function pairOf(first, second) {
    if (first >= L_BASE && first < L_BASE + L_COUNT && second >= V_BASE && second < V_BASE + V_COUNT) {
      return S_BASE + ((first - L_BASE) * V_COUNT + (second - V_BASE)) * T_COUNT;
    }
    if (isSyllable(first) && (first - S_BASE) % T_COUNT === 0 && second > T_BASE && second < T_BASE + T_COUNT) {
      return first + (second - T_BASE);
    }
    return pairs.get(first)?.get(second);
  }

  /** Canonical composition of a decomposed, ordered sequence (UAX #15's algorithm). */
  function compose(sequence) {
    if (sequence.length === 0) return sequence;
    const out = [sequence[0]];
    let starterAt = 0;
    let starter = sequence[0];
    let lastClass = classOf(starter) === 0 ? 0 : BLOCKED;
    for (let i = 1; i < sequence.length; i++) {
      const c = sequence[i];
      const cls = classOf(c);
      const composite = pairOf(starter, c);
      if (composite !== undefined && (lastClass < cls || lastClass === 0)) {
        out[starterAt] = composite;
        starter = composite;
        continue;
      }
      if (cls === 0) {
        starterAt = out.length;
        starter = c;
      }
      lastClass = cls;
      out.push(c);
    }
    return out;
  }

  for (const composite of composites) {
    const parts = canonical.get(composite);
    const rest = compose(parts.slice(0, -1));
    if (rest.length !== 1) continue; // not a pair this data can express (the generator's check would say)
    const second = parts[parts.length - 1];
    if (!pairs.has(rest[0])) pairs.set(rest[0], new Map());
    pairs.get(rest[0]).set(second, composite);
  }

  /** Full decomposition, then the canonical order of every run of non-starters. */
  function decompose(text, compatible) {
    const out = [];
    for (const char of text) {
      const c = char.codePointAt(0);
      if (isSyllable(c)) {
        hangulJamo(c, out);
        continue;
      }
      const mapping = (compatible && compatibility.get(c)) || canonical.get(c);
      if (mapping === undefined) out.push(c);
      else out.push(...mapping);
    }
    for (let i = 1; i < out.length; i++) {
      const cls = classOf(out[i]);
      if (cls === 0) continue;
      for (let j = i; j > 0 && classOf(out[j - 1]) > cls; j--) {
        [out[j - 1], out[j]] = [out[j], out[j - 1]];
      }
    }
    return out;
  }

  // Below these code points a string is already in the form: nothing there
  // decomposes, combines, or is the second half of a pair.
  // (A composite NFC keeps, so only the other decomposing code points count for it.)
  const seconds = [...pairs.values()].flatMap((m) => [...m.keys()]);
  const kept = new Set(composites);
  const decomposedByNfc = [...canonical.keys()].filter((c) => !kept.has(c));
  const lowest = (...sets) => Math.min(...sets.flatMap((s) => [...s]), S_BASE, V_BASE, T_BASE + 1);
  const unchangedBelow = {
    NFD: lowest(canonical.keys(), combining.keys()),
    NFC: lowest(decomposedByNfc, combining.keys(), seconds),
    NFKD: lowest(canonical.keys(), compatibility.keys(), combining.keys()),
    NFKC: lowest(canonical.keys(), compatibility.keys(), combining.keys(), seconds),
  };

  return function normalize(text, form) {
    const below = unchangedBelow[form];
    let plain = true;
    for (let i = 0; i < text.length; i++) {
      if (text.charCodeAt(i) >= below) {
        plain = false;
        break;
      }
    }
    if (plain) return text;
    const decomposed = decompose(text, form === 'NFKC' || form === 'NFKD');
    return toText(form === 'NFC' || form === 'NFKC' ? compose(decomposed) : decomposed);
  };
}

/**
 * Gives `String.prototype.normalize`, as ECMA-262 defines it, to an engine
 * without one (an engine that has it keeps its own).
 */
export function installNormalize(data) {
  if (typeof String.prototype.normalize === 'function') return;
  const normalizeText = normalizerOf(data);
  Object.defineProperty(String.prototype, 'normalize', {
    // `arguments`, not a parameter: the built-in's `length` is 0.
    value: function normalize() {
      if (this === null || this === undefined) {
        throw new TypeError('String.prototype.normalize called on null or undefined');
      }
      const text = String(this);
      const form = arguments.length === 0 || arguments[0] === undefined ? 'NFC' : String(arguments[0]);
      if (!FORMS.includes(form)) {
        throw new RangeError('The normalization form should be one of NFC, NFD, NFKC, NFKD.');
      }
      return normalizeText(text, form);
    },
    writable: true,
    enumerable: false,
    configurable: true,
  });
}
