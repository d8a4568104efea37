/**
 * How long stored bodies are kept. Each webhook delivery keeps its body (ticket
 * text already removed) for `kpibot deliveries`, and each outbox row the message
 * it posted. Neither is read by a KPI, and they are most of what the database
 * grows by besides the event log. Past the retention they are cleared. The rows
 * stay: a delivery's key, hash and counts still recognise a late redelivery,
 * and an outbox row's key still stops the same alert from being posted twice.
 *
 * Deliveries are cleared by `received_at`, from where the last pass stopped
 * (saved under RETENTION_MARK in `settings`). So each pass reads only the rows
 * that have aged past the limit since the last one, in batches of `batch` rows,
 * each batch its own statement, at most `maxBatches` a pass. Outbox rows are
 * walked by id (ids follow creation) from the last one known cleared (saved
 * under OUTBOX_RETENTION_MARK), up to the first created after the cutoff; a
 * post still waiting keeps the mark before it, to be looked at again. Before,
 * each pass read every settled outbox row ever (a few hundred a day), inside a
 * write that SQLite's webhooks wait for.
 */
import type { Database } from './database.js';

export const RETENTION_MARK = 'retention:deliveries_cleared_before';
/** The id up to which every outbox row is settled and its message cleared. */
export const OUTBOX_RETENTION_MARK = 'retention:outbox_cleared_through';
const SETTLED: ReadonlySet<string> = new Set(['sent', 'failed', 'cancelled']);
/** What a cleared outbox row's payload becomes (the column is NOT NULL). */
export const CLEARED_OUTBOX_PAYLOAD = '{}';

export interface ClearedPayloads {
  readonly deliveries: number;
  readonly outbox: number;
}

export class RetentionStore {
  constructor(
    private readonly db: Database,
    private readonly batch = 2000,
  ) {}

  /**
   * Clears the bodies of deliveries received, and of outbox rows created, before `cutoff` (epoch ms): at most
   * `maxBatches` batches of deliveries a call (the rest at the next), so a first pass over a large database
   * never holds the scheduler long.
   */
  async clearPayloadsBefore(cutoff: number, now: number, maxBatches = 25): Promise<ClearedPayloads> {
    let from = await this.mark(RETENTION_MARK);
    let deliveries = 0;
    if (cutoff > from) {
      let reached = cutoff;
      for (let round = 0; round < maxBatches; round += 1) {
        const rows = (await this.db('webhook_deliveries')
          .select('id', 'received_at')
          .whereIn('status', ['processed', 'rejected'])
          .where('received_at', '>=', from)
          .where('received_at', '<', cutoff)
          .whereNotNull('payload')
          .orderBy('received_at')
          .limit(this.batch)) as { id: number | string; received_at: number | string }[];
        if (rows.length === 0) break;
        deliveries += await this.db('webhook_deliveries').whereIn('id', rows.map((row) => Number(row.id))).update({ payload: null });
        if (rows.length < this.batch) break;
        // The next batch starts at the last time cleared (rows sharing it are cleared already, and skipped).
        from = Number(rows[rows.length - 1]?.received_at ?? cutoff);
        if (round === maxBatches - 1) reached = from;
      }
      await this.saveMark(RETENTION_MARK, reached, now);
    }
    return { deliveries, outbox: await this.clearOutboxBefore(cutoff, now, maxBatches) };
  }

  /** Outbox messages of settled posts created before `cutoff`, from the mark on (see the file's comment). */
  private async clearOutboxBefore(cutoff: number, now: number, maxBatches: number): Promise<number> {
    const saved = await this.mark(OUTBOX_RETENTION_MARK);
    let mark = saved;
    let from = saved;
    let waiting = false;
    let cleared = 0;
    for (let round = 0; round < maxBatches; round += 1) {
      const rows = (await this.db('alert_outbox').select('id', 'state', 'created_at').where('id', '>', from).orderBy('id').limit(this.batch)) as { id: number | string; state: string; created_at: number | string }[];
      const settled: number[] = [];
      let past = false;
      for (const row of rows) {
        if (Number(row.created_at) >= cutoff) {
          past = true;
          break;
        }
        from = Number(row.id);
        if (!SETTLED.has(row.state)) waiting = true;
        else settled.push(from);
        if (!waiting) mark = from;
      }
      if (settled.length > 0) cleared += await this.db('alert_outbox').whereIn('id', settled).whereNot('payload', CLEARED_OUTBOX_PAYLOAD).update({ payload: CLEARED_OUTBOX_PAYLOAD });
      if (past || rows.length < this.batch) break;
    }
    if (mark !== saved) await this.saveMark(OUTBOX_RETENTION_MARK, mark, now);
    return cleared;
  }

  private async mark(key: string): Promise<number> {
    const row = (await this.db('settings').where({ key }).first('value')) as { value: string } | undefined;
    return row === undefined ? 0 : Number(JSON.parse(row.value));
  }

  private async saveMark(key: string, value: number, now: number): Promise<void> {
    await this.db('settings').insert({ key, value: JSON.stringify(value), updated_at: now }).onConflict('key').merge(['value', 'updated_at']);
  }
}
