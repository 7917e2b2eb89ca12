import { describe, expect, it } from 'vitest';
import { commandLineOptions } from '../src/index.js';

describe('command-line options', () => {
  const options = commandLineOptions(['--id', '3', '--snapshot-every', '0', '--port', '80x', '--verbose']);

  it('reads values, fallbacks and flags', () => {
    expect([options.option('id'), options.option('host', 'localhost'), options.has('verbose'), options.has('quiet')]).toEqual(['3', 'localhost', true, false]);
    expect(() => options.option('host')).toThrow('--host is required');
  });

  it('reads whole numbers, and refuses mistyped or too small ones', () => {
    expect(options.integer('id', 1)).toBe(3);
    expect(() => options.integer('port', 1)).toThrow('--port must be a whole number of at least 1, not "80x"');
    expect(() => options.integer('snapshot-every', 1)).toThrow('--snapshot-every must be a whole number of at least 1, not "0"');
  });
});
