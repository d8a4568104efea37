import type { Knex } from 'knex';

// Kept Zendesk deliveries of ticket.subject_changed (or description_changed)
// events held the old and new text under event.current and event.previous,
// which the redaction kept as short codes until this version. They are
// scrubbed here, as the redaction now does: the text becomes a marker with
// its length. Nothing can bring it back, so down does nothing.
const TEXT_CHANGES = ['%ticket.subject_changed%', '%ticket.description_changed%'];

export async function up(knex: Knex): Promise<void> {
  const rows = (await knex('webhook_deliveries')
    .select('id', 'payload')
    .where({ source: 'zendesk' })
    .where((q) => void TEXT_CHANGES.reduce((query, pattern) => query.orWhere('payload', 'like', pattern), q))) as { id: number; payload: string | null }[];
  for (const row of rows) {
    if (row.payload === null) continue;
    let body: unknown;
    try {
      body = JSON.parse(row.payload);
    } catch {
      continue;
    }
    const event = (body as { event?: Record<string, unknown> }).event;
    if (event === undefined || event === null || typeof event !== 'object') continue;
    for (const key of ['current', 'previous']) {
      const value = event[key];
      if (typeof value === 'string') event[key] = `[removed: ${value.length} chars]`;
    }
    await knex('webhook_deliveries').where({ id: row.id }).update({ payload: JSON.stringify(body) });
  }
}

export async function down(): Promise<void> {
  // The text is gone for good.
}
