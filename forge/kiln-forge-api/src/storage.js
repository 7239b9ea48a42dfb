// Forge's key-value storage over `kiln:app/storage`: the legacy `storage`
// of @forge/api and the `kvs` of @forge/kvs share it. Values are stored as
// JSON text (the WIT's contract), so what `set` stores is what `get`
// returns, as JSON round-trips it. Key rules, value limits and the
// `storage:app` scope are the host's to check.

import { host, witError } from './host.js';

/** A storage call the host refused; `code` is Kiln's `storage-error` case. */
export class StorageError extends Error {
  constructor(kilnError) {
    const detail = kilnError?.val === undefined ? '' : `: ${kilnError.val}`;
    super(`storage ${kilnError?.tag ?? 'failure'}${detail}`);
    this.name = 'StorageError';
    this.code = String(kilnError?.tag ?? 'unavailable').toUpperCase().replaceAll('-', '_');
    Object.defineProperty(this, 'kilnError', { value: kilnError, enumerable: false });
  }
}

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

export const WhereConditions = Object.freeze({ beginsWith: startsWith });

class Query {
  #prefix = '';
  #cursor;
  #limit;
  where(field, condition) {
    if (field !== 'key' || condition?.condition !== 'STARTS_WITH') {
      throw new Error("Kiln's storage queries support where('key', startsWith(prefix)) only");
    }
    this.#prefix = condition.value;
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
  async getMany() {
    const page = call('query', this.#prefix, this.#cursor, this.#limit);
    const results = page.entries.map((entry) => ({ key: entry.key, value: JSON.parse(entry.value) }));
    return page.nextCursor === undefined ? { results } : { results, nextCursor: page.nextCursor };
  }
  async getOne() {
    const { results } = await this.limit(1).getMany();
    return results[0];
  }
}

function unsupported(what) {
  return () => {
    throw new Error(`${what} is not supported by Kiln yet (see docs/porting-forge-apps.md)`);
  };
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
  entity: unsupported('custom entity storage (kvs.entity)'),
  transact: refuseTransaction,
});
