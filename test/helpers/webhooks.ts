/** Signing and posting webhooks the way each vendor does, for tests and benchmarks. */
import { createHmac } from 'node:crypto';
import type { Knex } from 'knex';
import { expect } from 'vitest';
import { durationBucket } from '../../src/kpi/duration-buckets.js';
import { matchKey } from '../../src/kpi/sla.js';

export const GENERIC_SECRET = `whsec_${Buffer.from('generic-test-secret-0123456789ab').toString('base64')}`;

export function standardWebhookHeaders(body: string, id: string, secret = GENERIC_SECRET, timestampSeconds = Math.floor(Date.now() / 1000)): Record<string, string> {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const signature = createHmac('sha256', key).update(`${id}.${timestampSeconds}.${body}`).digest('base64');
  return { 'webhook-id': id, 'webhook-timestamp': String(timestampSeconds), 'webhook-signature': `v1,${signature}` };
}

export interface Posted {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export async function postWebhook(baseUrl: string, source: string, body: string | Buffer, headers: Record<string, string>): Promise<Posted> {
  const res = await fetch(`${baseUrl}/webhooks/${source}`, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers } });
  const text = await res.text();
  return { status: res.status, body: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>) };
}

export const ZENDESK_SECRET = 'dGhpc19pc19hX3Rlc3Rfc2lnbmluZ19zZWNyZXQ=';

/** Zendesk: base64 HMAC-SHA256 of (timestamp + body), keyed with the secret as text; ISO-8601 timestamp. */
export function zendeskHeaders(body: string, secret = ZENDESK_SECRET, timestamp = new Date().toISOString().replace(/\.\d+Z$/, 'Z'), invocation?: string): Record<string, string> {
  const signature = createHmac('sha256', secret).update(timestamp + body).digest('base64');
  return {
    'x-zendesk-webhook-signature': signature,
    'x-zendesk-webhook-signature-timestamp': timestamp,
    'x-zendesk-webhook-id': '01F1KRFQ6BG29CNWFR60NK5FNY',
    ...(invocation === undefined ? {} : { 'x-zendesk-webhook-invocation-id': invocation }),
  };
}

/** Every delivery stored was refused as unknown_shape, none kept any of the given texts, and no event was written. */
export async function expectRejectedWithoutText(db: Knex, count: number, texts: readonly string[]): Promise<void> {
  const rows = (await db('webhook_deliveries').select('status', 'reason', 'payload', 'detail')) as { status: string; reason: string; payload: string; detail: string }[];
  expect(rows).toHaveLength(count);
  for (const row of rows) {
    expect(row).toMatchObject({ status: 'rejected', reason: 'unknown_shape' });
    for (const text of texts) expect(row.payload).not.toContain(text);
    // The reason kept beside it quotes codes only: no text, address or number the sender put where a code belongs.
    for (const text of texts) expect(row.detail).not.toContain(text);
  }
  expect(await db('ticket_events').count({ n: '*' })).toEqual([{ n: 0 }]);
}

/**
 * The one ticket's projection as the vendor tests compare it: without its row
 * id and the times that follow the clock or the delivery order, the assignee
 * only as set or not.
 */
export async function projectedTicket(db: Knex): Promise<Record<string, unknown> | undefined> {
  const row = (await db('tickets').first()) as Record<string, unknown> | undefined;
  if (row === undefined) return undefined;
  const { id: _id, projected_at: _p, updated_at: _u, assignee_agent_id, ...rest } = withoutDerivedColumns(row);
  return { ...rest, created_by_agent: Boolean(rest.created_by_agent), next_reply_breached: Boolean(rest.next_reply_breached), assignee_agent_id: assignee_agent_id === null ? null : 'set' };
}

/**
 * Checks that none of `texts` is kept in the event log's data or the stored
 * deliveries, after checking that `sent` (what the fixtures sent) holds every
 * one of them, so that the check can fail. Returns both stored texts for the
 * vendor's own checks of what is kept.
 */
export async function expectNoStoredText(db: Knex, texts: readonly string[], sent: string): Promise<{ data: string; payloads: string }> {
  for (const text of texts) expect(sent, `the fixtures carry ${text}`).toContain(text);
  const data = ((await db('ticket_events').select('data')) as { data: string }[]).map((row) => String(row.data)).join('\n');
  const payloads = ((await db('webhook_deliveries').select('payload')) as { payload: string | null }[]).map((row) => String(row.payload)).join('\n');
  for (const text of texts) {
    expect(data, text).not.toContain(text);
    expect(payloads, text).not.toContain(text);
  }
  return { data, payloads };
}

/**
 * Checks the columns a ticket row derives from its other columns (calendar
 * first response and resolution in ms, and their buckets: migration
 * 20261122000021; the team's match key: 20261122000023) against those columns,
 * and returns the row without them, so that the vendor and import tests
 * compare the facts alone.
 */
export function withoutDerivedColumns(row: Record<string, unknown>): Record<string, unknown> {
  const { first_response_ms, first_response_bucket, resolution_ms, resolution_bucket, team_key, ...rest } = row;
  expect(team_key ?? null).toBe(typeof rest.team === 'string' ? matchKey(rest.team) : null);
  const value = (stored: unknown) => (stored === null || stored === undefined ? null : Number(stored));
  const start = value(rest.created_by_agent === true || rest.created_by_agent === 1 ? rest.first_customer_message_at : rest.created_at);
  const response = value(rest.first_response_at);
  const resolved = value(rest.resolved_at);
  const firstResponse = response === null || start === null ? null : response - start;
  const resolution = resolved === null ? null : resolved - Number(rest.created_at);
  expect({
    first_response_ms: value(first_response_ms), first_response_bucket: value(first_response_bucket), resolution_ms: value(resolution_ms), resolution_bucket: value(resolution_bucket),
  }).toEqual({
    first_response_ms: firstResponse, first_response_bucket: firstResponse === null ? null : durationBucket(firstResponse),
    resolution_ms: resolution, resolution_bucket: resolution === null ? null : durationBucket(resolution),
  });
  return rest;
}
