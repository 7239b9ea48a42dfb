// Node's `util.isDeepStrictEqual` (and `assert.deepStrictEqual`'s rule), and
// the loose rule of `assert.deepEqual` (primitives by `==`, NaN equal to
// NaN, prototypes ignored, a Set's or Map's primitives matched loosely).
// The strict rule:
// the same prototype and `Object.prototype.toString` tag; primitives by
// `Object.is` (NaN equals NaN, 0 and -0 differ); own enumerable string and
// symbol keys, compared deeply; arrays with the same holes; Map and Set
// entries in any order (a Set's or Map's object keys matched deeply); Date
// by time, RegExp by source, flags and lastIndex, boxed primitives by value,
// typed arrays and ArrayBuffers by bytes, errors also by name and message;
// cycles compared as cycles.

const tag = (value) => Object.prototype.toString.call(value);

export function isDeepStrictEqual(a, b) {
  return equal(a, b, { strict: true, pairs: new Map() });
}

/** `assert.deepEqual`'s rule. */
export function isDeepLooseEqual(a, b) {
  return equal(a, b, { strict: false, pairs: new Map() });
}

const isObject = (value) => value !== null && typeof value === 'object';

function equal(a, b, memo) {
  if (memo.strict ? Object.is(a, b) : a === b) return true;
  if (!isObject(a) || !isObject(b)) {
    // eslint-disable-next-line eqeqeq
    return !memo.strict && !isObject(a) && !isObject(b) && (a == b || (Number.isNaN(a) && Number.isNaN(b)));
  }
  if (memo.strict && Object.getPrototypeOf(a) !== Object.getPrototypeOf(b)) return false;
  if (tag(a) !== tag(b)) return false;
  // A pair already being compared (a cycle) is taken as equal here; the rest decides.
  let seen = memo.pairs.get(a);
  if (seen?.has(b)) return true;
  if (!seen) {
    seen = new Set();
    memo.pairs.set(a, seen);
  }
  seen.add(b);
  const result = equalObjects(a, b, memo);
  seen.delete(b);
  return result;
}

function equalObjects(a, b, memo) {
  if (a instanceof Date && a.getTime() !== b.getTime()) return false;
  if (a instanceof RegExp && (a.source !== b.source || a.flags !== b.flags || a.lastIndex !== b.lastIndex)) return false;
  if (a instanceof Error && (a.message !== b.message || a.name !== b.name)) return false;
  for (const Boxed of [Number, String, Boolean, BigInt, Symbol]) {
    if (a instanceof Boxed && !Object.is(Boxed.prototype.valueOf.call(a), Boxed.prototype.valueOf.call(b))) return false;
  }
  if (ArrayBuffer.isView(a)) {
    if (a.byteLength !== b.byteLength) return false;
    // By bytes, floats too (so 0 and -0 differ), as Node's strict mode compares.
    const x = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    const y = new Uint8Array(b.buffer, b.byteOffset, b.byteLength);
    for (let i = 0; i < x.length; i += 1) if (x[i] !== y[i]) return false;
  } else if (a instanceof ArrayBuffer) {
    if (a.byteLength !== b.byteLength) return false;
    const x = new Uint8Array(a);
    const y = new Uint8Array(b);
    for (let i = 0; i < x.length; i += 1) if (x[i] !== y[i]) return false;
  }
  if (a instanceof Map && !equalMaps(a, b, memo)) return false;
  if (a instanceof Set && !equalSets(a, b, memo)) return false;
  const keysA = ownKeys(a);
  const keysB = ownKeys(b);
  if (keysA.length !== keysB.length) return false;
  const inB = new Set(keysB);
  for (const key of keysA) {
    if (!inB.has(key) || !equal(a[key], b[key], memo)) return false;
  }
  return true;
}

/** Own enumerable string keys and symbols (an array's index keys too, so holes count). */
function ownKeys(value) {
  const keys = Object.keys(value);
  for (const symbol of Object.getOwnPropertySymbols(value)) {
    if (Object.prototype.propertyIsEnumerable.call(value, symbol)) keys.push(symbol);
  }
  return ArrayBuffer.isView(value) ? keys.filter((key) => typeof key === 'symbol') : keys;
}

// Items (or keys) present in both by identity match at once; the rest, objects
// (and in the loose rule primitives too), are paired deeply.
function equalSets(a, b, memo) {
  if (a.size !== b.size) return false;
  const unmatched = [...a].filter((item) => isObject(item) || !b.has(item));
  if (memo.strict && unmatched.some((item) => !isObject(item))) return false;
  const candidates = [...b].filter((item) => isObject(item) || !a.has(item));
  return matchAll(unmatched, candidates, (x, y) => equal(x, y, memo));
}

function equalMaps(a, b, memo) {
  if (a.size !== b.size) return false;
  const unmatched = [];
  for (const [key, value] of a) {
    if (!isObject(key) && b.has(key)) {
      if (!equal(value, b.get(key), memo)) return false;
    } else if (memo.strict && !isObject(key)) {
      return false;
    } else {
      unmatched.push([key, value]);
    }
  }
  const candidates = [...b].filter(([key]) => isObject(key) || !a.has(key));
  return matchAll(unmatched, candidates, ([k1, v1], [k2, v2]) => equal(k1, k2, memo) && equal(v1, v2, memo));
}

/** Whether every item of `left` pairs with a distinct item of `right` that `same` accepts. */
function matchAll(left, right, same) {
  if (left.length !== right.length) return false;
  const free = [...right];
  for (const item of left) {
    const at = free.findIndex((other) => same(item, other));
    if (at === -1) return false;
    free.splice(at, 1);
  }
  return true;
}
