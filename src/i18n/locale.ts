/**
 * The bot's languages and how a Slack user's locale maps onto them.
 *
 * Slack reports a user's locale (users.info with include_locale=true) as an
 * IETF tag such as `en-US`, `fr-FR`, `es-LA`. Slack's own interface is not
 * offered in Indonesian, Malay or Turkish, so `id-ID`, `ms-MY` and `tr-TR` will
 * be rare; they are read all the same, and every language we do not speak
 * falls back to the workspace's KPI_LOCALE.
 */
export type Locale = 'en' | 'id' | 'ms' | 'tr';

export const LOCALES: readonly Locale[] = ['en', 'id', 'ms', 'tr'];

/** Language subtags that mean one of ours: `in` is the old ISO 639 code for Indonesian, `zsm` Standard Malay. */
const LANGUAGE_ALIASES: Readonly<Record<string, Locale>> = { in: 'id', zsm: 'ms', msa: 'ms', ind: 'id', tur: 'tr', eng: 'en' };

export function isLocale(value: string): value is Locale {
  return (LOCALES as readonly string[]).includes(value);
}

/** `id-ID` → `id`, `ms_MY` → `ms`, `tr` → `tr`, `en-GB` → `en`; anything else (or nothing) → the fallback. */
export function localeFromSlack(slackLocale: string | undefined, fallback: Locale): Locale {
  const language = slackLocale?.trim().split(/[-_]/)[0]?.toLowerCase() ?? '';
  if (isLocale(language)) return language;
  return LANGUAGE_ALIASES[language] ?? fallback;
}
