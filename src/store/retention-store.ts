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
 * each batch its own statement, at most `maxBatches` a pass. Outbox rows (a few hundred a day) are cleared
 * in one statement once they are sent, failed or cancelled.
 */
import type { Database } from './database.js';

export const RETENTION_MARK = 'retention:deliveries_cleared_before';
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
    const mark = (await this.db('settings').where({ key: RETENTION_MARK }).first('value')) as { value: string } | undefined;
    let from = mark === undefined ? 0 : Number(JSON.parse(mark.value));
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
      await this.db('settings').insert({ key: RETENTION_MARK, value: JSON.stringify(reached), updated_at: now }).onConflict('key').merge(['value', 'updated_at']);
    }
    const outbox = await this.db('alert_outbox')
      .whereIn('state', ['sent', 'failed', 'cancelled'])
      .where('created_at', '<', cutoff)
      .whereNot('payload', CLEARED_OUTBOX_PAYLOAD)
      .update({ payload: CLEARED_OUTBOX_PAYLOAD });
    return { deliveries, outbox };
  }
}
