// `@forge/kvs`: the same store as `@forge/api`'s `storage`.

import { storage, WhereConditions, StorageError } from './storage.js';

export { WhereConditions, StorageError };
export const kvs = storage;
export default kvs;
