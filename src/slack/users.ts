/**
 * What we need to know about a Slack user to answer them: their language
 * (users.info with include_locale) and whether they may configure the bot
 * (workspace admin or owner, or listed in KPI_ADMINS). Cached for ten minutes;
 * when Slack cannot tell us, the workspace language and KPI_ADMINS decide.
 * A user's Indonesian, Malay or Turkish Slack locale wins; English (Slack's
 * default, since Slack offers none of those three) yields KPI_LOCALE.
 */
import type { webApi } from '@slack/bolt';
import { localeFromSlack, type Locale } from '../i18n/locale.js';
import type { Logger } from '../logger.js';
import type { Asker } from './answer.js';

const TTL_MS = 10 * 60_000;
const MAX_ENTRIES = 5_000;

export class SlackUsers {
  private readonly cache = new Map<string, { asker: Asker; until: number }>();

  constructor(
    private readonly client: webApi.WebClient | undefined,
    private readonly fallbackLocale: Locale,
    private readonly admins: readonly string[],
    private readonly logger: Logger,
    private readonly clock: () => number = Date.now,
  ) {}

  async asker(userId: string): Promise<Asker> {
    const now = this.clock();
    const cached = this.cache.get(userId);
    if (cached !== undefined && cached.until > now) return cached.asker;
    const listed = this.admins.includes(userId);
    let asker: Asker = { userId, locale: this.fallbackLocale, isAdmin: listed };
    if (this.client !== undefined) {
      try {
        const { user } = await this.client.users.info({ user: userId, include_locale: true });
        // Slack's own interface offers no Indonesian, Malay or Turkish, so English there is
        // Slack's default rather than a choice: the workspace language (KPI_LOCALE) wins over it.
        const spoken = localeFromSlack(user?.locale, this.fallbackLocale);
        const email = user?.profile?.email;
        asker = { userId, locale: spoken === 'en' ? this.fallbackLocale : spoken, isAdmin: listed || user?.is_admin === true || user?.is_owner === true, ...(email === undefined ? {} : { email }) };
      } catch (error) {
        // Not cached: the next request asks Slack again.
        this.logger.warn({ err: error, userId }, 'users.info failed: answering in the workspace language, admin rights from KPI_ADMINS only');
        return { ...asker, unverified: true };
      }
    }
    if (this.cache.size >= MAX_ENTRIES) this.cache.clear();
    this.cache.set(userId, { asker, until: now + TTL_MS });
    return asker;
  }
}
