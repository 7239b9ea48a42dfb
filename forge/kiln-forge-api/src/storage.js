// Forge's key-value storage over `kiln:app/storage`: the legacy `storage`
// of @forge/api and the `kvs` of @forge/kvs share it. Values are stored as
// JSON text (the WIT's contract), so what `set` stores is what `get`
// returns, as JSON round-trips it. Key rules, value limits and the
// `storage:app` scope are the host's to check.

import { host, witError } from './host.js';
import { StorageError } from './storage_error.js';
import { entity, EntityError, ENTITY_KEY_PREFIX, EntityWhereConditions } from './entity.js';
import { metadataFields, metadataOf, refuseSetOptions, ttlSeconds } from './kvs_options.js';
import { settledByLayer } from './unhandled_rejections.js';

export { refuseSetOptions };

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
  // @forge/kvs's `query({ metadataFields })`: the fields each result carries.
  #fields;
  constructor(fields) {
    this.#fields = fields;
  }
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
          results.push({ key: entry.key, value: JSON.parse(entry.value), ...metadataOf(entry, this.#fields) });
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
 * @forge/kvs 1.6: with an options object (`{ metadataFields }`), `get`
 * answers `{ key, value }` rather than the value, plus the metadata fields
 * asked for (`kvs` only: the legacy `storage` answers none).
 */
function getResult(key, value, options, metadata = {}) {
  if (value === undefined || options === undefined || options === null) {
    return value;
  }
  return { key, value, ...metadata };
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

/**
 * The storage API shared by `@forge/api`'s `storage` and `@forge/kvs`'s `kvs`.
 * The single-key methods are written without `async` (the host call is
 * synchronous): a failure is then known when the call returns, and becomes
 * the layer's rejection, reported if the app leaves it unhandled
 * (unhandled_rejections.js); a success is the engine's plain promise.
 */
export const storage = Object.freeze({
  get(key, options) {
    return settledByLayer(() => {
      const entry = call('get', String(key));
      return getResult(String(key), entry === undefined ? undefined : JSON.parse(entry.value), options);
    });
  },
  set(key, value, options) {
    return settledByLayer(() => {
      refuseSetOptions(options, 'set()');
      call('set', String(key), encode(value));
    });
  },
  delete(key) {
    return settledByLayer(() => {
      call('delete', String(key));
    });
  },
  getSecret(key, options) {
    return settledByLayer(() => {
      const text = call('getSecret', String(key));
      return getResult(String(key), text === undefined ? undefined : JSON.parse(text), options);
    });
  },
  setSecret(key, value, options) {
    return settledByLayer(() => {
      refuseSetOptions(options, 'setSecret()');
      call('setSecret', String(key), encode(value));
    });
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
  deleteSecret(key) {
    return settledByLayer(() => {
      call('deleteSecret', String(key));
    });
  },
  query() {
    return new Query();
  },
  entity,
  transact: refuseTransaction,
});

/** The store or the custom entity a `kvs` batch item names. */
function kvsTarget(item) {
  return item?.entityName === undefined ? kvsStore : entity(String(item.entityName));
}

/**
 * `@forge/kvs`'s `kvs` (less `transact`, kvs.js): the legacy API plus
 * @forge/kvs 1.6's `ttl` set option and `metadataFields` read option
 * (kvs_options.js). Secrets keep the legacy behaviour: the host has no
 * expiring secret and keeps no metadata of one.
 */
export const kvsStore = Object.freeze({
  ...storage,
  get(key, options) {
    return settledByLayer(() => {
      const fields = metadataFields(options, 'get()');
      const entry = call('get', String(key));
      if (entry === undefined) {
        return undefined;
      }
      return getResult(String(key), JSON.parse(entry.value), options, metadataOf(entry, fields));
    });
  },
  set(key, value, options) {
    return settledByLayer(() => {
      refuseSetOptions(options, 'set()', ['ttl']);
      const seconds = ttlSeconds(options?.ttl, 'set()');
      const text = encode(value);
      if (seconds === undefined) {
        call('set', String(key), text);
      } else {
        call('setExpiring', String(key), text, seconds);
      }
    });
  },
  batchSet(items) {
    return batch(items, async (item) => {
      refuseSetOptions(item.options, 'batchSet()', ['ttl']);
      await kvsTarget(item).set(item.key, item.value, item.options);
      return {};
    });
  },
  batchGet(items) {
    return batch(items, async (item) => {
      const options = item.options ?? undefined;
      const result = await kvsTarget(item).get(item.key, options);
      if (result === undefined) return null;
      if (options === undefined) return { value: result };
      const { key: _key, ...rest } = result;
      return rest;
    });
  },
  query(options) {
    return new Query(metadataFields(options, 'query()'));
  },
});
