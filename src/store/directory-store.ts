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

  /** How many digests and alert routes are active. */
  async configurationCounts(): Promise<{ subscriptions: number; alertRules: number }> {
    const count = async (table: string) => Number(((await this.db(table).where('enabled', true).count({ n: '*' }).first()) as { n: number | string } | undefined)?.n ?? 0);
    return { subscriptions: await count('digest_subscriptions'), alertRules: await count('alert_rules') };
  }
}
