// The consumer, as Forge's @forge/events 1.x docs write it: a resolver whose
// `event-listener` gets `{ payload, context }`, the job id in
// `context.jobId`, `payload.retryContext` on a retry.

import Resolver from '@forge/resolver';
import { InvocationError, InvocationErrorCode } from '@forge/events';
import { kvs } from '@forge/kvs';

const resolver = new Resolver();

resolver.define('event-listener', async ({ payload, context }) => {
  await kvs.set(`seen:${context.invocationId}`, {
    payload,
    jobId: context.jobId ?? null,
    trigger: context.trigger,
  });
  if (payload !== null && typeof payload === 'object' && payload.retry === true && payload.retryContext === undefined) {
    return new InvocationError({
      retryAfter: 5,
      retryReason: InvocationErrorCode.FUNCTION_UPSTREAM_RATE_LIMITED,
      retryData: { page: 2 },
    });
  }
  return { handled: true };
});

export const handler = resolver.getDefinitions();
