/** A migrated test database with the stores, a fake Slack and a fake clock, for the scheduled-alert tests. */
import { openDatabase, type Database } from '../../src/store/database.js';
import { IngestStore, type EscalatedTicket } from '../../src/store/ingest-store.js';
import { SlaStore } from '../../src/store/sla-store.js';
import { AlertStore } from '../../src/store/alert-store.js';
import { OutboxStore } from '../../src/store/outbox-store.js';
import { OutboxSender } from '../../src/schedule/sender.js';
import { DEFAULT_PROJECTION_OPTIONS } from '../../src/ingest/project-ticket.js';
import { ticketEvent, type Actor, type TicketEventData, type TicketEventType } from '../../src/ingest/events.js';
import { createPostingClient, webClientPoster, type SlackPoster } from '../../src/slack/poster.js';
import { silentLogger } from '../../src/logger.js';
import type { SlaAlertSettings } from '../../src/schedule/sla-alerts.js';
import type { AlertJobDeps } from '../../src/schedule/alert-jobs.js';
import { createTestDatabase, type TestDatabase } from './databases.js';
import { startFakeSlack, type FakeSlack } from './fake-slack.js';
import { parseConfig } from '../../src/config.js';
import { alertSettings } from '../../src/schedule/jobs.js';

/** The SLA alert settings a bot started with no SLA_* variable has. */
const DEFAULT_SETTINGS = alertSettings(parseConfig({}));

export interface AlertWorld {
  readonly db: Database;
  /** To open a second connection pool to the same database (a second replica). */
  readonly testConfig: TestDatabase['config'];
  readonly slack: FakeSlack;
  readonly poster: SlackPoster;
  readonly alerts: AlertStore;
  readonly outbox: OutboxStore;
  readonly sla: SlaStore;
  now: number;
  readonly clock: () => number;
  deps(settings?: Partial<SlaAlertSettings>): AlertJobDeps;
  /** A new sender, as after a restart. */
  sender(admins?: string[]): OutboxSender;
  /** Writes events as one delivery, through the real ingest store (projection and SLA due times included). */
  ingest(events: { ticket: string; type: TicketEventType; at: number; actor?: Actor; data?: TicketEventData }[], source?: string): Promise<{ escalated: readonly EscalatedTicket[] }>;
  posts(): { channel: string; text: string; blocks: unknown[] }[];
  dispose(): Promise<void>;
}

let deliveries = 0;

export async function createAlertWorld(start: number): Promise<AlertWorld> {
  const testDb: TestDatabase = await createTestDatabase({ migrated: true });
  const db = openDatabase(testDb.config);
  const slack = await startFakeSlack();
  slack.answer('chat.postMessage', (call) => ({ body: { ok: true, channel: call.args.channel, ts: `1700000000.${String(slack.calls.length).padStart(6, '0')}` } }));
  slack.answer('conversations.open', (call) => ({ body: { ok: true, channel: { id: `D${String(call.args.users)}` } } }));
  const poster = webClientPoster(createPostingClient('xoxb-test', slack.url));
  const ingestStore = new IngestStore(db, DEFAULT_PROJECTION_OPTIONS, () => world.now);
  const world: AlertWorld = {
    db,
    testConfig: testDb.config,
    slack,
    poster,
    alerts: new AlertStore(db),
    outbox: new OutboxStore(db),
    sla: new SlaStore(db, () => world.now),
    now: start,
    clock: () => world.now,
    deps: (settings = {}) => ({ db, settings: { ...DEFAULT_SETTINGS, ...settings }, locale: 'en', timezone: 'UTC', logger: silentLogger() }),
    sender: (admins = []) => new OutboxSender({ store: new OutboxStore(db), poster, clock: () => world.now, logger: silentLogger(), admins, locale: 'en' }),
    async ingest(events, source = 'generic') {
      deliveries += 1;
      const normalized = events.map((event, index) =>
        ticketEvent(event.ticket, event.type, { occurredAt: event.at, dedupeKey: `d${deliveries}-${index}`, ...(event.actor === undefined ? {} : { actor: event.actor }) }, event.data ?? {}),
      );
      return ingestStore.recordDelivery({ source, deliveryKey: `delivery-${deliveries}`, receivedAt: world.now, bodyBytes: 2, bodySha256: `x${deliveries}` }, normalized);
    },
    posts: () => slack.callsTo('chat.postMessage').map((call) => ({ channel: String(call.args.channel), text: String(call.args.text), blocks: (call.args.blocks ?? []) as unknown[] })),
    async dispose() {
      await slack.close();
      await db.destroy();
      await testDb.dispose();
    },
  };
  return world;
}
