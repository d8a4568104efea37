/**
 * `/kpi language [en|id|ms|tr|default]`: anyone shows or chooses the language
 * the bot writes to them in; `/kpi language #channel` shows a channel's, and
 * admins choose it with `/kpi language #channel tr`. Slack's own interface
 * offers none of Indonesian, Malay or Turkish, so a person's Slack locale
 * rarely says it: this is how each person, and each team's channel, gets theirs.
 */
import type { Database } from '../../store/database.js';
import type { Locale } from '../../i18n/locale.js';
import { t } from '../../i18n/catalogue.js';
import { LanguageStore } from '../../store/language-store.js';
import type { KpiRequest } from '../command.js';
import { message, section, type SlackMessage } from '../blocks/kit.js';

export type LanguageRequest = Extract<KpiRequest, { kind: 'language' }>;
export type ChannelLanguageRequest = Extract<KpiRequest, { kind: 'channel_language' }>;

export interface LanguageContext {
  readonly db: Database;
  readonly userId: string;
  /** The language the asker is answered in now (their choice, if any, applied). */
  readonly locale: Locale;
  /** What the asker would get without a choice of their own (their Slack locale, else the workspace's). */
  readonly unchosen: Locale;
  /** The workspace language (KPI_LOCALE): a channel's without a choice. */
  readonly workspaceLocale: Locale;
  readonly now: number;
}

const reply = (text: string): SlackMessage => message(text, [section(text)], () => '');
const name = (reader: Locale, locale: Locale) => t(reader, `language.name.${locale}`);

/** Shows or chooses the asker's own language, or shows a channel's. A choice is answered in the language chosen. */
export async function handleLanguage(request: LanguageRequest, ctx: LanguageContext): Promise<SlackMessage> {
  const store = new LanguageStore(ctx.db);
  if (request.channel !== undefined) {
    const chosen = await store.chosen(request.channel.id);
    const channel = `<#${request.channel.id}>`;
    if (chosen === undefined) return reply(t(ctx.locale, 'language.channel_default', { channel, language: name(ctx.locale, ctx.workspaceLocale) }));
    return reply(t(ctx.locale, 'language.channel_chosen', { channel, language: name(ctx.locale, chosen) }));
  }
  if (request.locale === undefined) {
    const chosen = await store.chosen(ctx.userId);
    return reply(t(ctx.locale, chosen === undefined ? 'language.yours_default' : 'language.yours_chosen', { language: name(ctx.locale, ctx.locale) }));
  }
  await store.choose(ctx.userId, request.locale, ctx.userId, ctx.now);
  if (request.locale === null) return reply(t(ctx.unchosen, 'language.reset', { language: name(ctx.unchosen, ctx.unchosen) }));
  return reply(t(request.locale, 'language.set', { language: name(request.locale, request.locale) }));
}

/** An admin chooses (or forgets) a channel's language; answered in the admin's. */
export async function handleChannelLanguage(request: ChannelLanguageRequest, ctx: { db: Database; userId: string; locale: Locale; workspaceLocale: Locale; now: number }): Promise<SlackMessage> {
  await new LanguageStore(ctx.db).choose(request.channel.id, request.locale, ctx.userId, ctx.now);
  const channel = `<#${request.channel.id}>`;
  if (request.locale === null) return reply(t(ctx.locale, 'language.channel_reset', { channel, language: name(ctx.locale, ctx.workspaceLocale) }));
  return reply(t(ctx.locale, 'language.channel_set', { channel, language: name(ctx.locale, request.locale) }));
}
