/**
 * The local console: with no Slack token, commands piped in one per line are
 * answered in order, rendered as text; when the input ends the server keeps
 * serving. Also `kpibot demo` end to end, as a newcomer runs it.
 */
import { PassThrough } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { IngestStore } from '../../src/store/ingest-store.js';
import { besidePrompt, type PromptLine } from '../../src/slack/console.js';
import { createLogger } from '../../src/logger.js';
import { startTestBot } from '../helpers/bot.js';
import { spawn } from 'node:child_process';
import { childEnv, KPIBOT } from '../helpers/process.js';
import { createTestDatabase } from '../helpers/databases.js';

const NOW = Date.parse('2026-11-20T10:00:00Z');

describe('the local console', () => {
  it('answers piped commands in order, in KPI_LOCALE, and keeps serving after the input ends', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const bot = await startTestBot({ KPI_LOCALE: 'ms', KPI_TIMEZONE: 'Asia/Kuala_Lumpur' }, { console: { input, output }, clock: () => NOW });
    try {
      await new IngestStore(bot.db, { escalationGroups: [], escalationTag: 'escalated' }, () => NOW).recordEvents('generic', [
        { kind: 'ticket', type: 'ticket_created', externalTicketId: 'K-1', occurredAt: NOW - 3_600_000, actor: { type: 'customer', id: 'c' }, data: { status: 'new' }, dedupeKey: 'k1' },
        { kind: 'ticket', type: 'agent_reply', externalTicketId: 'K-1', occurredAt: NOW - 3_600_000 + 45 * 60_000, actor: { type: 'agent', id: 'a' }, data: { status: 'pending' }, dedupeKey: 'k2' },
      ]);
      // Started on an empty database, the console says where data comes from.
      expect(printed).toContain('No tickets yet, so every KPI reads 0 or "no data". To see it with data: `npm start -- --demo`');
      input.end('/kpi frt 7d\nkpi backlog share\n/kpi nonsense\n/hello\nvolume 7d\nhome\n/kpi subscribe #support-leads daily 09:00\n/kpi subscriptions\n');
      expect(bot.console).toBeDefined();
      await bot.console?.done;
      const frt = printed.indexOf('Masa tindak balas pertama: 45 min');
      const backlog = printed.indexOf('Tiket tertunggak: 1');
      expect(frt).toBeGreaterThan(0);
      expect(backlog).toBeGreaterThan(frt);
      expect(printed).toContain('→ posted in the channel');
      expect(printed).toContain('`nonsense`');
      expect(printed).toContain('"/hello" is not a command here');
      expect(printed).toContain('Bilangan tiket: 1'); // a plain `volume 7d` is `/kpi volume 7d`
      expect(printed).toMatch(/\[\d+ Terangkan\]/); // buttons are listed, numbered for `click`
      expect(printed).toContain('Akaun Slack anda belum dipautkan'); // the Home tab
      // A #channel typed on the terminal reads as Slack would send it.
      expect(printed).not.toContain('#support-leads` is not');
      expect(await bot.db('digest_subscriptions').where({ channel_id: 'CSUPPORTLEADS' }).first('id')).toBeDefined();
      // Input ended; the server still answers.
      expect((await fetch(`${bot.url}/healthz`)).status).toBe(200);
    } finally {
      await bot.dispose();
    }
  });

  it('on a terminal, a log line while the prompt waits goes on a line of its own, and the prompt comes back after it', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const promptLine: PromptLine = { shown: false };
    const logger = createLogger('info', besidePrompt(output, promptLine));
    const bot = await startTestBot({}, { console: { input, output, prompt: true, promptLine }, clock: () => NOW });
    try {
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(printed.endsWith('kpi> ')).toBe(true);
      expect(promptLine.shown).toBe(true);
      logger.info('scheduler: this process now runs the scheduled jobs');
      // The prompt's line erased, the log line, then the prompt again: never `kpi> {"level":...`.
      expect(printed).not.toContain('kpi> {');
      const cleared = printed.split('\r\u001b[2K');
      expect(cleared).toHaveLength(2);
      expect(cleared[0]?.endsWith('kpi> ')).toBe(true);
      expect(cleared[1]).toMatch(/^\{"level":"info".*"msg":"scheduler: this process now runs the scheduled jobs"\}\nkpi> $/);
      input.write('help\n');
      await new Promise((resolve) => setTimeout(resolve, 200));
      expect(promptLine.shown).toBe(true);
      input.end();
      await bot.console?.done;
    } finally {
      await bot.dispose();
    }
  });

  it('presses a reply\'s buttons by number: Next shows the next page of a breakdown, Share posts it', async () => {
    const input = new PassThrough();
    const output = new PassThrough();
    let printed = '';
    output.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const bot = await startTestBot({ KPI_TIMEZONE: 'UTC' }, { console: { input, output }, clock: () => NOW });
    try {
      // Twelve teams: the first page shows ten, most active first (Team 01 has the most tickets).
      const events = Array.from({ length: 12 }, (_, team) =>
        Array.from({ length: 13 - team }, (_, n) => ({ kind: 'ticket' as const, type: 'ticket_created' as const, externalTicketId: `T${team}-${n}`, occurredAt: NOW - 3_600_000, actor: { type: 'customer' as const, id: 'c' }, data: { status: 'new' as const, team: `Team ${String(team + 1).padStart(2, '0')}` }, dedupeKey: `t${team}-${n}` })),
      ).flat();
      await new IngestStore(bot.db, { escalationGroups: [], escalationTag: 'escalated' }, () => NOW).recordEvents('generic', events);
      const reply = async (line: string) => {
        const before = printed.length;
        input.write(`${line}\n`);
        while (!printed.slice(before).includes('\n\n')) await new Promise((resolve) => setTimeout(resolve, 20));
        return printed.slice(before);
      };
      const first = await reply('/kpi volume 7d by:team');
      expect(first).toContain('Team 10');
      expect(first).not.toContain('Team 11');
      const next = /\[(\d+) Next page\]/.exec(first)?.[1];
      expect(next).toBeDefined();
      const second = await reply(`click ${next ?? ''}`);
      expect(second).toContain('→ in place of the reply above');
      expect(second).toContain('Team 11');
      expect(second).toContain('Team 12');
      expect(second).not.toContain('Team 10');
      expect(await reply('click 99')).toMatch(/^No button 99: the last reply with buttons has buttons 1 to \d+\.\n/);
      // Explain's reply has no button: the page's buttons stay pressable, as in Slack.
      expect(await reply(`click ${/\[(\d+) Explain\]/.exec(second)?.[1] ?? ''}`)).toContain('Formula');
      const share = /\[(\d+) Share\]/.exec(second)?.[1];
      expect(await reply(`press ${share ?? ''}`)).toContain('→ posted in the channel');
      expect(await reply('click two')).toMatch(/^No button two/);
      input.end();
      await bot.console?.done;
    } finally {
      await bot.dispose();
    }
  });

  it('kpibot demo loads a sample workspace and answers from it', async () => {
    const db = await createTestDatabase();
    try {
      const child = spawn(process.execPath, [KPIBOT, 'demo', '--tickets', '300'], { env: childEnv({ DATABASE_URL: db.url, HOST: '127.0.0.1', PORT: '0' }) });
      let stdout = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      const answered = new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no answer in time:\n${stdout}`)), 30_000);
        child.stdout.on('data', (chunk: Buffer) => {
          stdout += chunk.toString();
          if (/SLA overdue: \d+/.test(stdout)) {
            clearTimeout(timer);
            resolve();
          }
        });
      });
      child.stdin.end('/kpi\n/kpi overdue\n');
      try {
        await answered;
      } finally {
        child.kill('SIGTERM');
        await exited;
      }
      expect(stdout).toMatch(/demo: 300 tickets \(\d+ new events\) loaded as source "demo"/);
      expect(stdout).toMatch(/Ticket volume \d+/);
      expect(stdout).not.toContain('No tickets yet');
    } finally {
      await db.dispose();
    }
  });
});
