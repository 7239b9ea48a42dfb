// Forge's runtime accessors and @forge/events as a Forge app imports them;
// the handler reports what they answered (tests/tests/forge_node_modules.rs).

import { getAppContext, permissions } from '@forge/api';
import { Queue } from '@forge/events';

export const run = async (event, forgeContext) => {
  const context = getAppContext();
  let pushed;
  try {
    await new Queue({ key: 'issue-sync' }).push({ body: { issueKey: 'KILN-1' } });
    pushed = 'sent';
  } catch (error) {
    pushed = error.message;
  }
  return {
    appAri: String(context.appAri),
    environmentType: context.environmentType,
    moduleKey: context.moduleKey,
    readScope: permissions.hasScope('read:jira-work'),
    writeScope: permissions.hasScope('write:jira-work'),
    pushed,
    license: forgeContext.license ?? null,
    appLicense: context.license ?? null,
  };
};
