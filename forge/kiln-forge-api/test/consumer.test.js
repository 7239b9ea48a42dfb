// Queue consumers (`modules.consumer`) on Kiln's `handle`: the host's
// queue-event payload is Forge's AsyncEvent, handed to a `function: key`
// consumer as `event` and to a `resolver: { function, method }` consumer's
// method as `payload`; a consumer's retry request (Forge's InvocationError,
// QueueResponse.retry()) becomes `app-error.retry`.

import test from 'node:test';
import assert from 'node:assert/strict';

import { dispatch, installConsumers } from '../src/handler.js';
import { installHost } from '../src/host.js';
import Resolver from '../src/resolver.js';
import { InvocationError, InvocationErrorCode, QueueResponse } from '../src/forge_events.js';
import { fakeHost } from './fake-host.js';

const queueContext = {
  invocationId: 'inv-9',
  cloudId: 'cloud-1',
  siteUrl: 'http://127.0.0.1:1',
  moduleKey: 'sync-consumer',
  installationId: 'inst-1',
  trigger: 'queue-event',
  environment: 'development',
};

// The envelope the host passes (the contract with the Rust host).
const envelope = {
  body: { issueKey: 'K-1', n: 2 },
  queueName: 'sync',
  jobId: 'job-1',
  eventId: 'event-1',
};
const retried = {
  ...envelope,
  retryContext: { retryCount: 1, retryReason: 'FUNCTION_RETRY_REQUEST', retryData: { page: 3 } },
};

/** The app-error `dispatch` throws, as componentize-js lowers it. */
async function appError(promise) {
  const thrown = await promise.then(
    (value) => assert.fail(`resolved with ${value}`),
    (error) => error,
  );
  assert.ok(thrown?.payload, `not an app-error: ${thrown}`);
  return thrown.payload;
}

test('a function-style consumer gets the AsyncEvent as event, and Forge\'s context', async () => {
  installHost(fakeHost());
  installConsumers([{ key: 'sync-consumer', queue: 'sync', function: 'consume' }]);
  let seen;
  const modules = {
    index: {
      run: (event, context) => {
        seen = { event, context };
        return { handled: event.body.issueKey };
      },
    },
  };
  const out = await dispatch(modules, 'index.run', JSON.stringify(retried), queueContext);
  assert.deepEqual(JSON.parse(out), { handled: 'K-1' });
  assert.deepEqual(seen.event, retried);
  assert.equal(seen.context.moduleKey, 'sync-consumer');
  assert.equal(seen.context.trigger, 'queue-event');
  assert.equal(seen.context.principal, undefined, 'a queue event runs as the app');
});

test('a resolver-style consumer has its method called with the AsyncEvent as payload', async () => {
  installHost(fakeHost());
  installConsumers([
    { key: 'other', queue: 'elsewhere', function: 'f' },
    { key: 'sync-consumer', queue: 'sync', resolver: { function: 'resolver-fn', method: 'event-listener' } },
  ]);
  const resolver = new Resolver();
  let seen;
  resolver.define('event-listener', ({ payload, context }) => {
    seen = { payload, context };
    return 'ok';
  });
  resolver.define('other-method', () => assert.fail('the wrong method'));
  const modules = { index: { handler: resolver.getDefinitions() } };
  assert.equal(await dispatch(modules, 'index.handler', JSON.stringify(envelope), queueContext), '"ok"');
  assert.deepEqual(seen.payload, envelope);
  assert.equal(seen.context.installation.id, 'inst-1');

  // Found by the event's queue when the module key is not a consumer's.
  seen = undefined;
  await dispatch(modules, 'index.handler', JSON.stringify(envelope), { ...queueContext, moduleKey: 'x' });
  assert.deepEqual(seen.payload, envelope);
});

test('a payload the host already sent as a resolver call is not wrapped again', async () => {
  installHost(fakeHost());
  installConsumers([{ key: 'sync-consumer', queue: 'sync', resolver: { function: 'resolver-fn', method: 'event-listener' } }]);
  const resolver = new Resolver();
  let seen;
  resolver.define('event-listener', ({ payload }) => {
    seen = payload;
    return new InvocationError({ retryAfter: 7 });
  });
  const modules = { index: { handler: resolver.getDefinitions() } };
  const call = { call: { functionKey: 'event-listener', payload: retried } };
  const error = await appError(dispatch(modules, 'index.handler', JSON.stringify(call), queueContext));
  assert.deepEqual(seen, retried);
  assert.deepEqual(error, { tag: 'retry', val: { afterSeconds: 7, reason: 'FUNCTION_RETRY_REQUEST', data: undefined } });
});

test('a resolver-style consumer without a method fails, naming the fix', async () => {
  installHost(fakeHost());
  installConsumers([{ key: 'sync-consumer', queue: 'sync', resolver: { function: 'resolver-fn' } }]);
  const modules = { index: { handler: new Resolver().getDefinitions() } };
  const error = await appError(dispatch(modules, 'index.handler', JSON.stringify(envelope), queueContext));
  assert.equal(error.tag, 'failed');
  assert.match(error.val, /consumer sync-consumer.*resolver without a method.*resolver\.method/);
});

test('InvocationError asks for the event again: app-error.retry with seconds, reason and retryData as JSON text', async () => {
  installHost(fakeHost());
  installConsumers([{ key: 'sync-consumer', queue: 'sync', function: 'consume' }]);
  const run = (result) => dispatch({ index: { run: async () => result() } }, 'index.run', JSON.stringify(envelope), queueContext);

  assert.deepEqual(
    await appError(
      run(
        () =>
          new InvocationError({
            retryAfter: 60,
            retryReason: InvocationErrorCode.FUNCTION_UPSTREAM_RATE_LIMITED,
            retryData: { page: 3, cursor: 'abc' },
          }),
      ),
    ),
    { tag: 'retry', val: { afterSeconds: 60, reason: 'FUNCTION_UPSTREAM_RATE_LIMITED', data: '{"page":3,"cursor":"abc"}' } },
  );
  // Forge's defaults: 1 second, FUNCTION_RETRY_REQUEST, no data.
  assert.deepEqual(await appError(run(() => new InvocationError())), {
    tag: 'retry',
    val: { afterSeconds: 1, reason: 'FUNCTION_RETRY_REQUEST', data: undefined },
  });
  assert.deepEqual(await appError(run(() => new InvocationError({ retryAfter: -5 }))), {
    tag: 'retry',
    val: { afterSeconds: 1, reason: 'FUNCTION_RETRY_REQUEST', data: undefined },
  });
  // A fraction of a second rounds up; a number too large for u32 is capped (the host bounds it further).
  assert.equal((await appError(run(() => new InvocationError({ retryAfter: 2.2 })))).val.afterSeconds, 3);
  assert.equal((await appError(run(() => new InvocationError({ retryAfter: 1e12 })))).val.afterSeconds, 4294967295);
  assert.equal((await appError(run(() => new InvocationError({ retryAfter: 'soon' })))).val.afterSeconds, 1);
  // retryData null is JSON too.
  assert.equal((await appError(run(() => new InvocationError({ retryData: null })))).val.data, 'null');
  // A QueueResponse after retry(), and the plain object a bundled @forge/events would return.
  const response = new QueueResponse();
  response.retry();
  assert.deepEqual(await appError(run(() => response)), {
    tag: 'retry',
    val: { afterSeconds: 1, reason: 'FUNCTION_RETRY_REQUEST', data: undefined },
  });
  assert.deepEqual((await appError(run(() => ({ _retry: true, retryOptions: { retryAfter: 5 } })))).val.afterSeconds, 5);
  // retryData that is not JSON is a failure, saying so.
  const failed = await appError(run(() => new InvocationError({ retryData: { n: 1n } })));
  assert.equal(failed.tag, 'failed');
  assert.match(failed.val, /retryData that is not JSON/);
});

test('a consumer that returns anything else, or no retry, succeeds; one that throws fails', async () => {
  installHost(fakeHost());
  installConsumers([{ key: 'sync-consumer', queue: 'sync', function: 'consume' }]);
  const run = (fn) => dispatch({ index: { run: fn } }, 'index.run', JSON.stringify(envelope), queueContext);
  assert.equal(await run(() => new QueueResponse()), '{"_retry":false}');
  assert.equal(await run(() => ({ _retry: 'yes' })), '{"_retry":"yes"}');
  assert.equal(await run(() => undefined), 'null');
  assert.deepEqual(await appError(run(() => { throw new Error('boom'); })), { tag: 'failed', val: 'boom' });
});

test('a retry request outside a queue event is an ordinary result', async () => {
  installHost(fakeHost());
  installConsumers([]);
  const out = await dispatch(
    { index: { run: () => new InvocationError() } },
    'index.run',
    '{}',
    { ...queueContext, trigger: 'function' },
  );
  assert.deepEqual(JSON.parse(out), { _retry: true, retryOptions: { retryAfter: 1, retryReason: 'FUNCTION_RETRY_REQUEST' } });
});
