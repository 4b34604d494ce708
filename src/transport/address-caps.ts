/** Why a new connection was refused. */
export type CapRefusal = 'limit' | 'per_ip';

/**
 * Open connections in total and per client address, against two caps. `tryOpen` and `close`
 * must be paired by the caller (close when the connection is gone); an address's entry is freed
 * with its last connection, so the map holds only addresses with connections open.
 */
export class AddressCaps {
  private readonly perAddress = new Map<string, number>();
  private total = 0;

  constructor(private readonly caps: { total: number; perAddress: number }) {}

  /** Counts a new connection from `address`, or says which cap refuses it (nothing counted then). */
  tryOpen(address: string): CapRefusal | null {
    if (this.total >= this.caps.total) return 'limit';
    const n = this.perAddress.get(address) ?? 0;
    if (n >= this.caps.perAddress) return 'per_ip';
    this.perAddress.set(address, n + 1);
    this.total++;
    return null;
  }

  close(address: string): void {
    const n = this.perAddress.get(address);
    if (n === undefined) return;
    if (n <= 1) this.perAddress.delete(address);
    else this.perAddress.set(address, n - 1);
    this.total--;
  }

  get open(): number {
    return this.total;
  }
}
