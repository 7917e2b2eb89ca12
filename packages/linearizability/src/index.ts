export type { Operation, Model } from './history.js';
export { checkOperations, CHECK_STEPS_MAX, type CheckResult } from './check.js';
export { kvModel, type KvInput, type KvOutput } from './kv-model.js';
export { renderHistory } from './render.js';
