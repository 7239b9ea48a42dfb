// `@forge/kvs`: the same store as `@forge/api`'s `storage`, and Forge's
// custom entities (`kvs.entity(name)`, entity.js).

import { storage, WhereConditions, StorageError } from './storage.js';
import { transact } from './transaction.js';
import { EntityError, FilterConditions, SortOrder, Filter, AndFilter, OrFilter } from './entity.js';

export { WhereConditions, FilterConditions, SortOrder, StorageError, EntityError, Filter, AndFilter, OrFilter };

/**
 * @forge/kvs's error classes, as the errors Kiln throws in their place: a
 * call Kiln refuses before storage (`EntityError`, named `ForgeKvsError`),
 * and one the storage host refused (`StorageError`).
 */
export { EntityError as ForgeKvsError, StorageError as ForgeKvsAPIError };

/**
 * Forge's metadata fields for `get`/`query` options. Kiln keeps no such
 * metadata: options naming them are accepted and results carry none.
 */
export const MetadataField = Object.freeze({
  CREATED_AT: 'CREATED_AT',
  UPDATED_AT: 'UPDATED_AT',
  EXPIRE_TIME: 'EXPIRE_TIME',
});
/** Forge's earlier name of `SortOrder`, in its examples (`Sort.DESC`). */
export const Sort = SortOrder;
/** The shared store plus transactions, which Forge offers through @forge/kvs only. */
export const kvs = Object.freeze({ ...storage, transact });
export default kvs;
