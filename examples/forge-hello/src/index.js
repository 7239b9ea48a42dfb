import api, { route } from '@forge/api';

export const run = async (event, context) => {
  const key = event.issueKey ?? 'KILN-1';
  const response = await api.asUser().requestJira(route`/rest/api/3/issue/${key}?fields=summary`, {
    headers: { Accept: 'application/json' },
  });
  const issue = response.ok ? await response.json() : null;
  console.log(`read ${key}: ${response.status} ${response.statusText}`);
  return {
    key,
    status: response.status,
    summary: issue?.fields?.summary ?? null,
    moduleKey: context.moduleKey,
    at: Date.now(),
  };
};
