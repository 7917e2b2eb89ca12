import { describe, expect, it } from 'vitest';
import { parseArguments } from '../src/arguments.js';

describe('npm start arguments', () => {
  it('set how often an embedded cluster compacts its Raft logs, refusing zero', () => {
    expect(parseArguments([]).snapshotEvery).toBeUndefined();
    expect(parseArguments(['--snapshot-every', '500']).snapshotEvery).toBe(500);
    expect(() => parseArguments(['--snapshot-every', '0'])).toThrow('--snapshot-every must be at least 1');
    expect(() => parseArguments(['--snapshot-every', 'often'])).toThrow('--snapshot-every must be a non-negative integer, got often');
  });
});
