/**
 * `/kpi digest me daily|weekdays|weekly [day] HH:MM [Area/City]` and `/kpi
 * digest me off`: a linked agent opts in to (or out of) a DM with their own
 * open tickets, oldest first, with SLA time left. For anyone, about themselves.
 */
import type { Database } from '../../store/database.js';
import type { Locale } from '../../i18n/locale.js';
import { t } from '../../i18n/catalogue.js';
import { DigestStore } from '../../store/digest-store.js';
import { DirectoryStore } from '../../store/directory-store.js';
import { cronFor } from '../../schedule/digest-schedule.js';
import type { KpiRequest } from '../command.js';
import { message, section, type SlackMessage } from '../blocks/kit.js';
import { scheduleWords } from '../blocks/common.js';

export type PersonalDigestRequest = Extract<KpiRequest, { kind: 'digest_me' }>;

const reply = (text: string): SlackMessage => message(text, [section(text)], () => '');

export async function handlePersonalDigest(request: PersonalDigestRequest, ctx: { db: Database; userId: string; locale: Locale; now: number; timezone: string }): Promise<SlackMessage> {
  const digests = new DigestStore(ctx.db);
  if (request.schedule === undefined || request.time === undefined) {
    await digests.setPersonal(ctx.userId, null, ctx.now);
    return reply(t(ctx.locale, 'digest.me_off'));
  }
  if ((await new DirectoryStore(ctx.db).linkedAgent(ctx.userId)) === undefined) return reply(t(ctx.locale, 'digest.me_not_linked'));
  const timezone = request.timezone ?? ctx.timezone;
  await digests.setPersonal(ctx.userId, { schedule: cronFor(request.schedule, request.time), timezone }, ctx.now);
  const when = scheduleWords(ctx.locale, request.schedule, request.time);
  return reply(t(ctx.locale, 'digest.me_on', { when, timezone }));
}
