/**
 * The outbox: every alert and digest post is one `alert_outbox` row, unique by
 * its dedupe key, inserted in the same transaction as the decision to send it
 * (`insert … on conflict do nothing`: deciding twice changes nothing). The
 * sender claims due rows (state `sending`, the claim expiring at
 * `next_attempt_at`), then records the outcome: sent (with the message's
 * channel and ts), retry later, or failed with Slack's reason. A claim that
 * outlives its process goes back to pending, so no row is ever dropped.
 */
import type { Knex } from 'knex';
import type { Database } from './database.js';
import type { SlackMessage } from '../slack/blocks/kit.js';

export type OutboxState = 'pending' | 'sending' | 'sent' | 'failed' | 'cancelled';

/** The outbox kinds that follow an alert up (src/schedule/alert-jobs.ts): reminders, and the lead's DM. Acknowledge cancels them. */
export const FOLLOW_UP_KIND = { reminder: 'sla_reminder', lead: 'sla_lead' } as const;
const FOLLOW_UP_KINDS = Object.values(FOLLOW_UP_KIND);

export interface NewOutboxRow {
  readonly dedupeKey: string;
  readonly kind: string;
  /** A channel id, or a user id for a DM. */
  readonly target: string;
  readonly message: SlackMessage;
  /** Not before this instant (quiet hours, a digest's time). */
  readonly notBefore: number;
  readonly ticketId?: number;
  readonly alertRuleId?: number;
  readonly alertId?: number;
}

export interface OutboxRow {
  readonly id: number;
  readonly dedupeKey: string;
  readonly kind: string;
  readonly target: string;
  readonly message: SlackMessage;
  readonly state: OutboxState;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  readonly lastError: string | null;
  readonly alertId: number | null;
  readonly messageChannelId: string | null;
  readonly messageTs: string | null;
  readonly sentAt: number | null;
}

/** A posted message of an alert, and whether it was a reminder (which) or the lead's DM. */
export interface PostedOfAlert {
  /** Where the message is: a DM's own id for a person. */
  readonly channel: string;
  readonly ts: string;
  /** Whom it was for: the channel, or the person's user id. */
  readonly target: string;
  readonly followUp?: { readonly kind: 'reminder'; readonly n: number } | { readonly kind: 'lead' };
}

/** The posts due and not yet sent (OutboxStore.backlog). */
export interface OutboxBacklog {
  readonly due: number;
  /** When the longest-waiting of them first fell due (epoch ms); null when none is due. */
  readonly oldestDueAt: number | null;
}

/** One post as `kpibot outbox` lists it. */
export interface OutboxListing {
  readonly id: number;
  readonly kind: string;
  readonly target: string;
  readonly state: OutboxState;
  readonly attempts: number;
  readonly nextAttemptAt: number;
  /** When the post first fell due; null for a post settled before `due_at` was kept. */
  readonly dueAt: number | null;
  readonly lastError: string | null;
  readonly sentAt: number | null;
  readonly createdAt: number;
}

interface Row {
  id: number; dedupe_key: string; kind: string; channel_id: string; payload: string; state: OutboxState; attempts: number;
  next_attempt_at: number; last_error: string | null; alert_id: number | null; message_channel_id: string | null; message_ts: string | null; sent_at: number | null;
}

const COLUMNS = ['id', 'dedupe_key', 'kind', 'channel_id', 'payload', 'state', 'attempts', 'next_attempt_at', 'last_error', 'alert_id', 'message_channel_id', 'message_ts', 'sent_at'];

function fromRow(row: Row): OutboxRow {
  return {
    id: Number(row.id),
    dedupeKey: row.dedupe_key,
    kind: row.kind,
    target: row.channel_id,
    message: JSON.parse(row.payload) as SlackMessage,
    state: row.state,
    attempts: row.attempts,
    nextAttemptAt: Number(row.next_attempt_at),
    lastError: row.last_error,
    alertId: row.alert_id === null ? null : Number(row.alert_id),
    messageChannelId: row.message_channel_id,
    messageTs: row.message_ts,
    sentAt: row.sent_at === null ? null : Number(row.sent_at),
  };
}

/** The key of an alert's `count`th reminder to its channel or its assignee's DM; postedOfAlert reads the count back. */
export function reminderKey(alertKey: string, count: number, to: 'channel' | 'dm'): string {
  return `${alertKey}:reminder${count}:${to}`;
}
const REMINDER_KEY = /:reminder(\d+):(?:channel|dm)$/;

/** Whether a post of the alert to `target` is still waiting (held by quiet hours): a reminder would only pile up behind it. */
export async function heldPostOf(trx: Knex | Knex.Transaction, alertId: number, target: string): Promise<boolean> {
  return (await trx('alert_outbox').where({ alert_id: alertId, channel_id: target, state: 'pending' }).first('id')) !== undefined;
}

/** Inserts a row unless its key exists; true when it was new. Call it inside the decision's transaction. */
export async function enqueue(trx: Knex | Knex.Transaction, row: NewOutboxRow, now: number): Promise<boolean> {
  const inserted = (await trx('alert_outbox')
    .insert({
      dedupe_key: row.dedupeKey.slice(0, 300),
      kind: row.kind,
      channel_id: row.target,
      payload: JSON.stringify(row.message),
      state: 'pending',
      attempts: 0,
      next_attempt_at: row.notBefore,
      due_at: row.notBefore,
      ticket_id: row.ticketId ?? null,
      alert_rule_id: row.alertRuleId ?? null,
      alert_id: row.alertId ?? null,
      created_at: now,
    })
    .onConflict('dedupe_key')
    .ignore()
    .returning('id')) as unknown[];
  return inserted.length > 0;
}

export class OutboxStore {
  /** `db` is read by the sender too: the language of an admin it reports a failure to (LanguageStore). */
  constructor(readonly db: Database) {}

  enqueue(row: NewOutboxRow, now: number): Promise<boolean> {
    return enqueue(this.db, row, now);
  }

  /**
   * Claims up to `limit` due rows for `claimer`, oldest first: pending rows
   * whose time has come, and claims left by a process that died or lost them
   * (`sending` past its expiry).
   */
  async claimDue(now: number, limit: number, claimMs: number, claimer: string): Promise<OutboxRow[]> {
    return this.db.transaction(async (trx) => {
      const rows = (await trx('alert_outbox')
        .select(COLUMNS)
        .whereIn('state', ['pending', 'sending'])
        .where('next_attempt_at', '<=', now)
        .orderBy([{ column: 'next_attempt_at' }, { column: 'id' }])
        .limit(limit)) as Row[];
      const claimed: OutboxRow[] = [];
      for (const row of rows) {
        // The state and time in the WHERE make the claim safe against a second claimer.
        const changed = await trx('alert_outbox')
          .where({ id: row.id, state: row.state, next_attempt_at: row.next_attempt_at })
          .update({ state: 'sending', next_attempt_at: now + claimMs, claimed_by: claimer });
        if (changed === 1) claimed.push(fromRow({ ...row, state: 'sending' }));
      }
      return claimed;
    });
  }

  /** `ts` null: posted within a list of alerts, a message that is not this row's alone (not rewritten by Acknowledge). */
  async markSent(id: number, channel: string, ts: string | null, now: number): Promise<void> {
    await this.db('alert_outbox').where({ id }).update({ state: 'sent', sent_at: now, message_channel_id: channel, message_ts: ts, last_error: null, attempts: this.db.raw('attempts + 1') });
  }

  /**
   * Back to pending at `at`; `countAttempt` false for a row only held back by pacing. A row cancelled while it was
   * being sent (its rule removed, its alert acknowledged) stays cancelled.
   */
  async retryAt(id: number, at: number, error: string | null, countAttempt: boolean): Promise<void> {
    await this.db('alert_outbox')
      .where({ id })
      .whereIn('state', ['pending', 'sending'])
      .update({ state: 'pending', next_attempt_at: at, ...(error === null ? {} : { last_error: error.slice(0, 200) }), ...(countAttempt ? { attempts: this.db.raw('attempts + 1') } : {}) });
  }

  async markFailed(id: number, reason: string): Promise<void> {
    await this.db('alert_outbox').where({ id }).whereIn('state', ['pending', 'sending']).update({ state: 'failed', last_error: reason.slice(0, 200), attempts: this.db.raw('attempts + 1') });
  }

  /** An alert's reminders and lead DM not yet sent are cancelled (on Acknowledge); its first posts, held by quiet hours, still go. */
  async cancelFollowUpsOfAlert(alertId: number): Promise<number> {
    return this.db('alert_outbox').where({ alert_id: alertId }).whereIn('state', ['pending', 'sending']).whereIn('kind', FOLLOW_UP_KINDS).update({ state: 'cancelled' });
  }

  /** An alert's first posts still held (quiet hours) take the message as the alert now stands (acknowledged, snoozed). */
  async reviseHeldOfAlert(alertId: number, render: (target: string) => SlackMessage): Promise<number> {
    const held = (await this.db('alert_outbox').select('id', 'channel_id').where({ alert_id: alertId }).whereIn('state', ['pending', 'sending']).whereNotIn('kind', FOLLOW_UP_KINDS)) as { id: number; channel_id: string }[];
    for (const row of held) await this.db('alert_outbox').where({ id: row.id }).whereIn('state', ['pending', 'sending']).update({ payload: JSON.stringify(render(row.channel_id)) });
    return held.length;
  }

  /**
   * Just before a claimed row is posted: renews `claimer`'s claim until `until`
   * and gives the message as it now stands (revised by Acknowledge or snooze);
   * undefined when the row is no longer this claimer's: cancelled since the
   * claim, or its claim lapsed during a long pass and another sender took it.
   */
  async holdForPost(id: number, claimer: string, until: number): Promise<SlackMessage | undefined> {
    const [row] = (await this.db('alert_outbox').where({ id, state: 'sending', claimed_by: claimer }).update({ next_attempt_at: until }).returning('payload')) as { payload: string }[];
    return row === undefined ? undefined : (JSON.parse(row.payload) as SlackMessage);
  }

  /** The messages already posted for an alert, to update in place: where each is, whom it was for, and which follow-up it was. */
  async postedOfAlert(alertId: number): Promise<PostedOfAlert[]> {
    const rows = (await this.db('alert_outbox').select('message_channel_id', 'message_ts', 'channel_id', 'kind', 'dedupe_key').where({ alert_id: alertId, state: 'sent' }).whereNotNull('message_ts').orderBy('id')) as { message_channel_id: string; message_ts: string; channel_id: string; kind: string; dedupe_key: string }[];
    return rows.map((row) => {
      const reminder = row.kind === FOLLOW_UP_KIND.reminder ? REMINDER_KEY.exec(row.dedupe_key)?.[1] : undefined;
      const followUp = row.kind === FOLLOW_UP_KIND.lead ? ({ kind: 'lead' } as const) : reminder === undefined ? undefined : ({ kind: 'reminder', n: Number(reminder) } as const);
      return { channel: row.message_channel_id, ts: row.message_ts, target: row.channel_id, ...(followUp === undefined ? {} : { followUp }) };
    });
  }

  /**
   * Of the given alerts, those posted in a channel or DM (Slack's id for where a message is): a click on an alert's
   * button counts only where the alert was shown, its own message or a list holding it. Bounded by the 500 ids a click takes.
   */
  async alertsShownIn(alertIds: readonly number[], messageChannelId: string): Promise<Set<number>> {
    if (alertIds.length === 0) return new Set();
    const rows = (await this.db('alert_outbox').distinct('alert_id').whereIn('alert_id', alertIds).where({ state: 'sent', message_channel_id: messageChannelId })) as { alert_id: number | string }[];
    return new Set(rows.map((row) => Number(row.alert_id)));
  }

  async byKey(dedupeKey: string): Promise<OutboxRow | undefined> {
    const row = (await this.db('alert_outbox').select(COLUMNS).where({ dedupe_key: dedupeKey }).first()) as Row | undefined;
    return row === undefined ? undefined : fromRow(row);
  }

  /**
   * The posts due by `now` and not yet sent, and when the longest-waiting of them first fell due (`due_at`, which a
   * put-back for pacing, a 429 or a retry does not move): a sender keeping up leaves none waiting more than seconds.
   */
  async backlog(now: number): Promise<OutboxBacklog> {
    const row = (await this.db('alert_outbox').whereIn('state', ['pending', 'sending']).where('due_at', '<=', now).first(this.db.raw('count(*) as due'), this.db.raw('min(due_at) as oldest'))) as { due: number | string; oldest: number | string | null } | undefined;
    const due = Number(row?.due ?? 0);
    return { due, oldestDueAt: due === 0 || row?.oldest == null ? null : Number(row.oldest) };
  }

  /** The latest posts, newest first, without their messages (`kpibot outbox`): in the given states, else all. */
  async recent(options: { states?: readonly OutboxState[]; limit: number }): Promise<OutboxListing[]> {
    const query = this.db('alert_outbox').select('id', 'kind', 'channel_id', 'state', 'attempts', 'next_attempt_at', 'due_at', 'last_error', 'sent_at', 'created_at').orderBy('id', 'desc').limit(options.limit);
    if (options.states !== undefined) void query.whereIn('state', options.states);
    const rows = (await query) as { id: number; kind: string; channel_id: string; state: OutboxState; attempts: number; next_attempt_at: number; due_at: number | null; last_error: string | null; sent_at: number | null; created_at: number }[];
    return rows.map((row) => ({
      id: Number(row.id), kind: row.kind, target: row.channel_id, state: row.state, attempts: row.attempts, nextAttemptAt: Number(row.next_attempt_at), dueAt: row.due_at === null ? null : Number(row.due_at),
      lastError: row.last_error, sentAt: row.sent_at === null ? null : Number(row.sent_at), createdAt: Number(row.created_at),
    }));
  }

  async all(): Promise<OutboxRow[]> {
    return ((await this.db('alert_outbox').select(COLUMNS).orderBy('id')) as Row[]).map(fromRow);
  }
}
