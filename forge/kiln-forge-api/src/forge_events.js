// `@forge/events` 3 on Kiln, over `kiln:app/events` (kiln:app@0.4.0).
//
// `new Queue({ key })`, `push`, `getJob(id).getStats()/.cancel()`,
// `Queue#getStats/cancel`, the error classes, `InvocationError`,
// `InvocationErrorCode` and `QueueResponse` are Forge's: the same checks
// with the same messages and error classes, before anything reaches the
// host (@forge/events 3.0.8's validators.js and text.js). The host keeps the
// events and runs the app's `consumer` module of the queue for each one, in
// an invocation of its own (handler.js: the payload is Forge's AsyncEvent,
// a returned `InvocationError` asks for a retry).
//
// What differs from Forge (docs/porting-forge-apps.md, "Async events"):
// - a push is all or none: Forge's `PartialSuccessError` is never thrown;
// - an app reaches only queues its manifest has a `consumer` for: another
//   queue name is the host's `unknown-queue`, an InvalidQueueNameError here;
// - the `concurrency` push option is refused (InvalidPushSettingsError):
//   Kiln bounds concurrent invocations per app, not per key, and an app
//   relying on Forge's per-key limit (one event at a time for a key) must
//   not run as if it held;
// - `appEvents.publish` answers Forge's error result (it never rejects, as
//   Forge's does not): Forge's app events go to other apps and products,
//   which Kiln has no bus for.
//
// Nothing here is a security check: the host checks the queue, the number,
// size and shape of the events, their delay, the job and the installation,
// whatever a guest does to this module.

import { host, witError } from './host.js';

export class EventsError extends Error {
  constructor(message) {
    super(message);
    this.name = this.constructor.name;
  }
}

export class InvalidPushSettingsError extends EventsError {}
export class InvalidQueueNameError extends EventsError {}
export class InvalidPayloadError extends EventsError {}
export class TooManyEventsError extends EventsError {}
export class PayloadTooBigError extends EventsError {}
export class NoEventsToPushError extends EventsError {}
export class RateLimitError extends EventsError {}
export class PartialSuccessError extends EventsError {
  constructor(message, result, failedEvents) {
    super(message);
    this.result = result;
    this.failedEvents = failedEvents;
  }
}
export class InternalServerError extends EventsError {
  constructor(message, errorCode, details) {
    super(message);
    this.errorCode = errorCode;
    this.details = details;
  }
}
export class JobDoesNotExistError extends EventsError {}
export class InvocationLimitReachedError extends EventsError {}

/** @forge/events 3.0.8's limits (validators.js). */
export const MAXIMUM_EVENTS = 50;
export const MAXIMUM_PAYLOAD_SIZE_KB = 200;
export const MAXIMUM_DELAY_SECONDS = 900;
const VALID_QUEUE_NAME_PATTERN = /^[a-zA-Z0-9-_]+$/;

/** @forge/events 3.0.8's messages (text.js). */
export const Text = Object.freeze({
  invalidQueueName: 'Queue names can only contain alphanumeric characters, dashes and underscores.',
  invalidEvent: 'Event must be an object.',
  invalidEventBody: 'Event body must be an object.',
  invalidDelayInSecondsSetting: 'The delayInSeconds setting must be between 0 and 900.',
  maxEventsAllowed: (count) => `This push contains more than the ${count} events allowed.`,
  maxPayloadAllowed: (size) => `The maximum payload size is ${size}KB.`,
  noEventsPushed: 'No events pushed.',
  rateLimitError: 'Too many requests.',
  invocationLimitReachedError: 'The limit on cyclic invocation has been reached.',
  jobIdEmpty: 'jobId cannot be empty.',
  jobDoesNotExist: (jobId, queueName) => `The job ${jobId} was not found for the queue ${queueName}.`,
});

const CONCURRENCY_REFUSED =
  'The concurrency setting is not supported by Kiln: it limits concurrent invocations per app, not per concurrency key, so the limit would not hold; nothing was pushed. See docs/porting-forge-apps.md';

const utf8 = new TextEncoder();

export function validateQueueKey(queueName) {
  if (!queueName || typeof queueName !== 'string' || !VALID_QUEUE_NAME_PATTERN.test(queueName)) {
    throw new InvalidQueueNameError(Text.invalidQueueName);
  }
}

function isObject(value) {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * Forge's `validatePushEvents`, in its order (count, each event's shape,
 * its settings, then the size), plus what the host's `push-event` needs: a
 * whole number of seconds for the delay and a body that is JSON.
 * Returns the events as the host takes them.
 */
function validatePushEvents(arg) {
  const events = Array.isArray(arg) ? arg : [arg];
  if (events.length === 0) {
    throw new NoEventsToPushError(Text.noEventsPushed);
  }
  if (events.length > MAXIMUM_EVENTS) {
    throw new TooManyEventsError(Text.maxEventsAllowed(MAXIMUM_EVENTS));
  }
  const pushed = [];
  for (const event of events) {
    if (!isObject(event)) {
      throw new InvalidPayloadError(Text.invalidEvent);
    }
    if (!isObject(event.body)) {
      throw new InvalidPayloadError(Text.invalidEventBody);
    }
    const delay = event.delayInSeconds ?? 0;
    // Forge's server takes a number of seconds; Kiln's host a whole one.
    if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > MAXIMUM_DELAY_SECONDS) {
      throw new InvalidPushSettingsError(Text.invalidDelayInSecondsSetting);
    }
    if (event.concurrency !== undefined && event.concurrency !== null) {
      throw new InvalidPushSettingsError(CONCURRENCY_REFUSED);
    }
    let body;
    try {
      body = JSON.stringify(event.body);
    } catch (error) {
      throw new InvalidPayloadError(`Event body must be JSON: ${error?.message ?? error}`);
    }
    pushed.push({ body, delaySeconds: delay });
  }
  // Forge counts the JSON of the events as pushed (bodies and settings).
  let size;
  try {
    size = utf8.encode(JSON.stringify(events)).length / 1024;
  } catch (error) {
    throw new InvalidPayloadError(`Event must be JSON: ${error?.message ?? error}`);
  }
  if (size > MAXIMUM_PAYLOAD_SIZE_KB) {
    throw new PayloadTooBigError(Text.maxPayloadAllowed(MAXIMUM_PAYLOAD_SIZE_KB));
  }
  return pushed;
}

/**
 * Forge's error for the host's `events-error`; `what` says which call
 * (`push`, `getStats`, `cancel`) for the messages only Kiln has.
 */
function eventsError(error, { what, queueName, jobId, count }) {
  const nothing = what === 'push' ? 'nothing was pushed' : 'nothing was changed';
  switch (error?.tag) {
    case 'unknown-queue':
      return new InvalidQueueNameError(
        `No consumer module of this app listens on queue ${JSON.stringify(String(queueName))}: Kiln delivers events only to a queue a consumer in the app's manifest.yml names (modules.consumer[].queue); ${nothing}.`,
      );
    case 'invalid-queue-name':
      return new InvalidQueueNameError(Text.invalidQueueName);
    case 'invalid-event': {
      const text = String(error.val ?? 'an event is not acceptable');
      return /delay/i.test(text) ? new InvalidPushSettingsError(text) : new InvalidPayloadError(text);
    }
    case 'too-many-events': {
      if (count === 0) return new NoEventsToPushError(Text.noEventsPushed);
      const limit = Number(error.val);
      return new TooManyEventsError(
        Number.isFinite(limit) && limit < count
          ? Text.maxEventsAllowed(limit)
          : `This push contains ${count} events, more than the host allows.`,
      );
    }
    case 'payload-too-large':
      return new PayloadTooBigError(String(error.val ?? Text.maxPayloadAllowed(MAXIMUM_PAYLOAD_SIZE_KB)));
    case 'invocation-limit-reached':
      return new InvocationLimitReachedError(Text.invocationLimitReachedError);
    case 'rate-limited': {
      const limited = new RateLimitError(Text.rateLimitError);
      // Kiln's hint of when to try again, in seconds.
      limited.retryAfter = Number(error.val);
      return limited;
    }
    case 'unknown-job':
      return new JobDoesNotExistError(Text.jobDoesNotExist(jobId, queueName));
    case 'unavailable':
      return new InternalServerError(`Kiln cannot queue events now: ${String(error.val ?? '')}`, 'UNAVAILABLE');
    default:
      return new InternalServerError(`Kiln's events host failed: ${JSON.stringify(error)}`);
  }
}

/**
 * Calls `events.<name>`; a WIT error becomes Forge's error class (also
 * the 1.x facade's way to the host: forge_events_v1.js).
 */
export function call(name, args, where) {
  let events;
  try {
    events = host().events;
  } catch (error) {
    throw new InternalServerError(error.message);
  }
  if (events === undefined || events === null) {
    throw new InternalServerError('Kiln host has no events interface: build the app with a Kiln whose world is kiln:app@0.4.0 or later');
  }
  try {
    return events[name](...args);
  } catch (thrown) {
    const error = witError(thrown);
    if (error === undefined) throw thrown;
    throw eventsError(error, where);
  }
}

export function asNumber(value) {
  return typeof value === 'bigint' ? Number(value) : Number(value ?? 0);
}

/** Forge's `JobProgress`: a job's stats and its cancellation. */
export class JobProgress {
  constructor(queueParams, id) {
    this.queueParams = queueParams;
    this.id = id;
  }

  #checked() {
    if (!this.id) {
      throw new JobDoesNotExistError(Text.jobIdEmpty);
    }
    validateQueueKey(this.queueParams?.key);
    return { queueName: this.queueParams.key, jobId: String(this.id) };
  }

  async getStats() {
    const { queueName, jobId } = this.#checked();
    const stats = call('stats', [queueName, jobId], { what: 'getStats', queueName, jobId });
    return { success: asNumber(stats.success), inProgress: asNumber(stats.inProgress), failed: asNumber(stats.failed) };
  }

  async cancel() {
    const { queueName, jobId } = this.#checked();
    call('cancel', [queueName, jobId], { what: 'cancel', queueName, jobId });
  }
}

/** Forge's `Queue`. */
export class Queue {
  constructor(queueParams) {
    this.queueParams = queueParams;
    validateQueueKey(queueParams?.key);
  }

  /** Pushes one event or a list of them, as one job: `{ jobId }`. */
  async push(events) {
    const pushed = validatePushEvents(events);
    const queueName = this.queueParams.key;
    const jobId = call('push', [queueName, pushed], { what: 'push', queueName, count: pushed.length });
    return { jobId: String(jobId) };
  }

  getJob(jobId) {
    return new JobProgress(this.queueParams, jobId);
  }

  async cancel(jobId) {
    await this.getJob(jobId).cancel();
  }

  async getStats(jobId) {
    return this.getJob(jobId).getStats();
  }
}

const APP_EVENTS_REFUSED =
  'appEvents.publish() is not supported by Kiln: Forge app events reach other apps and products, which Kiln has no event bus for (queues are supported: see docs/porting-forge-apps.md); nothing was sent';

// Forge's `publish` does not throw when the platform refuses: it resolves to
// `{ type: 'error', errorType, errorMessage }` (`errorType` from the answer's
// status; `OTHER` for a status it does not name, such as "not implemented"),
// and apps check `result.type`. Kiln answers the same way, so an app that
// publishes and moves on keeps running instead of failing on a rejection.
export const appEvents = Object.freeze({
  publish: async () => ({ type: 'error', errorType: 'OTHER', errorMessage: APP_EVENTS_REFUSED }),
});

export const InvocationErrorCode = Object.freeze({
  FUNCTION_OUT_OF_MEMORY: 'FUNCTION_OUT_OF_MEMORY',
  FUNCTION_TIME_OUT: 'FUNCTION_TIME_OUT',
  FUNCTION_PLATFORM_UNKNOWN_ERROR: 'FUNCTION_PLATFORM_UNKNOWN_ERROR',
  FUNCTION_PLATFORM_RATE_LIMITED: 'FUNCTION_PLATFORM_RATE_LIMITED',
  FUNCTION_UPSTREAM_RATE_LIMITED: 'FUNCTION_UPSTREAM_RATE_LIMITED',
  FUNCTION_RETRY_REQUEST: 'FUNCTION_RETRY_REQUEST',
});

/** Forge's `MIN_RETRY_AFTER`. */
const MIN_RETRY_AFTER = 1;

/** Forge's base of `QueueResponse` and `InvocationError`. */
class Response {
  constructor(retry) {
    this._retry = retry;
  }
}

/** Forge: a consumer returns it, after `retry()` to ask for its event again. */
export class QueueResponse extends Response {
  constructor() {
    super(false);
  }

  retry() {
    this._retry = true;
  }
}

/**
 * Forge: returned by a consumer to ask for a retry; the constructor
 * returns the plain `{ _retry: true, retryOptions }` that handler.js turns
 * into `app-error.retry`.
 */
export class InvocationError extends Response {
  constructor(retryOptions = { retryAfter: MIN_RETRY_AFTER, retryReason: InvocationErrorCode.FUNCTION_RETRY_REQUEST }) {
    super(true);
    this.retryOptions = retryOptions;
    if (this.retryOptions.retryAfter !== undefined && this.retryOptions.retryAfter <= 0) {
      this.retryOptions.retryAfter = MIN_RETRY_AFTER;
    }
    return this.toJSON();
  }

  toJSON() {
    return { _retry: this._retry, retryOptions: this.retryOptions };
  }
}
