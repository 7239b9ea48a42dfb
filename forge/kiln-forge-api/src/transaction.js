// `kvs.transact()` of @forge/kvs 1.6 over `kiln:app/storage.transact`
// (kiln:app@0.3.0; values that expire, `ttl`, since 0.4.0): key-value and custom-entity writes that commit together
// or not at all.
//
// The builder matches Forge's: `set(key, value, entity?, options?)`,
// `delete(key, entity?)`, `check(key, { entityName, conditions })`, queued
// in the app's order, sent by `execute()`. Nothing is checked and nothing
// reaches the host before `execute()`, as on Forge, whose server checks the
// whole request.
//
// Forge evaluates an entity operation's `conditions` (a `Filter` on the
// stored value's attributes) inside the store. Kiln's host knows versions,
// not attributes, so the layer evaluates them here with the same code that
// filters entity queries (entity.js `passesFilters`), and makes that
// evaluation hold at commit by optimistic concurrency: every entity key of
// the transaction goes to the host with `expected` set to the version (or
// absence) it read. If any changed in between, the host answers
// `condition-failed` having written nothing, and the layer reads again and
// re-evaluates, a bounded number of times. Entity keys without conditions
// are pinned too: their index entries (entity.js) are computed from what
// was read, and the stale ones are deleted only once the items committed.
//
// Nothing here is a security check: the host enforces the limits of a
// transaction (operation count, distinct keys, bytes) and the installation's
// key space whatever a guest does to this module. The layer checks the same
// limits first so that an app gets Forge's error before any call.

import { StorageError } from './storage_error.js';
import { encode, refuseSetOptions } from './storage.js';
import { ttlSeconds } from './kvs_options.js';
import {
  EntityError,
  call,
  checkKey,
  checkValue,
  deleteEntries,
  entityNamed,
  entriesOf,
  filterList,
  isFilter,
  itemKey,
  parseStored,
  passesFilters,
  versionOf,
  versionsOf,
} from './entity.js';

/** Forge's limit of operations in one transaction. */
export const MAX_OPERATIONS = 25;
/**
 * Forge's limit of a transaction's payload, "4 MB": read as 4 MiB of the values it sets
 * (their JSON text in UTF-8), as the host counts it (kiln-state's `max_transaction_bytes`).
 */
export const MAX_PAYLOAD_BYTES = 4 * 1024 * 1024;
/** Reads and commits of one transaction before reporting a conflict. */
const MAX_ATTEMPTS = 8;

const utf8 = new TextEncoder();

/** A transaction refused as a whole: the host's `invalid-transaction`, raised before any call. */
function invalidTransaction(why) {
  return new StorageError({ tag: 'invalid-transaction', val: `${why}; nothing was written` });
}

/**
 * The error of an operation whose condition does not hold. Forge's
 * package names no code for it (its server answers the transaction with a
 * `ForgeKvsAPIError`); Kiln's choice is that class (`StorageError`, exported
 * as `ForgeKvsAPIError`) with code `CONDITION_FAILED`, carrying the host's
 * word for it, `condition-failed` with the operation's index.
 */
function conditionFailed(index, operation) {
  const error = new StorageError({ tag: 'condition-failed', val: index });
  error.message = `transaction operation ${index} (${operation.kind} ${JSON.stringify(operation.key)} of custom entity ${operation.entity.name}): its conditions do not hold; nothing was written`;
  return error;
}

/** The conditions of an entity operation as `passesFilters` takes them, or undefined. */
function conditionsOf(kind, conditions) {
  if (conditions === undefined || conditions === null) {
    return undefined;
  }
  if (!isFilter(conditions)) {
    throw new EntityError(
      'INVALID_CONDITIONS',
      `transact().${kind}() takes conditions as a Filter: new Filter().and(field, condition) or .or(field, condition)`,
    );
  }
  const filters = filterList(conditions);
  // Forge's own builder refuses an empty Filter the same way, in execute().
  if (filters.length === 0) {
    throw new EntityError('INVALID_CONDITIONS', 'Builder must have at least one condition set');
  }
  for (const { cond } of filters) {
    if (typeof cond?.condition !== 'string') {
      throw new EntityError('INVALID_CONDITIONS', `transact().${kind}() conditions take FilterConditions conditions`);
    }
  }
  return filters;
}

/**
 * One queued operation, checked as the plain call would check it (key
 * rules, value types and size, set options), into what the attempts need:
 * the storage key, the action, and for an entity its conditions and the
 * index entries its new value yields.
 */
function prepare(queued) {
  const { kind, key, value, entity: target, options } = queued;
  let seconds;
  if (kind === 'set') {
    refuseSetOptions(options, 'transact().set()', ['ttl']);
    // Forge's `ttl`: the action `set-expiring` (kiln:app@0.4.0).
    seconds = ttlSeconds(options?.ttl, 'transact().set()');
  }
  if (target === undefined || target === null) {
    if (kind === 'check') {
      throw new EntityError('INVALID_CONDITIONS', 'transact().check() takes { entityName, conditions }');
    }
    const text = kind === 'set' ? encode(value) : undefined;
    return { kind, key: String(key), storageKey: String(key), text, seconds };
  }
  const entity = entityNamed(target.entityName);
  checkKey(entity, key);
  const conditions = conditionsOf(kind, target.conditions);
  if (kind === 'check' && conditions === undefined) {
    throw new EntityError('INVALID_CONDITIONS', 'transact().check() takes { entityName, conditions } with at least one condition');
  }
  const text = kind === 'set' ? checkValue(entity, value) : undefined;
  const wanted = kind === 'set' ? entriesOf(entity, key, value, true) : [];
  return { kind, key, storageKey: itemKey(entity, key), text, seconds, entity, conditions, wanted };
}

/** Forge's limits of a transaction as a whole, checked before any call. */
function checkLimits(operations) {
  if (operations.length === 0) {
    throw invalidTransaction('a transaction needs at least one operation');
  }
  if (operations.length > MAX_OPERATIONS) {
    throw invalidTransaction(`a transaction holds at most ${MAX_OPERATIONS} operations, this one ${operations.length}`);
  }
  const seen = new Set();
  let bytes = 0;
  for (const operation of operations) {
    if (seen.has(operation.storageKey)) {
      const where = operation.entity === undefined ? '' : ` of custom entity ${operation.entity.name}`;
      throw invalidTransaction(`key ${JSON.stringify(operation.key)}${where} is named twice (each key once per transaction)`);
    }
    seen.add(operation.storageKey);
    bytes += operation.text === undefined ? 0 : utf8.encode(operation.text).length;
  }
  if (bytes > MAX_PAYLOAD_BYTES) {
    throw invalidTransaction(`a transaction sets at most ${MAX_PAYLOAD_BYTES} bytes of values, this one ${bytes}`);
  }
}

function action(operation) {
  switch (operation.kind) {
    case 'set':
      return operation.seconds === undefined
        ? { tag: 'set', val: operation.text }
        : { tag: 'set-expiring', val: { value: operation.text, ttlSeconds: operation.seconds } };
    case 'delete':
      return { tag: 'delete' };
    default:
      return { tag: 'check' };
  }
}

/**
 * One attempt: reads every entity key, evaluates its conditions, writes the
 * new index entries (hints, which a query ignores until the item matches
 * them), then sends the transaction. `true` once committed; `false` when a
 * key read changed before the commit (nothing was written).
 */
function attempt(operations) {
  const sent = [];
  const stale = [];
  operations.forEach((operation, index) => {
    if (operation.entity === undefined) {
      sent.push({ key: operation.storageKey, action: action(operation), expected: undefined });
      return;
    }
    const current = call('get', operation.storageKey);
    const stored = current === undefined ? undefined : parseStored(current);
    if (operation.conditions !== undefined) {
      // An absent item has no attributes: `notExists` holds on it, `equalTo` does not.
      // A check also asks that the item exist (Forge: "check if key exists and meets conditions").
      const holds = (operation.kind !== 'check' || current !== undefined) && passesFilters(operation.conditions, stored);
      if (!holds) throw conditionFailed(index, operation);
    }
    if (operation.kind !== 'check' && current !== undefined) {
      const previous = entriesOf(operation.entity, operation.key, stored, false);
      stale.push(...previous.filter((entry) => !operation.wanted.includes(entry)));
    }
    sent.push({ key: operation.storageKey, action: action(operation), expected: versionOf(current) });
  });
  const staleVersions = versionsOf(stale);
  for (const operation of operations) {
    for (const entry of operation.wanted ?? []) {
      call('set', entry, 'true');
    }
  }
  const outcome = call('transact', sent);
  if (outcome.tag !== 'committed') {
    return false;
  }
  deleteEntries(staleVersions);
  return true;
}

async function execute(queued) {
  const operations = queued.map(prepare);
  checkLimits(operations);
  for (let tries = 0; tries < MAX_ATTEMPTS; tries += 1) {
    if (attempt(operations)) return;
  }
  throw new EntityError(
    'CONFLICT',
    `transaction: the custom entity keys it reads kept changing under ${MAX_ATTEMPTS} attempts to commit it; nothing of it was written`,
  );
}

/** Forge's `TransactionBuilder`: operations queue until `execute()`. */
class TransactionBuilder {
  #queued = [];

  set(key, value, entity, options) {
    this.#queued.push({ kind: 'set', key, value, entity, options });
    return this;
  }

  delete(key, entity) {
    this.#queued.push({ kind: 'delete', key, entity });
    return this;
  }

  check(key, entity) {
    this.#queued.push({ kind: 'check', key, entity });
    return this;
  }

  execute() {
    return execute([...this.#queued]);
  }
}

/** `kvs.transact()`. */
export function transact() {
  return new TransactionBuilder();
}
