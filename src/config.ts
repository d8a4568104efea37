/**
 * The one place that reads the environment. `loadConfig()` reads it (and a
 * `.env` file, if present) once, validates every variable and returns a typed,
 * frozen Config; the first problem found is thrown as a ConfigError naming the
 * variable. Every other module takes what it needs from the Config it is given.
 */
import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { parseEnv } from 'node:util';
import { ConfigError } from './errors.js';
import { LOCALES, type Locale } from './i18n/locale.js';

export type Env = Readonly<Record<string, string | undefined>>;

export type DatabaseConfig =
  | { readonly client: 'sqlite'; readonly filename: string; readonly poolMax: number }
  | { readonly client: 'postgres'; readonly connectionString: string; readonly poolMax: number };

export type SlackMode = 'socket' | 'http' | 'console';
export type { Locale } from './i18n/locale.js';
export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export { LOCALES } from './i18n/locale.js';
export const LOG_LEVELS: readonly LogLevel[] = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export interface SlackConfig {
  readonly mode: SlackMode;
  readonly botToken?: string;
  readonly appToken?: string;
  readonly signingSecret?: string;
  /** Web API base URL, always ending in a slash (Slack's own when unset). */
  readonly apiUrl?: string;
}

/** Per-source webhook credentials; a source whose credential is absent refuses requests. */
export interface WebhookSecrets {
  readonly zendesk?: string;
  readonly freshdesk?: string;
  readonly zohodeskToken?: string;
  readonly zohodeskPublicKeyFile?: string;
  /** The Zoho Desk organisation whose tokens are accepted (required with the key file: Zoho's keys sign every organisation's tokens). */
  readonly zohodeskOrgId?: string;
  /** When set, the only webhooks (`aud` = webhookId:<id>) whose tokens are accepted. */
  readonly zohodeskWebhookIds?: readonly string[];
  readonly intercom?: string;
  readonly helpscout?: string;
  readonly jira?: string;
  readonly generic?: string;
}

export interface Config {
  readonly database: DatabaseConfig;
  readonly http: { readonly host: string; readonly port: number; readonly shutdownGraceMs: number };
  readonly slack: SlackConfig;
  readonly kpi: {
    readonly timezone: string;
    readonly locale: Locale;
    readonly admins: readonly string[];
    readonly escalationGroups: readonly string[];
  };
  readonly alerts: {
    /** Whether this process may run the scheduled jobs (when it holds the lease). */
    readonly scheduler: boolean;
    /** Shares of the target (0-1), ascending. */
    readonly warningStages: readonly number[];
    readonly renotifyMinutes: number;
    readonly renotifyMax: number;
    readonly escalateAfterMinutes: number;
  };
  readonly webhooks: WebhookSecrets;
  /** Days a delivery's stored body and a posted message are kept (0: for ever). */
  readonly payloadRetentionDays: number;
  /** IANA zones in which a source's times without an offset are read (Freshdesk's placeholders may render none). */
  readonly sourceTimezones: { readonly freshdesk: string };
  readonly logLevel: LogLevel;
}

/**
 * Every variable the program reads, with its default and meaning. The README's
 * configuration table and `.env.example` are checked against this list by a test.
 */
export const CONFIG_VARIABLES: readonly { name: string; default: string; meaning: string; secret?: boolean }[] = [
  { name: 'DATABASE_URL', default: 'sqlite:data/kpibot.sqlite', meaning: 'Where the data lives: `sqlite:<file>` or `postgres://user:pass@host:port/db`. For TLS to a managed PostgreSQL, add `?sslmode=verify-full` (the server\'s certificate is checked; `sslmode=require` means the same to the `pg` driver, which prints a warning about it on every start).' },
  { name: 'DATABASE_POOL_MAX', default: '10', meaning: 'Largest number of PostgreSQL connections per process (SQLite uses one writer and two read-only connections for reports).' },
  { name: 'HOST', default: '0.0.0.0', meaning: 'Address the HTTP server listens on (webhooks, `/healthz`, Slack in HTTP mode).' },
  { name: 'PORT', default: '3000', meaning: 'Port of that HTTP server; `0` picks a free one.' },
  { name: 'SHUTDOWN_GRACE_SECONDS', default: '10', meaning: 'On SIGINT/SIGTERM, how long in-flight requests may take before the process exits anyway.' },
  { name: 'SLACK_BOT_TOKEN', default: '(none)', meaning: 'Bot token (`xoxb-...`). Without it the bot runs in the local console.', secret: true },
  { name: 'SLACK_APP_TOKEN', default: '(none)', meaning: 'App-level token (`xapp-...`) with `connections:write`: selects Socket Mode.', secret: true },
  { name: 'SLACK_SIGNING_SECRET', default: '(none)', meaning: 'Signing secret: selects HTTP mode (Slack posts to `/slack/events`) when no app token is set.', secret: true },
  { name: 'SLACK_API_URL', default: 'https://slack.com/api/', meaning: 'Base URL of the Slack Web API, for a proxy or a test double.' },
  { name: 'KPI_TIMEZONE', default: 'UTC', meaning: 'IANA time zone of the workspace: periods such as `today` and `this-week` are cut in it.' },
  { name: 'KPI_LOCALE', default: 'en', meaning: 'The workspace language, `en`, `id`, `ms` or `tr`: for people and channels with none chosen (`/kpi language`; docs/slack.md, Languages).' },
  { name: 'KPI_ADMINS', default: '(none)', meaning: 'Comma-separated Slack user ids allowed to configure the bot, besides workspace admins and owners.' },
  { name: 'KPI_ESCALATION_GROUPS', default: '(none)', meaning: 'Comma-separated helpdesk group names; moving a ticket into one counts as an escalation. The bot keeps the groups it starts with in the database, and a change rebuilds every ticket in the background; `kpibot sla`, `import` and `demo` use the kept groups whatever their own environment says (and say so when it differs).' },
  { name: 'SCHEDULER', default: 'on', meaning: '`on`: this process may run the scheduled jobs (digests, SLA sweep, outbox) when it holds the leader lease; `off`: it never does.' },
  { name: 'SLA_WARNING_STAGES', default: '75', meaning: 'Comma-separated percentages of an SLA target at which a warning is posted before the breach, e.g. `50,75,90`.' },
  { name: 'SLA_RENOTIFY_MINUTES', default: '60', meaning: 'A breach alert nobody acknowledged is posted again this often.' },
  { name: 'SLA_RENOTIFY_MAX', default: '3', meaning: 'At most this many reminders per breach (`0`: none).' },
  { name: 'SLA_ESCALATE_AFTER_MINUTES', default: '120', meaning: 'After this long without acknowledgement, a breach is sent to the team lead by DM.' },
  { name: 'ZENDESK_WEBHOOK_SECRET', default: '(none)', meaning: 'Zendesk webhook signing secret.', secret: true },
  { name: 'FRESHDESK_WEBHOOK_TOKEN', default: '(none)', meaning: 'Shared token Freshdesk sends (Basic password or `X-Webhook-Token`).', secret: true },
  { name: 'FRESHDESK_TIMEZONE', default: 'UTC', meaning: 'IANA time zone of the Freshdesk account: a Freshdesk time rendered without an offset is read in it (docs/sources/freshdesk.md).' },
  { name: 'ZOHODESK_WEBHOOK_TOKEN', default: '(none)', meaning: 'Shared token Zoho Desk sends (Basic password or `X-Webhook-Token`).', secret: true },
  { name: 'ZOHODESK_PUBLIC_KEY_FILE', default: '(none)', meaning: 'PEM public key or JWKS file to check Zoho Desk\'s `X-ZDesk-JWT` signature offline. Needs `ZOHODESK_ORG_ID`.' },
  { name: 'ZOHODESK_ORG_ID', default: '(none)', meaning: 'Your Zoho Desk organisation id (digits). Required with `ZOHODESK_PUBLIC_KEY_FILE`: Zoho\'s keys sign every organisation\'s tokens, so only tokens issued for this one (`iss` = `orgId:<id>`), with bodies whose every event names it, are accepted.' },
  { name: 'ZOHODESK_WEBHOOK_IDS', default: '(any)', meaning: 'Comma-separated Zoho Desk webhook ids; when set, a token for another webhook (`aud`) is refused.' },
  { name: 'INTERCOM_CLIENT_SECRET', default: '(none)', meaning: 'Intercom app client secret (signs `X-Hub-Signature`).', secret: true },
  { name: 'HELPSCOUT_WEBHOOK_SECRET', default: '(none)', meaning: 'Help Scout webhook secret key.', secret: true },
  { name: 'JIRA_WEBHOOK_SECRET', default: '(none)', meaning: 'Jira Service Management webhook secret.', secret: true },
  { name: 'GENERIC_WEBHOOK_SECRET', default: '(none)', meaning: 'Standard Webhooks secret for the generic format, `whsec_<base64>`.', secret: true },
  { name: 'PAYLOAD_RETENTION_DAYS', default: '30', meaning: 'Days a webhook delivery\'s stored body (its text already removed, shown by `kpibot deliveries`) and a posted message\'s content are kept; then they are cleared, and the rows stay so redeliveries are still recognised. `0` keeps them for ever.' },
  { name: 'LOG_LEVEL', default: 'info', meaning: 'Least severe log level written: `fatal`, `error`, `warn`, `info`, `debug`, `trace` or `silent`.' },
];

/** Reads `.env` from `dir` (if present) under the process environment, which wins. */
export function readEnvironment(processEnv: Env, dir = process.cwd()): Env {
  const file = resolve(dir, '.env');
  if (!existsSync(file)) return processEnv;
  let fromFile: Record<string, string>;
  try {
    fromFile = parseEnv(readFileSync(file, 'utf8')) as Record<string, string>;
  } catch (error) {
    throw new ConfigError('.env', `cannot be read (${(error as Error).message})`);
  }
  return { ...fromFile, ...processEnv };
}

/** Loads and validates the configuration of this process. */
export function loadConfig(processEnv: Env = process.env, dir = process.cwd()): Config {
  return parseConfig(readEnvironment(processEnv, dir));
}

/** Validates an environment map into a Config. Pure: the same map gives the same result. */
export function parseConfig(env: Env): Config {
  const get = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };

  const slack = parseSlack(get);
  const config: Config = {
    database: parseDatabase(get('DATABASE_URL') ?? 'sqlite:data/kpibot.sqlite', parseInteger('DATABASE_POOL_MAX', get('DATABASE_POOL_MAX'), 10, 1, 1000)),
    http: {
      host: get('HOST') ?? '0.0.0.0',
      port: parseInteger('PORT', get('PORT'), 3000, 0, 65535),
      shutdownGraceMs: parseInteger('SHUTDOWN_GRACE_SECONDS', get('SHUTDOWN_GRACE_SECONDS'), 10, 0, 3600) * 1000,
    },
    slack,
    kpi: {
      timezone: parseTimeZone(get('KPI_TIMEZONE') ?? 'UTC'),
      locale: parseChoice('KPI_LOCALE', get('KPI_LOCALE') ?? 'en', LOCALES),
      admins: parseSlackUserIds(get('KPI_ADMINS')),
      escalationGroups: parseList(get('KPI_ESCALATION_GROUPS')),
    },
    alerts: {
      scheduler: parseChoice('SCHEDULER', get('SCHEDULER') ?? 'on', ['on', 'off'] as const) === 'on',
      warningStages: parseWarningStages(get('SLA_WARNING_STAGES')),
      renotifyMinutes: parseInteger('SLA_RENOTIFY_MINUTES', get('SLA_RENOTIFY_MINUTES'), 60, 1, 10_080),
      renotifyMax: parseInteger('SLA_RENOTIFY_MAX', get('SLA_RENOTIFY_MAX'), 3, 0, 100),
      escalateAfterMinutes: parseInteger('SLA_ESCALATE_AFTER_MINUTES', get('SLA_ESCALATE_AFTER_MINUTES'), 120, 1, 10_080),
    },
    webhooks: {
      zendesk: get('ZENDESK_WEBHOOK_SECRET'),
      freshdesk: get('FRESHDESK_WEBHOOK_TOKEN'),
      zohodeskToken: get('ZOHODESK_WEBHOOK_TOKEN'),
      ...parseZohodeskJwt(get),
      intercom: get('INTERCOM_CLIENT_SECRET'),
      helpscout: get('HELPSCOUT_WEBHOOK_SECRET'),
      jira: get('JIRA_WEBHOOK_SECRET'),
      generic: parseStandardWebhookSecret(get('GENERIC_WEBHOOK_SECRET')),
    },
    payloadRetentionDays: parseInteger('PAYLOAD_RETENTION_DAYS', get('PAYLOAD_RETENTION_DAYS'), 30, 0, 36_500),
    sourceTimezones: { freshdesk: parseTimeZone(get('FRESHDESK_TIMEZONE') ?? 'UTC', 'FRESHDESK_TIMEZONE') },
    logLevel: parseChoice('LOG_LEVEL', get('LOG_LEVEL') ?? 'info', LOG_LEVELS),
  };
  return deepFreeze(config);
}

/** A database URL (`sqlite:<file>` or `postgres://…`); what is wrong with it is said under `name` (DATABASE_URL, `--to`). */
export function parseDatabase(url: string, poolMax: number, name = 'DATABASE_URL'): DatabaseConfig {
  if (url.startsWith('sqlite:')) {
    const filename = url.slice('sqlite:'.length).replace(/^\/\/(?=\/)/, '');
    if (filename === '') throw new ConfigError(name, 'names no file: write sqlite:path/to/file.sqlite');
    return { client: 'sqlite', filename, poolMax: 1 };
  }
  if (/^postgres(ql)?:\/\//.test(url)) {
    try {
      const parsed = new URL(url);
      if (parsed.hostname === '' && !parsed.searchParams.has('host')) throw new Error('no host');
    } catch {
      throw new ConfigError(name, 'is not a valid postgres:// URL (expected postgres://user:password@host:5432/database)');
    }
    return { client: 'postgres', connectionString: url, poolMax };
  }
  const scheme = url.includes(':') ? url.slice(0, url.indexOf(':')) : url;
  throw new ConfigError(name, `unsupported database "${scheme}": use sqlite:<file> or postgres://...`);
}

function parseSlack(get: (name: string) => string | undefined): SlackConfig {
  const botToken = get('SLACK_BOT_TOKEN');
  const appToken = get('SLACK_APP_TOKEN');
  const signingSecret = get('SLACK_SIGNING_SECRET');
  const apiUrl = parseApiUrl(get('SLACK_API_URL'));

  if (botToken !== undefined && !botToken.startsWith('xoxb-')) {
    throw new ConfigError('SLACK_BOT_TOKEN', 'must be a bot token starting with xoxb-');
  }
  if (appToken !== undefined && !appToken.startsWith('xapp-')) {
    throw new ConfigError('SLACK_APP_TOKEN', 'must be an app-level token starting with xapp-');
  }
  if (signingSecret !== undefined && !/^[0-9a-f]{16,}$/i.test(signingSecret)) {
    throw new ConfigError('SLACK_SIGNING_SECRET', 'must be the hexadecimal signing secret from the app\'s Basic Information page');
  }
  if (appToken !== undefined) {
    if (botToken === undefined) throw new ConfigError('SLACK_BOT_TOKEN', 'is required with SLACK_APP_TOKEN (Socket Mode)');
    return { mode: 'socket', botToken, appToken, signingSecret, apiUrl };
  }
  if (signingSecret !== undefined) {
    if (botToken === undefined) throw new ConfigError('SLACK_BOT_TOKEN', 'is required with SLACK_SIGNING_SECRET (HTTP mode)');
    return { mode: 'http', botToken, signingSecret, apiUrl };
  }
  if (botToken !== undefined) {
    throw new ConfigError('SLACK_BOT_TOKEN', 'needs SLACK_APP_TOKEN (Socket Mode) or SLACK_SIGNING_SECRET (HTTP mode) beside it');
  }
  return { mode: 'console', apiUrl };
}

function parseApiUrl(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  let url: URL;
  try {
    url = new URL(value);
  } catch {
    throw new ConfigError('SLACK_API_URL', 'is not a URL (expected e.g. https://slack.com/api/)');
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new ConfigError('SLACK_API_URL', 'must be an http:// or https:// URL');
  return url.href.endsWith('/') ? url.href : `${url.href}/`;
}

function parseInteger(name: string, value: string | undefined, fallback: number, min: number, max: number): number {
  if (value === undefined) return fallback;
  if (!/^\d+$/.test(value)) throw new ConfigError(name, `must be a whole number, got "${value}"`);
  const number = Number(value);
  if (number < min || number > max) throw new ConfigError(name, `must be between ${min} and ${max}, got ${number}`);
  return number;
}

/** One of `choices`, in any case (`TR` is `tr`, `ON` is `on`). */
function parseChoice<T extends string>(name: string, given: string, choices: readonly T[]): T {
  const value = given.trim().toLowerCase();
  if ((choices as readonly string[]).includes(value)) return value as T;
  throw new ConfigError(name, `must be one of ${choices.join(', ')}, got "${given}"`);
}

export function isValidTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

function parseTimeZone(zone: string, name = 'KPI_TIMEZONE'): string {
  if (!isValidTimeZone(zone)) throw new ConfigError(name, `"${zone}" is not an IANA time zone (e.g. Asia/Jakarta, Europe/Istanbul, UTC)`);
  return zone;
}

function parseWarningStages(value: string | undefined): number[] {
  const items = parseList(value ?? '75');
  const stages = items.map((item) => {
    const percent = Number(item.replace(/%$/, ''));
    if (!/^\d+(\.\d+)?%?$/.test(item) || percent <= 0 || percent >= 100) throw new ConfigError('SLA_WARNING_STAGES', `"${item}" is not a percentage between 0 and 100 (write e.g. 50,75,90)`);
    // 0.75 is far likelier a fraction meant as 75 % than a warning at 0.75 % of the target (almost at once).
    if (percent < 1 && !item.endsWith('%')) throw new ConfigError('SLA_WARNING_STAGES', `"${item}" reads as ${item} % of the target; the stages are percentages: write ${Math.round(percent * 100)} for ${Math.round(percent * 100)} % (or ${item}% if you mean it)`);
    return percent / 100;
  });
  return [...new Set(stages)].sort((a, b) => a - b);
}

function parseList(value: string | undefined): string[] {
  return (value ?? '').split(',').map((item) => item.trim()).filter((item) => item !== '');
}

function parseSlackUserIds(value: string | undefined): string[] {
  const ids = parseList(value);
  const bad = ids.find((id) => !/^[UW][A-Z0-9]{2,}$/.test(id));
  if (bad !== undefined) throw new ConfigError('KPI_ADMINS', `"${bad}" is not a Slack user id (they look like U012ABCDEF)`);
  return ids;
}

function parseReadableFile(name: string, path: string | undefined): string | undefined {
  if (path === undefined) return undefined;
  if (!existsSync(path)) throw new ConfigError(name, `file "${path}" does not exist`);
  return path;
}

/** The key file, the organisation it must be for, and the webhooks it may be for: together, or none. */
function parseZohodeskJwt(get: (name: string) => string | undefined): Pick<WebhookSecrets, 'zohodeskPublicKeyFile' | 'zohodeskOrgId' | 'zohodeskWebhookIds'> {
  const keyFile = parseReadableFile('ZOHODESK_PUBLIC_KEY_FILE', get('ZOHODESK_PUBLIC_KEY_FILE'));
  const orgId = get('ZOHODESK_ORG_ID');
  const webhookIds = parseList(get('ZOHODESK_WEBHOOK_IDS'));
  if (orgId !== undefined && !/^\d{1,20}$/.test(orgId)) throw new ConfigError('ZOHODESK_ORG_ID', 'must be your Zoho Desk organisation id, digits only');
  if (webhookIds.some((id) => !/^\d{1,25}$/.test(id))) throw new ConfigError('ZOHODESK_WEBHOOK_IDS', 'must be Zoho Desk webhook ids (digits), separated by commas');
  if (keyFile === undefined) return {};
  if (orgId === undefined) {
    throw new ConfigError('ZOHODESK_ORG_ID', 'is required with ZOHODESK_PUBLIC_KEY_FILE: Zoho signs every organisation\'s tokens with the same keys, so the bot must know which organisation is yours (a refused token\'s answer names the organisation it was issued for)');
  }
  return { zohodeskPublicKeyFile: keyFile, zohodeskOrgId: orgId, ...(webhookIds.length === 0 ? {} : { zohodeskWebhookIds: webhookIds }) };
}

function parseStandardWebhookSecret(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  const match = /^whsec_([A-Za-z0-9+/]+={0,2})$/.exec(value);
  if (match === null || Buffer.from(match[1] ?? '', 'base64').length < 16) {
    throw new ConfigError('GENERIC_WEBHOOK_SECRET', 'must be whsec_ followed by at least 16 bytes in base64');
  }
  return value;
}

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object') {
    for (const inner of Object.values(value)) deepFreeze(inner);
    Object.freeze(value);
  }
  return value;
}

/** The configuration with every secret replaced, for `kpibot config` and start-up logs. */
export function describeConfig(config: Config): Record<string, unknown> {
  const hidden = (value: string | undefined): string | undefined => (value === undefined ? undefined : '(set)');
  const database =
    config.database.client === 'sqlite'
      ? { client: 'sqlite', filename: config.database.filename }
      : { client: 'postgres', url: redactUrlPassword(config.database.connectionString), poolMax: config.database.poolMax };
  return {
    database,
    http: config.http,
    slack: {
      mode: config.slack.mode,
      botToken: hidden(config.slack.botToken),
      appToken: hidden(config.slack.appToken),
      signingSecret: hidden(config.slack.signingSecret),
      apiUrl: config.slack.apiUrl ?? 'https://slack.com/api/',
    },
    kpi: config.kpi,
    alerts: config.alerts,
    webhooks: Object.fromEntries(Object.entries(config.webhooks).map(([key, value]) => [key, key.endsWith('File') ? value : hidden(value as string | undefined)])),
    payloadRetentionDays: config.payloadRetentionDays,
    sourceTimezones: config.sourceTimezones,
    logLevel: config.logLevel,
  };
}

export function redactUrlPassword(url: string): string {
  try {
    const parsed = new URL(url);
    if (parsed.password !== '') parsed.password = '***';
    // pg also reads a password from the query (`?password=`, `sslpassword=`, a key's passphrase).
    for (const name of [...parsed.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(name)) parsed.searchParams.set(name, '***');
    }
    return parsed.href;
  } catch {
    return '(unparseable URL)';
  }
}
