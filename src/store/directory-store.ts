/**
 * Who is who between Slack and the helpdesks (agents linked to Slack users),
 * and what the workspace has configured, for the Home tab.
 */
import type { Database } from './database.js';

export interface LinkedAgent {
  readonly id: number;
  readonly name: string;
  readonly email: string | null;
}

export class DirectoryStore {
  constructor(private readonly db: Database) {}

  /** The helpdesk agent linked to a Slack user, if any. */
  async linkedAgent(slackUserId: string): Promise<LinkedAgent | undefined> {
    const row = (await this.db('agents').select('id', 'name', 'email').where('slack_user_id', slackUserId).orderBy('id').first()) as LinkedAgent | undefined;
    return row === undefined ? undefined : { id: Number(row.id), name: row.name, email: row.email };
  }

  /**
   * Links a Slack user to the helpdesk agent with the same e-mail address
   * (compared ignoring case), when that agent is not linked to someone else yet.
   */
  async linkByEmail(slackUserId: string, email: string): Promise<LinkedAgent | undefined> {
    const address = email.trim().toLowerCase();
    if (address === '') return undefined;
    const updated = await this.db('agents').whereRaw('lower(email) = ?', [address]).whereNull('slack_user_id').update({ slack_user_id: slackUserId });
    return updated > 0 ? this.linkedAgent(slackUserId) : undefined;
  }

  /** The active digests and alert routes, oldest first, at most `limit` of each, with their totals. */
  async configuration(limit: number): Promise<WorkspaceConfiguration> {
    const count = async (table: string) => Number(((await this.db(table).where('enabled', true).count({ n: '*' }).first()) as { n: number | string } | undefined)?.n ?? 0);
    const subscriptions = (await this.db('digest_subscriptions')
      .select('kind', 'channel_id', 'slack_user_id', 'schedule', 'timezone', 'metrics')
      .where('enabled', true)
      .orderBy('id')
      .limit(limit)) as { kind: string; channel_id: string | null; slack_user_id: string | null; schedule: string; timezone: string; metrics: string }[];
    const rules = (await this.db('alert_rules').select('kind', 'channel_id', 'team').where('enabled', true).orderBy('id').limit(limit)) as { kind: string; channel_id: string | null; team: string | null }[];
    return {
      subscriptionCount: await count('digest_subscriptions'),
      alertRuleCount: await count('alert_rules'),
      subscriptions: subscriptions.map((row) => ({
        target: row.channel_id ?? row.slack_user_id ?? '', personal: row.kind === 'personal', schedule: row.schedule, timezone: row.timezone, metrics: parseList(row.metrics),
      })),
      alertRules: rules.map((row) => ({ kind: row.kind, channelId: row.channel_id, team: row.team })),
    };
  }
}

export interface WorkspaceConfiguration {
  readonly subscriptionCount: number;
  readonly alertRuleCount: number;
  readonly subscriptions: readonly { readonly target: string; readonly personal: boolean; readonly schedule: string; readonly timezone: string; readonly metrics: readonly string[] }[];
  readonly alertRules: readonly { readonly kind: string; readonly channelId: string | null; readonly team: string | null }[];
}

function parseList(json: string): string[] {
  try {
    const value = JSON.parse(json) as unknown;
    return Array.isArray(value) ? value.map(String) : [];
  } catch {
    return [];
  }
}
