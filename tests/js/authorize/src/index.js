// Permission checks through @forge/api's authorize(), as a Forge app's
// resolver makes them before it acts for a user. Every answer is reported,
// so the test checks what the app saw.

import { authorize } from '@forge/api';

export async function run({ projectIds, issueIds }) {
  // issue-status-helper's check: the first entry of onJira's answer.
  const permissions = await authorize().onJira([
    { permissions: ['ADMINISTER_PROJECTS', 'BROWSE_PROJECTS'], projects: projectIds },
  ]);
  return {
    onJira: permissions,
    administers: permissions[0].projects.length > 0,
    canEditIssues: await authorize().onJiraIssue(issueIds).canEdit(),
    canCreateInProjects: await authorize().onJiraProject(projectIds).canCreateIssues(),
  };
}
