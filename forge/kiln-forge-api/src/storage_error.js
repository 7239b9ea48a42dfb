// The error of a storage call the host refused, shared by the key-value
// API (storage.js) and custom entities (entity.js).

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
