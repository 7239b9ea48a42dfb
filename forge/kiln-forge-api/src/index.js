// `@forge/api` on Kiln: what a Forge app's backend imports, over
// kiln:app@0.2.0. See docs/porting-forge-apps.md for what differs.

import { productClient } from './request.js';
import { storage, startsWith, StorageError } from './storage.js';
import { NeedsAuthenticationError } from './errors.js';
import { fetch } from './fetch.js';
import { invocationContext } from './handler.js';
import { webTrigger } from './web_trigger.js';

export { route, assumeTrustedRoute, routeFromAbsolute, requireSafeUrl, isRoute } from './route.js';
export * from './errors.js';
export { Response } from './response.js';
export { authorize, AuthorizationError } from './authorize.js';
export { storage, startsWith, StorageError };
// The legacy custom entity API (`storage.entity(name)`) takes the same conditions.
export { WhereConditions } from './storage.js';
export { FilterConditions, SortOrder } from './entity.js';

const appClient = productClient('app');
const userClient = productClient('user');

/**
 * Requests with the invoking user's authority; `asUser(accountId)` names
 * the user (Forge's impersonation).
 *
 * Kiln's `request-jira` knows two principals, `user` and `app`, each with
 * the one credential the operator configured: it cannot act as an arbitrary
 * account. So `asUser(accountId)` is honoured when it names the invoking
 * user (`context.accountId`), where it means exactly `asUser()`, and
 * refused for any other account, or when no user invoked (a scheduled or
 * product-event trigger): its requests reject with Forge's
 * `NeedsAuthenticationError`, sent nowhere, rather than silently running
 * as whoever the configured user is.
 */
export function asUser(accountId) {
  if (accountId === undefined) {
    return userClient;
  }
  const invoking = invocationContext()?.accountId ?? undefined;
  if (typeof accountId === 'string' && accountId === invoking) {
    return userClient;
  }
  return impersonationRefused(String(accountId), invoking);
}

function impersonationRefused(accountId, invoking) {
  const why =
    invoking === undefined
      ? 'no user invoked this function'
      : 'it is not the invoking user, and Kiln holds no credential of other users';
  const refuse = () => {
    const error = new NeedsAuthenticationError(
      `Authentication Required: asUser(${accountId}) cannot be honoured: ${why} (Kiln does not impersonate; use asUser() or asApp())`,
      'atlassian-token-service-key',
      { accountId },
    );
    return Promise.reject(error);
  };
  return Object.freeze({
    requestJira: refuse,
    requestConfluence: refuse,
    requestBitbucket: refuse,
    requestGraph: refuse,
    requestConnectedData: refuse,
  });
}

/** Requests with the app's own authority. */
export function asApp() {
  return appClient;
}

/** Egress to third-party hosts through Kiln's egress door (fetch.js). */
export { fetch };

export { webTrigger };

const api = Object.freeze({ asUser, asApp, fetch, storage, webTrigger });
export default api;
