export { DynamoApi } from './api.js';
export type { ApiContext, RequestInfo, Request, Response, OperationHandler } from './context.js';
