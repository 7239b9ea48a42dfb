// Forge's runtime metrics (`@forge/util`'s `Metrics`: `counter`, `gauge`,
// `timing`, `child`, `event`), which `@forge/metrics` and other Forge
// packages reach through `__getRuntime().metrics`. Forge ships them to
// Atlassian's app metrics; Kiln keeps no such service, so every call is
// accepted and dropped, as `@forge/util`'s own `NoMetrics` does. An app
// counting its work keeps working; what it counted goes nowhere.

const counter = Object.freeze({
  incr() {},
  decr() {},
  incrBy() {},
  decrBy() {},
});

const gauge = Object.freeze({
  set() {},
});

/** `measure().stop()` answers the milliseconds measured, as Forge's does. */
const timing = Object.freeze({
  set() {},
  measure() {
    const started = Date.now();
    return Object.freeze({ stop: () => Date.now() - started });
  },
});

export const noMetrics = Object.freeze({
  child: () => noMetrics,
  counter: () => counter,
  gauge: () => gauge,
  timing: () => timing,
  event() {},
});
