export { startEmbeddedServer, DEFAULT_OPTIONS, type EmbeddedServerOptions, type RunningServer } from './embedded-server.js';
export { parseArguments } from './arguments.js';
export { type ClusterFile, type ClusterProcess } from './cluster-file.js';
export { renderRing, type ReportedNode } from './ring-report.js';
export { rebalanceCluster, type RebalanceReport } from './rebalance.js';
