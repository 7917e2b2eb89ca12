export { ShoalGrpcClient, ShoalServiceError, type Operations, type OperationName } from './grpc-client.js';
