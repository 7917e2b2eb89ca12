import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ClusterFile } from '@shoal/server';
import { spawnClusterProcesses, temporaryDirectory, waitFor } from '@shoal/testkit';

/**
 * Whether a process still runs. An exited child of a dead launcher is re-parented and stays a
 * zombie until its new parent reaps it, which a busy machine's init may take its time over: a
 * zombie has exited, so it counts as gone.
 */
const alive = (pid: number) => {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The state follows the command name, which is in parentheses and may itself contain spaces.
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return false;
  }
};

describe('npm run cluster', () => {
  it('leaves no process behind when the launcher itself is killed with SIGKILL', async () => {
    const dataDir = temporaryDirectory('launcher');
    try {
      const cluster = await spawnClusterProcesses(dataDir, ['--nodes', '3']);
      const { processes } = JSON.parse(readFileSync(join(dataDir, 'cluster.json'), 'utf8')) as ClusterFile;
      expect(processes.map((entry) => entry.role)).toEqual(['storage', 'storage', 'storage', 'gateway']);
      expect(processes.every((entry) => alive(entry.pid))).toBe(true);
      await cluster.stop('SIGKILL');
      await waitFor(() => processes.every((entry) => !alive(entry.pid)), 'every node and the gateway to exit', 10_000);
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});
