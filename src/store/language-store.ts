/**
 * Languages chosen in Slack: a person's own (`/kpi language id`) and a
 * channel's (`/kpi language #support tr`, admins). What the bot writes to a
 * person (replies, the Home tab, DMs) or posts in a channel is in the language
 * chosen for them; with none chosen, a person's comes from their Slack locale
 * and a channel's is the workspace's (KPI_LOCALE).
 */
import { isLocale, type Locale } from '../i18n/locale.js';
import type { Database } from './database.js';

/** The language of each Slack user or channel a message goes to; `fallback` where none was chosen. */
export interface Languages {
  of(target: string | null | undefined): Locale;
}

interface Row {
  slack_id: string;
  locale: string;
}

export class LanguageStore {
  constructor(private readonly db: Database) {}

  /** The language chosen for this user or channel, if any. */
  async chosen(slackId: string): Promise<Locale | undefined> {
    const row = (await this.db('slack_languages').select('locale').where({ slack_id: slackId }).first()) as { locale: string } | undefined;
    return row !== undefined && isLocale(row.locale) ? row.locale : undefined;
  }

  /** Chooses a language for a user or channel; `null` forgets the choice. */
  async choose(slackId: string, locale: Locale | null, setBy: string, now: number): Promise<void> {
    if (locale === null) await this.db('slack_languages').where({ slack_id: slackId }).delete();
    else await this.db('slack_languages').insert({ slack_id: slackId, locale, set_by: setBy, updated_at: now }).onConflict('slack_id').merge();
  }

  /** Every choice, by Slack id. */
  async allChosen(): Promise<Map<string, Locale>> {
    const rows = (await this.db('slack_languages').select('slack_id', 'locale')) as Row[];
    return new Map(rows.filter((row) => isLocale(row.locale)).map((row) => [row.slack_id, row.locale as Locale]));
  }

  /** Every choice, read once: for a job that writes to many users and channels. */
  async languages(fallback: Locale): Promise<Languages> {
    const chosen = await this.allChosen();
    return { of: (target) => (target === null || target === undefined ? fallback : (chosen.get(target) ?? fallback)) };
  }
}
