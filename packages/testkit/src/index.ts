export { startTestServer, testClient, spawnServerProcess, spawnClusterProcesses, spawnEntrypoint, temporaryDirectory, type ServerProcess, type ChildHandle } from './servers.js';
export { expectDynamoError } from './errors.js';
export { RawClient, SIGNED_HEADERS, type RawResponse } from './raw-client.js';
export { createTable } from './tables.js';
export { waitFor } from './wait.js';
export { WriteLedger } from './write-ledger.js';
