// Atlassian's API gateway (api.atlassian.com, "stargate") as a Forge backend
// reaches it: `@forge/api`'s `__requestAtlassianAsApp`/`__requestAtlassianAsUser`
// and a client's `requestAtlassian` send a path to the gateway rather than to
// the site. Of the gateway, apps call Jira Software's DevOps APIs in the form
// Atlassian gives OAuth 2.0 integrations, `/jira/{api}/0.1/cloud/{cloudId}/…`:
// CircleCI's Forge app sends builds and deployments so, Atlassian Labs'
// ghe-for-jira development information. Those are the operations the site
// serves at `/rest/{api}/{version}/…`, which Kiln serves (and the simulator
// models), so that form is answered as the site route it names; nothing else
// of the gateway is (GraphQL above all).
//
// This module only names the site route. The host checks it as it checks
// every route: the manifest's scopes (`write:build-info:jira`, …), the
// method, the path.

/**
 * The site's version of each DevOps API the gateway serves as `0.1`:
 * Development Information is `0.10` on the site (Atlassian's Jira Software
 * REST reference), the others are `0.1` on both. An API not listed here is
 * not mapped: Kiln would be guessing its site route.
 */
const SITE_VERSIONS = Object.freeze({
  builds: '0.1',
  deployments: '0.1',
  devinfo: '0.10',
  featureflags: '0.1',
});

const GATEWAY_FORM = /^\/jira\/([a-z]+)\/0\.1\/cloud\/([^/]+)(\/.*)?$/;

/** What `/jira/{builds,deployments,devinfo,featureflags}/0.1/cloud/{cloudId}/…` means, for messages. */
export const SERVED_GATEWAY_FORM = `/jira/{${Object.keys(SITE_VERSIONS).join(',')}}/0.1/cloud/{cloudId}/…`;

/**
 * The site path and query a gateway path names for the installation whose
 * site is `cloudId`, as `{ path }`; or `{ refused }`, saying why, for a path
 * Kiln does not serve: another form of the gateway, another site's cloud id,
 * or a path that walks out of the API (`..` in any spelling, `\`), refused
 * here first as `route` refuses it (the host refuses it again).
 */
export function siteRouteOf(gatewayPath, cloudId) {
  const text = String(gatewayPath);
  const mark = text.search(/[?#]/);
  const pathname = mark === -1 ? text : text.slice(0, mark);
  const query = mark === -1 ? '' : text.slice(mark);
  const parts = GATEWAY_FORM.exec(pathname);
  const version = parts === null ? undefined : Object.hasOwn(SITE_VERSIONS, parts[1]) ? SITE_VERSIONS[parts[1]] : undefined;
  if (version === undefined) {
    return { refused: `of Atlassian's API gateway Kiln serves Jira Software's DevOps APIs only (${SERVED_GATEWAY_FORM}); call Jira's REST APIs with requestJira` };
  }
  const [, api, named, rest = ''] = parts;
  if (cloudId === undefined || named !== cloudId) {
    return { refused: `Kiln serves this installation's own site only (cloud id ${cloudId ?? 'unknown'}), not ${named}` };
  }
  if (/\\|(\.|%2e)(\.|%2e)/i.test(rest)) {
    return { refused: 'the path walks out of the API (a `..` segment or `\\`)' };
  }
  return { path: `/rest/${api}/${version}${rest}${query}` };
}
