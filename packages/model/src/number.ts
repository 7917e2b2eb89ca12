import Decimal from 'decimal.js';
import { NUMBER_EXPONENT_MAX, NUMBER_EXPONENT_MIN, NUMBER_PRECISION_DIGITS_MAX } from './limits.js';

/**
 * DynamoDB numbers: up to 38 significant digits, magnitude between 1E-130 and
 * 9.9999999999999999999999999999999999999E+125, normalised (no leading or trailing zeros, no
 * exponent) when stored and returned. Arithmetic is exact: the context precision is far above
 * what two 38-digit operands can need, and the result is re-checked against DynamoDB's limits.
 */
const Exact = Decimal.clone({ precision: 400, toExpNeg: -9e15, toExpPos: 9e15 });
type Exact = InstanceType<typeof Exact>;

/** Either a normalised decimal string or DynamoDB's message for why it is not acceptable. */
export type NumberParse = { ok: true; value: string } | { ok: false; message: string };

const NUMBER_SYNTAX = /^\s*[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?\s*$/;

export const NUMBER_MESSAGES = {
  notANumber: 'A value provided cannot be converted into a number',
  overflow: 'Number overflow. Attempting to store a number with magnitude larger than supported range',
  underflow:
    'Number underflow. Attempting to store a number with magnitude smaller than supported range',
  tooPrecise: 'Attempting to store more than 38 significant digits in a Number',
} as const;

export function parseNumber(text: string): NumberParse {
  if (!NUMBER_SYNTAX.test(text)) return { ok: false, message: NUMBER_MESSAGES.notANumber };
  return checkRange(new Exact(text.trim()));
}

function checkRange(value: Exact): NumberParse {
  if (value.isZero()) return { ok: true, value: '0' };
  // decimal.js `e` is the exponent of the most significant digit: 1.5E+3 has e = 3.
  if (value.e > NUMBER_EXPONENT_MAX) return { ok: false, message: NUMBER_MESSAGES.overflow };
  if (value.e < NUMBER_EXPONENT_MIN) return { ok: false, message: NUMBER_MESSAGES.underflow };
  if (value.sd() > NUMBER_PRECISION_DIGITS_MAX) {
    return { ok: false, message: NUMBER_MESSAGES.tooPrecise };
  }
  return { ok: true, value: value.toFixed() };
}

/** Compares two already-validated numbers: -1, 0 or 1. */
export function compareNumbers(a: string, b: string): number {
  if (a === b) return 0;
  return new Exact(a).cmp(new Exact(b));
}

export function addNumbers(a: string, b: string): NumberParse {
  return checkRange(new Exact(a).plus(new Exact(b)));
}

export function subtractNumbers(a: string, b: string): NumberParse {
  return checkRange(new Exact(a).minus(new Exact(b)));
}

/** Significant digits and exponent, for the order-preserving key encoding. */
export function decomposeNumber(text: string): { sign: -1 | 0 | 1; digits: string; exponent: number } {
  const value = new Exact(text);
  if (value.isZero()) return { sign: 0, digits: '', exponent: 0 };
  const digits = value.abs().toFixed().replace('.', '').replace(/^0+/, '').replace(/0+$/, '');
  return { sign: value.isNegative() ? -1 : 1, digits, exponent: value.e };
}
