import { expect } from 'vitest';

/** Asserts that a promise rejects with the DynamoDB error `name` and exactly `message`. */
export async function expectDynamoError(promise: Promise<unknown>, name: string, message: string): Promise<Record<string, unknown>> {
  let caught: unknown;
  try {
    await promise;
  } catch (error) {
    caught = error;
  }
  expect(caught, `expected ${name}`).toBeDefined();
  const error = caught as { name: string; message: string; $metadata?: { httpStatusCode?: number } };
  expect({ name: error.name, message: error.message }).toEqual({ name, message });
  return caught as Record<string, unknown>;
}
