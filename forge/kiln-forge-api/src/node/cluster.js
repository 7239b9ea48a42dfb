// Node's `cluster`, as a Kiln app sees it: one process, the primary, with no
// workers. Packages read it to tell a worker from the primary (`shortid`
// numbers its ids by `cluster.worker.id`); none can fork one, since the
// sandbox has no processes, so `fork` and the primary's setup throw.

function noProcesses(what) {
  return () => {
    throw new Error(`cluster.${what}() is not available to a Kiln app: the sandbox has no processes`);
  };
}

export const isPrimary = true;
export const isMaster = true;
export const isWorker = false;
export const worker = undefined;
export const workers = Object.freeze({});
export const settings = Object.freeze({});
export const SCHED_NONE = 1;
export const SCHED_RR = 2;
export const schedulingPolicy = SCHED_RR;
export const fork = noProcesses('fork');
export const setupPrimary = noProcesses('setupPrimary');
export const setupMaster = noProcesses('setupMaster');
export const disconnect = noProcesses('disconnect');

export default {
  isPrimary,
  isMaster,
  isWorker,
  worker,
  workers,
  settings,
  SCHED_NONE,
  SCHED_RR,
  schedulingPolicy,
  fork,
  setupPrimary,
  setupMaster,
  disconnect,
};
