// `@forge/kvs`: the same store as `@forge/api`'s `storage`, with values
// that expire (`ttl`) and entry metadata (`metadataFields`, kvs_options.js),
// and Forge's custom entities (`kvs.entity(name)`, entity.js).

import { kvsStore, WhereConditions, StorageError } from './storage.js';
import { MetadataField } from './kvs_options.js';
import { transact } from './transaction.js';
import { EntityError, FilterConditions, SortOrder, Filter, AndFilter, OrFilter } from './entity.js';

export { WhereConditions, FilterConditions, SortOrder, StorageError, EntityError, Filter, AndFilter, OrFilter };

/**
 * @forge/kvs's error classes, as the errors Kiln throws in their place: a
 * call Kiln refuses before storage (`EntityError`, named `ForgeKvsError`),
 * and one the storage host refused (`StorageError`).
 */
export { EntityError as ForgeKvsError, StorageError as ForgeKvsAPIError };

export { MetadataField };
/** Forge's earlier name of `SortOrder`, in its examples (`Sort.DESC`). */
export const Sort = SortOrder;
/** The shared store plus transactions, which Forge offers through @forge/kvs only. */
export const kvs = Object.freeze({ ...kvsStore, transact });
export default kvs;
