/**
 * The eNPS pulse: surveys, who was asked and whether they answered (never
 * what), and the scores in survey_responses without any Slack user id. The
 * answer and the "answered" mark are written in one transaction, so a second
 * answer from the same person is refused and no score is lost or doubled.
 * Answer times are kept to the hour, so the order of answers cannot be matched
 * to the order people were seen answering. Nor can the rows' own traces: on
 * PostgreSQL every row a transaction writes carries its id (`xmin`), so the
 * answer's transaction marks every participant who has answered the survey
 * again, and a score shares its transaction with all of them, not with its
 * author alone.
 */
import { randomUUID } from 'node:crypto';
import type { Knex } from 'knex';
import type { Database } from './database.js';

export type AnswerOutcome = 'recorded' | 'already_answered' | 'not_invited';

const HOUR = 3_600_000;

export class EnpsStore {
  constructor(private readonly db: Database) {}

  async createSurvey(trx: Knex.Transaction, survey: { audience: string; question: string | null; startedBy: string; invited: readonly string[] }, now: number): Promise<number> {
    const [row] = (await trx('enps_surveys')
      .insert({ audience: survey.audience, question: survey.question, started_by: survey.startedBy, invited: survey.invited.length, started_at: now })
      .returning('id')) as ({ id: number } | number)[];
    const id = typeof row === 'object' ? Number(row.id) : Number(row);
    for (let i = 0; i < survey.invited.length; i += 500) {
      await trx('enps_participants').insert(survey.invited.slice(i, i + 500).map((user) => ({ survey_id: id, slack_user_id: user, answered: false }))).onConflict(['survey_id', 'slack_user_id']).ignore();
    }
    return id;
  }

  async answer(surveyId: number, slackUserId: string, score: number, now: number): Promise<AnswerOutcome> {
    if (!Number.isInteger(score) || score < 0 || score > 10) throw new RangeError(`an eNPS score is 0-10, got ${score}`);
    return this.db.transaction(async (trx) => {
      const marked = await trx('enps_participants').where({ survey_id: surveyId, slack_user_id: slackUserId, answered: false }).update({ answered: true });
      if (marked === 0) {
        const invited = await trx('enps_participants').where({ survey_id: surveyId, slack_user_id: slackUserId }).first();
        return invited === undefined ? 'not_invited' : 'already_answered';
      }
      await trx('survey_responses').insert({
        source: 'slack', kind: 'enps', scale: '0-10', score, survey_id: String(surveyId), responded_at: Math.floor(now / HOUR) * HOUR, dedupe_key: `enps:${randomUUID()}`,
      });
      // Written again, every "answered" mark of the survey carries this transaction, the author's among them.
      await trx('enps_participants').where({ survey_id: surveyId, answered: true }).update({ answered: true });
      return 'recorded';
    });
  }
}
