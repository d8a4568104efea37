/**
 * The leader lease: one row in `leases` per job group, held by one process
 * until its expiry. The holder renews it on every scheduler tick; when the
 * holder stops renewing (it died), the row expires and the next process that
 * asks takes it over. One conditional UPDATE decides, so two processes never
 * both win: PostgreSQL re-checks the WHERE on the locked row, and SQLite has
 * one writer at a time. Same SQL on both engines.
 */
import type { Database } from './database.js';

export interface LeaseOptions {
  readonly name: string;
  /** Unique per process, e.g. host:pid:random. */
  readonly holder: string;
  /** How long a grant lasts without renewal; a successor takes over at most this long after the holder's last renewal. */
  readonly ttlMs: number;
  readonly clock: () => number;
}

/** A lease some process holds at `now` (a bot running on this database), or undefined. */
export async function heldLease(db: Database, now: number): Promise<{ holder: string; expiresAt: number } | undefined> {
  const row = (await db('leases').where('expires_at', '>', now).first('holder', 'expires_at')) as { holder: string; expires_at: unknown } | undefined;
  return row === undefined ? undefined : { holder: row.holder, expiresAt: Number(row.expires_at) };
}

export class LeaderLease {
  constructor(
    private readonly db: Database,
    private readonly options: LeaseOptions,
  ) {}

  get holder(): string {
    return this.options.holder;
  }

  /** The database the lease is kept in. */
  get database(): Database {
    return this.db;
  }

  /** Takes or renews the lease; true while this process holds it. */
  async acquire(): Promise<boolean> {
    const { name, holder, ttlMs, clock } = this.options;
    const now = clock();
    await this.db('leases').insert({ name, holder: '', acquired_at: 0, expires_at: 0 }).onConflict('name').ignore();
    const renewed = await this.db('leases').where({ name, holder }).where('expires_at', '>', now).update({ expires_at: now + ttlMs });
    if (renewed === 1) return true;
    const taken = await this.db('leases')
      .where({ name })
      .where((query) => void query.where('expires_at', '<=', now).orWhere({ holder }))
      .update({ holder, acquired_at: now, expires_at: now + ttlMs });
    return taken === 1;
  }

  /** Gives the lease up at once (a clean stop), so a successor need not wait for the expiry. */
  async release(): Promise<void> {
    await this.db('leases').where({ name: this.options.name, holder: this.options.holder }).update({ expires_at: 0 });
  }
}
