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

/** The words `/kpi language` reads: codes and names, in English and in each language itself; `default` and its kin forget a choice. */
const LANGUAGE_WORDS: Readonly<Record<string, Locale | null>> = {
  en: 'en', eng: 'en', english: 'en', inggris: 'en', inggeris: 'en', 'bahasa-inggris': 'en', 'bahasa-inggeris': 'en', ingilizce: 'en',
  id: 'id', ind: 'id', indo: 'id', indonesian: 'id', indonesia: 'id', 'bahasa-indonesia': 'id', endonezce: 'id', endonezyaca: 'id',
  ms: 'ms', bm: 'ms', malay: 'ms', melayu: 'ms', 'bahasa-melayu': 'ms', malaysia: 'ms', 'bahasa-malaysia': 'ms', malayca: 'ms', malezyaca: 'ms',
  tr: 'tr', turkish: 'tr', türkçe: 'tr', turkce: 'tr', turki: 'tr', 'bahasa-turki': 'tr',
  default: null, auto: null, reset: null, off: null, varsayılan: null, varsayilan: null, bawaan: null, lalai: null,
};

export const LANGUAGE_WORD_LIST: readonly string[] = Object.keys(LANGUAGE_WORDS);

/** A language word (any case) → the language, `null` for "no choice of my own", undefined when not one of ours. */
export function languageOfWord(word: string): Locale | null | undefined {
  // `İNGİLİZCE` lower-cases to an i with a combining dot above (U+0307) for each İ: the dots are dropped.
  return LANGUAGE_WORDS[word.toLocaleLowerCase('en').replace(/\u0307/g, '')];
}
