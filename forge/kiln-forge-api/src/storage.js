// Forge's key-value storage over `kiln:app/storage`: the legacy `storage`
// of @forge/api and the `kvs` of @forge/kvs share it. Values are stored as
// JSON text (the WIT's contract), so what `set` stores is what `get`
// returns, as JSON round-trips it. Key rules, value limits and the
// `storage:app` scope are the host's to check.

import { host, witError } from './host.js';
import { StorageError } from './storage_error.js';
import { entity, ENTITY_KEY_PREFIX, EntityWhereConditions } from './entity.js';

export { StorageError };

function call(name, ...args) {
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

function encode(value) {
  if (value === undefined) {
    throw new TypeError('storage cannot set undefined; use delete');
  }
  const text = JSON.stringify(value);
  if (text === undefined) {
    throw new TypeError(`storage cannot store a ${typeof value}`);
  }
  return text;
}

/** A prefix condition, for `where('key', …)`. */
export function startsWith(prefix) {
  return Object.freeze({ condition: 'STARTS_WITH', value: String(prefix) });
}

/**
 * @forge/kvs's conditions: `beginsWith` serves `kvs.query().where('key', …)`
 * and, with the others, custom entity queries (entity.js).
 */
export const WhereConditions = EntityWhereConditions;

/** The prefix of a `where('key', …)` condition, or undefined. */
function keyPrefix(condition) {
  if (condition?.condition === 'STARTS_WITH') return condition.value;
  if (condition?.condition === 'BEGINS_WITH') return String(condition.values[0]);
  return undefined;
}

class Query {
  #prefix = '';
  #cursor;
  #limit;
  where(field, condition) {
    const prefix = keyPrefix(condition);
    if (field !== 'key' || prefix === undefined) {
      throw new Error("Kiln's storage queries support where('key', startsWith(prefix)) only");
    }
    this.#prefix = prefix;
    return this;
  }
  cursor(cursor) {
    this.#cursor = cursor;
    return this;
  }
  limit(limit) {
    this.#limit = limit;
    return this;
  }
  /**
   * Custom entities' keys (entity.js) live in the same key space; like
   * Forge, whose entities are a store apart, a key-value query never
   * lists them, and keeps paging until the page is full or the keys end.
   */
  async getMany() {
    const results = [];
    let cursor = this.#cursor;
    // The app's limit goes to the host as given, which refuses one out of range.
    let size = this.#limit;
    const wanted = this.#limit ?? 10;
    for (;;) {
      const page = call('query', this.#prefix, cursor, size);
      for (const entry of page.entries) {
        if (!entry.key.startsWith(ENTITY_KEY_PREFIX)) {
          results.push({ key: entry.key, value: JSON.parse(entry.value) });
        }
      }
      if (page.nextCursor === undefined) return { results };
      cursor = page.nextCursor;
      if (results.length >= wanted) return { results, nextCursor: cursor };
      size = wanted - results.length;
    }
  }
  async getOne() {
    const { results } = await this.limit(1).getMany();
    return results[0];
  }
}

export const TRANSACTIONS_REFUSED =
  "kvs.transact() is not supported by Kiln: a Forge transaction commits several keys at once or none, and Kiln's storage is atomic for one key only (compare-and-set); nothing was written. See docs/porting-forge-apps.md";

/**
 * `kvs.transact()`: refused when it is called, before the app can queue an
 * operation, so no part of a transaction ever runs. Kiln's `storage`
 * interface offers compare-and-set on one key; running a transaction's
 * operations one by one would let another invocation see, or a failure
 * leave, half of it, which is the one thing a transaction promises not to.
 */
function refuseTransaction() {
  throw new Error(TRANSACTIONS_REFUSED);
}

/** The storage API shared by `@forge/api`'s `storage` and `@forge/kvs`'s `kvs`. */
export const storage = Object.freeze({
  async get(key) {
    const entry = call('get', String(key));
    return entry === undefined ? undefined : JSON.parse(entry.value);
  },
  async set(key, value) {
    call('set', String(key), encode(value));
  },
  async delete(key) {
    call('delete', String(key));
  },
  async getSecret(key) {
    const text = call('getSecret', String(key));
    return text === undefined ? undefined : JSON.parse(text);
  },
  async setSecret(key, value) {
    call('setSecret', String(key), encode(value));
  },
  async deleteSecret(key) {
    call('deleteSecret', String(key));
  },
  query() {
    return new Query();
  },
  entity,
  transact: refuseTransaction,
});
