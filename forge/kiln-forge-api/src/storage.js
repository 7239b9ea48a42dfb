// Forge's key-value storage over `kiln:app/storage`: the legacy `storage`
// of @forge/api and the `kvs` of @forge/kvs share it. Values are stored as
// JSON text (the WIT's contract), so what `set` stores is what `get`
// returns, as JSON round-trips it. Key rules, value limits and the
// `storage:app` scope are the host's to check.

import { host, witError } from './host.js';
import { StorageError } from './storage_error.js';
import { entity, EntityError, ENTITY_KEY_PREFIX, EntityWhereConditions } from './entity.js';

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

export function encode(value) {
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
  "storage.transact() is not available through the legacy storage module of @forge/api, as on Forge: use kvs.transact() from @forge/kvs; nothing was written. See docs/porting-forge-apps.md";

/**
 * The legacy `storage` of @forge/api has no transactions on Forge (its
 * documentation says so); `kvs.transact()` (kvs.js, transaction.js) has.
 * Refused when called, so no operation is ever queued on it, rather than
 * left undefined: the message says where transactions are.
 */
function refuseTransaction() {
  throw new Error(TRANSACTIONS_REFUSED);
}

/**
 * @forge/kvs 1.6's set options Kiln cannot honour: `ttl` (Kiln's values do
 * not expire), `keyPolicy` and `returnValue`. Refused before anything is
 * written, rather than ignored: an app relying on a value expiring (a lock,
 * a cache) must not run as if it did.
 */
export function refuseSetOptions(options, call) {
  if (options === undefined || options === null) {
    return;
  }
  const unsupported = ['ttl', 'keyPolicy', 'returnValue', 'returnMetadataFields'].filter((name) => options[name] !== undefined);
  if (unsupported.length > 0) {
    throw new EntityError(
      'UNSUPPORTED_OPTION',
      `${call} with ${unsupported.join(', ')} is not supported by Kiln: its storage keeps values until they are deleted and sets them unconditionally; nothing was written. See docs/porting-forge-apps.md`,
    );
  }
}

/**
 * @forge/kvs 1.6: with an options object (`{ metadataFields }`), `get`
 * answers `{ key, value }` rather than the value. Kiln keeps no metadata,
 * so the result holds none of the fields asked for.
 */
function getResult(key, value, options) {
  if (value === undefined || options === undefined || options === null) {
    return value;
  }
  return { key, value };
}

/** A failed item of a batch result, with the error's code. */
function failedItem({ key, entityName }, error) {
  const item = { key, error: { code: String(error?.code ?? 'UNKNOWN_ERROR'), message: String(error?.message ?? error) } };
  return entityName === undefined ? item : { ...item, entityName: String(entityName) };
}

function succeededItem({ key, entityName }, extra = {}) {
  return entityName === undefined ? { key, ...extra } : { key, ...extra, entityName: String(entityName) };
}

/**
 * @forge/kvs 1.6's batches, item by item. Forge's batches are not
 * transactions either: each item succeeds or fails on its own, and the
 * result lists both.
 */
async function batch(items, run) {
  const result = { successfulKeys: [], failedKeys: [] };
  for (const item of items ?? []) {
    try {
      const extra = await run(item);
      if (extra === null) {
        result.failedKeys.push(failedItem(item, { code: 'KEY_NOT_FOUND', message: 'Key does not exist' }));
      } else {
        result.successfulKeys.push(succeededItem(item, extra));
      }
    } catch (error) {
      result.failedKeys.push(failedItem(item, error));
    }
  }
  return result;
}

/** The store or the custom entity a batch item names. */
function target(item) {
  return item?.entityName === undefined ? storage : entity(String(item.entityName));
}

/** The storage API shared by `@forge/api`'s `storage` and `@forge/kvs`'s `kvs`. */
export const storage = Object.freeze({
  async get(key, options) {
    const entry = call('get', String(key));
    return getResult(String(key), entry === undefined ? undefined : JSON.parse(entry.value), options);
  },
  async set(key, value, options) {
    refuseSetOptions(options, 'set()');
    call('set', String(key), encode(value));
  },
  async delete(key) {
    call('delete', String(key));
  },
  async getSecret(key, options) {
    const text = call('getSecret', String(key));
    return getResult(String(key), text === undefined ? undefined : JSON.parse(text), options);
  },
  async setSecret(key, value, options) {
    refuseSetOptions(options, 'setSecret()');
    call('setSecret', String(key), encode(value));
  },
  batchSet(items) {
    return batch(items, async (item) => {
      refuseSetOptions(item.options, 'batchSet()');
      await target(item).set(item.key, item.value);
      return {};
    });
  },
  batchGet(items) {
    return batch(items, async (item) => {
      const value = await target(item).get(item.key);
      return value === undefined ? null : { value };
    });
  },
  batchDelete(items) {
    return batch(items, async (item) => {
      await target(item).delete(item.key);
      return {};
    });
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
