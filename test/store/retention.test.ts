/**
 * PAYLOAD_RETENTION_DAYS: stored bodies past the retention are cleared, the rows stay, and a redelivery of a
 * cleared delivery is still recognised. Through the real stores, on the test engine.
 */
import { describe, expect, it } from 'vitest';
import { IngestStore, type DeliveryRecord } from '../../src/store/ingest-store.js';
import { OutboxStore } from '../../src/store/outbox-store.js';
import { CLEARED_OUTBOX_PAYLOAD, OUTBOX_RETENTION_MARK, RETENTION_MARK, RetentionStore } from '../../src/store/retention-store.js';
import type { TicketEvent } from '../../src/ingest/events.js';
import { TEST_ENGINE, useTestDatabase } from '../helpers/databases.js';
import { retentionJob } from '../../src/schedule/jobs.js';
import { silentLogger } from '../../src/logger.js';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 9, 1);

function delivery(key: string, receivedAt: number): DeliveryRecord {
  return { source: 'generic', deliveryKey: key, receivedAt, contentType: 'application/json', bodyBytes: 10, bodySha256: key.padEnd(64, '0'), payload: JSON.stringify({ id: key }) };
}

function created(ticket: string, at: number): TicketEvent {
  return { kind: 'ticket', type: 'ticket_created', externalTicketId: ticket, occurredAt: at, actor: { type: 'customer', id: 'c-1' }, data: { status: 'new' }, dedupeKey: `created-${ticket}` } as TicketEvent;
}

describe(`stored bodies past their retention on ${TEST_ENGINE}`, () => {
  const t = useTestDatabase({ migrate: true });

  const payloads = async () =>
    ((await t.db('webhook_deliveries').select('delivery_key', 'payload').orderBy('delivery_key')) as { delivery_key: string; payload: string | null }[]).map((row) => [row.delivery_key, row.payload !== null]);

  it('clears deliveries received before the cutoff, in batches, from where the last pass stopped; the rows and their keys stay', async () => {
    const ingest = new IngestStore(t.db, { escalationGroups: [], escalationTag: 'escalated' }, () => T0 + 60 * DAY);
    // Seven deliveries a day apart, two on the same millisecond; one rejected.
    for (let day = 0; day < 6; day += 1) await ingest.recordDelivery(delivery(`d${day}`, T0 + day * DAY), [created(`T-${day}`, T0 + day * DAY)]);
    await ingest.recordDelivery(delivery('d2b', T0 + 2 * DAY), [created('T-2b', T0 + 2 * DAY)]);
    await ingest.recordRejected({ ...delivery('r1', T0 + DAY), reason: 'unknown_shape', detail: 'x' });

    const store = new RetentionStore(t.db, 2);
    // One batch of two a pass: the pass stops early and saves where it got to.
    expect(await store.clearPayloadsBefore(T0 + 3 * DAY, T0 + 33 * DAY, 1)).toEqual({ deliveries: 2, outbox: 0 });
    expect(Number(JSON.parse(((await t.db('settings').where({ key: RETENTION_MARK }).first('value')) as { value: string }).value))).toBe(T0 + DAY);
    expect(await store.clearPayloadsBefore(T0 + 3 * DAY, T0 + 33 * DAY)).toEqual({ deliveries: 3, outbox: 0 });
    expect(await payloads()).toEqual([['d0', false], ['d1', false], ['d2', false], ['d2b', false], ['d3', true], ['d4', true], ['d5', true], ['r1#rejected:r100000000000000', false]]); // a refused delivery's key carries its body's hash
    // Nothing left before the cutoff: the next pass clears nothing, and a later cutoff goes on from there.
    expect(await store.clearPayloadsBefore(T0 + 3 * DAY, T0 + 33 * DAY)).toEqual({ deliveries: 0, outbox: 0 });
    expect(await store.clearPayloadsBefore(T0 + 5 * DAY, T0 + 35 * DAY)).toEqual({ deliveries: 2, outbox: 0 });
    expect(await payloads()).toEqual([['d0', false], ['d1', false], ['d2', false], ['d2b', false], ['d3', false], ['d4', false], ['d5', true], ['r1#rejected:r100000000000000', false]]);

    // A cleared delivery sent again is still a redelivery: nothing written.
    const again = await ingest.recordDelivery(delivery('d0', T0 + 40 * DAY), [created('T-0', T0)]);
    expect(again.duplicate).toBe(true);
    expect(Number(((await t.db('webhook_deliveries').count({ n: '*' })) as { n: number | string }[])[0]?.n)).toBe(8);
    const rows = await ingest.listDeliveries({ rejected: false, limit: 10 });
    expect(rows.find((row) => row.deliveryKey === 'd0')).toMatchObject({ payload: null, eventCount: 1, status: 'processed' });
  });

  it('clears posted, failed and cancelled outbox messages created before the cutoff, never a pending one; the key still stops a second post', async () => {
    const outbox = new OutboxStore(t.db);
    const message = { text: 'SLA breach on T-1', blocks: [] };
    for (const key of ['sent', 'failed', 'pending', 'recent']) {
      await outbox.enqueue({ dedupeKey: key, kind: 'sla_breach', target: 'C1', message, notBefore: T0 }, key === 'recent' ? T0 + 20 * DAY : T0);
    }
    const id = async (key: string) => (await outbox.byKey(key))?.id ?? -1;
    await outbox.markSent(await id('sent'), 'C1', '1.2', T0);
    await outbox.markSent(await id('recent'), 'C1', '1.3', T0 + 20 * DAY);
    await outbox.markFailed(await id('failed'), 'channel_not_found');

    expect(await new RetentionStore(t.db).clearPayloadsBefore(T0 + 10 * DAY, T0 + 40 * DAY)).toEqual({ deliveries: 0, outbox: 2 });
    const kept = Object.fromEntries(((await t.db('alert_outbox').select('dedupe_key', 'payload')) as { dedupe_key: string; payload: string }[]).map((row) => [row.dedupe_key, row.payload]));
    expect(kept).toEqual({ sent: CLEARED_OUTBOX_PAYLOAD, failed: CLEARED_OUTBOX_PAYLOAD, pending: JSON.stringify(message), recent: JSON.stringify(message) });
    expect(await outbox.enqueue({ dedupeKey: 'sent', kind: 'sla_breach', target: 'C1', message, notBefore: T0 }, T0 + 40 * DAY)).toBe(false);

    // The pass walks ids from the last one cleared: the post still waiting holds the mark before it.
    const mark = async () => Number(JSON.parse(((await t.db('settings').where({ key: OUTBOX_RETENTION_MARK }).first('value')) as { value: string }).value));
    expect(await mark()).toBe(await id('failed'));
    // Rows before the mark are not read again (one given its message back stays so), the waiting one is, once sent.
    await t.db('alert_outbox').where({ id: await id('sent') }).update({ payload: JSON.stringify(message) });
    expect(await new RetentionStore(t.db).clearPayloadsBefore(T0 + 10 * DAY, T0 + 40 * DAY)).toEqual({ deliveries: 0, outbox: 0 });
    await outbox.markSent(await id('pending'), 'C1', '1.4', T0 + 41 * DAY);
    expect(await new RetentionStore(t.db).clearPayloadsBefore(T0 + 10 * DAY, T0 + 41 * DAY)).toEqual({ deliveries: 0, outbox: 1 });
    expect(await mark()).toBe(await id('pending'));
    expect((await outbox.byKey('sent'))?.message).toEqual(message);
    // In batches: three rows, one a batch, all cleared within a pass.
    expect(await new RetentionStore(t.db, 1).clearPayloadsBefore(T0 + 30 * DAY, T0 + 50 * DAY)).toEqual({ deliveries: 0, outbox: 1 });
    expect(await mark()).toBe(await id('recent'));
  });

  it('the scheduled job clears what is older than PAYLOAD_RETENTION_DAYS, counted back from its run', async () => {
    const ingest = new IngestStore(t.db, { escalationGroups: [], escalationTag: 'escalated' }, () => T0 + 60 * DAY);
    await ingest.recordDelivery(delivery('old', T0), [created('T-old', T0)]);
    await ingest.recordDelivery(delivery('new', T0 + 25 * DAY), [created('T-new', T0 + 25 * DAY)]);
    const job = retentionJob(t.db, 30, silentLogger());
    expect(job.everyMs).toBe(5 * 60_000);
    await job.run(T0 + 30 * DAY);
    expect(await payloads()).toEqual([['new', true], ['old', true]]);
    await job.run(T0 + 30 * DAY + 1);
    expect(await payloads()).toEqual([['new', true], ['old', false]]);
  });
});
