import * as index from './index';
import { missing } from './helpers';

// What the names the app imports without their being exported are.
export const run = async () => ({
  exportedNames: Object.keys(index).sort(),
  panel: typeof index.panel,
  run: typeof index.run,
  handler: typeof index.handler,
  missing: typeof missing,
});
