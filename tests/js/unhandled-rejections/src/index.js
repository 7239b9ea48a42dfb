import api, { route, fetch, storage } from '@forge/api';
import { kvs } from '@forge/kvs';

// A route no Jira API has: the host refuses it, the layer's promise rejects.
const refused = () => api.asApp().requestJira(route`/rest/api/3/kiln-no-such-resource`);
// No backend is declared: the layer refuses the fetch.
const undeclared = () => fetch('https://hooks.example.test/notify');
// A method Kiln does not send: refused before anything leaves.
const badMethod = () => api.asApp().requestJira(route`/rest/api/3/myself`, { method: 'TRACE' });
// A key storage refuses: an empty one.
const badKey = () => storage.set('', 1);
const badKvsKey = () => kvs.get('');

// The mistake Node reports: requests started and never awaited.
export async function dangling() {
  refused();
  undeclared();
  badMethod();
  badKey();
  badKvsKey();
  kvs.set('fine', 1);
  return { started: 6 };
}

// The same requests, each with a handler in one of the usual ways.
export async function handled() {
  const outcomes = [];
  try {
    await refused();
  } catch (error) {
    outcomes.push(`awaited: ${error.name}`);
  }
  undeclared().catch((error) => outcomes.push(`caught: ${error.name}`));
  badMethod().then(undefined, (error) => outcomes.push(`then: ${error.name}`));
  const settled = await Promise.allSettled([refused(), undeclared()]);
  outcomes.push(`settled: ${settled.map((s) => s.status).join(',')}`);
  await badMethod().finally(() => outcomes.push('finally')).catch(() => {});
  await badKey().catch((error) => outcomes.push(`storage: ${error.name}`));
  outcomes.push(`kvs: ${await badKvsKey().then(String, (error) => error.name)}`);
  const succeeded = await api.asApp().requestJira(route`/rest/api/3/myself`);
  outcomes.push(`succeeded: ${succeeded.status}`);
  return outcomes;
}

// More than Kiln reports: the first ten and a count.
export async function many({ count }) {
  for (let i = 0; i < count; i += 1) {
    badMethod();
  }
  return { started: count };
}

// The handler fails after leaving a rejection: both are reported.
export async function failsToo() {
  undeclared();
  throw new Error('the handler failed');
}
