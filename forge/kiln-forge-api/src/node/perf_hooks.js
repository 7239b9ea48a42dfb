// Node's `perf_hooks`. Code written before Node 16 made `performance` a
// global imports it from here to time its work (`const { performance } =
// require('perf_hooks')`), and packages (OpenTelemetry's Node SDK, benchmark
// helpers) use its marks, measures, observers and histograms. The clock is
// the engine's `performance.now()`; the rest is Node's rules over it: marks
// and measures kept in a timeline in start order, Node's errors (a measure
// from a mark never set is a `SyntaxError`, as Node's DOMException), observers
// told of new entries on a later tick, histograms of integers.
//
// What differs: only `mark`, `measure` and `function` entries are ever made
// (there is no GC, DNS, socket or resource timing to observe in the
// sandbox); `monitorEventLoopDelay` records nothing (its histogram stays
// empty: the engine has no event loop to sample between invocations);
// `eventLoopUtilization()` is all zeros; a histogram keeps its values exactly,
// where Node's HdrHistogram rounds values above 2,047 to three significant
// digits.

import { invalidArgType } from './arg_errors.js';

const engine = globalThis.performance;
const now = () => engine.now();

function missingArgs(name) {
  const error = new TypeError(`The "${name}" argument must be specified`);
  error.code = 'ERR_MISSING_ARGS';
  return error;
}

function outOfRange(name, range, value) {
  const error = new RangeError(`The value of "${name}" is out of range. It must be ${range}. Received ${value}`);
  error.code = 'ERR_OUT_OF_RANGE';
  return error;
}

/** Node's DOMException for a mark that was never set (name `SyntaxError`, code 12). */
function noSuchMark(name) {
  const error = new Error(`The "${name}" performance mark has not been set`);
  error.name = 'SyntaxError';
  error.code = 12;
  return error;
}

export class PerformanceEntry {
  constructor(name, entryType, startTime, duration, detail) {
    this.name = name;
    this.entryType = entryType;
    this.startTime = startTime;
    this.duration = duration;
    if (detail !== undefined) this.detail = detail;
  }

  toJSON() {
    const json = { name: this.name, entryType: this.entryType, startTime: this.startTime, duration: this.duration };
    if ('detail' in this) json.detail = this.detail;
    return json;
  }
}

export class PerformanceMark extends PerformanceEntry {
  constructor(name, options = {}) {
    if (name === undefined) throw missingArgs('name');
    const startTime = options?.startTime ?? now();
    if (typeof startTime !== 'number') throw invalidArgType('options.startTime', 'number', startTime);
    if (startTime < 0) {
      const error = new TypeError(`${startTime} is not a valid timestamp`);
      error.code = 'ERR_PERFORMANCE_INVALID_TIMESTAMP';
      throw error;
    }
    super(String(name), 'mark', startTime, 0, options?.detail === undefined ? null : structuredCopy(options.detail));
  }
}

export class PerformanceMeasure extends PerformanceEntry {}

export class PerformanceResourceTiming extends PerformanceEntry {}

/** Node clones a mark's detail (structured clone); JSON is what the sandbox's values survive. */
function structuredCopy(value) {
  return typeof structuredClone === 'function' ? structuredClone(value) : value;
}

// The timeline: every mark and measure not cleared, and the observers.
const buffer = [];
const observers = new Set();

function add(entry) {
  buffer.push(entry);
  notify(entry);
  return entry;
}

function byStartTime(entries) {
  return [...entries].sort((a, b) => a.startTime - b.startTime);
}

function select(entries, name, type) {
  return byStartTime(
    entries.filter((e) => (name === undefined || e.name === name) && (type === undefined || e.entryType === type)),
  );
}

export class Performance {
  get timeOrigin() {
    return engine.timeOrigin;
  }

  now() {
    return now();
  }

  mark(name, options) {
    return add(new PerformanceMark(name, options));
  }

  measure(name, startOrOptions, endMark) {
    if (name === undefined) throw missingArgs('name');
    let start;
    let end;
    let detail = null;
    const at = (mark) => {
      if (typeof mark === 'number') return mark;
      const found = [...buffer].reverse().find((e) => e.entryType === 'mark' && e.name === String(mark));
      if (found === undefined) throw noSuchMark(String(mark));
      return found.startTime;
    };
    if (startOrOptions !== null && typeof startOrOptions === 'object') {
      const options = startOrOptions;
      start = options.start === undefined ? undefined : at(options.start);
      end = options.end === undefined ? undefined : at(options.end);
      if (options.duration !== undefined) {
        if (start !== undefined) end = start + options.duration;
        else if (end !== undefined) start = end - options.duration;
      }
      if (options.detail !== undefined) detail = structuredCopy(options.detail);
    } else if (startOrOptions !== undefined) {
      start = at(startOrOptions);
    }
    if (endMark !== undefined) end = at(endMark);
    start ??= 0;
    end ??= now();
    return add(new PerformanceMeasure(String(name), 'measure', start, end - start, detail));
  }

  clearMarks(name) {
    clear('mark', name);
  }

  clearMeasures(name) {
    clear('measure', name);
  }

  clearResourceTimings() {}

  getEntries() {
    return select(buffer);
  }

  getEntriesByName(name, type) {
    return select(buffer, String(name), type);
  }

  getEntriesByType(type) {
    return select(buffer, undefined, String(type));
  }

  /** No event loop to measure between invocations: all zeros. */
  eventLoopUtilization() {
    return { idle: 0, active: 0, utilization: 0 };
  }

  /** `fn` wrapped so that each call, when observed, is a `function` entry. */
  timerify(fn) {
    if (typeof fn !== 'function') throw invalidArgType('fn', 'function', fn);
    const timed = {
      [`timerified ${fn.name}`](...args) {
        const started = now();
        const result = new.target ? Reflect.construct(fn, args, new.target) : Reflect.apply(fn, this, args);
        notify(new PerformanceEntry(fn.name, 'function', started, now() - started, args));
        return result;
      },
    }[`timerified ${fn.name}`];
    Object.defineProperty(timed, 'length', { value: fn.length });
    return timed;
  }

  toJSON() {
    return { nodeTiming: {}, timeOrigin: this.timeOrigin, eventLoopUtilization: this.eventLoopUtilization() };
  }
}

function clear(type, name) {
  for (let i = buffer.length - 1; i >= 0; i -= 1) {
    if (buffer[i].entryType === type && (name === undefined || buffer[i].name === String(name))) {
      buffer.splice(i, 1);
    }
  }
}

export const performance = new Performance();

export class PerformanceObserverEntryList {
  #entries;

  constructor(entries) {
    this.#entries = entries;
  }

  getEntries() {
    return select(this.#entries);
  }

  getEntriesByName(name, type) {
    return select(this.#entries, String(name), type);
  }

  getEntriesByType(type) {
    return select(this.#entries, undefined, String(type));
  }
}

const SUPPORTED = Object.freeze(['dns', 'function', 'gc', 'http', 'http2', 'mark', 'measure', 'net', 'resource']);

export class PerformanceObserver {
  #callback;
  #types = new Set();
  #pending = [];
  #scheduled = false;

  constructor(callback) {
    if (typeof callback !== 'function') throw invalidArgType('callback', 'function', callback);
    this.#callback = callback;
  }

  static get supportedEntryTypes() {
    return SUPPORTED;
  }

  observe(options = {}) {
    const types = options.entryTypes ?? (options.type === undefined ? [] : [options.type]);
    for (const type of types) {
      if (SUPPORTED.includes(type)) this.#types.add(type);
    }
    observers.add(this);
    if (options.buffered && options.type !== undefined) {
      for (const entry of buffer) this.enqueue(entry);
    }
  }

  disconnect() {
    observers.delete(this);
    this.#types.clear();
    this.#pending = [];
  }

  takeRecords() {
    const records = this.#pending;
    this.#pending = [];
    return records;
  }

  /** Called for each new entry; the callback hears of them together, on a later tick. */
  enqueue(entry) {
    if (!this.#types.has(entry.entryType)) return;
    this.#pending.push(entry);
    if (this.#scheduled) return;
    this.#scheduled = true;
    setTimeout(() => {
      this.#scheduled = false;
      const records = this.takeRecords();
      if (records.length > 0) this.#callback(new PerformanceObserverEntryList(records), this);
    }, 0);
  }
}

function notify(entry) {
  for (const observer of observers) observer.enqueue(entry);
}

const EMPTY_MIN = 9223372036854776000;

/** Node's `RecordableHistogram` over integers from 1 to 2^53 - 1. */
class Histogram {
  #values = [];
  #exceeds = 0;
  #last;

  get count() {
    return this.#values.length;
  }

  get countBigInt() {
    return BigInt(this.count);
  }

  get min() {
    return this.#values.reduce((min, v) => Math.min(min, v), EMPTY_MIN);
  }

  get minBigInt() {
    return this.#values.length === 0 ? 9223372036854775807n : BigInt(this.min);
  }

  get max() {
    return this.#values.reduce((max, v) => Math.max(max, v), 0);
  }

  get maxBigInt() {
    return BigInt(this.max);
  }

  get mean() {
    const n = this.#values.length;
    return n === 0 ? NaN : this.#values.reduce((sum, v) => sum + v, 0) / n;
  }

  get stddev() {
    const n = this.#values.length;
    if (n === 0) return NaN;
    const mean = this.mean;
    return Math.sqrt(this.#values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / n);
  }

  get exceeds() {
    return this.#exceeds;
  }

  get exceedsBigInt() {
    return BigInt(this.#exceeds);
  }

  percentile(p) {
    if (typeof p !== 'number') throw invalidArgType('percentile', 'number', p);
    if (!(p > 0 && p <= 100)) throw outOfRange('percentile', '> 0 && <= 100', p);
    const sorted = this.#sorted();
    if (sorted.length === 0) return 0;
    return sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1];
  }

  percentileBigInt(p) {
    return BigInt(this.percentile(p));
  }

  /** HdrHistogram's percentile iteration (each step halves the distance to 100), as Node's map. */
  get percentiles() {
    const sorted = this.#sorted();
    const map = new Map();
    if (sorted.length === 0) {
      map.set(100, 0);
      return map;
    }
    let p = 0;
    for (;;) {
      const rank = Math.max(1, Math.ceil((p / 100) * sorted.length));
      map.set(p, sorted[rank - 1]);
      if (rank >= sorted.length) break;
      p += 100 / 2 ** (Math.floor(Math.log2(100 / (100 - p))) + 1);
    }
    map.set(100, sorted[sorted.length - 1]);
    return map;
  }

  get percentilesBigInt() {
    return new Map([...this.percentiles].map(([p, v]) => [p, BigInt(v)]));
  }

  record(val) {
    const value = typeof val === 'bigint' ? Number(val) : val;
    if (typeof value !== 'number') throw invalidArgType('val', ['number', 'bigint'], val);
    if (!(value >= 1 && value <= Number.MAX_SAFE_INTEGER)) {
      throw outOfRange('val', `>= 1 && <= ${Number.MAX_SAFE_INTEGER}`, val);
    }
    this.#values.push(Math.trunc(value));
  }

  /** The nanoseconds since the last call (the first call records nothing). */
  recordDelta() {
    const at = now();
    if (this.#last !== undefined) {
      this.#values.push(Math.max(1, Math.round((at - this.#last) * 1e6)));
    }
    this.#last = at;
  }

  add(other) {
    if (!(other instanceof Histogram)) throw invalidArgType('other', 'RecordableHistogram', other);
    for (const v of other.#values) this.#values.push(v);
    this.#exceeds += other.#exceeds;
  }

  reset() {
    this.#values = [];
    this.#exceeds = 0;
    this.#last = undefined;
  }

  #sorted() {
    return [...this.#values].sort((a, b) => a - b);
  }
}

export function createHistogram() {
  return new Histogram();
}

/** An event-loop delay histogram: enabled and disabled as Node's, it records nothing here. */
class IntervalHistogram extends Histogram {
  #enabled = false;

  enable() {
    if (this.#enabled) return false;
    this.#enabled = true;
    return true;
  }

  disable() {
    if (!this.#enabled) return false;
    this.#enabled = false;
    return true;
  }
}

export function monitorEventLoopDelay(options = {}) {
  if (options === null || typeof options !== 'object') throw invalidArgType('options', 'object', options);
  const resolution = options.resolution ?? 10;
  if (typeof resolution !== 'number') throw invalidArgType('options.resolution', 'number', resolution);
  if (!(resolution >= 1)) throw outOfRange('options.resolution', '>= 1 && <= 2147483647', resolution);
  return new IntervalHistogram();
}

export const constants = Object.freeze({
  NODE_PERFORMANCE_GC_MAJOR: 4,
  NODE_PERFORMANCE_GC_MINOR: 1,
  NODE_PERFORMANCE_GC_INCREMENTAL: 8,
  NODE_PERFORMANCE_GC_WEAKCB: 16,
  NODE_PERFORMANCE_GC_FLAGS_NO: 0,
  NODE_PERFORMANCE_GC_FLAGS_CONSTRUCT_RETAINED: 2,
  NODE_PERFORMANCE_GC_FLAGS_FORCED: 4,
  NODE_PERFORMANCE_GC_FLAGS_SYNCHRONOUS_PHANTOM_PROCESSING: 8,
  NODE_PERFORMANCE_GC_FLAGS_ALL_AVAILABLE_GARBAGE: 16,
  NODE_PERFORMANCE_GC_FLAGS_ALL_EXTERNAL_MEMORY: 32,
  NODE_PERFORMANCE_GC_FLAGS_SCHEDULE_IDLE: 64,
});

export default {
  Performance,
  PerformanceEntry,
  PerformanceMark,
  PerformanceMeasure,
  PerformanceObserver,
  PerformanceObserverEntryList,
  PerformanceResourceTiming,
  constants,
  createHistogram,
  monitorEventLoopDelay,
  performance,
};
