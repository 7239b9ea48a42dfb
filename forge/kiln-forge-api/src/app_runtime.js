// Forge's runtime accessors of `@forge/api`: `getAppContext()`,
// `bindInvocationContext(fn)` and `permissions`, from what Kiln knows of the
// app (its manifest, embedded by the build: `installApp`) and of the running
// invocation (handler.js). As Forge documents them
// (https://developer.atlassian.com/platform/forge/runtime-reference/), with
// Kiln's values where Forge's platform has its own:
//
// - `appAri`: the manifest's `app.id` when it is an ARI, else made into one;
// - `environmentAri`: the app's ARI's id with Kiln's environment name;
// - `license`: `undefined` (Kiln does no licensing; Forge gives `undefined`
//   to apps that are not paid, and in development);
// - `invocationRemainingTimeInMillis()`: throws, as Forge's does where the
//   remaining time is not known (tunnelling): Kiln's deadline is the host's;
// - `permissions`: the manifest's scopes and `external.fetch.backend`; no UI
//   resource or client fetch is ever granted (Kiln serves no UI).

import { invocationContext } from './handler.js';
import { declaresBackend } from './fetch.js';
import { ariOf, installationOf } from './ari.js';

let app = { id: '', scopes: [], licensed: false };

/**
 * Called by the build's setup code with the manifest's app id, scopes and
 * whether it turns licensing on (its fetch backends are fetch.js's,
 * installed by `installFetch`).
 */
export function installApp({ id, scopes, licensed }) {
  app = Object.freeze({
    id: String(id ?? ''),
    scopes: Object.freeze((scopes ?? []).map(String)),
    licensed: licensed === true,
  });
}

/**
 * Forge's `context.license` for this app: an active licence when the
 * manifest turns licensing on (`app.licensing.enabled`), since Kiln does no
 * licensing and runs every installation as licensed, so an app gating its
 * features on `license?.isActive` works; `undefined` for a free app, as on
 * Forge. Only `isActive` is known; the Marketplace's other fields (billing
 * period, entitlement ids, trial dates) have no value on Kiln.
 */
export function licenseOf() {
  return app.licensed ? ACTIVE_LICENSE : undefined;
}

const ACTIVE_LICENSE = Object.freeze({ isActive: true, isEvaluation: false });

const APP_ARI_PREFIX = 'ari:cloud:ecosystem::app/';

function appUuid() {
  return app.id.startsWith(APP_ARI_PREFIX) ? app.id.slice(APP_ARI_PREFIX.length) : app.id;
}

export function getAppContext() {
  const context = invocationContext();
  if (context === null) {
    throw new Error('getAppContext() is only available while a function runs, not in top-level code');
  }
  const environment = String(context.environment ?? '');
  return {
    appAri: ariOf(`${APP_ARI_PREFIX}${appUuid()}`),
    appId: appUuid(),
    appVersion: undefined,
    environmentAri: ariOf(`ari:cloud:ecosystem::environment/${appUuid()}/${environment}`),
    environmentId: environment,
    environmentType: environment.toUpperCase(),
    installationAri: ariOf(`ari:cloud:ecosystem::installation/${context.installationId}`),
    invocationId: context.invocationId,
    invocationRemainingTimeInMillis() {
      throw new Error('Lambda remaining time is not available. Kiln ends the invocation at its own deadline.');
    },
    moduleKey: context.moduleKey,
    license: licenseOf(),
    installation: installationOf(context),
    permissions,
  };
}

/** Forge keeps the invocation's context for callbacks run later; Kiln has one invocation per instance. */
export function bindInvocationContext(fn) {
  return fn;
}

/** Backend fetch is what the manifest declares, by fetch.js's one reading of it. */
function canFetchFrom(type, url) {
  return type === 'backend' && declaresBackend(url);
}

function hasScope(scope) {
  return app.scopes.includes(scope);
}

function canLoadResource() {
  return false;
}

function hasPermission(requirements = {}) {
  const missing = {};
  const scopes = (requirements.scopes ?? []).filter((scope) => !hasScope(scope));
  if (scopes.length > 0) {
    missing.scopes = scopes;
  }
  const external = requirements.external ?? {};
  for (const [kind, wanted] of Object.entries(external)) {
    if (kind === 'fetch') {
      for (const [type, urls] of Object.entries(wanted ?? {})) {
        const denied = (urls ?? []).filter((url) => !canFetchFrom(type, typeof url === 'string' ? url : url?.address ?? url?.remote));
        if (denied.length > 0) {
          missing.external ??= {};
          missing.external.fetch ??= {};
          missing.external.fetch[type] = denied;
        }
      }
    } else if ((wanted ?? []).length > 0) {
      missing.external ??= {};
      missing.external[kind] = wanted;
    }
  }
  return Object.keys(missing).length === 0 ? { granted: true } : { granted: false, missing };
}

export const permissions = Object.freeze({ hasPermission, hasScope, canFetchFrom, canLoadResource });
