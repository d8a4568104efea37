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
   * Sets the Slack user of every helpdesk identity with this e-mail address
   * (compared ignoring case); with `onlyUnlinked`, identities already linked to
   * someone keep their link. Returns how many were linked.
   */
  async linkByEmail(email: string, slackUserId: string, now: number, options: { onlyUnlinked?: boolean } = {}): Promise<number> {
    const address = email.trim().toLowerCase();
    if (address === '') return 0;
    const query = this.db('agents').whereRaw('lower(email) = ?', [address]);
    if (options.onlyUnlinked === true) void query.whereNull('slack_user_id');
    return query.update({ slack_user_id: slackUserId, updated_at: now });
  }

  /** The Slack users other than `slackUserId` the agents with this e-mail address are linked to now. */
  async otherLinks(email: string, slackUserId: string): Promise<string[]> {
    const rows = (await this.db('agents').distinct('slack_user_id').whereRaw('lower(email) = ?', [email.trim().toLowerCase()]).whereNotNull('slack_user_id').whereNot('slack_user_id', slackUserId)) as { slack_user_id: string }[];
    return rows.map((row) => row.slack_user_id).sort();
  }
}
