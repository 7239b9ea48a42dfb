// `@forge/api` on Kiln: what a Forge app's backend imports, over
// kiln:app@0.2.0. See docs/porting-forge-apps.md for what differs.

import { productClient } from './request.js';
import { storage, startsWith, StorageError } from './storage.js';
import { ExternalEndpointNotAllowedError } from './errors.js';

export { route, assumeTrustedRoute, routeFromAbsolute, requireSafeUrl, isRoute } from './route.js';
export * from './errors.js';
export { Response } from './response.js';
export { storage, startsWith, StorageError };

const appClient = productClient('app');
const userClient = productClient('user');

/** Requests with the invoking user's authority. */
export function asUser(accountId) {
  if (accountId !== undefined) {
    throw new Error('asUser(accountId) (impersonation) is not supported by Kiln yet');
  }
  return userClient;
}

/** Requests with the app's own authority. */
export function asApp() {
  return appClient;
}

/** Egress to third-party hosts: not linked until Kiln's egress door lands. */
export async function fetch(url) {
  throw new ExternalEndpointNotAllowedError(String(url));
}

export const webTrigger = Object.freeze({
  async getUrl() {
    throw new Error('webTrigger.getUrl is not supported by Kiln yet: `runtime serve` prints the URLs');
  },
});

const api = Object.freeze({ asUser, asApp, fetch, storage, webTrigger });
export default api;
