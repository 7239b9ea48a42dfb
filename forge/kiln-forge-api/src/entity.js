// Forge's custom entities (`kvs.entity(name)` of @forge/kvs) over
// `kiln:app/storage`, which offers get/set/delete, prefix queries with a
// cursor, and compare-and-set on one key. A single write here uses
// compare-and-set; `kvs.transact()` (transaction.js) writes items of
// several keys at once with the same index bookkeeping.
//
// Layout, in the installation's key space (Forge keys cannot contain `!`,
// and entity and index names cannot either: the manifest refuses them):
//
//   !ce!<entity>!i!<key>                                     the item: the app's value, as JSON
//   !ce!<entity>!x!<index>!<a|d>!<partition…><range><key>    an index entry (value `true`)
//
// Every partition value and the range value is one *component*: its
// encoding, then a terminator. A string is the hex of its UTF-8 bytes, a
// number the hex of its IEEE-754 bits with the sign flipped (negatives:
// every bit flipped), so that hex order is numeric order (-0 is 0). In the
// ascending copy (`a`) the terminator is `.` (below every hex digit); in
// the descending copy (`d`) the range component's digits are inverted
// (d -> f - d) and its terminator is `~` (above every digit), so the
// storage's one order, ascending by UTF-8 bytes, walks the values from
// the highest down, and a longer string sorts before its own prefix as it
// must in descending order. The item key ends the entry, unescaped: it
// is the last component, nothing follows it to be confused with.
// Partition components are hex too, so no string a partition value holds
// (`.`, `!`, `~`, control characters) can end a component early: one
// partition's prefix never covers another's entries.
//
// Forge's key index, `by-key`, which every entity has undeclared, has no
// entries: its queries scan the items themselves (`!ce!<entity>!i!`), whose
// storage order is already the keys' order (UTF-8 bytes), so it costs a
// `set` nothing and covers items stored before Kiln knew of it. The
// storage pages only upward, so a descending `by-key` query reads its range
// upward as far as its cursor and keeps the last page's worth; its cursor
// is the layer's own (`d1.` and the hex of the last key returned).
//
// The item is the truth; index entries are hints. A write stores the new
// index entries, then the item with compare-and-set against the version it
// read, then deletes the old entries (each with compare-and-set against the
// version it read before, so it never deletes an entry a later writer
// wrote again). A query re-reads the item of every index entry it meets and
// keeps the entry only if the item, as stored now, yields exactly that
// entry: an entry left by a write that crashed half way, or by a raw
// `storage.set`, is skipped, never returned as a result. Reads never delete
// a stale entry (a writer may be between its two steps).

import { host, witError } from './host.js';
import { metadataFields, metadataOf, refuseSetOptions, ttlSeconds } from './kvs_options.js';
import { StorageError } from './storage_error.js';

/** The first characters of every key this layer stores. */
export const ENTITY_KEY_PREFIX = '!ce!';

/**
 * The name of Forge's key index, which every entity has without declaring
 * it; the manifest refuses an index of that name
 * (manifest-schema/src/manifest/entities.rs).
 */
export const KEY_INDEX = 'by-key';

/** The key index as a plan sees it: ordered by the key, no partition. */
const KEY_INDEX_SPEC = Object.freeze({ name: KEY_INDEX, key: true, partition: Object.freeze([]) });

/** A descending `by-key` page's cursor: this tag, then the hex of the last key returned. */
const KEY_DESC_CURSOR = 'd1.';

/** Kiln's storage key limit (`state/src/storage/limits.rs`), in characters. */
const MAX_KEY_CHARS = 500;
/** Forge's value limit: 240 KiB of JSON text. */
const MAX_VALUE_BYTES = 240 * 1024;
const DEFAULT_LIMIT = 10;
const MAX_LIMIT = 100;
/** Compare-and-set retries of one write before reporting a conflict. */
const MAX_ATTEMPTS = 8;
const INT32_MIN = -2147483648;
const INT32_MAX = 2147483647;

/** A custom-entity call Kiln refused before (or instead of) storage. */
export class EntityError extends Error {
  constructor(code, message) {
    super(message);
    this.name = 'ForgeKvsError';
    this.code = code;
  }
}

let declared = new Map();

/**
 * Installs the manifest's `app.storage.entities`, as `runtime build`
 * embeds them (the manifest's own JSON form: `{name, attributes: {a:
 * {type}}, indexes: ['a' | {name, range: [a], partition: [a…]}]}`).
 */
export function installEntities(entities) {
  const map = new Map();
  for (const entity of Array.isArray(entities) ? entities : []) {
    const attributes = new Map(Object.entries(entity.attributes ?? {}).map(([name, a]) => [name, a.type]));
    const indexes = new Map();
    for (const index of entity.indexes ?? []) {
      // The manifest refuses a declared `by-key`; one a bundle built before
      // that rule carries would shadow Forge's key index, so it is dropped
      // (and never gets entries).
      if ((typeof index === 'string' ? index : index?.name) === KEY_INDEX) continue;
      const spec =
        typeof index === 'string'
          ? { name: index, range: index, partition: [] }
          : { name: index.name, range: index.range[0], partition: index.partition ?? [] };
      indexes.set(spec.name, Object.freeze(spec));
    }
    map.set(entity.name, Object.freeze({ name: entity.name, attributes, indexes }));
  }
  declared = map;
}

// --- storage calls -----------------------------------------------------

export function call(name, ...args) {
  try {
    return host().storage[name](...args);
  } catch (thrown) {
    const kilnError = witError(thrown);
    if (kilnError === undefined) {
      throw thrown;
    }
    throw new StorageError(kilnError);
  }
}

export function versionOf(entry) {
  return entry === undefined ? { tag: 'absent' } : { tag: 'version', val: entry.version };
}

// --- encoding ----------------------------------------------------------

const HEX = Array.from({ length: 256 }, (_, b) => b.toString(16).padStart(2, '0'));
const INVERT = Object.fromEntries([...'0123456789abcdef'].map((d, i) => [d, (15 - i).toString(16)]));
const utf8 = new TextEncoder();
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

function hexOfString(text) {
  let out = '';
  for (const byte of utf8.encode(text)) {
    out += HEX[byte];
  }
  return out;
}

function hexOfNumber(number) {
  const view = new DataView(new ArrayBuffer(8));
  view.setFloat64(0, number === 0 ? 0 : number);
  let high = view.getUint32(0);
  let low = view.getUint32(4);
  if (high >= 0x80000000) {
    high = ~high >>> 0;
    low = ~low >>> 0;
  } else {
    high = (high | 0x80000000) >>> 0;
  }
  return high.toString(16).padStart(8, '0') + low.toString(16).padStart(8, '0');
}

/** The order-preserving body of an indexable value (ascending). */
function body(type, value) {
  return type === 'string' ? hexOfString(value) : hexOfNumber(value);
}

function invert(hex) {
  let out = '';
  for (const digit of hex) {
    out += INVERT[digit];
  }
  return out;
}

const TERMINATOR = { a: '.', d: '~' };

function rangeComponent(order, hex) {
  return order === 'a' ? `${hex}.` : `${invert(hex)}~`;
}

export function itemKey(entity, key) {
  return `${ENTITY_KEY_PREFIX}${entity.name}!i!${key}`;
}

function indexBase(entity, index, order) {
  return `${ENTITY_KEY_PREFIX}${entity.name}!x!${index.name}!${order}!`;
}

function partitionPrefix(entity, index, order, values) {
  let prefix = indexBase(entity, index, order);
  index.partition.forEach((attribute, i) => {
    prefix += `${body(entity.attributes.get(attribute), values[i])}.`;
  });
  return prefix;
}

function chars(text) {
  let count = 0;
  for (const _ of text) {
    count += 1;
  }
  return count;
}

// --- values --------------------------------------------------------------

/** Why `value` is not of `type`, or undefined when it is. */
function typeProblem(type, value) {
  switch (type) {
    case 'string':
      if (typeof value !== 'string') return 'a string';
      if (LONE_SURROGATE.test(value)) return 'a well-formed string (it holds a lone surrogate)';
      return undefined;
    case 'integer':
      return Number.isInteger(value) && value >= INT32_MIN && value <= INT32_MAX
        ? undefined
        : `a 32-bit signed integer (${INT32_MIN}..${INT32_MAX})`;
    case 'float': {
      const ok =
        typeof value === 'number' &&
        Number.isFinite(value) &&
        (value === 0 || (Math.abs(value) >= 1e-130 && Math.abs(value) < 1e126));
      return ok ? undefined : 'a float: 0, or a finite number of magnitude 1e-130 to below 1e126';
    }
    case 'boolean':
      return typeof value === 'boolean' ? undefined : 'a boolean';
    default:
      return undefined;
  }
}

function describe(value) {
  if (typeof value === 'string') {
    return `string ${JSON.stringify(value.length > 40 ? `${value.slice(0, 40)}…` : value)}`;
  }
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return `${typeof value} ${typeof value === 'object' ? '' : String(value)}`.trim();
}

export function checkValue(entity, value) {
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    throw new EntityError(
      'INVALID_VALUE',
      `a value of custom entity ${entity.name} is an object of its attributes, not ${describe(value)}`,
    );
  }
  for (const [attribute, type] of entity.attributes) {
    const attributeValue = value[attribute];
    if (attributeValue === undefined) continue;
    const problem = typeProblem(type, attributeValue);
    if (problem !== undefined) {
      throw new EntityError(
        'INVALID_ATTRIBUTE_VALUE',
        `attribute ${attribute} of custom entity ${entity.name} is declared ${type}: expected ${problem}, got ${describe(attributeValue)}`,
      );
    }
  }
  const text = JSON.stringify(value);
  if (utf8.encode(text).length > MAX_VALUE_BYTES) {
    throw new EntityError('MAX_SIZE', `the value is larger than ${MAX_VALUE_BYTES} bytes of JSON (Forge's limit); nothing was written`);
  }
  return text;
}

export function checkKey(entity, key) {
  if (typeof key !== 'string' || key.length === 0 || key.trim().length === 0) {
    throw new EntityError('INVALID_KEY', 'a custom entity key is a non-empty string that is not only whitespace');
  }
  if (key.includes('\u0000') || LONE_SURROGATE.test(key)) {
    throw new EntityError('INVALID_KEY', 'a custom entity key holds no NUL character and no lone surrogate');
  }
  const max = MAX_KEY_CHARS - chars(itemKey(entity, ''));
  const length = chars(key);
  if (length > max) {
    throw new EntityError(
      'KEY_TOO_LONG',
      `the key is ${length} characters; custom entity ${entity.name} takes keys of at most ${max} on Kiln (its ${MAX_KEY_CHARS}-character storage key also holds the entity's name)`,
    );
  }
}

/**
 * The index entries `value` yields under `key`: `[{index, order, key}]`.
 * `strict`: a too-long entry is an error (a write); otherwise it is left
 * out, as is every index whose attributes the value lacks or holds with
 * the wrong type (Forge's sparse indexes; an item a raw write left).
 */
export function entriesOf(entity, key, value, strict) {
  const entries = [];
  if (value === null || typeof value !== 'object') return entries;
  for (const index of entity.indexes.values()) {
    const attributes = [...index.partition, index.range];
    const values = attributes.map((attribute) => value[attribute]);
    const usable = attributes.every(
      (attribute, i) => values[i] !== undefined && typeProblem(entity.attributes.get(attribute), values[i]) === undefined,
    );
    if (!usable) continue;
    const rangeHex = body(entity.attributes.get(index.range), values[values.length - 1]);
    for (const order of ['a', 'd']) {
      const entryKey = `${partitionPrefix(entity, index, order, values)}${rangeComponent(order, rangeHex)}${key}`;
      const length = chars(entryKey);
      if (length > MAX_KEY_CHARS) {
        if (!strict) continue;
        throw new EntityError(
          'KEY_TOO_LONG',
          `the entry of index ${index.name} for this value would be a ${length}-character storage key, over Kiln's ${MAX_KEY_CHARS}: shorten the key or the values of ${attributes.join(', ')} (strings take two characters per UTF-8 byte); nothing was written`,
        );
      }
      entries.push(entryKey);
    }
  }
  return entries;
}

export function parseStored(entry) {
  try {
    return JSON.parse(entry.value);
  } catch {
    return undefined;
  }
}

// --- get / set / delete --------------------------------------------------

/** The versions of the stored entries among `keys` (absent ones left out). */
export function versionsOf(keys) {
  const found = [];
  for (const key of keys) {
    const entry = call('get', key);
    if (entry !== undefined) found.push([key, entry.version]);
  }
  return found;
}

/** Deletes each entry still at the version read; a newer write keeps it. */
export function deleteEntries(versions) {
  for (const [key, version] of versions) {
    call('compareAndSet', key, { tag: 'version', val: version }, undefined);
  }
}

/**
 * Writes one item at the version read: `compareAndSet`, or for a value that
 * expires (`seconds`, kvs_options.js) a one-operation transaction with the
 * same condition (the host has no expiring compare-and-set).
 */
function writeAt(storageKey, current, text, seconds) {
  if (seconds === undefined || text === undefined) {
    return call('compareAndSet', storageKey, versionOf(current), text);
  }
  const outcome = call('transact', [
    { key: storageKey, action: { tag: 'set-expiring', val: { value: text, ttlSeconds: seconds } }, expected: versionOf(current) },
  ]);
  return outcome.tag === 'committed';
}

function write(entity, key, text, value, seconds) {
  const storageKey = itemKey(entity, key);
  const wanted = value === undefined ? [] : entriesOf(entity, key, value, true);
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const current = call('get', storageKey);
    if (current === undefined && text === undefined) return;
    const previous = current === undefined ? [] : entriesOf(entity, key, parseStored(current), false);
    const stale = versionsOf(previous.filter((entry) => !wanted.includes(entry)));
    for (const entry of wanted) {
      call('set', entry, 'true');
    }
    if (writeAt(storageKey, current, text, seconds)) {
      deleteEntries(stale);
      return;
    }
  }
  throw new EntityError(
    'CONFLICT',
    `custom entity ${entity.name}: the key kept changing under ${MAX_ATTEMPTS} attempts to write it; nothing of this write is visible`,
  );
}

export function entityNamed(name) {
  const entity = declared.get(name);
  if (entity === undefined) {
    const known = [...declared.keys()];
    throw new EntityError(
      'ENTITY_NOT_DECLARED',
      `custom entity ${JSON.stringify(String(name))} is not declared in manifest.yml (app.storage.entities${
        known.length === 0 ? ' declares none' : `: ${known.join(', ')}`
      }); declare it and build again`,
    );
  }
  return entity;
}

// --- conditions ----------------------------------------------------------

function condition(name, ...values) {
  return Object.freeze({ condition: name, values: Object.freeze(values) });
}

/** Conditions on an index's range attribute, for `query().where(…)`. */
export const EntityWhereConditions = Object.freeze({
  beginsWith: (prefix) => condition('BEGINS_WITH', prefix),
  between: (low, high) => condition('BETWEEN', low, high),
  equalTo: (value) => condition('EQUAL_TO', value),
  greaterThan: (value) => condition('GREATER_THAN', value),
  greaterThanEqualTo: (value) => condition('GREATER_THAN_EQUAL_TO', value),
  lessThan: (value) => condition('LESS_THAN', value),
  lessThanEqualTo: (value) => condition('LESS_THAN_EQUAL_TO', value),
});

/** Conditions on any attribute, for `andFilter`/`orFilter`. */
export const FilterConditions = Object.freeze({
  ...EntityWhereConditions,
  contains: (value) => condition('CONTAINS', value),
  notContains: (value) => condition('NOT_CONTAINS', value),
  notEqualTo: (value) => condition('NOT_EQUAL_TO', value),
  exists: () => condition('EXISTS'),
  notExists: () => condition('NOT_EXISTS'),
});

// `@forge/api`'s conditions: @forge/api up to 5 took them from
// @forge/storage, under other names (`equalsTo`, `isGreaterThan`,
// `doesNotExist`, `between([low, high])`, …); apps written since use
// @forge/kvs's. `@forge/api` answers both spellings, each the same
// condition, so either era's app runs; `@forge/kvs` keeps its own.
const between = (low, high) =>
  Array.isArray(low) && high === undefined ? condition('BETWEEN', ...low) : condition('BETWEEN', low, high);
const STORAGE_WHERE = {
  between,
  equalsTo: EntityWhereConditions.equalTo,
  isGreaterThan: EntityWhereConditions.greaterThan,
  isGreaterThanEqualTo: EntityWhereConditions.greaterThanEqualTo,
  isLessThan: EntityWhereConditions.lessThan,
  isLessThanEqualTo: EntityWhereConditions.lessThanEqualTo,
};

/** `@forge/api`'s `WhereConditions`: @forge/kvs's names and @forge/storage's. */
export const ApiWhereConditions = Object.freeze({ ...EntityWhereConditions, ...STORAGE_WHERE });

/** `@forge/api`'s `FilterConditions`: @forge/kvs's names and @forge/storage's. */
export const ApiFilterConditions = Object.freeze({
  ...FilterConditions,
  ...STORAGE_WHERE,
  doesNotContain: FilterConditions.notContains,
  notEqualsTo: FilterConditions.notEqualTo,
  doesNotExist: FilterConditions.notExists,
});

export const SortOrder = Object.freeze({ ASC: 'ASC', DESC: 'DESC' });

class FilterList {
  items = [];

  filters() {
    return this.items;
  }

  operator() {
    return this instanceof AndFilter ? 'and' : 'or';
  }
}

/**
 * @forge/kvs's `Filter`: `new Filter().and(field, condition)` starts a list
 * joined by `and` (which then only has `.and`), `.or(…)` one joined by `or`;
 * a query takes it with `.filters(filter)`. As Forge's, a `Filter` with no
 * condition yet is itself an (empty) list, which transactions refuse.
 */
export class Filter extends FilterList {
  and(field, condition) {
    return new AndFilter().and(field, condition);
  }

  or(field, condition) {
    return new OrFilter().or(field, condition);
  }
}

export class AndFilter extends FilterList {
  and(field, condition) {
    this.items.push({ property: field, ...condition });
    return this;
  }
}

export class OrFilter extends FilterList {
  or(field, condition) {
    this.items.push({ property: field, ...condition });
    return this;
  }
}

/** Whether `filter` is a `Filter` built with `.and`/`.or` (or shaped like one). */
export function isFilter(filter) {
  return typeof filter?.filters === 'function' && typeof filter?.operator === 'function';
}

/** A `Filter`'s conditions as `[{ field, cond, join }]`, the form `passesFilters` takes. */
export function filterList(filter) {
  const join = filter.operator();
  return filter.filters().map(({ property, ...cond }) => ({ field: property, cond, join }));
}

/** Compares two values of one type in the storage's order (UTF-8 bytes, numbers numerically). */
function compare(a, b) {
  if (typeof a === 'number' && typeof b === 'number') return a < b ? -1 : a > b ? 1 : 0;
  const x = hexOfString(a);
  const y = hexOfString(b);
  return x < y ? -1 : x > y ? 1 : 0;
}

function sameKind(a, b) {
  return (typeof a === 'number' && typeof b === 'number') || (typeof a === 'string' && typeof b === 'string');
}

function holds(cond, value) {
  const [first, second] = cond.values;
  switch (cond.condition) {
    case 'EXISTS':
      return value !== undefined;
    case 'NOT_EXISTS':
      return value === undefined;
    case 'EQUAL_TO':
      return value !== undefined && JSON.stringify(value) === JSON.stringify(first);
    case 'NOT_EQUAL_TO':
      return JSON.stringify(value) !== JSON.stringify(first);
    case 'BEGINS_WITH':
      return typeof value === 'string' && typeof first === 'string' && value.startsWith(first);
    case 'CONTAINS':
      if (typeof value === 'string') return typeof first === 'string' && value.includes(first);
      if (Array.isArray(value)) return value.some((member) => JSON.stringify(member) === JSON.stringify(first));
      return false;
    case 'NOT_CONTAINS':
      return !holds(condition('CONTAINS', first), value);
    case 'BETWEEN':
      return sameKind(value, first) && sameKind(value, second) && compare(value, first) >= 0 && compare(value, second) <= 0;
    case 'GREATER_THAN':
      return sameKind(value, first) && compare(value, first) > 0;
    case 'GREATER_THAN_EQUAL_TO':
      return sameKind(value, first) && compare(value, first) >= 0;
    case 'LESS_THAN':
      return sameKind(value, first) && compare(value, first) < 0;
    case 'LESS_THAN_EQUAL_TO':
      return sameKind(value, first) && compare(value, first) <= 0;
    default:
      return false;
  }
}

function invalidQuery(message) {
  return new EntityError('INVALID_QUERY', message);
}

// --- queries -------------------------------------------------------------

/**
 * An immutable query (as Forge's): every method returns a new one.
 * Checked when it runs, so a mistake rejects `getMany()` with Forge's
 * error class.
 */
class EntityQuery {
  #entityName;
  #state;

  constructor(entityName, state) {
    this.#entityName = entityName;
    this.#state = Object.freeze(state);
  }

  #with(change) {
    return new EntityQuery(this.#entityName, { ...this.#state, ...change });
  }

  index(name, options = {}) {
    return this.#with({ index: name, partition: options?.partition });
  }

  where(cond) {
    return this.#with({ where: cond });
  }

  andFilter(field, cond) {
    return this.#with({ filters: [...(this.#state.filters ?? []), { field, cond, join: 'and' }] });
  }

  orFilter(field, cond) {
    return this.#with({ filters: [...(this.#state.filters ?? []), { field, cond, join: 'or' }] });
  }

  /** @forge/kvs 1.6's form: `.filters(new Filter().and(field, condition).and(…))`. */
  filters(filter) {
    if (!isFilter(filter)) {
      throw invalidQuery('filters takes a Filter: new Filter().and(field, condition) or .or(field, condition)');
    }
    return this.#with({ filters: filterList(filter) });
  }

  sort(order) {
    return this.#with({ sort: order });
  }

  limit(limit) {
    return this.#with({ limit });
  }

  cursor(cursor) {
    return this.#with({ cursor });
  }

  async getMany() {
    return runQuery(entityNamed(this.#entityName), this.#state);
  }

  async getOne() {
    const { results } = await this.limit(1).getMany();
    return results[0];
  }
}

/** `subject`: what the value is compared with ("attribute age", "the key"), of `type`. */
function checkIndexValue(type, subject, value, what) {
  const problem = typeProblem(type, value);
  if (value === undefined || problem !== undefined) {
    throw invalidQuery(`${what} compares ${subject} (${type}): expected ${problem ?? `a ${type}`}, got ${describe(value)}`);
  }
}

/** The code points `a` and `b` begin with alike (never half a surrogate pair). */
function commonPrefix(a, b) {
  let shared = '';
  const right = b[Symbol.iterator]();
  for (const char of a) {
    if (right.next().value !== char) break;
    shared += char;
  }
  return shared;
}

/**
 * A key prefix narrows a `by-key` scan only as far as the storage takes a
 * prefix: no NUL, and within its key limit. Cutting it is safe, as every
 * scanned key is still checked against the bounds, and no longer key
 * exists to be missed.
 */
function keyNarrowing(entity, text) {
  const nul = text.indexOf('\u0000');
  const cut = nul === -1 ? text : text.slice(0, nul);
  const room = MAX_KEY_CHARS - chars(itemKey(entity, ''));
  return chars(cut) <= room ? cut : [...cut].slice(0, room).join('');
}

/** The hex key bound of a descending `by-key` cursor, or the host's own refusal of a forged one. */
function keyCursorBound(cursor) {
  const hex = typeof cursor === 'string' && cursor.startsWith(KEY_DESC_CURSOR) ? cursor.slice(KEY_DESC_CURSOR.length) : '';
  if (hex.length === 0 || hex.length > MAX_KEY_CHARS * 8 || !/^(?:[0-9a-f]{2})+$/.test(hex)) {
    throw new StorageError({ tag: 'invalid-cursor' });
  }
  return hex;
}

/** The query's plan: the key prefix to scan and the range bounds (ascending hex bodies). */
function plan(entity, state) {
  if (state.index === undefined) {
    throw invalidQuery(`a query of custom entity ${entity.name} names one of its indexes: query().index(name)`);
  }
  const index = state.index === KEY_INDEX ? KEY_INDEX_SPEC : entity.indexes.get(state.index);
  if (index === undefined) {
    const known = [KEY_INDEX, ...entity.indexes.keys()];
    throw invalidQuery(
      `custom entity ${entity.name} has no index ${JSON.stringify(String(state.index))} (indexes: ${known.join(', ')})`,
    );
  }
  const partition = state.partition ?? [];
  if (!Array.isArray(partition) || partition.length !== index.partition.length) {
    throw invalidQuery(
      index.partition.length === 0
        ? `index ${index.name} has no partition: index(${JSON.stringify(index.name)}) takes none`
        : `index ${index.name} is partitioned by [${index.partition.join(', ')}]: index(${JSON.stringify(index.name)}, { partition: [${index.partition.length} value(s)] })`,
    );
  }
  index.partition.forEach((attribute, i) =>
    checkIndexValue(entity.attributes.get(attribute), `attribute ${attribute}`, partition[i], 'the partition'),
  );
  const order = state.sort === undefined || state.sort === SortOrder.ASC ? 'a' : state.sort === SortOrder.DESC ? 'd' : undefined;
  if (order === undefined) {
    throw invalidQuery('sort takes SortOrder.ASC or SortOrder.DESC');
  }
  const limit = state.limit ?? DEFAULT_LIMIT;
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_LIMIT) {
    throw invalidQuery(`limit is 1-${MAX_LIMIT}, not ${String(limit)}`);
  }
  // Checked here rather than in query(options), so an unknown field rejects
  // getMany() as Forge's server refuses the request, not query() itself.
  const fields = metadataFields(state.options, 'entity().query()');
  const filters = state.filters ?? [];
  if (new Set(filters.map((f) => f.join)).size > 1) {
    throw invalidQuery('a query takes andFilter or orFilter conditions, not both');
  }
  for (const { cond } of filters) {
    if (typeof cond?.condition !== 'string') {
      throw invalidQuery('andFilter/orFilter take a FilterConditions condition');
    }
  }

  // The key index's range is the key itself: a string, stored raw after
  // the item prefix (not as hex), in ascending order only.
  const rangeType = index.key ? 'string' : entity.attributes.get(index.range);
  const subject = index.key ? 'the key' : `attribute ${index.range}`;
  const prefix = index.key ? itemKey(entity, '') : partitionPrefix(entity, index, order, partition);
  const bounds = { low: undefined, lowInclusive: true, high: undefined, highInclusive: true, narrow: '' };
  const where = state.where;
  if (where !== undefined) {
    const [first, second] = where.values ?? [];
    const checked = (value) => {
      checkIndexValue(rangeType, subject, value, `where ${where.condition}`);
      return body(rangeType, value);
    };
    switch (where.condition) {
      case 'EQUAL_TO': {
        const hex = checked(first);
        bounds.low = hex;
        bounds.high = hex;
        bounds.narrow = index.key ? first : rangeComponent(order, hex);
        break;
      }
      case 'BEGINS_WITH': {
        if (rangeType !== 'string') {
          throw invalidQuery(`beginsWith compares strings; the range of index ${index.name} is ${rangeType}`);
        }
        const hex = checked(first);
        bounds.prefix = hex;
        bounds.narrow = index.key ? first : order === 'a' ? hex : invert(hex);
        break;
      }
      case 'BETWEEN': {
        bounds.low = checked(first);
        bounds.high = checked(second);
        // Every value between two others shares their common prefix.
        if (index.key) {
          bounds.narrow = commonPrefix(first, second);
          break;
        }
        let common = 0;
        while (common < bounds.low.length && bounds.low[common] === bounds.high[common]) common += 1;
        const shared = bounds.low.slice(0, common);
        bounds.narrow = order === 'a' ? shared : invert(shared);
        break;
      }
      case 'GREATER_THAN':
        bounds.low = checked(first);
        bounds.lowInclusive = false;
        break;
      case 'GREATER_THAN_EQUAL_TO':
        bounds.low = checked(first);
        break;
      case 'LESS_THAN':
        bounds.high = checked(first);
        bounds.highInclusive = false;
        break;
      case 'LESS_THAN_EQUAL_TO':
        bounds.high = checked(first);
        break;
      default:
        throw invalidQuery('where takes a WhereConditions condition');
    }
  }
  if (index.key) {
    bounds.narrow = keyNarrowing(entity, bounds.narrow);
  }
  return { index, order, prefix, scan: prefix + bounds.narrow, bounds, limit, filters, fields };
}

/** Where an entry's (ascending) range body lies: -1 before the range, 0 in it, 1 past it. */
function position(bounds, hex) {
  // A descending key query's cursor: only keys below it are left (its
  // scan is upward, so nothing after this one is either).
  if (bounds.below !== undefined && hex >= bounds.below) return 1;
  if (bounds.prefix !== undefined) {
    return hex.startsWith(bounds.prefix) ? 0 : hex < bounds.prefix ? -1 : 1;
  }
  if (bounds.low !== undefined && (hex < bounds.low || (!bounds.lowInclusive && hex === bounds.low))) return -1;
  if (bounds.high !== undefined && (hex > bounds.high || (!bounds.highInclusive && hex === bounds.high))) return 1;
  return 0;
}

export function passesFilters(filters, value) {
  if (filters.length === 0) return true;
  const results = filters.map(({ field, cond }) => holds(cond, value?.[field]));
  return filters[0].join === 'or' ? results.some(Boolean) : results.every(Boolean);
}

/**
 * Runs the query. Pages are read from the host with its cursor, so the
 * app's `nextCursor` is the host's: the position right after the last
 * index entry this page consumed. The first read asks for exactly the
 * results still wanted; once entries were skipped (outside the range,
 * stale, filtered out), reads ask for 100 at a time, and a page that fills
 * the limit before its end is read once more, from the same cursor, as
 * far as the entry that filled it, for the host's cursor after that entry
 * (if storage changed in between, that page is read again the slow way).
 */
function runQuery(entity, state) {
  const planned = plan(entity, state);
  const { index, order, scan, limit } = planned;
  if (index.key && order === 'd') return runKeyQueryDescending(entity, planned, state.cursor);
  const read = index.key ? keyReader(entity, planned) : entryReader(entity, planned);
  const results = [];

  /** Consumes `entries` until the limit; `{ stop, used }`. */
  const consume = (entries) => {
    for (let i = 0; i < entries.length; i += 1) {
      const found = read(entries[i]);
      if (found.where < 0) continue;
      if (found.where > 0) return { stop: true, used: i };
      results.push(found.result);
      if (results.length === limit) return { stop: false, used: i + 1 };
    }
    return { stop: false, used: entries.length };
  };

  let cursor = state.cursor;
  let size = limit;
  while (results.length < limit) {
    const before = results.length;
    const page = call('query', scan, cursor, size);
    const { stop, used } = consume(page.entries);
    if (stop) return { results };
    if (used < page.entries.length) {
      const exact = call('query', scan, cursor, used);
      const last = exact.entries[exact.entries.length - 1];
      if (last !== undefined && last.key === page.entries[used - 1].key && exact.nextCursor !== undefined) {
        return { results, nextCursor: exact.nextCursor };
      }
      // Storage changed between the two reads: read this page again,
      // asking for no more entries than results still wanted.
      results.length = before;
      const again = call('query', scan, cursor, limit - before);
      if (consume(again.entries).stop || again.nextCursor === undefined) return { results };
      cursor = again.nextCursor;
      continue;
    }
    if (page.nextCursor === undefined) return { results };
    cursor = page.nextCursor;
    size = MAX_LIMIT;
  }
  return { results, nextCursor: cursor };
}

/**
 * Reads an index entry of a declared index: `{ where }` (-1 before the
 * range or not a result, 1 past it) or `{ where: 0, result }`.
 */
function entryReader(entity, { order, prefix, bounds, filters, fields }) {
  const terminator = TERMINATOR[order];
  const skip = { where: -1 };
  return (entry) => {
    const end = entry.key.indexOf(terminator, prefix.length);
    if (end === -1) return skip;
    const stored = entry.key.slice(prefix.length, end);
    const hex = order === 'a' ? stored : invert(stored);
    // In storage order: ascending walks up the values, descending down.
    const where = position(bounds, hex) * (order === 'a' ? 1 : -1);
    if (where !== 0) return { where };
    const key = entry.key.slice(end + 1);
    const item = call('get', itemKey(entity, key));
    if (item === undefined) return skip;
    const value = parseStored(item);
    // The hint holds only if the item, as stored now, yields this entry.
    if (!entriesOf(entity, key, value, false).includes(entry.key)) return skip;
    if (!passesFilters(filters, value)) return skip;
    // The metadata is the item's (its entry was just read), not the index
    // entry's: an index entry is rewritten only when its attributes change.
    return { where: 0, result: { key, value, ...metadataOf(item, fields) } };
  };
}

/**
 * Reads an item as an entry of the key index (as `entryReader`). The item
 * is the truth itself, read with its metadata by the scan: nothing to
 * re-read, nothing stale. Only what `get` would read is a result: a key
 * `get` refuses (only a raw write into the layer's keys stores one) is not.
 */
function keyReader(entity, { prefix, bounds, filters, fields }) {
  const skip = { where: -1 };
  return (entry) => {
    const key = entry.key.slice(prefix.length);
    const where = position(bounds, hexOfString(key));
    if (where !== 0) return { where };
    try {
      checkKey(entity, key);
    } catch {
      return skip;
    }
    const value = parseStored(entry);
    if (value === undefined || !passesFilters(filters, value)) return skip;
    return { where: 0, result: { key, value, ...metadataOf(entry, fields) } };
  };
}

/**
 * A descending `by-key` query. The storage pages only upward and the key
 * index has no descending copy (it has no entries at all), so the range is
 * read upward from its start to the cursor (keys below the last one the
 * previous page returned), keeping the last `limit` results: each page
 * costs a read of every key of the range below its cursor.
 */
function runKeyQueryDescending(entity, planned, cursor) {
  const { scan, limit } = planned;
  const bounds = cursor === undefined ? planned.bounds : { ...planned.bounds, below: keyCursorBound(cursor) };
  const read = keyReader(entity, { ...planned, bounds });
  const kept = [];
  let more = false;
  let next;
  scanning: do {
    const page = call('query', scan, next, MAX_LIMIT);
    for (const entry of page.entries) {
      const found = read(entry);
      if (found.where > 0) break scanning;
      if (found.where < 0) continue;
      kept.push(found.result);
      if (kept.length > limit) {
        kept.shift();
        more = true;
      }
    }
    next = page.nextCursor;
  } while (next !== undefined);
  const results = kept.reverse();
  if (!more) return { results };
  return { results, nextCursor: `${KEY_DESC_CURSOR}${hexOfString(results[results.length - 1].key)}` };
}

/** `kvs.entity(name)`. */
export function entity(name) {
  return Object.freeze({
    async get(key, options) {
      const entity = entityNamed(name);
      checkKey(entity, key);
      const fields = metadataFields(options, 'entity().get()');
      const entry = call('get', itemKey(entity, key));
      if (entry === undefined) return undefined;
      const value = parseStored(entry);
      // @forge/kvs 1.6: with options, `{ key, value }` and the metadata asked for.
      return options === undefined || options === null ? value : { key, value, ...metadataOf(entry, fields) };
    },
    async set(key, value, options) {
      const entity = entityNamed(name);
      checkKey(entity, key);
      refuseSetOptions(options, 'entity().set()', ['ttl']);
      const seconds = ttlSeconds(options?.ttl, 'entity().set()');
      const text = checkValue(entity, value);
      write(entity, key, text, value, seconds);
    },
    async delete(key) {
      const entity = entityNamed(name);
      checkKey(entity, key);
      write(entity, key, undefined, undefined);
    },
    /**
     * @forge/kvs 1.6: `query({ metadataFields })`, as its `entity().query`
     * takes them (there is no builder method); each result then carries the
     * fields asked for, as `get` with options does.
     */
    query(options) {
      return new EntityQuery(name, { options });
    },
  });
}
