// Node's `process` module for a bundle that uses `async_hooks` (build.mjs,
// "async context"): process.js as it is, but its named `nextTick` export
// calls the process's own `nextTick` when called, which async_context.js
// has made carry the async context. process.js binds its named exports
// when it loads, before that, so `import { nextTick } from 'process'` would
// otherwise queue its ticks outside the context they were scheduled in.

import process from './process.js';

export * from './process.js';
export default process;

export function nextTick(callback, ...args) {
  return process.nextTick(callback, ...args);
}
