/**
 * The one message catalogue: `t(locale, key, params)`. The English catalogue
 * is the type: a key that does not exist, or a missing placeholder value, is a
 * compile error, and every other language must have every key (checked by the
 * compiler here and, with placeholder parity, by test/i18n/catalogue.test.ts).
 */
import { en } from './messages/en.js';
import { id } from './messages/id.js';
import { ms } from './messages/ms.js';
import { tr } from './messages/tr.js';
import { numberFormat, pluralCategory } from './intl.js';
import type { Locale } from './locale.js';

export type MessageKey = keyof typeof en;

/** A translated catalogue: every English key, each a string with the same placeholders. */
export type Messages = { readonly [K in MessageKey]: string };

/** `'{a} and {b}'` → `'a' | 'b'`. */
export type PlaceholderNames<S extends string> = S extends `${string}{${infer Name}}${infer Rest}` ? Name | PlaceholderNames<Rest> : never;

export type MessageParams<K extends MessageKey> = { readonly [P in PlaceholderNames<(typeof en)[K]>]: string | number };

type ParamsArgument<K extends MessageKey> = [PlaceholderNames<(typeof en)[K]>] extends [never] ? [] : [params: MessageParams<K>];

export const CATALOGUES: Readonly<Record<Locale, Messages>> = { en, id, ms, tr };

/**
 * The message `key` in `locale`, placeholders filled. A number is formatted
 * for the locale (`1234.5` → `1.234,5` in Indonesian); a string goes in as is.
 */
export function t<K extends MessageKey>(locale: Locale, key: K, ...params: ParamsArgument<K>): string {
  return fill(locale, message(locale, key), params[0] as Readonly<Record<string, string | number>> | undefined);
}

/** Keys that come in `.one` / `.other` pairs, by their stem (`count.tickets`). */
export type PluralStem = StemOf<MessageKey>;

type StemOf<K> = K extends `${infer Stem}.one` ? (`${Stem}.other` extends MessageKey ? Stem : never) : never;

/** The plural form of `stem` for `n` in `locale` (`{n}` filled in, formatted), e.g. tn('id', 'count.tickets', 1200) → "1.200 tiket". */
export function tn(locale: Locale, stem: PluralStem, n: number, params: Readonly<Record<string, string | number>> = {}): string {
  return fill(locale, message(locale, `${stem}.${pluralCategory(locale, n)}` as MessageKey), { ...params, n });
}

/** The compiler keeps keys honest; a key built at run time that is not there is a programming error. */
function message(locale: Locale, key: MessageKey): string {
  const text = (CATALOGUES[locale] as Partial<Messages>)[key];
  if (text === undefined) throw new Error(`no message "${key}" in ${locale}`);
  return text;
}

function fill(locale: Locale, text: string, params: Readonly<Record<string, string | number>> | undefined): string {
  if (params === undefined) return text;
  return text.replace(/\{([a-zA-Z]+)\}/g, (whole, name: string) => {
    const value = params[name];
    if (value === undefined) return whole;
    return typeof value === 'number' ? numberFormat(locale, { maximumFractionDigits: 1 }).format(value) : value;
  });
}

/** The `{placeholders}` of a message, sorted (for the parity test and for tools). */
export function placeholdersOf(text: string): string[] {
  return [...new Set([...text.matchAll(/\{([a-zA-Z]+)\}/g)].map((match) => match[1] ?? ''))].sort();
}
