import type { Message, NodeId } from '@shoal/raft';

/** A Raft message addressed to one group's replica on another node. */
export interface GroupMessage {
  group: number;
  message: Message;
}

export type BatchHandler = (from: NodeId, batch: GroupMessage[]) => void;

/**
 * How hosts exchange Raft messages: one batch per destination node per round, delivered in order
 * on a best-effort basis (Raft tolerates loss, duplication and reordering; it needs no acks).
 */
export interface Transport {
  send(to: NodeId, batch: GroupMessage[]): void;
  /** Sets the handler for batches that arrive for this node. */
  receive(handler: BatchHandler): void;
  close(): Promise<void>;
}

/**
 * In-process transport for tests, benchmarks and the embedded cluster: hosts joined through one
 * network object. A batch is delivered in a microtask once the sender's current callback is done,
 * not on a later turn of the event loop: a replicated write then waits for one turn fewer at
 * each hop (docs/decisions/0009). With `immediate`, it is delivered within `send`, which the
 * embedded cluster's RoundScheduler relies on to have followers take a leader's entries in the
 * same round (0011). A host's delivery only steps its Raft nodes and schedules a round, and
 * sends nothing back from within it, so delivering at once never nests deeper than that. Each
 * message is copied (shallowly): log entries are immutable values once created, so nodes may
 * share them, as a leader's log already shares them with the messages it sends.
 */
export class InMemoryNetwork {
  private readonly handlers = new Map<NodeId, BatchHandler>();
  private readonly cut = new Set<string>();

  constructor(private readonly options: { immediate?: boolean } = {}) {}

  transport(node: NodeId): Transport {
    return {
      send: (to, batch) => {
        if (this.cut.has(`${node}-${to}`)) return;
        const copy = batch.map(({ group, message }) => ({ group, message: { ...message } }));
        const deliver = () => {
          if (!this.cut.has(`${node}-${to}`)) this.handlers.get(to)?.(node, copy);
        };
        if (this.options.immediate) deliver();
        else queueMicrotask(deliver);
      },
      receive: (handler) => {
        this.handlers.set(node, handler);
      },
      close: async () => {
        this.handlers.delete(node);
      },
    };
  }

  /** Cuts (or, with `heal`, restores) both directions between a node and every other node. */
  isolate(node: NodeId, others: NodeId[]): void {
    for (const other of others) {
      this.cut.add(`${node}-${other}`);
      this.cut.add(`${other}-${node}`);
    }
  }

  heal(): void {
    this.cut.clear();
  }
}
