/**
 * Delivers the outbox. Each pass claims the rows that are due and posts them
 * one by one:
 * - pacing: at most one post per channel (or DM) per `paceMs` (Slack allows
 *   about one chat.postMessage per second per channel); a row that would come
 *   too soon is put back for its turn, without counting an attempt; and at
 *   least `workspaceGapMs` between any two posts (the workspace-wide limit);
 * - 429: every post waits for Slack's Retry-After (the limit is the app's, not
 *   the channel's), and the row is tried again then; the next passes try the
 *   other destinations first, so one destination Slack keeps refusing does not
 *   hold the others back;
 * - transient errors: exponential backoff (5 s, 10 s, 20 s ... at most 10 min),
 *   failed after `maxAttempts`; when Slack or the way to it is out (network,
 *   5xx, no answer in time), every post waits 5 s, so a pass does not spend a
 *   timeout on each of its rows;
 * - the token or workspace refused (`invalid_auth`, `token_revoked`...): no post
 *   can succeed, so none is failed or counted: every post waits, 1 min, then 2,
 *   4... at most 15 min, and one error line says what to fix;
 * - permanent errors (`channel_not_found`, `not_in_channel`, `is_archived`...):
 *   failed at once with the reason, and reported once a day per target and
 *   reason to each KPI admin by DM (itself an outbox row, unique by that key).
 * More than ALERT_LIST_AFTER SLA posts (alerts, reminders, lead DMs) due for one
 * channel or person in one pass go as one list, with one Acknowledge for all:
 * a morning's tickets that reach their target in the same minute would
 * otherwise fill the channel and the assignee's DMs, one post a second.
 * Run it only on the leader (src/schedule/scheduler.ts).
 */
import { randomBytes } from 'node:crypto';
import type { Logger } from '../logger.js';
import type { Locale } from '../i18n/locale.js';
import { SlackDeliveryError, classifySlackError, isOutage, type SlackPoster } from '../slack/poster.js';
import { LogThrottle } from '../logger.js';
import { deliveryFailureMessage, renderAlertList } from '../slack/blocks/alerts.js';
import { FOLLOW_UP_KIND, type OutboxRow, type OutboxStore } from '../store/outbox-store.js';
import { LanguageStore } from '../store/language-store.js';

export interface SenderOptions {
  readonly store: OutboxStore;
  readonly poster: SlackPoster;
  readonly clock: () => number;
  readonly logger: Logger;
  /** Slack user ids told about permanent failures. */
  readonly admins: readonly string[];
  /** The workspace language (KPI_LOCALE): an admin's who chose none (`/kpi language`). */
  readonly locale: Locale;
  readonly paceMs?: number;
  /**
   * At least this long between any two posts of this process (Slack also caps
   * a workspace at a few hundred messages a minute); the pass waits for it.
   * 0 (the default) in tests that drive a fake clock.
   */
  readonly workspaceGapMs?: number;
  readonly sleep?: (ms: number) => Promise<void>;
  readonly batchSize?: number;
  /** How long a claim holds before another pass may take the row again. */
  readonly claimMs?: number;
  readonly maxAttempts?: number;
}

export interface DeliveryReport {
  sent: number;
  deferred: number;
  retried: number;
  failed: number;
}

export const FAILURE_REPORT_KIND = 'delivery_failure';

/** Backoff before attempt `attempts + 1` after a transient error. */
export function backoffMs(attempts: number): number {
  return Math.min(5_000 * 2 ** Math.max(0, attempts), 600_000);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** More SLA posts than this due for one destination in one pass go as one list. */
export const ALERT_LIST_AFTER = 5;
/** The kinds of post a list gathers: each is an SLA alert's, and its text is one line. */
const LISTABLE_KINDS: ReadonlySet<string> = new Set(['sla_warning', 'sla_breach', FOLLOW_UP_KIND.reminder, FOLLOW_UP_KIND.lead]);
/** A list's lines hold about this many characters at most (its message under Slack's text budget); the others wait for the next list. */
const LIST_TEXT = 9_000;

/** Every post waits this long after Slack (or the way to it) was out: the first backoff of the row that met it. */
const OUTAGE_PAUSE_MS = 5_000;

/** Every post waits this long after the token was refused, doubling with each refusal in a row. */
export function refusedPauseMs(refusals: number): number {
  return Math.min(60_000 * 2 ** Math.max(0, refusals - 1), 15 * 60_000);
}

/** How much earlier than `paceMs` a destination's next post may go: the sender's one-second ticks drift by a few ms. */
const PACE_JITTER_MS = 100;

export class OutboxSender {
  private readonly nextPostAt = new Map<string, number>();
  private pausedUntil = 0;
  /** Refusals of the token in a row (0 once a post succeeds). */
  private refusals = 0;
  /** Until then, the token was refused: no row is claimed (each stays due as it was, for a restart with a new token). */
  private refusedUntil = 0;
  /**
   * Destinations whose last post Slack held back (429, an outage), with when: in a pass their rows go after the
   * others', the one held back last going last, so one destination Slack keeps refusing does not starve the others.
   */
  private readonly heldBack = new Map<string, number>();
  private readonly rateLimitLog = new LogThrottle(60_000);
  private halted = false;
  private nextAnyPostAt = 0;
  private running: Promise<DeliveryReport> | undefined;
  /**
   * Posts Slack has, that the database could not be told of (it failed right after the post): recorded first thing in
   * the next pass, and never posted again by this sender meanwhile.
   */
  private readonly unrecorded = new Map<number, { channel: string; ts: string | null; at: number }>();
  /** This sender's name on the rows it claims. */
  private readonly claimer = `sender:${randomBytes(8).toString('hex')}`;

  constructor(private readonly options: SenderOptions) {}

  private get claimMs(): number {
    return this.options.claimMs ?? 60_000;
  }

  /** One pass over the due rows; concurrent calls share the pass in progress. */
  deliverDue(): Promise<DeliveryReport> {
    this.running ??= this.pass().finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async pass(): Promise<DeliveryReport> {
    const { store, clock } = this.options;
    const report: DeliveryReport = { sent: 0, deferred: 0, retried: 0, failed: 0 };
    // Posts made while the database could not record them are recorded before anything is claimed (a failure here ends
    // the pass: the database is still away, and nothing is posted until they are recorded); a stopping sender too.
    for (const [id, posted] of this.unrecorded) {
      await store.markSent(id, posted.channel, posted.ts, posted.at);
      this.unrecorded.delete(id);
    }
    if (this.halted || clock() < this.refusedUntil) return report;
    // Destinations whose turn has passed need no entry: the map holds those posted to in the last second, not all ever.
    const started = clock();
    for (const [target, at] of this.nextPostAt) if (at <= started) this.nextPostAt.delete(target);
    const claimed = await store.claimDue(clock(), this.options.batchSize ?? 50, this.claimMs, this.claimer);
    // A stable sort: each destination's rows keep their order.
    const rows = [...claimed].sort((a, b) => (this.heldBack.get(a.target) ?? 0) - (this.heldBack.get(b.target) ?? 0));
    const lists = new Map<string, OutboxRow[]>();
    for (const row of rows) {
      if (!LISTABLE_KINDS.has(row.kind) || row.alertId === null) continue;
      const list = lists.get(row.target) ?? [];
      list.push(row);
      lists.set(row.target, list);
    }
    for (const [target, list] of lists) if (list.length <= ALERT_LIST_AFTER) lists.delete(target);
    for (const row of rows) {
      const gathered = lists.get(row.target);
      const list = gathered?.includes(row) === true ? gathered : undefined;
      // A list's rows go together, at its first.
      if (list !== undefined && list[0] !== row) continue;
      const due = list ?? [row];
      // Stopping, or the token refused: the post in progress finishes; the rows not yet tried are handed back, due at
      // once, for the next process (or this one, once the wait is over).
      if (this.halted || clock() < this.refusedUntil) {
        for (const waiting of due) await store.retryAt(waiting.id, clock(), null, false);
      } else if (list !== undefined) await this.deliverList(row.target, list, report);
      else await this.deliver(row, report);
    }
    return report;
  }

  /** Settles when no pass is running (the one running now has finished, however it ended). */
  idle(): Promise<void> {
    return this.running === undefined ? Promise.resolve() : this.running.then(() => undefined, () => undefined);
  }

  /** Posts nothing more: a pass in progress finishes its current post and hands the rest of its rows back. */
  halt(): void {
    this.halted = true;
  }

  private async deliver(row: OutboxRow, report: DeliveryReport): Promise<void> {
    const { store, poster } = this.options;
    const now = await this.turnOf(row.target, [row], report);
    if (now === undefined) return;
    // The claim is renewed for this post, and only if it is still ours: a row cancelled since the claim (Acknowledge)
    // is skipped, and so is one whose claim lapsed while earlier posts were slow and that another sender took.
    // The message is read as it now stands (an alert rewritten by Acknowledge or snooze).
    const message = await store.holdForPost(row.id, this.claimer, now + this.claimMs);
    if (message === undefined) return;
    this.posting(row.target, now);
    let posted: { channel: string; ts: string };
    try {
      posted = await poster.post(row.target, message);
    } catch (error) {
      await this.failed(row, classifySlackError(error), report);
      return;
    }
    await this.recordPosted(row.target, [row], posted.channel, posted.ts, report);
  }

  /**
   * Now, when it is `target`'s turn (after the workspace-wide gap, which the pass waits out); else undefined, the rows
   * put back for its turn without counting an attempt.
   */
  private async turnOf(target: string, rows: readonly OutboxRow[], report: DeliveryReport): Promise<number | undefined> {
    const { store, clock } = this.options;
    const gap = this.options.workspaceGapMs ?? 0;
    if (gap > 0 && this.nextAnyPostAt > clock()) await (this.options.sleep ?? sleep)(this.nextAnyPostAt - clock());
    const now = clock();
    const turn = Math.max(this.pausedUntil, this.nextPostAt.get(target) ?? 0);
    if (turn <= now) return now;
    for (const row of rows) await store.retryAt(row.id, turn, null, false);
    report.deferred += rows.length;
    return undefined;
  }

  /** A post to `target` starts now: its next one waits a pace, any next one the workspace gap. */
  private posting(target: string, now: number): void {
    // Less a tick's drift: the row put back for its turn is then due at the next tick, a second later, not the one after.
    this.nextPostAt.set(target, now + (this.options.paceMs ?? 1000) - PACE_JITTER_MS);
    this.nextAnyPostAt = now + (this.options.workspaceGapMs ?? 0);
  }

  /** Posted (`ts` null: within a list): each row is marked sent; one the database cannot mark is kept for the next pass. */
  private async recordPosted(target: string, rows: readonly OutboxRow[], channel: string, ts: string | null, report: DeliveryReport): Promise<void> {
    // Posted: a database failure from here on is not Slack's, and the post must not go again.
    report.sent += rows.length;
    this.refusals = 0;
    this.heldBack.delete(target);
    const at = this.options.clock();
    for (const row of rows) {
      try {
        await this.options.store.markSent(row.id, channel, ts, at);
      } catch (error) {
        for (const unmarked of rows) this.unrecorded.set(unmarked.id, { channel, ts, at });
        this.options.logger.error({ err: error, outbox: row.id }, 'posted to Slack, but the database could not record it: it is recorded at the next pass, and not posted again');
        throw error;
      }
    }
  }

  /** What a failed post does to its row (and, for Slack's own limits and a refused token, to every post). */
  private async failed(row: OutboxRow, failure: SlackDeliveryError, report: DeliveryReport): Promise<void> {
    const { store, clock, logger } = this.options;
    const at = clock();
    if (failure.kind === 'rate_limited') {
      this.pausedUntil = at + (failure.retryAfterSeconds ?? 1) * 1000;
      this.heldBack.set(row.target, at);
      // Slack's pacing, not a failure of the row: not counted towards maxAttempts (docs/alerts.md).
      await store.retryAt(row.id, this.pausedUntil, failure.reason, false);
      report.retried += 1;
      const held = this.rateLimitLog.due('429', at);
      if (held !== undefined) logger.warn({ outbox: row.id, target: row.target, retryAfter: failure.retryAfterSeconds, alsoLimited: held }, 'Slack rate limit: waiting as told');
    } else if (failure.kind === 'refused') {
      // The token, not the row: the row stays due, uncounted, and this sender claims nothing until the wait is over.
      this.refusals += 1;
      const pause = refusedPauseMs(this.refusals);
      this.refusedUntil = at + pause;
      await store.retryAt(row.id, at, failure.reason, false);
      report.retried += 1;
      logger.error({ reason: failure.reason, retryInSeconds: pause / 1000 }, 'Slack refuses the bot token or the workspace: nothing is posted; fix SLACK_BOT_TOKEN (or the app\'s installation) and restart. Posts wait and are tried again');
    } else if (failure.kind === 'transient' && row.attempts + 1 < (this.options.maxAttempts ?? 10)) {
      await store.retryAt(row.id, at + backoffMs(row.attempts), failure.reason, true);
      if (isOutage(failure)) {
        this.pausedUntil = Math.max(this.pausedUntil, at + OUTAGE_PAUSE_MS);
        this.heldBack.set(row.target, at);
      }
      report.retried += 1;
      logger.warn({ outbox: row.id, reason: failure.reason, attempts: row.attempts + 1 }, 'Slack delivery failed: will retry');
    } else {
      await store.markFailed(row.id, failure.reason);
      report.failed += 1;
      logger.error({ outbox: row.id, kind: row.kind, target: row.target, reason: failure.reason }, 'Slack delivery failed for good');
      // An eNPS question to a member Slack will not DM (another app's bot user in the channel) is nobody's fault.
      const unaskable = row.kind === 'enps_question' && failure.reason === 'cannot_dm_bot';
      if (row.kind !== FAILURE_REPORT_KIND && !unaskable) await this.reportFailure(row, failure.reason, at);
    }
  }

  /**
   * Several SLA posts for one destination as one list: each row's own text a line, one Acknowledge for all. Rows past
   * the list's room wait for the next one. Posted, each row is sent with the list's channel but no message of its own
   * (an Acknowledge elsewhere does not rewrite the list); refused, each row fares as its own post would.
   */
  private async deliverList(target: string, rows: readonly OutboxRow[], report: DeliveryReport): Promise<void> {
    const { store, poster, clock } = this.options;
    const now = await this.turnOf(target, rows, report);
    if (now === undefined) return;
    const held: { row: OutboxRow; line: string }[] = [];
    let length = 0;
    for (const row of rows) {
      if (length > LIST_TEXT) {
        await store.retryAt(row.id, now, null, false);
        continue;
      }
      const message = await store.holdForPost(row.id, this.claimer, now + this.claimMs);
      if (message === undefined) continue;
      held.push({ row, line: message.text });
      length += message.text.length + 3;
    }
    // Cancelled since the claim (acknowledged, the rule removed) down to a few: each goes as its own post.
    if (held.length <= ALERT_LIST_AFTER) {
      for (const { row } of held) await this.deliver(row, report);
      return;
    }
    const locale = (await new LanguageStore(store.db).languages(this.options.locale)).of(target);
    const message = renderAlertList(held.map((item) => item.line), held.map((item) => item.row.alertId ?? 0), locale);
    this.posting(target, now);
    let posted: { channel: string; ts: string };
    try {
      posted = await poster.post(target, message);
    } catch (error) {
      const failure = classifySlackError(error);
      const [first, ...rest] = held;
      if (first !== undefined) await this.failed(first.row, failure, report);
      // Slack's limits and a refused token are said once; the other rows wait with the first.
      for (const { row } of rest) {
        if (failure.kind === 'rate_limited') await store.retryAt(row.id, this.pausedUntil, failure.reason, false);
        else if (failure.kind === 'refused') await store.retryAt(row.id, clock(), failure.reason, false);
        else await this.failed(row, failure, report);
      }
      return;
    }
    await this.recordPosted(target, held.map((item) => item.row), posted.channel, null, report);
  }

  private async reportFailure(row: OutboxRow, reason: string, now: number): Promise<void> {
    for (const admin of this.options.admins) {
      const locale = (await new LanguageStore(this.options.store.db).chosen(admin)) ?? this.options.locale;
      const message = deliveryFailureMessage({ target: row.target, reason, kind: row.kind }, locale);
      // Once a day per destination and reason: a channel archived for good is said again the next day it fails, not every time.
      const day = new Date(now).toISOString().slice(0, 10);
      await this.options.store.enqueue({ dedupeKey: `${FAILURE_REPORT_KIND}:${row.target}:${reason}:${admin}:${day}`, kind: FAILURE_REPORT_KIND, target: admin, message, notBefore: now }, now);
    }
  }
}
