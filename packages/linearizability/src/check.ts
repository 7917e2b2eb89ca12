import type { Model, Operation } from './history.js';

/**
 * The Wing & Gong linearizability search with Lowe's memoisation, as Porcupine implements it:
 * walk the history's call/return events in time order; at a call, try to linearize that
 * operation now (the model accepts it and the (linearized set, state) pair is new), lifting it
 * out of the event list and restarting; at a return whose call is still pending, backtrack. A
 * history is linearizable when every event is lifted. Histories are checked per partition.
 */
export const CHECK_STEPS_MAX = 5_000_000;

export type CheckResult<I, O> =
  | { result: 'ok' }
  | { result: 'illegal'; partition: Operation<I, O>[]; longestLinearizablePrefix: Operation<I, O>[] }
  | { result: 'unknown'; reason: string };

interface Event {
  operation: number;
  isCall: boolean;
  time: number;
  /** For calls: the matching return event. */
  match?: Event;
  previous: Event | undefined;
  next: Event | undefined;
}

export function checkOperations<S, I, O>(model: Model<S, I, O>, history: Operation<I, O>[], options: { stepsMax?: number } = {}): CheckResult<I, O> {
  const partitions = model.partition ? model.partition(history) : [history];
  for (const partition of partitions) {
    const result = checkPartition(model, partition, options.stepsMax ?? CHECK_STEPS_MAX);
    if (result.result !== 'ok') return result;
  }
  return { result: 'ok' };
}

function buildEvents<I, O>(history: Operation<I, O>[]): Event | undefined {
  const events: Event[] = [];
  history.forEach((operation, index) => {
    const call: Event = { operation: index, isCall: true, time: operation.call, previous: undefined, next: undefined };
    const ret: Event = { operation: index, isCall: false, time: operation.return, previous: undefined, next: undefined };
    call.match = ret;
    events.push(call, ret);
  });
  // Time order; at equal times calls first, so that touching operations count as concurrent.
  events.sort((a, b) => a.time - b.time || (a.isCall === b.isCall ? a.operation - b.operation : a.isCall ? -1 : 1));
  for (let i = 0; i < events.length; i++) {
    (events[i] as Event).previous = events[i - 1];
    (events[i] as Event).next = events[i + 1];
  }
  return events[0];
}

function checkPartition<S, I, O>(model: Model<S, I, O>, history: Operation<I, O>[], stepsMax: number): CheckResult<I, O> {
  const sentinel: Event = { operation: -1, isCall: false, time: -Infinity, previous: undefined, next: buildEvents(history) };
  if (sentinel.next) sentinel.next.previous = sentinel;
  const lift = (call: Event) => {
    for (const event of [call, call.match as Event]) {
      (event.previous as Event).next = event.next;
      if (event.next) event.next.previous = event.previous;
    }
  };
  const unlift = (call: Event) => {
    for (const event of [call.match as Event, call]) {
      (event.previous as Event).next = event;
      if (event.next) event.next.previous = event;
    }
  };
  const linearized = new Uint32Array(Math.ceil(history.length / 32) + 1);
  const cache = new Set<string>();
  const stack: { call: Event; state: S }[] = [];
  let state = model.init();
  let longest: number[] = [];
  let entry = sentinel.next;
  let steps = 0;
  while (sentinel.next !== undefined) {
    if (++steps > stepsMax) return { result: 'unknown', reason: `search exceeded ${stepsMax} steps` };
    const current = entry as Event;
    if (current.isCall) {
      const operation = history[current.operation] as Operation<I, O>;
      const next = model.step(state, operation.input, operation.output);
      if (next.ok) {
        linearized[current.operation >>> 5]! |= 1 << (current.operation & 31);
        const key = `${linearized.join(',')}|${model.hash(next.state)}`;
        if (!cache.has(key)) {
          cache.add(key);
          stack.push({ call: current, state });
          state = next.state;
          lift(current);
          entry = sentinel.next;
          if (stack.length > longest.length) longest = stack.map((frame) => frame.call.operation);
          continue;
        }
        linearized[current.operation >>> 5]! &= ~(1 << (current.operation & 31));
      }
      entry = current.next;
    } else {
      // A return whose operation is not linearized yet: undo the last choice.
      const frame = stack.pop();
      if (!frame) {
        return { result: 'illegal', partition: history, longestLinearizablePrefix: longest.map((index) => history[index] as Operation<I, O>) };
      }
      state = frame.state;
      linearized[frame.call.operation >>> 5]! &= ~(1 << (frame.call.operation & 31));
      unlift(frame.call);
      entry = frame.call.next;
    }
  }
  return { result: 'ok' };
}
