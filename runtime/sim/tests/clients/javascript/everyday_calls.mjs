// Everyday calls of the jira.js client (pinned in package-lock.json), unchanged,
// against `runtime sim`. jira.js validates every response against zod schemas
// generated from Atlassian's spec, so a wrong shape fails here too.
//
// Usage: node everyday_calls.mjs BASE_URL EMAIL API_TOKEN
import { createCloudClient } from 'jira.js';

const [base, email, apiToken] = process.argv.slice(2);
const jira = createCloudClient({ host: base, auth: { type: 'basic', email, apiToken } });

const adf = text => ({
  type: 'doc',
  version: 1,
  content: [{ type: 'paragraph', content: [{ type: 'text', text }] }],
});
const step = (name, value) => {
  console.log(`ok ${name}: ${JSON.stringify(value)}`);
  return value;
};
const check = (ok, what) => {
  if (!ok) throw new Error(`check failed: ${what}`);
};

step('server_info', (await jira.serverInfo.getServerInfo()).deploymentType);
const me = step('myself', (await jira.myself.getCurrentUser()).accountId);
step('project', (await jira.projects.getProject({ projectIdOrKey: 'KILN' })).key);
step('searchProjects', (await jira.projects.searchProjects()).values.map(p => p.key));
step('fields', (await jira.issueFields.getFields()).length);

const created = await jira.issues.createIssue({
  fields: { project: { key: 'KILN' }, issuetype: { name: 'Task' }, summary: 'From jira.js' },
});
const key = step('createIssue', created.key);

const comment = await jira.issueComments.addComment({ issueIdOrKey: key, body: adf('A comment from jira.js') });
step('addComment', comment.id);
step('getComments', (await jira.issueComments.getComments({ issueIdOrKey: key })).total);
await jira.issueComments.updateComment({ issueIdOrKey: key, id: comment.id, body: { body: adf('edited') } });
const edited = await jira.issueComments.getComment({ issueIdOrKey: key, id: comment.id });
check(edited.body.content[0].content[0].text === 'edited', JSON.stringify(edited.body));
step('updateComment', edited.id);
const extra = await jira.issueComments.addComment({ issueIdOrKey: key, body: adf('to be deleted') });
await jira.issueComments.deleteComment({ issueIdOrKey: key, id: extra.id });
step('deleteComment', (await jira.issueComments.getComments({ issueIdOrKey: key })).total);
const byIds = await jira.issueComments.getCommentsByIds({ ids: [Number(comment.id), Number(extra.id)] });
check(byIds.values.length === 1 && byIds.values[0].id === comment.id, JSON.stringify(byIds));
step('getCommentsByIds', byIds.values.map(c => c.id));

await jira.issues.editIssue({ issueIdOrKey: key, fields: { summary: 'Renamed by jira.js', labels: ['js'] } });
const transitions = await jira.issues.getTransitions({ issueIdOrKey: key });
const inProgress = transitions.transitions.find(t => t.name === 'In Progress');
await jira.issues.doTransition({ issueIdOrKey: key, transition: { id: inProgress.id } });
const status = step('doTransition', (await jira.issues.getIssue({ issueIdOrKey: key })).fields.status.name);
check(status === 'In Progress', status);

const found = await jira.issueSearch.searchAndReconsileIssuesUsingJql({
  jql: 'project = KILN AND labels = js',
  fields: ['summary'],
});
const keys = step('searchAndReconsileIssuesUsingJql', found.issues.map(i => i.key));
check(keys.length === 1 && keys[0] === key, keys);

await jira.issueWatchers.addWatcher({ issueIdOrKey: key, accountId: me });
step('watchers', (await jira.issueWatchers.getIssueWatchers({ issueIdOrKey: key })).watchCount);
await jira.issueWorklogs.addWorklog({ issueIdOrKey: key, timeSpent: '1h' });
step('worklogs', (await jira.issueWorklogs.getIssueWorklog({ issueIdOrKey: key })).total);
await jira.issueProperties.setIssueProperty({ issueIdOrKey: key, propertyKey: 'kiln.test', body: { ok: true } });
step('issueProperty', (await jira.issueProperties.getIssueProperty({ issueIdOrKey: key, propertyKey: 'kiln.test' })).value);
step('findUsers', (await jira.userSearch.findUsers({ query: 'a' })).map(u => u.displayName));
step('labels', (await jira.labels.getAllLabels()).values);
step('getLocale', (await jira.myself.getLocale()).locale);
step('getStatusCategories', (await jira.workflowStatusCategories.getStatusCategories()).map(c => c.key));
step('getStatusCategory', (await jira.workflowStatusCategories.getStatusCategory({ idOrKey: 'done' })).name);
step('getStatusesById', (await jira.status.getStatusesById({ id: ['3'] })).map(s => s.statusCategory));
step('searchStatuses', (await jira.status.search({ searchString: 'do' })).values.map(s => s.name));
const workflowPage = await jira.workflows.searchWorkflows({ expand: 'values.transitions', queryString: 'simplified' });
check(workflowPage.values.length === 1 && workflowPage.values[0].transitions.length === 4, JSON.stringify(workflowPage));
step('searchWorkflows', workflowPage.values.map(w => w.name));
const workflowsRead = await jira.workflows.readWorkflows({ workflowIds: [workflowPage.values[0].id] });
check(workflowsRead.workflows.length === 1 && workflowsRead.statuses.length === 3, JSON.stringify(workflowsRead));
step('readWorkflows', workflowsRead.workflows.map(w => w.name));
step('getSharedTimeTrackingConfiguration', (await jira.timeTracking.getSharedTimeTrackingConfiguration()).workingHoursPerDay);
step('getSelectedTimeTrackingImplementation', (await jira.timeTracking.getSelectedTimeTrackingImplementation()).key);
step('getAvailableTimeTrackingImplementations', (await jira.timeTracking.getAvailableTimeTrackingImplementations()).length);
const parsed = await jira.jql.parseJqlQueries({
  queries: ['project = KILN AND labels in (js, "two words") ORDER BY created DESC', 'project ='],
  validation: 'strict',
});
check(parsed.queries[0].structure.where.operator === 'and', JSON.stringify(parsed.queries[0]));
check(parsed.queries[1].errors.length === 1, JSON.stringify(parsed.queries[1]));
step('parseJqlQueries', parsed.queries.map(q => (q.errors ? 'error' : 'ok')));

const readBack = await jira.issues.getIssue({ issueIdOrKey: key });
check(readBack.fields.summary === 'Renamed by jira.js', readBack.fields.summary);
step('readBack', readBack.key);
await jira.issues.deleteIssue({ issueIdOrKey: key });
step('deleteIssue', key);
