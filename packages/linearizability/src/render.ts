import type { Model, Operation } from './history.js';

/** A text timeline of a history, one line per operation, for failure messages. */
export function renderHistory<S, I, O>(model: Model<S, I, O>, history: Operation<I, O>[]): string {
  const describe = model.describe ?? ((operation: Operation<I, O>) => JSON.stringify(operation.input));
  return [...history]
    .sort((a, b) => a.call - b.call)
    .map((operation) => `client ${operation.clientId} [${operation.call}, ${operation.return === Infinity ? '∞' : operation.return}] ${describe(operation)}`)
    .join('\n');
}
