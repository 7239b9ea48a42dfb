// @forge/kvs 1.6's `ttl` set option and `metadataFields` read option, over
// kiln:app@0.4.0: `storage.set-expiring` (and the transaction action
// `set-expiring`) take the time to live in seconds; an entry carries
// `created-at`, `updated-at` and `expires-at` in milliseconds since the
// epoch, which become Forge's `createdAt`, `updatedAt` (numbers, ms) and
// `expireTime` (an ISO 8601 string).
//
// The host bounds the time to live (0 or over its limit is `invalid-value`)
// and makes an expired value absent for every call; the checks here give an
// app Forge's style of error before any call, nothing more.

import { EntityError } from './entity.js';

/** Forge's metadata fields for `get`/`query` options. */
export const MetadataField = Object.freeze({
  CREATED_AT: 'CREATED_AT',
  UPDATED_AT: 'UPDATED_AT',
  EXPIRE_TIME: 'EXPIRE_TIME',
});

/** Seconds in one of Forge's `TtlUnit`s. */
const UNIT_SECONDS = Object.freeze({ SECONDS: 1n, MINUTES: 60n, HOURS: 3600n, DAYS: 86400n });

/**
 * The time to live of Forge's `ttl: { value, unit }` in seconds (a BigInt,
 * the WIT's u64), or undefined without one. `value` must be a positive
 * whole number and `unit` one of SECONDS, MINUTES, HOURS, DAYS.
 */
export function ttlSeconds(ttl, call) {
  if (ttl === undefined || ttl === null) {
    return undefined;
  }
  const unit = ttl?.unit;
  const value = ttl?.value;
  const known = typeof unit === 'string' && Object.hasOwn(UNIT_SECONDS, unit);
  if (typeof ttl !== 'object' || !known || typeof value !== 'number' || !Number.isSafeInteger(value) || value <= 0) {
    throw new EntityError(
      'INVALID_TTL',
      `${call} takes ttl as { value, unit } with value a positive whole number and unit SECONDS, MINUTES, HOURS or DAYS, not ${describe(ttl)}; nothing was written`,
    );
  }
  return BigInt(value) * UNIT_SECONDS[unit];
}

function describe(value) {
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/**
 * The metadata fields an options object asks for (`metadataFields`), checked
 * against Forge's three; undefined when it asks for none.
 */
export function metadataFields(options, call) {
  const fields = options?.metadataFields;
  if (fields === undefined || fields === null) {
    return undefined;
  }
  if (!Array.isArray(fields)) {
    throw new EntityError('BAD_REQUEST', `${call} takes metadataFields as an array of MetadataField values`);
  }
  for (const field of fields) {
    if (!Object.hasOwn(MetadataField, field)) {
      throw new EntityError(
        'BAD_REQUEST',
        `${call}: ${describe(field)} is not a metadata field (MetadataField: CREATED_AT, UPDATED_AT, EXPIRE_TIME)`,
      );
    }
  }
  return fields;
}

/**
 * The metadata of a stored entry that `fields` asks for, as Forge's results
 * carry it: `createdAt` and `updatedAt` in ms, `expireTime` as an ISO
 * string (undefined for a value that never expires).
 */
export function metadataOf(entry, fields) {
  const out = {};
  if (fields === undefined || entry === undefined) {
    return out;
  }
  if (fields.includes(MetadataField.CREATED_AT)) {
    out.createdAt = millis(entry.createdAt);
  }
  if (fields.includes(MetadataField.UPDATED_AT)) {
    out.updatedAt = millis(entry.updatedAt);
  }
  if (fields.includes(MetadataField.EXPIRE_TIME)) {
    out.expireTime = entry.expiresAt === undefined || entry.expiresAt === null ? undefined : new Date(millis(entry.expiresAt)).toISOString();
  }
  return out;
}

function millis(value) {
  return typeof value === 'bigint' ? Number(value) : value === undefined ? undefined : Number(value);
}

/** Why Kiln cannot honour each refused set option. */
const REFUSED_BECAUSE = {
  ttl: 'only values of @forge/kvs expire on Kiln (kvs.set, kvs.batchSet, kvs.transact().set, kvs.entity().set); secrets and the legacy storage of @forge/api keep theirs until deleted',
  keyPolicy: 'Kiln sets values unconditionally',
  returnValue: 'Kiln sets values without returning one',
  returnMetadataFields: 'Kiln sets values without returning one',
};

/**
 * @forge/kvs 1.6's set options Kiln cannot honour (`keyPolicy`,
 * `returnValue`, `returnMetadataFields`, and `ttl` where it is not in
 * `allowed`). Refused before anything is written, rather than ignored: an
 * app relying on a value expiring (a lock, a cache) or on a set failing
 * when the key exists must not run as if it did.
 */
export function refuseSetOptions(options, call, allowed = []) {
  if (options === undefined || options === null) {
    return;
  }
  const unsupported = Object.keys(REFUSED_BECAUSE).filter((name) => !allowed.includes(name) && options[name] !== undefined);
  if (unsupported.length > 0) {
    throw new EntityError(
      'UNSUPPORTED_OPTION',
      `${call} with ${unsupported.join(', ')} is not supported by Kiln: ${unsupported.map((name) => REFUSED_BECAUSE[name]).join('; ')}; nothing was written. See docs/porting-forge-apps.md`,
    );
  }
}
