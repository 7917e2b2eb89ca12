import type { SeededRandom } from '@shoal/base';
import type { NodeId } from '@shoal/raft';

/** The moments at which a node is sometimes crashed on purpose, because that is where bugs hide. */
export type BuggifyMoment = 'synced' | 'committed' | 'voted';

/**
 * What every simulation shares below its Raft nodes: a step clock, the network between nodes and
 * the nemesis that faults both. Messages take a seeded 1-20 steps (so they reorder), are
 * sometimes lost or duplicated, and never cross a blocked link; nodes crash (losing whatever
 * they had not synced) and restart later; one disk may be slow. Like Jepsen's nemeses, faults
 * favour the current leaders, where they do the most damage. All randomness comes from
 * `random`, so the same seed replays the same run.
 */
export class SimWorld<Payload> {
  now = 0;
  faultsOn = true;
  dropRate = 0.02;
  slowDisk: NodeId | undefined;
  /** Crashed nodes, each with the step at which it restarts. */
  readonly down = new Map<NodeId, number>();
  private readonly blocked = new Set<string>();
  private readonly inFlight: { at: number; to: NodeId; payload: Payload }[] = [];

  /**
   * `maxDown`: crashes are only injected while fewer nodes are down, so that a quorum can
   * survive. `onCrash` drops the node's unsynced state and the requests waiting on it.
   */
  constructor(
    readonly random: SeededRandom,
    readonly nodeIds: readonly NodeId[],
    private readonly maxDown: number,
    private readonly onCrash: (id: NodeId) => void,
  ) {}

  send(from: NodeId, to: NodeId, payload: Payload): void {
    // A crashed node sends nothing, even from the rest of the step in which it crashed.
    if (this.down.has(from) || this.blocked.has(`${from}-${to}`) || this.random.chance(this.dropRate)) return;
    this.inFlight.push({ at: this.now + 1 + this.random.int(20), to, payload });
    if (this.random.chance(0.02)) this.inFlight.push({ at: this.now + 1 + this.random.int(40), to, payload });
  }

  /** Hands over the messages due now, in a seeded order; those to a crashed node are lost. */
  deliver(receive: (to: NodeId, payload: Payload) => void): void {
    for (let i = this.inFlight.length - 1; i >= 0; i--) {
      const pending = this.inFlight[i] as { at: number; to: NodeId; payload: Payload };
      if (pending.at > this.now) continue;
      this.inFlight.splice(i, 1);
      if (this.down.has(pending.to)) continue;
      receive(pending.to, pending.payload);
    }
  }

  /** Takes the nodes whose restart time has come off the down list, to be booted from their disks. */
  restarts(): NodeId[] {
    const due = [...this.down].filter(([, restartAt]) => this.now >= restartAt).map(([id]) => id);
    for (const id of due) this.down.delete(id);
    return due;
  }

  crash(id: NodeId, restartAt: number): void {
    this.onCrash(id);
    this.down.set(id, restartAt);
  }

  /** One nemesis action: isolate a node (both ways or one way), heal, crash, make links lossy, slow a disk. */
  injectFault(leaders: readonly NodeId[]): void {
    const roll = this.random.int(10);
    const target = (leaders.length > 0 && this.random.chance(0.5) ? leaders[this.random.int(leaders.length)] : this.nodeIds[this.random.int(this.nodeIds.length)]) as NodeId;
    if (roll < 3) {
      this.blocked.clear();
      for (const other of this.nodeIds) {
        if (other === target) continue;
        this.blocked.add(`${target}-${other}`);
        if (roll !== 2) this.blocked.add(`${other}-${target}`); // roll 2: one-way partition
      }
    } else if (roll < 5) {
      this.blocked.clear();
    } else if (roll < 7 && this.down.size < this.maxDown) {
      this.crash(target, this.now + 50 + this.random.int(400));
    } else if (roll < 8) {
      this.dropRate = this.random.chance(0.5) ? 0.2 : 0.02;
    } else {
      this.slowDisk = this.random.chance(0.5) ? target : undefined;
    }
  }

  /**
   * Buggify: sometimes crashes node `id` at a moment where bugs hide (a leader right after syncing
   * new entries but before sending them, the Raft paper's Figure 8 setting; a leader right after it
   * committed and answered its clients, before its pipeline went out; a node that just granted a
   * vote, which is when a node that forgets its vote would vote twice). True if it crashed.
   */
  buggify(id: NodeId, moment: BuggifyMoment): boolean {
    if (moment === 'voted') {
      if (!this.faultsOn || this.down.has(id) || !this.random.chance(0.3)) return false;
      this.crash(id, this.now + 5 + this.random.int(40));
      return true;
    }
    const [chance, downtime, minimum] = moment === 'synced' ? [0.05, 400, 100] : [0.1, 200, 20];
    if (!this.faultsOn || this.down.size >= this.maxDown || !this.random.chance(chance)) return false;
    this.crash(id, this.now + minimum + this.random.int(downtime));
    return true;
  }

  /** Steps until a sync started now completes. */
  diskLatency(id: NodeId): number {
    return 1 + this.random.int(this.slowDisk === id ? 40 : 4);
  }

  /** The quiet phase: no more faults, every link healed and lossless, every node back at once. */
  calm(): void {
    this.faultsOn = false;
    this.blocked.clear();
    this.dropRate = 0;
    this.slowDisk = undefined;
    for (const id of [...this.down.keys()]) this.down.set(id, this.now + 1);
  }
}
