// `@forge/kvs`: the same store as `@forge/api`'s `storage`, and Forge's
// custom entities (`kvs.entity(name)`, entity.js).

import { storage, WhereConditions, StorageError } from './storage.js';
import { EntityError, FilterConditions, SortOrder } from './entity.js';

export { WhereConditions, FilterConditions, SortOrder, StorageError, EntityError };
/** Forge's earlier name of `SortOrder`, in its examples (`Sort.DESC`). */
export const Sort = SortOrder;
export const kvs = storage;
export default kvs;
