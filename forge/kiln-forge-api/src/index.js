// `@forge/api` on Kiln: what a Forge app's backend imports, over
// kiln:app@0.5.0. See docs/porting-forge-apps.md for what differs.

import { gatewayRequest, productClient, refusingClient, writtenPath } from './request.js';
import { storage, startsWith, StorageError } from './storage.js';
import { NeedsAuthenticationError } from './errors.js';
import { fetch } from './fetch.js';
import { invocationContext } from './handler.js';
import { webTrigger } from './web_trigger.js';
import { store } from './properties.js';
import { registerWarmup, warmRequests } from './warm.js';
import { noMetrics } from './metrics.js';
import { rejectedByLayer } from './unhandled_rejections.js';
import { isSqlProduct, fetchSql } from './forge_sql.js';

export { route, assumeTrustedRoute, routeFromAbsolute, requireSafeUrl, isRoute } from './route.js';
export * from './errors.js';
export { Response } from './response.js';
export { authorize, AuthorizationError } from './authorize.js';
export { storage, startsWith, StorageError };
// The legacy custom entity API (`storage.entity(name)`) takes the same conditions.
export {
  ApiWhereConditions as WhereConditions,
  ApiFilterConditions as FilterConditions,
  SortOrder,
} from './entity.js';

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
    return rejectedByLayer(error);
  };
  return refusingClient(refuse);
}

/** Requests with the app's own authority. */
export function asApp() {
  return appClient;
}

/** Egress to third-party hosts through Kiln's egress door (fetch.js). */
export { fetch };

export { webTrigger };

export { getAppContext, bindInvocationContext, permissions } from './app_runtime.js';
// @forge/api 1.x–3.x's Properties API, for the apps written against it.
export { properties, store } from './properties.js';

// Forge platform services Kiln does not provide. Each is exported, so an app
// that names one builds and its other functions run; calling one rejects
// with an error saying what to use instead, and sends nothing anywhere.
function notProvided(what, instead) {
  return () => rejectedByLayer(new Error(`${what} is not available on Kiln: ${instead} (see docs/porting-forge-apps.md)`));
}

/**
 * Forge's top-level `requestJira` sends no credential at all (an anonymous
 * request). Kiln's `request-jira` knows the user and the app, not an
 * anonymous caller, and does not widen such a call to either.
 */
export const requestJira = notProvided(
  'requestJira() without asUser() or asApp() (an anonymous request)',
  'use api.asUser().requestJira or api.asApp().requestJira',
);
export const requestConfluence = notProvided('requestConfluence()', 'Kiln serves Jira apps');
export const requestBitbucket = notProvided('requestBitbucket()', 'Kiln serves Jira apps');
export const invokeRemote = notProvided('invokeRemote() (Forge Remote)', 'call the remote with fetch() from an allowed backend');
export const invokeService = notProvided('invokeService() (Forge containers)', 'call the service with fetch() from an allowed backend');
// @forge/api's own plumbing, exported by it and so importable: each refuses,
// as the services above do, except `__fetchProduct` for Forge SQL, the one
// way `@forge/sql` reaches its service (forge_sql.js), and the gateway
// requests for the gateway's form of Jira Software's DevOps APIs, which apps
// send builds and deployments with (gateway.js). `getAppContext()` is Kiln's answer to
// `__getRuntime`, which gives Forge packages the runtime's `metrics`
// (`@forge/metrics` counts through them; Kiln drops what they count) and
// refuses every other part of Forge's runtime (its proxy token above all,
// which Kiln never has) with an error naming it.
export const __fetchProduct = (args) =>
  isSqlProduct(args) ? fetchSql : notProvided('__fetchProduct() (Forge\'s internal product fetch)', 'use api.asUser().requestJira or api.asApp().requestJira');
export const __requestAtlassianAsApp = gatewayRequest('app', '__requestAtlassianAsApp', writtenPath);
export const __requestAtlassianAsUser = gatewayRequest('user', '__requestAtlassianAsUser', writtenPath);
export const createRequestStargateAsApp = () => __requestAtlassianAsApp;
const FORGE_RUNTIME_PARTS = [
  'proxy',
  'contextAri',
  'container',
  'appContext',
  'aaid',
  'allowedEgress',
  'lambdaContext',
  'tracing',
  'rms',
];
const forgeRuntime = Object.freeze(
  Object.defineProperties(
    { metrics: noMetrics },
    Object.fromEntries(
      FORGE_RUNTIME_PARTS.map((part) => [
        part,
        {
          enumerable: true,
          get() {
            throw new Error(
              `Forge runtime's ${part} is not available on Kiln (Kiln is not Forge's runtime: use getAppContext(), see docs/porting-forge-apps.md)`,
            );
          },
        },
      ]),
    ),
  ),
);
export function __getRuntime() {
  return forgeRuntime;
}
// @forge/api 2.x's name for it.
export const getRuntime = __getRuntime;
export const privacy = Object.freeze({
  reportPersonalData: notProvided("privacy.reportPersonalData() (Atlassian's personal data reporting)", 'Kiln keeps no account data on Atlassian\'s behalf'),
});
export const i18n = Object.freeze({
  createTranslationFunction: notProvided('i18n.createTranslationFunction() (manifest translations)', 'keep translations in the app'),
  getTranslations: notProvided('i18n.getTranslations() (manifest translations)', 'keep translations in the app'),
});

const api = Object.freeze({
  asUser,
  asApp,
  fetch,
  storage,
  webTrigger,
  requestJira,
  requestConfluence,
  requestBitbucket,
  invokeRemote,
  invokeService,
  // Only @forge/api 1.x–3.x's default export holds it.
  store,
});
export default api;

// Kiln's build: an app that imports `@forge/api` has its request path compiled
// into the snapshot (warm.js), not once per invocation.
registerWarmup(() => warmRequests({ asApp, asUser }));

