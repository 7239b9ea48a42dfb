// Issue and project properties through @forge/api 3.x's Properties API, as
// apps written before @forge/api 4.0 keep their state. Every answer is
// reported, so the test checks what the app saw and what Jira holds.

import api, { properties, store, route } from '@forge/api';

async function caught(body) {
  try {
    await body();
    return null;
  } catch (error) {
    return error.message;
  }
}

export async function run({ issueKey, projectKey }) {
  const issue = properties.onJiraIssue(issueKey);
  const before = await issue.get('kiln.triage');
  await issue.set('kiln.triage', { count: 1, labels: ['needs-triage'] });
  const after = await issue.get('kiln.triage');

  // Jira's own REST API sees the property the app set.
  const raw = await api.asApp().requestJira(route`/rest/api/3/issue/${issueKey}/properties/kiln.triage`);
  const rawBody = await raw.json();

  // `store` is the same API under its first name.
  await store.onJiraProject(projectKey).set('kiln.config', { enabled: true });
  const projectValue = await properties.onJiraProject(projectKey).get('kiln.config');

  await issue.delete('kiln.triage');
  const deleted = await issue.get('kiln.triage');
  const deleteAgain = await caught(() => issue.delete('kiln.triage'));
  const missingIssue = await properties.onJiraIssue(`${projectKey}-99999`).get('kiln.triage');

  let badKey = null;
  try {
    issue.get('not a key');
  } catch (error) {
    badKey = error.message;
  }
  const pathTrick = await caught(() => properties.onJiraProject('../issue/KILN-1').get('kiln.config'));
  const confluence = await caught(() => properties.onConfluencePage('123').get('kiln.config'));

  return {
    before: before ?? null,
    after,
    raw: { status: raw.status, key: rawBody.key, value: rawBody.value },
    projectValue,
    deleted: deleted ?? null,
    deleteAgain,
    missingIssue: missingIssue ?? null,
    badKey,
    pathTrick,
    confluence,
  };
}
