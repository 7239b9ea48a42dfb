// `@forge/events` on Kiln: the names a Forge app imports, so that an app
// whose other functions use none of it builds and runs. Queues and app
// events need the host to keep and deliver events, which Kiln's world does
// not offer yet (docs/porting-forge-apps.md, "Not supported yet"): `push`,
// `getJob`, `cancel`, `getStats` and `appEvents.publish` reject saying so,
// and nothing is sent anywhere. `InvocationError` and `InvocationErrorCode`
// are Forge's, for consumer functions that ask for a retry.

class EventsError extends Error {
  constructor(message) {
    super(message);
    this.name = this.constructor.name;
  }
}

export class InvalidQueueNameError extends EventsError {}
export class InvalidPushSettingsError extends EventsError {}
export class TooManyEventsError extends EventsError {}
export class PayloadTooBigError extends EventsError {}
export class NoEventsToPushError extends EventsError {}
export class RateLimitError extends EventsError {}
export class PartialSuccessError extends EventsError {}
export class InternalServerError extends EventsError {}
export class JobDoesNotExistError extends EventsError {}
export class InvocationLimitReachedError extends EventsError {}

const NOT_SUPPORTED =
  'is not supported by Kiln yet: queues and app events need the host to keep and deliver events (see docs/porting-forge-apps.md); nothing was sent';

function notSupported(what) {
  return Promise.reject(new InternalServerError(`${what} ${NOT_SUPPORTED}`));
}

export class Queue {
  #key;

  constructor(queueParams) {
    const key = queueParams?.key;
    // Forge: a queue key is 1-50 letters, digits, `-` and `_`.
    if (typeof key !== 'string' || !/^[a-zA-Z0-9_-]{1,50}$/.test(key)) {
      throw new InvalidQueueNameError(
        'Queue names can only contain alphanumeric characters, dashes and underscores, and be at most 50 characters long',
      );
    }
    this.#key = key;
  }

  push() {
    return notSupported(`Queue("${this.#key}").push()`);
  }

  getJob(jobId) {
    return Object.freeze({
      jobId,
      getStats: () => notSupported(`Queue("${this.#key}").getJob().getStats()`),
      cancel: () => notSupported(`Queue("${this.#key}").getJob().cancel()`),
    });
  }

  cancel() {
    return notSupported(`Queue("${this.#key}").cancel()`);
  }

  getStats() {
    return notSupported(`Queue("${this.#key}").getStats()`);
  }
}

export const appEvents = Object.freeze({
  publish: () => notSupported('appEvents.publish()'),
});

export const InvocationErrorCode = Object.freeze({
  FUNCTION_OUT_OF_MEMORY: 'FUNCTION_OUT_OF_MEMORY',
  FUNCTION_TIME_OUT: 'FUNCTION_TIME_OUT',
  FUNCTION_PLATFORM_UNKNOWN_ERROR: 'FUNCTION_PLATFORM_UNKNOWN_ERROR',
  FUNCTION_PLATFORM_RATE_LIMITED: 'FUNCTION_PLATFORM_RATE_LIMITED',
  FUNCTION_UPSTREAM_RATE_LIMITED: 'FUNCTION_UPSTREAM_RATE_LIMITED',
  FUNCTION_RETRY_REQUEST: 'FUNCTION_RETRY_REQUEST',
});

/** Forge: returned by a consumer to ask for a retry; serialises to `{ _retry, retryOptions }`. */
export class InvocationError {
  constructor(retryOptions = { retryAfter: 1, retryReason: InvocationErrorCode.FUNCTION_RETRY_REQUEST }) {
    const options = { ...retryOptions };
    if (options.retryAfter !== undefined && options.retryAfter <= 0) {
      options.retryAfter = 1;
    }
    return { _retry: true, retryOptions: options };
  }
}
