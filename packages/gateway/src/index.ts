export { createHttpGateway, type GatewayLog } from './http-gateway.js';
export { startGrpcGateway } from './grpc-gateway.js';
