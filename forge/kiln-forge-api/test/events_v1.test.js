// `@forge/events` 1.x on Kiln's `events` host (forge_events_v1.js and the
// consumer side in handler.js), against what Forge documents for 1.x
// (developer.atlassian.com/platform/forge/runtime-reference/async-events-api
// as it was for 1.x, and .../async-events-api-version-2-upgrade):
//
// - `queue.push(Payload | Payload[], PushSettings)` with `type Payload =
//   string | number | boolean | { [key: string]: Payload }` and
//   `PushSettings = { delayInSeconds: number }`, resolving to the job id;
//   the docs' own examples: `push('hello world')`, `push({ hello: 'world' })`,
//   `push(['hello', 'world'])`, `push('hello world', { delayInSeconds: 5 })`;
// - `getJob(jobId).getStats()` resolves to a response: `await
//   response.json()` is `{ success, inProgress, failed }`; `cancel()`
//   resolves to a response;
// - consumers are resolvers, `resolver.define('event-listener', ({ payload,
//   context }) => …)`; the job id is in `context` ("jobId is no longer
//   available via context" in 2.0) and `retryContext` `{ retryCount,
//   retryReason, retryData }` is added to the payload ("no longer added to
//   the event body" in 2.0), not for a non-object payload (ECO-734);
// - retries with `InvocationError`: "no breaking changes" in 2.0.

import test from 'node:test';
import assert from 'node:assert/strict';

import * as v1 from '../src/forge_events_v1.js';
import * as v3 from '../src/forge_events.js';
import { dispatch, installConsumers } from '../src/handler.js';
import { installHost } from '../src/host.js';
import Resolver from '../src/resolver.js';
import { fakeHost } from './fake-host.js';

const { Queue } = v1;

function withQueues(...queues) {
  const host = fakeHost({ queues });
  installHost(host);
  return host;
}

async function rejectsWith(promise, cls, message) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof cls, `${error?.constructor?.name}: ${error?.message}`);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

/** What the host got for push `n`: `[queue, [{ payload, delaySeconds }]]`, bodies unwrapped. */
function pushedPayloads(host, n) {
  const [queue, list] = host.pushed[n];
  return [queue, list.map(({ body, delaySeconds }) => ({ body: JSON.parse(body), delaySeconds }))];
}

test("Forge's 1.x push examples: any JSON payload, one event per array element, the job id as a string", async () => {
  const host = withQueues('queue-name');
  const queue = new Queue({ key: 'queue-name' });

  const jobId = await queue.push('hello world');
  assert.equal(jobId, 'job-1');
  assert.equal(typeof jobId, 'string');
  assert.deepEqual(pushedPayloads(host, 0), ['queue-name', [{ body: { payload: 'hello world' }, delaySeconds: 0 }]]);

  assert.equal(await queue.push({ hello: 'world' }), 'job-2');
  assert.deepEqual(pushedPayloads(host, 1)[1], [{ body: { payload: { hello: 'world' } }, delaySeconds: 0 }]);

  assert.equal(await queue.push(['hello', 'world']), 'job-3');
  assert.deepEqual(pushedPayloads(host, 2)[1], [
    { body: { payload: 'hello' }, delaySeconds: 0 },
    { body: { payload: 'world' }, delaySeconds: 0 },
  ]);

  await queue.push('hello world', { delayInSeconds: 5 });
  assert.deepEqual(pushedPayloads(host, 3)[1], [{ body: { payload: 'hello world' }, delaySeconds: 5 }]);

  // Numbers and booleans are payloads too, falsy ones included.
  await queue.push([0, false, '', 42, true]);
  assert.deepEqual(
    pushedPayloads(host, 4)[1].map((event) => event.body),
    [{ payload: 0 }, { payload: false }, { payload: '' }, { payload: 42 }, { payload: true }],
  );
  // The settings apply to every event of the push.
  await queue.push([{ a: 1 }, { b: 2 }], { delayInSeconds: 900 });
  assert.deepEqual(pushedPayloads(host, 5)[1].map((event) => event.delaySeconds), [900, 900]);
});

test('1.x push checks: count, delay, size, with Forge\'s classes and messages; nothing reaches the host', async () => {
  const host = withQueues('q');
  const queue = new Queue({ key: 'q' });
  await rejectsWith(queue.push(), v1.NoEventsToPushError, 'No events pushed.');
  await rejectsWith(queue.push(null), v1.NoEventsToPushError, 'No events pushed.');
  await rejectsWith(queue.push([]), v1.NoEventsToPushError, 'No events pushed.');
  await rejectsWith(
    queue.push(Array.from({ length: 51 }, (_, n) => n)),
    v1.TooManyEventsError,
    'This push contains more than the 50 events allowed.',
  );
  for (const delayInSeconds of [901, -1, 1.5, '5']) {
    await rejectsWith(
      queue.push('x', { delayInSeconds }),
      v1.InvalidPushSettingsError,
      'The delayInSeconds setting must be between 0 and 900.',
    );
  }
  await rejectsWith(queue.push('x'.repeat(201 * 1024)), v1.PayloadTooBigError, 'The maximum payload size is 200KB.');
  await rejectsWith(queue.push([1, undefined]), v1.InvalidPayloadError, /must be JSON/);
  await rejectsWith(queue.push(() => 1), v1.InvalidPayloadError, /must be JSON/);
  await rejectsWith(queue.push({ n: 1n }), v1.InvalidPayloadError, /must be JSON/);
  assert.equal(host.pushed.length, 0);

  // 50 payloads and Forge's largest delay are accepted; settings that are
  // not an object (a bare number) carry no delay, as Forge reads them.
  await queue.push(Array.from({ length: 50 }, (_, n) => n), { delayInSeconds: 900 });
  await queue.push('x', 10);
  assert.equal(host.pushed[1][1][0].delaySeconds, 0);
});

test('queue names and host errors are 2.x\'s, with the same classes (one host path)', async () => {
  withQueues('q');
  assert.throws(() => new Queue({ key: 'bad key!' }), v1.InvalidQueueNameError);
  await rejectsWith(new Queue({ key: 'elsewhere' }).push('x'), v1.InvalidQueueNameError, /No consumer module of this app listens on queue "elsewhere"/);
  // The classes are the 2.x/3.x layer's: an app catching either matches.
  assert.equal(v1.RateLimitError, v3.RateLimitError);
  assert.equal(v1.InvocationError, v3.InvocationError);
  const host = fakeHost({ queues: ['q'], eventsRefuse: { push: { tag: 'rate-limited', val: 30 } } });
  installHost(host);
  await rejectsWith(new Queue({ key: 'q' }).push('x'), v1.RateLimitError, 'Too many requests.');
});

test("getStats() and cancel() resolve to responses, as 1.x's did; an unknown job is JobDoesNotExistError", async () => {
  withQueues('q');
  const queue = new Queue({ key: 'q' });
  const jobId = await queue.push([{ event: 'event1' }, { event: 'event2' }]);
  const jobProgress = queue.getJob(jobId);
  const response = await jobProgress.getStats();
  assert.equal(response.ok, true);
  assert.equal(response.status, 200);
  const { success, inProgress, failed } = await response.json();
  assert.deepEqual({ success, inProgress, failed }, { success: 0, inProgress: 2, failed: 0 });

  const cancelled = await jobProgress.cancel();
  assert.equal(cancelled.ok, true);
  assert.equal(cancelled.status, 204);
  assert.equal(await cancelled.text(), '');

  // The queue's own getStats(jobId) and cancel(jobId) answer alike.
  const other = await queue.push('x');
  assert.deepEqual(await (await queue.getStats(other)).json(), { success: 0, inProgress: 1, failed: 0 });
  assert.equal((await queue.cancel(other)).status, 204);

  await rejectsWith(queue.getJob('job-404').getStats(), v1.JobDoesNotExistError, 'The job job-404 was not found for the queue q.');
  await rejectsWith(queue.getJob('').getStats(), v1.JobDoesNotExistError, 'jobId cannot be empty.');
});

// --- the consumer side --------------------------------------------------

const queueContext = {
  invocationId: 'inv-9',
  cloudId: 'cloud-1',
  siteUrl: 'http://127.0.0.1:1',
  moduleKey: 'queue-consumer',
  installationId: 'inst-1',
  trigger: 'queue-event',
  environment: 'development',
};

/** The host's queue-event payload for a body the 1.x facade pushed. */
function hostEvent(payload, retryContext) {
  const event = { body: { payload }, queueName: 'queue-name', jobId: 'job-7', eventId: 'event-3' };
  return JSON.stringify(retryContext === undefined ? event : { ...event, retryContext });
}

function v1App(define) {
  installHost(fakeHost());
  installConsumers(
    [{ key: 'queue-consumer', queue: 'queue-name', resolver: { function: 'consumer-function', method: 'event-listener' } }],
    { eventsApi: 1 },
  );
  const resolver = new Resolver();
  resolver.define('event-listener', define);
  return { consumer: { handler: resolver.getDefinitions() } };
}

test("a 1.x resolver consumer gets the pushed payload and the job id in context, as Forge's 1.x docs show", async () => {
  let seen;
  const modules = v1App(({ payload, context }) => {
    seen = { payload, context };
  });
  for (const payload of ['hello world', { hello: 'world' }, 0, false]) {
    await dispatch(modules, 'consumer.handler', hostEvent(payload), queueContext);
    // @forge/resolver (1.6 to 1.8) gives the function `payload || {}`, so a
    // falsy payload arrives as `{}`.
    assert.deepEqual(seen.payload, payload || {});
    assert.equal(seen.context.jobId, 'job-7');
    assert.equal(seen.context.installContext, 'ari:cloud:jira::site/cloud-1');
  }
});

test("the host's own resolver call (runtime/src/events/envelope.rs) is unwrapped into 1.x's shape too", async () => {
  let seen;
  const modules = v1App(({ payload, context }) => {
    seen = { payload, context };
  });
  const retryContext = { retryCount: 2, retryReason: 'FUNCTION_TIME_OUT', retryData: null };
  const asyncEvent = { body: { payload: { issue: 'K-9' } }, queueName: 'queue-name', jobId: 'job-8', eventId: 'event-1', retryContext };
  const call = JSON.stringify({ call: { functionKey: 'event-listener', payload: asyncEvent } });
  await dispatch(modules, 'consumer.handler', call, queueContext);
  assert.deepEqual(seen.payload, { issue: 'K-9', retryContext });
  assert.equal(seen.context.jobId, 'job-8');
});

test('on a retry, retryContext is added to an object payload (not to others: ECO-734); InvocationError asks for one', async () => {
  let seen;
  const modules = v1App(({ payload }) => {
    seen = payload;
    if (payload.retryContext === undefined) {
      return new v1.InvocationError({ retryAfter: 30, retryReason: v1.InvocationErrorCode.FUNCTION_UPSTREAM_RATE_LIMITED, retryData: { page: 2 } });
    }
    return 'done';
  });
  const first = await dispatch(modules, 'consumer.handler', hostEvent({ issue: 'K-1' }), queueContext).then(
    () => assert.fail('a retry was asked for'),
    (error) => error.payload,
  );
  assert.deepEqual(first, { tag: 'retry', val: { afterSeconds: 30, reason: 'FUNCTION_UPSTREAM_RATE_LIMITED', data: '{"page":2}' } });
  assert.deepEqual(seen, { issue: 'K-1' });

  const retryContext = { retryCount: 1, retryReason: 'FUNCTION_UPSTREAM_RATE_LIMITED', retryData: { page: 2 } };
  const out = await dispatch(modules, 'consumer.handler', hostEvent({ issue: 'K-1' }, retryContext), queueContext);
  assert.equal(out, '"done"');
  assert.deepEqual(seen, { issue: 'K-1', retryContext });

  // A string payload on a retry: the payload as pushed, no retryContext.
  const modulesAgain = v1App(({ payload }) => {
    seen = payload;
  });
  await dispatch(modulesAgain, 'consumer.handler', hostEvent('hello', retryContext), queueContext);
  assert.equal(seen, 'hello');
});

test('a function-style consumer in a 1.x app gets the AsyncEvent with the pushed payload as its body', async () => {
  installHost(fakeHost());
  installConsumers([{ key: 'queue-consumer', queue: 'queue-name', function: 'consume' }], { eventsApi: 1 });
  let seen;
  const modules = { index: { consume: (event) => void (seen = event) } };
  await dispatch(modules, 'index.consume', hostEvent('hello'), queueContext);
  assert.deepEqual(seen, { body: 'hello', queueName: 'queue-name', jobId: 'job-7', eventId: 'event-3' });
});

test('a 2.x/3.x app still gets the AsyncEvent unchanged (the 1.x shapes are opt-in by the build)', async () => {
  installHost(fakeHost());
  installConsumers([{ key: 'queue-consumer', queue: 'queue-name', resolver: { function: 'f', method: 'event-listener' } }]);
  let seen;
  const resolver = new Resolver();
  resolver.define('event-listener', ({ payload }) => void (seen = payload));
  await dispatch({ consumer: { handler: resolver.getDefinitions() } }, 'consumer.handler', hostEvent('hello'), queueContext);
  assert.deepEqual(seen.body, { payload: 'hello' });
  assert.equal(seen.jobId, 'job-7');
});

test('a 1.x push travels to the consumer unchanged (facade and consumer agree on the envelope)', async () => {
  const host = withQueues('queue-name');
  await new Queue({ key: 'queue-name' }).push([{ nested: { list: [1, 'two'] } }, 'text']);
  const bodies = host.pushed[0][1].map((event) => JSON.parse(event.body));
  const seen = [];
  const modules = v1App(({ payload }) => void seen.push(payload));
  for (const body of bodies) {
    await dispatch(modules, 'consumer.handler', JSON.stringify({ body, queueName: 'queue-name', jobId: 'job-1', eventId: 'e' }), queueContext);
  }
  assert.deepEqual(seen, [{ nested: { list: [1, 'two'] } }, 'text']);
});
