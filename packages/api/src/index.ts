export { DynamoApi } from './api.js';
export type { ApiContext, RequestInfo, Request, Response, OperationHandler } from './context.js';
export { indexHandles } from './index-definitions.js';
export { tableHandleOf, tableHandleIn } from './tables.js';
