// `@forge/events` 1.x on Kiln: what an app that installed 1.x imports
// (build.mjs aliases `@forge/events` here when the app's installed
// `@forge/events` is 1.x or older). Same host, same queue, same checks as
// 2.x/3.x (forge_events.js); only the shapes are 1.x's, as Forge documents
// them (runtime-reference/async-events-api for 1.x, and
// async-events-api-version-2-upgrade for what changed in 2.0):
//
// - `queue.push(payload | payload[], { delayInSeconds })`: a payload is any
//   JSON value (Forge's type: string, number, boolean or object), an array
//   is one event per element, the settings apply to every event of the
//   push; it resolves to the job id, a string.
// - `queue.getJob(jobId).getStats()` resolves to a fetch-style response
//   whose `json()` is `{ success, inProgress, failed }`; `cancel()` to a
//   response too (2.0 dropped both responses); `queue.getStats(jobId)` and
//   `queue.cancel(jobId)` answer alike.
// - Consumers are resolvers (`resolver: { function, method }`), called as
//   `({ payload, context })`: `payload` is what was pushed, the job id is
//   `context.jobId`, and on a retry `payload.retryContext` is `{
//   retryCount, retryReason, retryData }` when the payload is an object
//   (Forge's known issue ECO-734: none for other payloads).
// - Retries: `InvocationError` / `QueueResponse`, unchanged in 2.0.
//
// Kiln's host takes an event body that is a JSON object, so a 1.x payload
// travels as the body `{ payload: <the payload> }` and the consumer side
// (handler.js, `v1ConsumerEvent`) unwraps it: the app never sees the
// wrapper. What differs from Forge is 2.x/3.x's list (docs/porting-forge-apps.md,
// "Async events"), plus: non-whole or non-numeric delays are refused as
// 2.x's are.

import {
  call,
  validateQueueKey,
  JobProgress as JobProgressV2,
  Text,
  MAXIMUM_EVENTS,
  MAXIMUM_PAYLOAD_SIZE_KB,
  MAXIMUM_DELAY_SECONDS,
  InvalidPushSettingsError,
  InvalidPayloadError,
  TooManyEventsError,
  PayloadTooBigError,
  NoEventsToPushError,
  JobDoesNotExistError,
} from './forge_events.js';
import { Response } from './response.js';
import { V1_PAYLOAD_KEY } from './handler.js';

export {
  EventsError,
  InvalidPushSettingsError,
  InvalidQueueNameError,
  InvalidPayloadError,
  TooManyEventsError,
  PayloadTooBigError,
  NoEventsToPushError,
  RateLimitError,
  PartialSuccessError,
  InternalServerError,
  JobDoesNotExistError,
  InvocationLimitReachedError,
  InvocationError,
  InvocationErrorCode,
  QueueResponse,
  appEvents,
} from './forge_events.js';

const utf8 = new TextEncoder();

/**
 * 1.x's checks, in 3.0.8's order (the count, the settings, the size), with
 * its classes and messages. Returns the events as the host takes them.
 */
function validatePush(payload, settings) {
  if (payload === undefined || payload === null) {
    throw new NoEventsToPushError(Text.noEventsPushed);
  }
  const payloads = Array.isArray(payload) ? payload : [payload];
  if (payloads.length === 0) {
    throw new NoEventsToPushError(Text.noEventsPushed);
  }
  if (payloads.length > MAXIMUM_EVENTS) {
    throw new TooManyEventsError(Text.maxEventsAllowed(MAXIMUM_EVENTS));
  }
  // Forge reads `settings.delayInSeconds`; settings that are not an object
  // (a bare number, say) have none, and the events are not delayed.
  const delay = settings !== null && typeof settings === 'object' ? settings.delayInSeconds ?? 0 : 0;
  // Forge's server takes a number of seconds; Kiln's host a whole one.
  if (typeof delay !== 'number' || !Number.isInteger(delay) || delay < 0 || delay > MAXIMUM_DELAY_SECONDS) {
    throw new InvalidPushSettingsError(Text.invalidDelayInSecondsSetting);
  }
  const pushed = [];
  for (const one of payloads) {
    if (one === undefined || typeof one === 'function' || typeof one === 'symbol') {
      throw new InvalidPayloadError('Event payload must be JSON: a string, number, boolean or object.');
    }
    let body;
    try {
      body = JSON.stringify({ [V1_PAYLOAD_KEY]: one });
    } catch (error) {
      throw new InvalidPayloadError(`Event payload must be JSON: ${error?.message ?? error}`);
    }
    pushed.push({ body, delaySeconds: delay });
  }
  // Forge counts the JSON of what was pushed.
  if (utf8.encode(JSON.stringify(payload)).length / 1024 > MAXIMUM_PAYLOAD_SIZE_KB) {
    throw new PayloadTooBigError(Text.maxPayloadAllowed(MAXIMUM_PAYLOAD_SIZE_KB));
  }
  return pushed;
}

/** A fetch-style response of `status` whose body is `value`'s JSON (none for undefined). */
function apiResponse(status, value) {
  const body = value === undefined ? new Uint8Array(0) : utf8.encode(JSON.stringify(value));
  const headers = value === undefined ? [] : [['content-type', 'application/json']];
  return new Response({ status, headers, body });
}

/**
 * Forge 1.x's `JobProgress`: 2.x's checks and host calls, answered as
 * responses (1.x's shape).
 */
export class JobProgress extends JobProgressV2 {
  /** A response whose `json()` is `{ success, inProgress, failed }`. */
  async getStats() {
    return apiResponse(200, await super.getStats());
  }

  /** Cancels the job's events that have not started: a 204 response. */
  async cancel() {
    await super.cancel();
    return apiResponse(204);
  }
}

/** Forge 1.x's `Queue`. */
export class Queue {
  constructor(queueParams) {
    this.queueParams = queueParams;
    validateQueueKey(queueParams?.key);
  }

  /** Pushes one payload or a list of them, as one job: the job id. */
  async push(payload, pushSettings) {
    const pushed = validatePush(payload, pushSettings);
    const queueName = this.queueParams.key;
    const jobId = call('push', [queueName, pushed], { what: 'push', queueName, count: pushed.length });
    return String(jobId);
  }

  getJob(jobId) {
    return new JobProgress(this.queueParams, jobId);
  }

  /** `queue.getStats(jobId)` (0.x's form, kept by later packages): as `getJob(jobId).getStats()`. */
  async getStats(jobId) {
    return this.getJob(jobId).getStats();
  }

  /** `queue.cancel(jobId)`: as `getJob(jobId).cancel()`. */
  async cancel(jobId) {
    return this.getJob(jobId).cancel();
  }
}
