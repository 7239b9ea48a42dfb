// `@forge/events` on Kiln's `events` host (kiln:app@0.4.0), against
// @forge/events 3.0.8: its validators (limits, messages, error classes, in
// its order), its JobProgress and Queue, and Kiln's mapping of the host's
// `events-error` cases to Forge's classes.

import test from 'node:test';
import assert from 'node:assert/strict';

import * as events from '../src/forge_events.js';
import { installHost } from '../src/host.js';
import { fakeHost } from './fake-host.js';

const { Queue } = events;

function withQueues(...queues) {
  const host = fakeHost({ queues });
  installHost(host);
  return host;
}

/** Asserts `promise` rejects with an error of `cls` whose message is `message` (string: exact). */
async function rejectsWith(promise, cls, message) {
  await assert.rejects(promise, (error) => {
    assert.ok(error instanceof cls, `${error?.constructor?.name}: ${error?.message}`);
    assert.ok(error instanceof events.EventsError);
    if (typeof message === 'string') assert.equal(error.message, message);
    else assert.match(error.message, message);
    return true;
  });
}

test('queue keys are checked as Forge checks them, with its message', () => {
  for (const key of ['bad key!', '', 'é', 'a.b', undefined, 7]) {
    assert.throws(
      () => new Queue({ key }),
      (error) =>
        error instanceof events.InvalidQueueNameError &&
        error.message === 'Queue names can only contain alphanumeric characters, dashes and underscores.',
      String(key),
    );
  }
  assert.throws(() => new Queue(), events.InvalidQueueNameError);
  // Forge's package checks the characters only (the host bounds the length).
  new Queue({ key: 'issue-sync_1' });
  new Queue({ key: 'x'.repeat(51) });
});

test('push sends each body as JSON text with its delay, as one job, and answers { jobId }', async () => {
  const host = withQueues('sync');
  const queue = new Queue({ key: 'sync' });
  const result = await queue.push({ body: { issueKey: 'K-1' } });
  assert.deepEqual(result, { jobId: 'job-1' });
  assert.deepEqual(host.pushed[0], ['sync', [{ body: '{"issueKey":"K-1"}', delaySeconds: 0 }]]);

  await queue.push([
    { body: { n: 1 }, delayInSeconds: 900 },
    { body: { n: 2, nested: { list: [1, 'two'] } }, delayInSeconds: 0 },
  ]);
  assert.deepEqual(host.pushed[1], [
    'sync',
    [
      { body: '{"n":1}', delaySeconds: 900 },
      { body: '{"n":2,"nested":{"list":[1,"two"]}}', delaySeconds: 0 },
    ],
  ]);
});

test("push's validations, in Forge's order, with its classes and messages; nothing reaches the host", async () => {
  const host = withQueues('q');
  const queue = new Queue({ key: 'q' });
  await rejectsWith(queue.push([]), events.NoEventsToPushError, 'No events pushed.');
  const many = Array.from({ length: 51 }, (_, n) => ({ body: { n } }));
  await rejectsWith(queue.push(many), events.TooManyEventsError, 'This push contains more than the 50 events allowed.');
  await queue.push(many.slice(0, 50));
  assert.equal(host.pushed.length, 1);
  host.pushed.length = 0;

  for (const event of [null, 'text', 3, [{ body: {} }]]) {
    await rejectsWith(queue.push([event]), events.InvalidPayloadError, 'Event must be an object.');
  }
  for (const body of [undefined, null, 'text', 3, true, [1, 2]]) {
    await rejectsWith(queue.push({ body }), events.InvalidPayloadError, 'Event body must be an object.');
  }
  for (const delayInSeconds of [-1, 901, 1.5, '10', Number.NaN]) {
    await rejectsWith(
      queue.push({ body: {}, delayInSeconds }),
      events.InvalidPushSettingsError,
      'The delayInSeconds setting must be between 0 and 900.',
    );
  }
  // 200 KB of the events' JSON, as Forge counts it (UTF-8 bytes / 1024).
  const big = 'é'.repeat(51_200); // 102,400 bytes
  await rejectsWith(
    queue.push([{ body: { big } }, { body: { big } }]),
    events.PayloadTooBigError,
    'The maximum payload size is 200KB.',
  );
  // An earlier event's fault is reported before a later one's size.
  await rejectsWith(queue.push([{ body: 1 }, { body: { big: big + big } }]), events.InvalidPayloadError, 'Event body must be an object.');
  await rejectsWith(queue.push({ body: { n: 1n } }), events.InvalidPayloadError, /Event body must be JSON/);
  assert.equal(host.pushed.length, 0);
});

test('the concurrency option is refused, saying why; nothing is pushed', async () => {
  const host = withQueues('q');
  await rejectsWith(
    new Queue({ key: 'q' }).push({ body: {}, concurrency: { key: 'issue-1', limit: 1 } }),
    events.InvalidPushSettingsError,
    /concurrency setting is not supported by Kiln.*per app.*nothing was pushed/,
  );
  assert.equal(host.pushed.length, 0);
});

test("a queue no consumer of the app listens on is the host's unknown-queue: InvalidQueueNameError naming the manifest", async () => {
  const host = withQueues('mine');
  await rejectsWith(
    new Queue({ key: 'someone-elses' }).push({ body: {} }),
    events.InvalidQueueNameError,
    /No consumer module of this app listens on queue "someone-elses".*modules\.consumer\[\]\.queue.*nothing was pushed/,
  );
  assert.equal(host.pushed.length, 1, 'the host decided');
});

test("each events-error case becomes Forge's class", async () => {
  const cases = [
    [{ tag: 'invalid-queue-name' }, events.InvalidQueueNameError, 'Queue names can only contain alphanumeric characters, dashes and underscores.'],
    [{ tag: 'invalid-event', val: 'event 1: its body is not a JSON object' }, events.InvalidPayloadError, 'event 1: its body is not a JSON object'],
    [{ tag: 'invalid-event', val: 'event 0: its delay is over 900 seconds' }, events.InvalidPushSettingsError, 'event 0: its delay is over 900 seconds'],
    [{ tag: 'too-many-events', val: 1 }, events.TooManyEventsError, 'This push contains more than the 1 events allowed.'],
    [{ tag: 'too-many-events', val: 50 }, events.TooManyEventsError, 'This push contains 2 events, more than the host allows.'],
    [{ tag: 'payload-too-large', val: 'a push is at most 204800 bytes' }, events.PayloadTooBigError, 'a push is at most 204800 bytes'],
    [{ tag: 'invocation-limit-reached' }, events.InvocationLimitReachedError, 'The limit on cyclic invocation has been reached.'],
    [{ tag: 'rate-limited', val: 30 }, events.RateLimitError, 'Too many requests.'],
    [{ tag: 'unavailable', val: 'the queue store is down' }, events.InternalServerError, 'Kiln cannot queue events now: the queue store is down'],
  ];
  for (const [error, cls, message] of cases) {
    installHost(fakeHost({ queues: ['q'], eventsRefuse: { push: error } }));
    await rejectsWith(new Queue({ key: 'q' }).push([{ body: {} }, { body: {} }]), cls, message);
  }
  installHost(fakeHost({ queues: ['q'], eventsRefuse: { push: { tag: 'rate-limited', val: 30 } } }));
  const limited = await new Queue({ key: 'q' }).push({ body: {} }).catch((e) => e);
  assert.equal(limited.retryAfter, 30);
  installHost(fakeHost({ queues: ['q'], eventsRefuse: { push: { tag: 'unavailable', val: 'down' } } }));
  const unavailable = await new Queue({ key: 'q' }).push({ body: {} }).catch((e) => e);
  assert.equal(unavailable.errorCode, 'UNAVAILABLE');
});

test('getJob(id).getStats() answers { success, inProgress, failed } as numbers; cancel() cancels', async () => {
  withQueues('q');
  const queue = new Queue({ key: 'q' });
  const { jobId } = await queue.push([{ body: { a: 1 } }, { body: { a: 2 } }]);
  const job = queue.getJob(jobId);
  assert.ok(job instanceof events.JobProgress);
  assert.deepEqual(await job.getStats(), { success: 0, inProgress: 2, failed: 0 });
  assert.deepEqual(await queue.getStats(jobId), { success: 0, inProgress: 2, failed: 0 });
  await job.cancel();
  assert.deepEqual(await job.getStats(), { success: 0, inProgress: 0, failed: 0 });
  await queue.cancel(jobId);
});

test('an unknown job is JobDoesNotExistError with Forge\'s message; an empty id is refused before the host', async () => {
  const host = withQueues('q');
  const queue = new Queue({ key: 'q' });
  await rejectsWith(queue.getJob('nope').getStats(), events.JobDoesNotExistError, 'The job nope was not found for the queue q.');
  await rejectsWith(queue.cancel('nope'), events.JobDoesNotExistError, 'The job nope was not found for the queue q.');
  await rejectsWith(queue.getJob('').getStats(), events.JobDoesNotExistError, 'jobId cannot be empty.');
  await rejectsWith(queue.getJob(undefined).cancel(), events.JobDoesNotExistError, 'jobId cannot be empty.');
  for (const call of ['stats', 'cancel']) {
    // The host's text is its own (not the queue's name): the message names the queue the app gave.
    installHost(fakeHost({ queues: ['q'], eventsRefuse: { [call]: { tag: 'unknown-queue', val: 'no consumer module of this app listens on the queue' } } }));
    const run = call === 'stats' ? queue.getStats('j') : queue.cancel('j');
    await rejectsWith(run, events.InvalidQueueNameError, /No consumer module.*"q".*nothing was changed/);
  }
  assert.equal(host.pushed.length, 0);
});

test('outside Kiln, or on a host without events, calls fail with InternalServerError', async () => {
  installHost({ storage: {} });
  await rejectsWith(new Queue({ key: 'q' }).push({ body: {} }), events.InternalServerError, /kiln:app@0\.4\.0/);
});

// @forge/events 3.0.8's appEvents.publish resolves to an error result for a
// refusal (`{ type: 'error', errorType, errorMessage }`, errorType 'OTHER' for
// a status outside its table) and never rejects for one.
test('appEvents.publish answers Forge\'s error result, saying why, and sends nothing', async () => {
  const host = withQueues('q');
  for (const published of [{ key: 'e' }, [{ key: 'e' }, { key: 'f' }]]) {
    const result = await events.appEvents.publish(published);
    assert.deepEqual(Object.keys(result), ['type', 'errorType', 'errorMessage']);
    assert.equal(result.type, 'error');
    assert.equal(result.errorType, 'OTHER');
    assert.match(result.errorMessage, /appEvents\.publish\(\) is not supported by Kiln.*nothing was sent/);
  }
  assert.equal(host.pushed.length, 0);
});

test("InvocationError and QueueResponse serialise as Forge's", () => {
  assert.deepEqual(JSON.parse(JSON.stringify(new events.InvocationError({ retryAfter: 0 }))), {
    _retry: true,
    retryOptions: { retryAfter: 1 },
  });
  assert.deepEqual(JSON.parse(JSON.stringify(new events.InvocationError())), {
    _retry: true,
    retryOptions: { retryAfter: 1, retryReason: 'FUNCTION_RETRY_REQUEST' },
  });
  const options = { retryAfter: 60, retryReason: events.InvocationErrorCode.FUNCTION_UPSTREAM_RATE_LIMITED, retryData: { page: 2 } };
  assert.deepEqual(new events.InvocationError(options), { _retry: true, retryOptions: options });
  const response = new events.QueueResponse();
  assert.equal(response._retry, false);
  response.retry();
  assert.equal(response._retry, true);
});
