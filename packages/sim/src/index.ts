export { runSimulation, type SimulationOptions, type SimulationResult, type Variant } from './simulation.js';
export { runClusterSimulation, type ClusterSimulationOptions, type ClusterSimulationResult, type ClusterVariant } from './cluster-simulation.js';
export { KvStateMachine, type KvCommand } from './kv-state-machine.js';
export { RangeKvMachine, WRONG_RANGE, type RangeCommand, type RangeDescriptor } from './range-kv-machine.js';
export { tokenOf, type ClusterMap, type PartitionRange } from './cluster-map.js';
