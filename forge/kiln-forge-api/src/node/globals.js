// Node's globals that the engine lacks, injected by the build (esbuild's
// `inject`) wherever an app or a dependency names one without defining it,
// as Node code does: only bundles that use one carry it.
export { Buffer } from './buffer.js';

/** Node's `setImmediate`: runs `callback` after the current work, as a 0 ms timer. */
export function setImmediate(callback, ...args) {
  return setTimeout(callback, 0, ...args);
}

export function clearImmediate(handle) {
  clearTimeout(handle);
}
