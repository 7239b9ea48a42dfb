// `route` against Forge's documented behaviour
// (https://developer.atlassian.com/platform/forge/runtime-reference/product-fetch-api/#route).
import test from 'node:test';
import assert from 'node:assert/strict';

import { route, isRoute, assumeTrustedRoute, requireSafeUrl, routeFromAbsolute } from '../src/index.js';

test('path values are inserted as they are', () => {
  assert.equal(route`/rest/api/3/issue/${'KEY-1'}`.value, '/rest/api/3/issue/KEY-1');
  assert.equal(route`/rest/api/3/issue/${10001}/comment`.value, '/rest/api/3/issue/10001/comment');
});

test('path values that walk the path are refused, in every spelling of ..', () => {
  for (const hostile of ['a/b', '..', 'x\\y', 'a?b', 'a#b', '.%2e', '%2e.', '%2E%2e', '%2e%2E', 'ok..ok']) {
    assert.throws(() => route`/rest/api/3/issue/${hostile}`, /Disallowing path manipulation attempt/, hostile);
  }
});

test('query values are encodeURIComponent-ed', () => {
  const jql = 'project = KILN AND summary ~ "a&b=c"';
  assert.equal(
    route`/rest/api/3/search?jql=${jql}&maxResults=${5}`.value,
    `/rest/api/3/search?jql=${encodeURIComponent(jql)}&maxResults=5`,
  );
  // In the query, `/` and `..` are data, not path.
  assert.equal(route`/rest/api/3/search?jql=${'a/../b'}`.value, '/rest/api/3/search?jql=a%2F..%2Fb');
});

test('URLSearchParams in the query and routes in the path compose', () => {
  const params = new URLSearchParams({ startAt: '0', expand: 'names,schema' });
  assert.equal(route`/rest/api/3/search?${params}`.value, '/rest/api/3/search?startAt=0&expand=names%2Cschema');
  const base = route`/rest/api/3/issue/${'K-1'}`;
  assert.equal(route`${base}/comment`.value, '/rest/api/3/issue/K-1/comment');
  assert.equal(route`/x?next=${base}`.value, '/x?next=%2Frest%2Fapi%2F3%2Fissue%2FK-1');
});

test('a route is read-only and only routes are accepted', () => {
  const r = route`/rest/api/3/myself`;
  assert.ok(isRoute(r));
  assert.throws(() => {
    r.value = '/admin';
  }, /modification of a Route is not allowed/);
  assert.equal(r.value, '/rest/api/3/myself');
  assert.throws(() => requireSafeUrl('/rest/api/3/myself'), /You must create your route using the 'route' export/);
  assert.throws(() => requireSafeUrl({ value: '/rest/api/3/myself' }), /You must create your route/);
  assert.equal(requireSafeUrl(assumeTrustedRoute('/a/b')).value, '/a/b');
  assert.equal(routeFromAbsolute('https://x.atlassian.net/rest/api/3/field?a=1').value, '/rest/api/3/field?a=1');
});

// @forge/api 2.x's `route` walks its first argument by index, so apps locked
// to it call `route(path)` with a plain string (Jira Hook Ninja's API client).
test('route called with a plain string takes it as the whole path', () => {
  const r = route('/rest/api/3/project/search?startAt=0');
  assert.ok(isRoute(r));
  assert.equal(r.value, '/rest/api/3/project/search?startAt=0');
  assert.equal(route('').value, '');
  assert.throws(() => route(undefined), TypeError);
});

// @forge/api's route is a `ReadonlyRoute` whose path is its own `value_`
// (node_modules/@forge/api/out/safeUrl.js): what an app logging or
// serializing one sees, and what code reading `value_` reads.
test("a route looks like Forge's ReadonlyRoute", async () => {
  const r = route`/rest/api/3/issue/${'KILN-1'}?fields=${'summary'}`;
  assert.equal(r.constructor.name, 'ReadonlyRoute');
  assert.deepEqual(Object.keys(r), ['value_']);
  assert.equal(r.value_, '/rest/api/3/issue/KILN-1?fields=summary');
  assert.equal(JSON.stringify(r), '{"value_":"/rest/api/3/issue/KILN-1?fields=summary"}');
  assert.equal(`${r}`, '[object Object]');
  const { inspect } = await import('node:util');
  assert.equal(inspect(r), "ReadonlyRoute { value_: '/rest/api/3/issue/KILN-1?fields=summary' }");
  // Frozen: the path `route` checked is the path sent.
  assert.throws(() => {
    r.value_ = '/admin';
  }, TypeError);
  assert.equal(r.value, '/rest/api/3/issue/KILN-1?fields=summary');
});
