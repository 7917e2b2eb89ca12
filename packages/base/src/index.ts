export { assert, unreachable, AssertionError } from './assert.js';
export { ShoalError, isShoalError, type Fault } from './errors.js';
export { type Clock, systemClock, ManualClock } from './clock.js';
export { type Random, SeededRandom } from './random.js';
export { commandLineOptions, type CommandLineOptions } from './command-line.js';
