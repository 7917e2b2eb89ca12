/**
 * The root of every error Shoal raises on purpose.
 *
 * `fault` says who is to blame and what a caller may conclude:
 * - `client`: the request was wrong; retrying it unchanged fails again.
 * - `server`: the request definitely did not take effect.
 * - `ambiguous`: it may or may not have taken effect (a timeout after proposing a write).
 *   An ambiguous outcome must never be reported as a definite failure.
 */
export type Fault = 'client' | 'server' | 'ambiguous';

const SHOAL_ERROR = Symbol.for('shoal.error');

export class ShoalError extends Error {
  readonly [SHOAL_ERROR] = true;
  constructor(
    /** A stable identifier; messages may change, codes do not. */
    readonly code: string,
    message: string,
    readonly fault: Fault,
  ) {
    super(message);
    this.name = code;
  }
}

/** `instanceof` fails across duplicated package copies; the symbol does not. */
export function isShoalError(error: unknown): error is ShoalError {
  return typeof error === 'object' && error !== null && SHOAL_ERROR in error;
}
