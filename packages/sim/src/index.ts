export { runSimulation, type SimulationOptions, type SimulationResult, type Variant } from './simulation.js';
export { KvStateMachine, type KvCommand } from './kv-state-machine.js';
