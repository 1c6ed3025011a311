/**
 * Uids for sandboxed runs when we are root (bwrap.ts says why root mode needs them): each concurrent run gets
 * its own, so RLIMIT_NPROC, which counts per uid, is a budget of that run alone. One pool per process: the app
 * makes it and hands it to every runner, so runners never hand out the same uid twice at once.
 */

/** First uid of a pool: far above regular and subordinate-uid ranges; the process id spreads pools apart. */
const UID_BASE = 1_800_000_000;
const UID_SLOTS = 64;

export interface UidLease {
  uid: number;
  /** Give the uid back once every process that ran as it is gone; calling it again does nothing. */
  release(): void;
}

export class UidPool {
  private readonly inUse = new Set<number>();
  private roundRobin = 0;
  private readonly base: number;

  constructor(pid: number = process.pid) {
    this.base = UID_BASE + (pid % 100_000) * UID_SLOTS;
  }

  /** A uid for one run; distinct among concurrent runs of this pool (up to 64, then shared). */
  acquire(): UidLease {
    let slot = -1;
    for (let i = 0; i < UID_SLOTS; i++) {
      if (!this.inUse.has(i)) {
        slot = i;
        break;
      }
    }
    const owned = slot >= 0;
    if (!owned) slot = this.roundRobin++ % UID_SLOTS;
    if (owned) this.inUse.add(slot);
    let released = false;
    return {
      uid: this.base + slot,
      release: () => {
        if (released || !owned) return;
        released = true;
        this.inUse.delete(slot);
      },
    };
  }
}
