import { describe, expect, it } from 'vitest';
import { CATALOGUES, placeholdersOf, t, tn, type MessageKey } from '../../src/i18n/catalogue.js';
import { LOCALES, localeFromSlack } from '../../src/i18n/locale.js';
import { en } from '../../src/i18n/messages/en.js';
import { METRIC_IDS } from '../../src/kpi/definitions.js';
import { PERIOD_WORDS, type PeriodProblem } from '../../src/kpi/periods.js';
import { FILTER_KEYS } from '../../src/kpi/request-words.js';
import { KPI_COMMAND_ERROR_CODES, type ExpectedArgument } from '../../src/slack/command.js';

const englishKeys = Object.keys(en).sort();
const OTHERS = LOCALES.filter((locale) => locale !== 'en');

describe('every language has every message', () => {
  it.each(OTHERS)('%s has exactly the English keys', (locale) => {
    const keys = Object.keys(CATALOGUES[locale]).sort();
    expect(englishKeys.filter((key) => !keys.includes(key)), 'missing').toEqual([]);
    expect(keys.filter((key) => !englishKeys.includes(key)), 'not in English').toEqual([]);
  });

  it.each(OTHERS)('%s keeps the placeholders of every English message, and no others (a plural\'s "one" form may leave out its {n}: "last hour")', (locale) => {
    const different = englishKeys.filter((key) => {
      const english = placeholdersOf(en[key as MessageKey]);
      const translated = placeholdersOf(CATALOGUES[locale][key as MessageKey]);
      if (key.endsWith('.one')) return translated.some((name) => !placeholdersOf(en[key.replace(/\.one$/, '.other') as MessageKey]).includes(name));
      return JSON.stringify(english) !== JSON.stringify(translated);
    });
    expect(different).toEqual([]);
  });

  it.each(LOCALES)('%s: no empty message, no stray blanks, code spans closed and as many as in English', (locale) => {
    const spans = (text: string) => (text.match(/`/g) ?? []).length;
    for (const key of englishKeys as MessageKey[]) {
      const text = CATALOGUES[locale][key];
      expect(text.trim(), key).not.toBe('');
      expect(text, key).toBe(text.trim());
      expect(spans(text) % 2, key).toBe(0);
      expect(spans(text), key).toBe(spans(en[key]));
    }
  });

  it.each(LOCALES)('%s: the command words inside code spans are not translated (except the key:value pattern)', (locale) => {
    const codeWords = (text: string) => [...text.matchAll(/`([^`]*)`/g)].map((match) => match[1] ?? '').filter((code) => !code.includes('<') && !code.includes('&lt;') && /^(\/kpi|threshold |team:|daily|weekly|overdue|share|\{)/.test(code)).sort();
    for (const key of englishKeys as MessageKey[]) expect(codeWords(CATALOGUES[locale][key]), key).toEqual(codeWords(en[key]));
  });

  it('plural forms come in pairs', () => {
    const stems = englishKeys.filter((key) => key.endsWith('.one')).map((key) => key.slice(0, -4));
    expect(stems.length).toBeGreaterThan(0);
    for (const stem of stems) expect(englishKeys).toContain(`${stem}.other`);
    expect(englishKeys.filter((key) => key.endsWith('.other')).length).toBe(stems.length);
  });
});

describe('the catalogue covers what the product shows', () => {
  it('a name and a one-line description for every metric', () => {
    for (const id of METRIC_IDS) {
      expect(englishKeys).toContain(`metric.${id}.name`);
      expect(englishKeys).toContain(`metric.${id}.description`);
    }
  });

  it('every fixed period word, every filter, every parser error, every missing argument', () => {
    for (const word of PERIOD_WORDS.filter((w) => !/^\d/.test(w))) expect(englishKeys).toContain(`period.${word}`);
    for (const key of FILTER_KEYS) expect(englishKeys).toContain(`filter.${key}`);
    for (const code of KPI_COMMAND_ERROR_CODES.filter((c) => c !== 'bad_period')) expect(englishKeys).toContain(`error.${code}`);
    const reasons: PeriodProblem[] = ['not_a_period', 'out_of_range', 'bad_date', 'ends_before_start', 'starts_after_now'];
    for (const reason of reasons) expect(englishKeys).toContain(`error.bad_period.${reason}`);
    const expected: ExpectedArgument[] = ['metric', 'channel', 'frequency', 'time', 'user', 'email', 'agent', 'alert', 'threshold'];
    for (const argument of expected) expect(englishKeys).toContain(`argument.${argument}`);
    for (const key of ['button.explain', 'button.show_tickets', 'button.share', 'button.next_page', 'button.previous_page', 'error.admin_only', 'error.generic', 'list.more']) {
      expect(englishKeys).toContain(key);
    }
  });

  it('metric names keep the acronyms teams use', () => {
    for (const locale of LOCALES) {
      expect(t(locale, 'metric.csat.name')).toContain('CSAT');
      expect(t(locale, 'metric.nps.name')).toContain('NPS');
      expect(t(locale, 'metric.ces.name')).toContain('CES');
      expect(t(locale, 'metric.enps.name')).toContain('eNPS');
      expect(t(locale, 'metric.fcr.name')).toContain('FCR');
      expect(t(locale, 'metric.aht.name')).toContain('AHT');
    }
    expect(t('id', 'metric.frt.name')).toBe('Waktu respons pertama');
    expect(t('ms', 'metric.frt.name')).toBe('Masa tindak balas pertama');
    expect(t('tr', 'metric.frt.name')).toBe('İlk yanıt süresi');
  });
});

describe('t and tn', () => {
  it('fills placeholders, formatting numbers for the language', () => {
    expect(t('en', 'list.more', { n: 1234 })).toBe('and 1,234 more');
    expect(t('id', 'list.more', { n: 1234 })).toBe('dan 1.234 lainnya');
    expect(t('ms', 'list.more', { n: 1234 })).toBe('dan 1,234 lagi');
    expect(t('tr', 'list.more', { n: 1234 })).toBe('ve 1.234 tane daha');
    expect(t('tr', 'error.suggestion', { suggestion: 'backlog' })).toBe('Şunu mu demek istediniz: `backlog`?');
    expect(t('en', 'button.show_tickets')).toBe('Show tickets');
  });

  it('picks the plural form the language needs', () => {
    expect(tn('en', 'count.tickets', 1)).toBe('1 ticket');
    expect(tn('en', 'count.tickets', 2)).toBe('2 tickets');
    expect(tn('en', 'count.tickets', 0)).toBe('0 tickets');
    expect(tn('id', 'count.tickets', 1200)).toBe('1.200 tiket');
    expect(tn('ms', 'count.answers', 1)).toBe('1 jawapan');
    expect(tn('tr', 'count.tickets', 1)).toBe('1 talep');
    expect(tn('tr', 'count.tickets', 3)).toBe('3 talep');
  });

  it('is typed by the English catalogue', () => {
    // @ts-expect-error: a key that does not exist
    expect(() => t('en', 'no.such.key')).toThrow();
    // @ts-expect-error: a placeholder without its value
    expect(t('en', 'error.suggestion')).toBe('Did you mean `{suggestion}`?');
  });
});

describe('localeFromSlack', () => {
  it('maps Slack locales onto ours and everything else to the fallback', () => {
    expect(localeFromSlack('en-US', 'id')).toBe('en');
    expect(localeFromSlack('en-GB', 'tr')).toBe('en');
    expect(localeFromSlack('id-ID', 'en')).toBe('id');
    expect(localeFromSlack('in-ID', 'en')).toBe('id');
    expect(localeFromSlack('ms-MY', 'en')).toBe('ms');
    expect(localeFromSlack('ms_MY', 'en')).toBe('ms');
    expect(localeFromSlack('tr-TR', 'en')).toBe('tr');
    expect(localeFromSlack('TR', 'en')).toBe('tr');
    expect(localeFromSlack('fr-FR', 'ms')).toBe('ms');
    expect(localeFromSlack('es-LA', 'tr')).toBe('tr');
    expect(localeFromSlack('', 'id')).toBe('id');
    expect(localeFromSlack(undefined, 'tr')).toBe('tr');
  });
});
