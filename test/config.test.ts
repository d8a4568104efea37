import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeConfig, loadConfig, parseConfig } from '../src/config.js';
import { ConfigError } from '../src/errors.js';

const SECRET = '0123456789abcdef0123456789abcdef';

function problemOf(env: Record<string, string>): string {
  try {
    parseConfig(env);
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return (error as ConfigError).message;
  }
  throw new Error('expected a ConfigError');
}

describe('parseConfig defaults', () => {
  it('needs no configuration at all: SQLite in data/, port 3000, console mode, UTC, English', () => {
    const config = parseConfig({});
    expect(config.database).toEqual({ client: 'sqlite', filename: 'data/kpibot.sqlite', poolMax: 1 });
    expect(config.http).toEqual({ host: '0.0.0.0', port: 3000, shutdownGraceMs: 10_000 });
    expect(config.slack).toEqual({ mode: 'console', apiUrl: undefined });
    expect(config.kpi).toEqual({ timezone: 'UTC', locale: 'en', admins: [], escalationGroups: [] });
    expect(config.logLevel).toBe('info');
    expect(Object.isFrozen(config.kpi.admins)).toBe(true);
  });

  it('treats empty and blank values as unset', () => {
    expect(parseConfig({ PORT: '', DATABASE_URL: '  ', SLACK_BOT_TOKEN: '' }).http.port).toBe(3000);
  });

  it('reads every setting', () => {
    const config = parseConfig({
      DATABASE_URL: 'postgres://kpi:pw@db.internal:5432/kpi',
      DATABASE_POOL_MAX: '4',
      HOST: '127.0.0.1',
      PORT: '8080',
      SHUTDOWN_GRACE_SECONDS: '3',
      SLACK_API_URL: 'http://127.0.0.1:9999/api',
      KPI_TIMEZONE: 'Asia/Jakarta',
      KPI_LOCALE: 'TR', // any case
      KPI_ADMINS: 'U012ABCDEF, W0ADMIN2',
      KPI_ESCALATION_GROUPS: 'Tier 2, Engineering',
      GENERIC_WEBHOOK_SECRET: `whsec_${Buffer.alloc(24, 7).toString('base64')}`,
      ZENDESK_WEBHOOK_SECRET: 'zd-secret',
      LOG_LEVEL: 'DEBUG',
    });
    expect(config.database).toEqual({ client: 'postgres', connectionString: 'postgres://kpi:pw@db.internal:5432/kpi', poolMax: 4 });
    expect(config.http).toEqual({ host: '127.0.0.1', port: 8080, shutdownGraceMs: 3000 });
    expect(config.slack.apiUrl).toBe('http://127.0.0.1:9999/api/');
    expect(config.kpi).toEqual({ timezone: 'Asia/Jakarta', locale: 'tr', admins: ['U012ABCDEF', 'W0ADMIN2'], escalationGroups: ['Tier 2', 'Engineering'] });
    expect(config.webhooks.zendesk).toBe('zd-secret');
    expect(config.logLevel).toBe('debug');
  });

  it('accepts sqlite:relative, sqlite:/absolute and sqlite:///absolute paths', () => {
    expect(parseConfig({ DATABASE_URL: 'sqlite:var/x.sqlite' }).database).toMatchObject({ filename: 'var/x.sqlite' });
    expect(parseConfig({ DATABASE_URL: 'sqlite:/srv/x.sqlite' }).database).toMatchObject({ filename: '/srv/x.sqlite' });
    expect(parseConfig({ DATABASE_URL: 'sqlite:///srv/x.sqlite' }).database).toMatchObject({ filename: '/srv/x.sqlite' });
  });
});

describe('Slack mode selection', () => {
  it('Socket Mode with an app token (and a bot token)', () => {
    expect(parseConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1' }).slack.mode).toBe('socket');
  });
  it('Socket Mode wins when a signing secret is also set', () => {
    expect(parseConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xapp-1', SLACK_SIGNING_SECRET: SECRET }).slack.mode).toBe('socket');
  });
  it('HTTP mode with a signing secret', () => {
    expect(parseConfig({ SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: SECRET }).slack.mode).toBe('http');
  });
  it('console mode with no token', () => {
    expect(parseConfig({}).slack.mode).toBe('console');
  });
});

describe('each configuration error names the variable and the problem', () => {
  const cases: [string, Record<string, string>, RegExp][] = [
    ['DATABASE_URL', { DATABASE_URL: 'mysql://localhost/db' }, /^DATABASE_URL: unsupported database "mysql"/],
    ['DATABASE_URL', { DATABASE_URL: 'sqlite:' }, /^DATABASE_URL: names no file/],
    ['DATABASE_URL', { DATABASE_URL: 'postgres://' }, /^DATABASE_URL: is not a valid postgres:\/\/ URL/],
    ['DATABASE_POOL_MAX', { DATABASE_POOL_MAX: '0' }, /^DATABASE_POOL_MAX: must be between 1 and 1000, got 0/],
    ['PORT', { PORT: 'eighty' }, /^PORT: must be a whole number, got "eighty"/],
    ['PORT', { PORT: '70000' }, /^PORT: must be between 0 and 65535, got 70000/],
    ['SHUTDOWN_GRACE_SECONDS', { SHUTDOWN_GRACE_SECONDS: '-1' }, /^SHUTDOWN_GRACE_SECONDS: must be a whole number/],
    ['SLACK_BOT_TOKEN', { SLACK_BOT_TOKEN: 'xoxp-user-token', SLACK_APP_TOKEN: 'xapp-1' }, /^SLACK_BOT_TOKEN: must be a bot token starting with xoxb-/],
    ['SLACK_APP_TOKEN', { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_APP_TOKEN: 'xoxb-2' }, /^SLACK_APP_TOKEN: must be an app-level token starting with xapp-/],
    ['SLACK_SIGNING_SECRET', { SLACK_BOT_TOKEN: 'xoxb-1', SLACK_SIGNING_SECRET: 'not hex!' }, /^SLACK_SIGNING_SECRET: must be the hexadecimal signing secret/],
    ['SLACK_BOT_TOKEN', { SLACK_APP_TOKEN: 'xapp-1' }, /^SLACK_BOT_TOKEN: is required with SLACK_APP_TOKEN/],
    ['SLACK_BOT_TOKEN', { SLACK_SIGNING_SECRET: SECRET }, /^SLACK_BOT_TOKEN: is required with SLACK_SIGNING_SECRET/],
    ['SLACK_BOT_TOKEN', { SLACK_BOT_TOKEN: 'xoxb-1' }, /^SLACK_BOT_TOKEN: needs SLACK_APP_TOKEN \(Socket Mode\) or SLACK_SIGNING_SECRET \(HTTP mode\)/],
    ['SLACK_API_URL', { SLACK_API_URL: 'slack api' }, /^SLACK_API_URL: is not a URL/],
    ['SLACK_API_URL', { SLACK_API_URL: 'ftp://slack.com/api/' }, /^SLACK_API_URL: must be an http:\/\/ or https:\/\/ URL/],
    ['KPI_TIMEZONE', { KPI_TIMEZONE: 'Asia/Jakarat' }, /^KPI_TIMEZONE: "Asia\/Jakarat" is not an IANA time zone/],
    ['FRESHDESK_TIMEZONE', { FRESHDESK_TIMEZONE: 'India/Kolkata' }, /^FRESHDESK_TIMEZONE: "India\/Kolkata" is not an IANA time zone/],
    ['KPI_LOCALE', { KPI_LOCALE: 'fr' }, /^KPI_LOCALE: must be one of en, id, ms, tr, got "fr"/],
    ['KPI_ADMINS', { KPI_ADMINS: 'U012ABCDEF,@alice' }, /^KPI_ADMINS: "@alice" is not a Slack user id/],
    ['ZOHODESK_PUBLIC_KEY_FILE', { ZOHODESK_PUBLIC_KEY_FILE: '/nonexistent/zoho.pem' }, /^ZOHODESK_PUBLIC_KEY_FILE: file "\/nonexistent\/zoho.pem" does not exist/],
    // Zoho signs every organisation's tokens with the same keys: the key file alone would accept them all.
    ['ZOHODESK_ORG_ID', { ZOHODESK_PUBLIC_KEY_FILE: 'package.json' }, /^ZOHODESK_ORG_ID: is required with ZOHODESK_PUBLIC_KEY_FILE/],
    ['ZOHODESK_ORG_ID', { ZOHODESK_PUBLIC_KEY_FILE: 'package.json', ZOHODESK_ORG_ID: 'acme' }, /^ZOHODESK_ORG_ID: must be your Zoho Desk organisation id, digits only/],
    ['ZOHODESK_WEBHOOK_IDS', { ZOHODESK_WEBHOOK_IDS: '186000000990001, webhook-2' }, /^ZOHODESK_WEBHOOK_IDS: must be Zoho Desk webhook ids/],
    ['GENERIC_WEBHOOK_SECRET', { GENERIC_WEBHOOK_SECRET: 'plain-secret' }, /^GENERIC_WEBHOOK_SECRET: must be whsec_ followed by at least 16 bytes in base64/],
    ['GENERIC_WEBHOOK_SECRET', { GENERIC_WEBHOOK_SECRET: 'whsec_c2hvcnQ=' }, /^GENERIC_WEBHOOK_SECRET: must be whsec_/],
    ['LOG_LEVEL', { LOG_LEVEL: 'verbose' }, /^LOG_LEVEL: must be one of fatal, error, warn, info, debug, trace, silent, got "verbose"/],
    ['SLA_WARNING_STAGES', { SLA_WARNING_STAGES: '150' }, /^SLA_WARNING_STAGES: "150" is not a percentage between 0 and 100/],
    // A fraction would warn almost at once: the percentage it likely meant is named.
    ['SLA_WARNING_STAGES', { SLA_WARNING_STAGES: '0.75' }, /^SLA_WARNING_STAGES: "0.75" reads as 0.75 % of the target; the stages are percentages: write 75 for 75 % \(or 0.75% if you mean it\)/],
  ];
  it.each(cases)('%s: %j', (variable, env, expected) => {
    const message = problemOf(env);
    expect(message).toMatch(expected);
    expect(message.startsWith(`${variable}: `)).toBe(true);
    expect(message).not.toContain('\n');
  });

  it('never echoes a secret value in an error', () => {
    const message = problemOf({ SLACK_BOT_TOKEN: 'xoxp-super-secret-value', SLACK_APP_TOKEN: 'xapp-1' });
    expect(message).not.toContain('super-secret');
  });
});

describe('.env file', () => {
  it('is read when present, and the process environment wins over it', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpibot-env-'));
    writeFileSync(join(dir, '.env'), '# comment\nPORT=4001\nKPI_LOCALE=ms\nKPI_TIMEZONE="Asia/Kuala_Lumpur"\n');
    const config = loadConfig({ PORT: '4002' }, dir);
    expect(config.http.port).toBe(4002);
    expect(config.kpi.locale).toBe('ms');
    expect(config.kpi.timezone).toBe('Asia/Kuala_Lumpur');
  });

  it('is optional', () => {
    const dir = mkdtempSync(join(tmpdir(), 'kpibot-env-'));
    expect(loadConfig({}, dir).http.port).toBe(3000);
  });
});

describe('describeConfig', () => {
  it('hides every secret and the database password', () => {
    const config = parseConfig({
      DATABASE_URL: 'postgres://kpi:hunter2@db:5432/kpi',
      SLACK_BOT_TOKEN: 'xoxb-secret-bot',
      SLACK_APP_TOKEN: 'xapp-secret-app',
      SLACK_SIGNING_SECRET: SECRET,
      ZENDESK_WEBHOOK_SECRET: 'zendesk-secret',
      INTERCOM_CLIENT_SECRET: 'intercom-secret',
    });
    const text = JSON.stringify(describeConfig(config));
    for (const secret of ['hunter2', 'xoxb-secret-bot', 'xapp-secret-app', SECRET, 'zendesk-secret', 'intercom-secret']) {
      expect(text).not.toContain(secret);
    }
    expect(text).toContain('(set)');
    expect(text).toContain('postgres://kpi:***@db:5432/kpi');
  });

  it('masks a password given in the URL\'s query too (pg reads ?password= and sslpassword=)', () => {
    const config = parseConfig({ DATABASE_URL: 'postgres://kpi@db:5432/kpi?password=PGQUERYPASS&sslmode=require&sslpassword=KEYPASS' });
    const text = JSON.stringify(describeConfig(config));
    expect(text).not.toContain('PGQUERYPASS');
    expect(text).not.toContain('KEYPASS');
    expect(text).toContain('sslmode=require');
  });

  it('shows every setting that changes what is computed, FRESHDESK_TIMEZONE included', () => {
    expect(describeConfig(parseConfig({ FRESHDESK_TIMEZONE: 'Asia/Kolkata' }))).toMatchObject({ sourceTimezones: { freshdesk: 'Asia/Kolkata' } });
    expect(describeConfig(parseConfig({ PAYLOAD_RETENTION_DAYS: '7' }))).toMatchObject({ payloadRetentionDays: 7 });
  });
});
