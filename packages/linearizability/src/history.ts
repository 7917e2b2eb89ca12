/**
 * Client histories: each operation with the time it was invoked and the time it returned. An
 * operation whose outcome the client never learned (a timeout, a crash) has `return: Infinity`
 * and no output: it may have taken effect at any point after its call, or not at all.
 */
export interface Operation<I, O> {
  clientId: number;
  input: I;
  /** Invocation time. */
  call: number;
  /** Response time, or Infinity if the client never saw a response. */
  return: number;
  output?: O;
}

/** A sequential specification: the states and the transitions a correct object allows. */
export interface Model<S, I, O> {
  init(): S;
  /** Applies `input`; ok is false when `output` is impossible from `state`. `output` undefined: unknown. */
  step(state: S, input: I, output: O | undefined): { ok: boolean; state: S };
  /** A string equal for equal states (memoisation key). */
  hash(state: S): string;
  /** Splits a history into independent sub-histories (e.g. per key); default: one. */
  partition?(history: Operation<I, O>[]): Operation<I, O>[][];
  describe?(operation: Operation<I, O>): string;
}
