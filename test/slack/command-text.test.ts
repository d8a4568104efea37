import { describe, expect, it } from 'vitest';
import { LOCALES } from '../../src/i18n/locale.js';
import { METRIC_IDS } from '../../src/kpi/definitions.js';
import { ADMIN_VERBS, isCommandError, parseKpiCommand, type KpiCommandError } from '../../src/slack/command.js';
import { commandErrorText, escapeMrkdwn, helpContent, helpGroups, helpText } from '../../src/slack/command-text.js';
import { renderMessage } from '../../src/slack/console-render.js';

const options = { now: Date.UTC(2026, 9, 14, 3, 20), timezone: 'Asia/Jakarta' };

function errorOf(text: string): KpiCommandError {
  const result = parseKpiCommand(text, options);
  if (!isCommandError(result)) throw new Error(`"${text}" parsed`);
  return result;
}

/** One input per error code and period reason (test/slack/command.test.ts checks the codes themselves). */
const FAULTY = [
  'backlgo', 'frt shar', 'xyzzyplugh', 'frt csat', 'explain backlgo', 'explain nothing-like-it', 'frt yesterdy', 'frt 0d', 'frt 2026-02-30',
  'frt 2026-10-10..2026-10-01', 'frt 2027-01-01', 'frt team', 'frt teem:x', 'frt color:red', 'frt 7d 30d', 'explain', 'agent 7d', 'subscribe',
  'subscribe <#C1AAAA> 09:00', 'subscribe <#C1AAAA> daily', 'link', 'link <@U1AAAA>', 'alerts <#C1AAAA>', 'alerts <#C1AAAA> threshold', 'frt "x',
  'subscribe #x daily 09:00', 'link @ana a@b.co', 'link <@U1AAAA> a@b', 'subscribe <#C1AAAA> daily 25:00', 'subscribe <#C1AAAA> daily 09:00 Mars/Base',
  'alerts <#C1AAAA> threshold frt &gt; 4', 'alerts <#C1AAAA> threshold csat &lt; 180%', 'alerts <#C1AAAA> threshold backlog &lt; -1', 'alerts quiet <#C1AAAA> 22:00 22:00',
  `enps start "${'x'.repeat(420)}"`,
];

describe('commandErrorText', () => {
  it.each(LOCALES)('%s: every error reads as finished sentences, pointing to the help', (locale) => {
    for (const text of FAULTY) {
      const message = commandErrorText(locale, errorOf(text));
      expect(message, text).not.toMatch(/\{[a-zA-Z]+\}/);
      expect(message, text).toContain('`/kpi help`');
      expect((message.match(/`/g) ?? []).length % 2, text).toBe(0);
    }
  });

  it.each(LOCALES)('%s: no raw < or > outside a link: Slack would read `<metric>` as one and show `metric`', (locale) => {
    for (const text of FAULTY) {
      const message = commandErrorText(locale, errorOf(text));
      expect(message.replace(/<(@|#|!|https?:)[^<>]*>/g, ''), text).not.toMatch(/[<>]/);
    }
    expect(renderMessage({ text: commandErrorText(locale, errorOf('alerts <#C1AAAA> threshold frt &gt; 4')) })).toMatch(/threshold <[^>]+> <[^>]+> <[^>]+>/);
  });

  it('says what is wrong and the closest word, in each language', () => {
    expect(commandErrorText('en', errorOf('backlgo'))).toBe('`backlgo` is not something `/kpi` knows. Did you mean `backlog`? Type `/kpi help` to see every command.');
    expect(commandErrorText('id', errorOf('backlgo'))).toBe('`/kpi` tidak mengenali `backlgo`. Mungkin maksud Anda `backlog`? Ketik `/kpi help` untuk melihat semua perintah.');
    expect(commandErrorText('ms', errorOf('frt yesterdy'))).toBe('`yesterdy` bukan tempoh. Adakah anda maksudkan `yesterday`? Taip `/kpi help` untuk melihat semua arahan.');
    expect(commandErrorText('tr', errorOf('explain backlgo'))).toBe('`backlgo` adında bir metrik yok. Şunu mu demek istediniz: `backlog`? Tüm komutları görmek için `/kpi help` yazın.');
  });

  it('names both words when two set the same thing', () => {
    expect(commandErrorText('en', errorOf('frt 7d 30d'))).toBe('`30d` and `7d` both set the same thing: keep one. Type `/kpi help` to see every command.');
    expect(commandErrorText('id', errorOf('frt priority:urgent priority:high'))).toContain('`priority:high` dan `priority:urgent` sama-sama menetapkan hal yang sama');
  });

  it('names the range a threshold must fall in', () => {
    expect(commandErrorText('en', errorOf('alerts <#C1AAAA> threshold csat &lt; 180%'))).toBe('`&lt;180%` can never be crossed: this metric runs from 0 to 100. Type `/kpi help` to see every command.');
    expect(commandErrorText('en', errorOf('alerts <#C1AAAA> threshold nps &gt; 101'))).toContain('runs from -100 to 100');
    expect(commandErrorText('tr', errorOf('alerts <#C1AAAA> threshold backlog &lt; -1'))).toContain('hiçbir zaman 0\'ın altına düşmez');
  });

  it('fills the details: period limits, what is missing, the choices when nothing is close', () => {
    expect(commandErrorText('en', errorOf('frt 0d'))).toBe('`0d` is out of range: from `1d` to `3660d`, or from `1h` to `2000h`. Type `/kpi help` to see every command.');
    expect(commandErrorText('en', errorOf('explain'))).toBe('`/kpi explain` needs a metric. Type `/kpi help` to see every command.');
    // A question too long is not echoed back: its length is.
    expect(commandErrorText('en', errorOf(`enps start "${'x'.repeat(420)}"`))).toBe('The question is 420 characters long: an eNPS question can have at most 300. Shorten it and start the survey again; nothing was sent. Type `/kpi help` to see every command.');
    expect(commandErrorText('tr', errorOf('subscribe <#C1AAAA> daily'))).toBe('`/kpi subscribe` için bir saat (`SS:DD`) gerekli. Tüm komutları görmek için `/kpi help` yazın.');
    expect(commandErrorText('en', errorOf('frt color:red'))).toBe(
      'There is no filter called `color`. You can use: `team:`, `priority:`, `channel:`, `source:`, `agent:`, `tag:`. Type `/kpi help` to see every command.',
    );
  });

  it('escapes what the user typed', () => {
    const message = commandErrorText('en', { kind: 'error', code: 'unknown_word', word: 'a<b>&`c' });
    expect(message).toBe('`a&lt;b&gt;&amp;\'c` is not something `/kpi` knows. Type `/kpi help` to see every command.');
  });
});

describe('help', () => {
  it.each(LOCALES)('%s: every verb with an example, every metric, and no placeholder left', (locale) => {
    const help = helpContent(locale);
    const examples = [...help.items, ...help.adminItems].map((item) => item.example);
    for (const verb of ['help', 'explain', 'agent', 'agents', ...ADMIN_VERBS]) expect(examples.some((example) => example.split(' ')[1] === verb), verb).toBe(true);
    expect(examples).toContain('/kpi');
    const text = helpText(locale);
    for (const metric of METRIC_IDS) expect(text).toContain(`\`${metric}\``);
    expect(text).not.toMatch(/\{[a-zA-Z]+\}/);
    expect(text).toContain('`/kpi alerts #support-leads threshold frt &gt; 4h`');
    expect(text).not.toMatch(/<(?![@#!])/);
  });

  it('every example parses (with Slack\'s escaping applied)', () => {
    const help = helpContent('en');
    for (const { example } of [...help.items, ...help.adminItems]) {
      const slackText = escapeMrkdwn(example.replace(/^\/kpi ?/, '')).replace(/#([a-z-]+)/g, '<#C0EXAMPLE|$1>').replace(/(^|\s)@([a-z-]+)/g, '$1<@U0EXAMPLE|$2>');
      expect(isCommandError(parseKpiCommand(slackText, options)), example).toBe(false);
    }
  });

  it.each(LOCALES)('%s: says each description once, after the examples that share it', (locale) => {
    const help = helpContent(locale);
    const groups = helpGroups([...help.items, ...help.adminItems]);
    const descriptions = groups.map((group) => group.description);
    expect(new Set(descriptions).size).toBe(descriptions.length);
    expect(groups.flatMap((group) => group.examples)).toEqual([...help.items, ...help.adminItems].map((item) => item.example));
    const text = helpText(locale);
    for (const description of descriptions) expect(text.split(escapeMrkdwn(description)).length - 1, description).toBe(1);
    expect(groups.find((group) => group.examples.length > 1 && group.examples[0]?.startsWith('/kpi subscribe'))?.examples).toHaveLength(5);
  });

  it('reads in the language', () => {
    expect(helpContent('id').intro).toBe('Jawaban hanya terlihat oleh Anda; tambahkan `share` untuk mengirimnya ke kanal.');
    expect(helpContent('tr').adminTitle).toBe('Yöneticiler için');
  });
});
