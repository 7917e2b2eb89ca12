export { createHttpGateway, type GatewayLog } from './http-gateway.js';
