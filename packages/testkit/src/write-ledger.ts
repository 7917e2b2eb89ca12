/**
 * What concurrent writers under test attempted and what was acknowledged, by item collection:
 * the record that no-loss (every acknowledged item stored) and no-invention (nothing stored that
 * was never attempted) checks compare storage against, and that readers pick collections from.
 */
export class WriteLedger {
  private readonly attempted = new Set<string>();
  private readonly acknowledged = new Map<string, Set<string>>();
  /** Writes acknowledged so far. */
  acknowledgedCount = 0;

  attempt(id: string): void {
    this.attempted.add(id);
  }

  acknowledge(collection: string, id: string): void {
    let ids = this.acknowledged.get(collection);
    if (!ids) this.acknowledged.set(collection, (ids = new Set()));
    ids.add(id);
    this.acknowledgedCount++;
  }

  /** Collections with an acknowledged write, in first-acknowledged order. */
  collections(): string[] {
    return [...this.acknowledged.keys()];
  }

  acknowledgedIn(collection: string): string[] {
    return [...(this.acknowledged.get(collection) ?? [])];
  }

  /** Acknowledged items that `stored` lacks. */
  lostFrom(stored: ReadonlySet<string>): string[] {
    return [...this.acknowledged.values()].flatMap((ids) => [...ids]).filter((id) => !stored.has(id));
  }

  /** Stored items that no writer attempted. */
  inventedIn(stored: ReadonlySet<string>): string[] {
    return [...stored].filter((id) => !this.attempted.has(id));
  }
}
