/**
 * What we need to know about a Slack user to answer them: their language
 * (users.info with include_locale) and whether they may configure the bot
 * (workspace admin or owner, or listed in KPI_ADMINS). Cached for ten minutes;
 * when Slack cannot tell us, the workspace language and KPI_ADMINS decide.
 * Someone waits for the answer, so Slack gets WAIT_MS to say: a slower
 * users.info (its retries take up to half a minute) goes on in the
 * background and fills the cache for the next request, while this one is
 * answered as if Slack had failed.
 * A user's Indonesian, Malay or Turkish Slack locale wins; English (Slack's
 * default, since Slack offers none of those three) yields KPI_LOCALE.
 */
import type { webApi } from '@slack/bolt';
import { localeFromSlack, type Locale } from '../i18n/locale.js';
import type { Logger } from '../logger.js';
import type { Asker } from './answer.js';

const TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 5_000;
/** How long an answer waits for users.info before going on without it. */
export const WAIT_MS = 2_500;

export class SlackUsers {
  private readonly cache = new Map<string, { asker: Asker; until: number }>();
  /** Lookups under way, one per user: a second request while Slack is slow waits for the same one. */
  private readonly pending = new Map<string, Promise<Asker | undefined>>();

  constructor(
    private readonly client: webApi.WebClient | undefined,
    private readonly fallbackLocale: Locale,
    private readonly admins: readonly string[],
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  async asker(userId: string): Promise<Asker> {
    const cached = this.cache.get(userId);
    if (cached !== undefined && cached.until > this.clock()) return cached.asker;
    const listed = this.admins.includes(userId);
    const fallback: Asker = { userId, locale: this.fallbackLocale, isAdmin: listed };
    if (this.client === undefined) return this.remember(fallback);
    let lookup = this.pending.get(userId);
    if (lookup === undefined) {
      lookup = this.lookUp(this.client, fallback).finally(() => this.pending.delete(userId));
      this.pending.set(userId, lookup);
    }
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<'late'>((resolve) => {
      timer = setTimeout(() => resolve('late'), WAIT_MS);
      timer.unref();
    });
    const found = await Promise.race([lookup, late]).finally(() => clearTimeout(timer));
    if (found === 'late') this.logger.warn({ userId }, `users.info took over ${WAIT_MS} ms: answering in the workspace language, admin rights from KPI_ADMINS only`);
    // Not cached when Slack failed or was late: the next request asks again (or finds the late answer).
    return found === 'late' || found === undefined ? { ...fallback, unverified: true } : found;
  }

  /** Asks Slack, and caches what it says; undefined when it could not say. */
  private async lookUp(client: webApi.WebClient, fallback: Asker): Promise<Asker | undefined> {
    try {
      const { user } = await client.users.info({ user: fallback.userId, include_locale: true });
      // Slack's own interface offers no Indonesian, Malay or Turkish, so English there is
      // Slack's default rather than a choice: the workspace language (KPI_LOCALE) wins over it.
      const spoken = localeFromSlack(user?.locale, this.fallbackLocale);
      const email = user?.profile?.email;
      return this.remember({ ...fallback, locale: spoken === 'en' ? this.fallbackLocale : spoken, isAdmin: fallback.isAdmin || user?.is_admin === true || user?.is_owner === true, ...(email === undefined ? {} : { email }) });
    } catch (error) {
      this.logger.warn({ err: error, userId: fallback.userId }, 'users.info failed: answering in the workspace language, admin rights from KPI_ADMINS only');
      return undefined;
    }
  }

  private remember(asker: Asker): Asker {
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(asker.userId, { asker, until: this.clock() + TTL_MS });
    return asker;
  }
}
