// The handler all three sides run: Forge's shape, two Jira requests with the
// app's authority, each awaited and its body read with `.json()`.
import api, { route } from '@forge/api';

export const twoRequests = async (event, context) => {
  const me = await (await api.asApp().requestJira(route`/rest/api/3/myself`)).json();
  const key = 'KILN-1';
  const issue = await (await api.asApp().requestJira(route`/rest/api/3/issue/${key}`)).json();
  return { accountId: me.accountId, key: issue.key, summary: issue.fields.summary };
};
