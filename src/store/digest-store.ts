/**
 * Digest subscriptions: a channel's digest, or a linked agent's personal one by
 * DM, each with a cron expression in its own time zone, metrics and filters,
 * and what the last run posted (so "only if changed" can compare).
 */
import type { Knex } from 'knex';
import type { Database } from './database.js';
import type { TicketFilters } from './kpi-store.js';
import type { MetricId } from '../kpi/definitions.js';
import { isBreakdown, type Breakdown } from '../kpi/request-words.js';

export interface DigestSubscription {
  readonly id: number;
  readonly kind: 'channel' | 'personal';
  readonly channelId: string | null;
  readonly slackUserId: string | null;
  readonly schedule: string;
  readonly timezone: string;
  readonly metrics: readonly MetricId[];
  readonly filters: TicketFilters;
  /** What the digest splits its metrics by (`by:team`); absent: no split. */
  readonly by?: Breakdown;
  readonly onlyIfChanged: boolean;
  readonly lastRunAt: number | null;
  readonly lastContentHash: string | null;
  readonly createdAt: number;
}

export interface NewSubscription {
  readonly kind: 'channel' | 'personal';
  readonly channelId?: string;
  readonly slackUserId?: string;
  readonly schedule: string;
  readonly timezone: string;
  readonly metrics?: readonly MetricId[];
  readonly filters?: TicketFilters;
  readonly by?: Breakdown;
  readonly onlyIfChanged?: boolean;
  readonly createdBy?: string;
}

interface Row {
  id: number; kind: 'channel' | 'personal'; channel_id: string | null; slack_user_id: string | null; schedule: string; timezone: string; metrics: string; filters: string; breakdown: string | null;
  only_if_changed: boolean | number; last_run_at: number | null; last_content_hash: string | null; created_at: number;
}

const fromRow = (row: Row): DigestSubscription => ({
  id: row.id,
  kind: row.kind,
  channelId: row.channel_id,
  slackUserId: row.slack_user_id,
  schedule: row.schedule,
  timezone: row.timezone,
  metrics: JSON.parse(row.metrics) as MetricId[],
  filters: JSON.parse(row.filters) as TicketFilters,
  // A word this release does not know (written by a newer one) is no split rather than a failed digest.
  ...(row.breakdown !== null && isBreakdown(row.breakdown) ? { by: row.breakdown } : {}),
  onlyIfChanged: Boolean(row.only_if_changed),
  lastRunAt: row.last_run_at === null ? null : Number(row.last_run_at),
  lastContentHash: row.last_content_hash,
  createdAt: Number(row.created_at),
});

export class DigestStore {
  constructor(private readonly db: Database) {}

  async add(subscription: NewSubscription, now: number): Promise<number> {
    const [row] = (await this.db('digest_subscriptions')
      .insert({
        kind: subscription.kind,
        channel_id: subscription.channelId ?? null,
        slack_user_id: subscription.slackUserId ?? null,
        schedule: subscription.schedule,
        timezone: subscription.timezone,
        metrics: JSON.stringify(subscription.metrics ?? ['summary']),
        filters: JSON.stringify(subscription.filters ?? {}),
        breakdown: subscription.by ?? null,
        only_if_changed: subscription.onlyIfChanged ?? false,
        enabled: true,
        created_by: subscription.createdBy ?? null,
        created_at: now,
        updated_at: now,
      })
      .returning('id')) as ({ id: number } | number)[];
    return typeof row === 'object' ? Number(row.id) : Number(row);
  }

  async enabled(): Promise<DigestSubscription[]> {
    return ((await this.db('digest_subscriptions').where({ enabled: true }).orderBy('id')) as Row[]).map(fromRow);
  }

  async ofChannel(channelId: string): Promise<DigestSubscription[]> {
    return ((await this.db('digest_subscriptions').where({ enabled: true, channel_id: channelId }).orderBy('id')) as Row[]).map(fromRow);
  }

  /** Stops a channel's digests (they are disabled, kept for the record); how many. */
  async removeChannel(channelId: string, now: number): Promise<number> {
    return this.db('digest_subscriptions').where({ channel_id: channelId, enabled: true }).update({ enabled: false, updated_at: now });
  }

  /** Replaces a person's personal digest (null: stops it). */
  async setPersonal(slackUserId: string, subscription: { schedule: string; timezone: string } | null, now: number): Promise<void> {
    await this.db.transaction(async (trx) => {
      await trx('digest_subscriptions').where({ kind: 'personal', slack_user_id: slackUserId, enabled: true }).update({ enabled: false, updated_at: now });
      if (subscription === null) return;
      await trx('digest_subscriptions').insert({
        kind: 'personal', slack_user_id: slackUserId, schedule: subscription.schedule, timezone: subscription.timezone, metrics: '[]', filters: '{}',
        only_if_changed: false, enabled: true, created_by: slackUserId, created_at: now, updated_at: now,
      });
    });
  }

  /** Records a run (in the transaction that enqueues its post, if any). */
  async markRun(trx: Knex | Knex.Transaction, id: number, ranAt: number, contentHash: string | null): Promise<void> {
    await trx('digest_subscriptions').where({ id }).update({ last_run_at: ranAt, ...(contentHash === null ? {} : { last_content_hash: contentHash }), updated_at: ranAt });
  }
}
