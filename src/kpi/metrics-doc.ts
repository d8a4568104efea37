/** Renders docs/metrics.md from the metric definitions (`npm run docs:metrics`); a test keeps the file in step. */
import { METRIC_IDS, METRICS } from './definitions.js';

const UNIT_TEXT = { count: 'a count', seconds: 'seconds (shown as "1 h 24 min")', percent: 'percent, 0-100', score: 'a score', table: 'a table' } as const;

export function renderMetricsDoc(): string {
  const lines = [
    '# Metrics',
    '',
    '<!-- Generated from src/kpi/definitions.ts by `npm run docs:metrics`; edit the definitions, not this file. -->',
    '',
    'Every KPI the bot reports has one definition, here. The texts live in `src/kpi/definitions.ts`, the one source of this page and of the explanations the bot gives in Slack.',
    '',
    '## Common rules',
    '',
    '- **Periods** are cut in the workspace time zone (`KPI_TIMEZONE`). `7d`, `30d` and `<N>d` are N calendar days, today\'s part included: `30d` on 23 November at 22:50 runs from 25 October 00:00 (29 whole days and today so far), not from 30 × 24 hours ago; `<N>h` is N hours back from now. Each has a previous period of the same calendar length to compare with: as many days for `7d`, `30d`, a week or a date range; the month, quarter or year before for a month, quarter or year, whatever its number of days (October, 31 days, against September, 30; a count such as volume can move by up to a tenth from that alone, so compare daily averages, `volume`\'s per-day figure, across months of different lengths). A period running to now is compared with the same stretch of the previous one, cut at the same clock time: a time that a DST change skipped that day moves on by the gap, and one it repeated is its first occurrence.',
    '- **No data** is `null` ("no data") with n = 0, never 0 or NaN. Counts (volume, backlog...) are numbers and can be 0.',
    '- **n** is how many tickets, responses, answers or customers a value rests on.',
    '- **A ticket first seen after its creation** (the bot connected in the middle of a conversation, or the creation\'s delivery was lost) is dated by the creation time the helpdesk sends with its later events, and a customer is taken to have waited from then: its first response time and first wait are measured from that time (unless a later event says an agent opened it, as Help Scout\'s do: then from the customer\'s first message, as for any agent-opened ticket), and its rating brings the ticket\'s status with it: solved at the helpdesk\'s own close time when it sends one (Intercom\'s last close, Jira\'s resolution date), else at the rating\'s time, so such a ticket may count as resolved in the rating\'s period with its whole age as resolution time. Without any creation time (a CSV always has one), it starts at its first event.',
    '- **Deleted tickets** count nowhere: a ticket the helpdesk reports as deleted (Zendesk\'s deleted and spam tickets, Help Scout\'s deleted and spam conversations, Jira\'s deleted issues, the generic `ticket.deleted`) leaves every metric, for past periods too, with its survey answers and alerts, as it leaves the helpdesk\'s own reports. Its events are kept, so a restore (Zendesk\'s undelete, Help Scout\'s Not spam, the generic `ticket.restored`) brings it back as it was. A deletion the helpdesk does not report (Freshdesk, Zoho Desk, Intercom) leaves the ticket as it last stood.',
    '- **Durations** are in seconds in `kpibot report --json`; **rates** in percent (0-100).',
    '- **Median and p90** interpolate linearly between the closest ranks (as PostgreSQL\'s `percentile_cont`): for n sorted values v₀…vₙ₋₁ and q in 0..1, h = q·(n-1), and the value is v⌊h⌋ + (h-⌊h⌋)·(v⌈h⌉ - v⌊h⌋).',
    '- **Percentiles are exact**, never estimated. For calendar first response and resolution times the database counts the period\'s durations in 64 ranges of growing width (under a minute, then each bound 1.237 times the last, up to 370 days) and sorts only the range that holds the wanted rank; the value is the same as sorting them all.',
    '- **Change** is (current - previous) / |previous|, in percent; **trend** says whether that move is good for the metric.',
    '- **Filters** `team:`, `priority:`, `channel:`, `source:`, `agent:`, `tag:` narrow the tickets (survey answers through their ticket). Team and agent names compare ignoring case and surrounding spaces, in every alphabet (`team:ödeme` finds Ödeme; `iade` finds İade). `churn`, `repeat`, `enps` and `selfservice` count customers, employees or help-centre sessions, which ticket filters cannot narrow: a filter with them is refused rather than silently ignored or, for self-service, applied to the tickets alone.',
    '- **Breakdowns** (`by:` in Slack, `--by` in `kpibot report`) add no arithmetic of their own. A row by `team`, `agent`, `priority`, `channel` or `source` is the metric with that filter added (`by:team` row Billing is exactly `team:Billing`), against its own previous period; its median is the median of that team\'s tickets, so rows are never averaged and their medians need not bracket the whole period\'s. The rows are the field\'s values on tickets active in the period (created, resolved or rated in it, or open at its end), the ten most active (a ticket counts once for each of those four, and once per answer), then sorted by value, largest first (priorities from urgent down); the rest are counted, and the active tickets with no value (no team, unassigned) are counted once each and belong to no row. By agent, a row is the assignee\'s e-mail address, as `agent:` reads it, so one person with accounts in two helpdesks is one row; an agent with no address is their helpdesk id with their helpdesk (`agent:7 source:zendesk`), so two helpdesks\' agents 7 are two rows. Channels spelt in other cases are one row (`Chat` and `chat`); the helpdesk adapters store channels in lower case, but a channel stored with a capital beyond A-Z (`ÉCHAT`, from a CSV) is matched by `channel:` only on PostgreSQL, since SQLite\'s lower() changes A-Z alone, so there its tickets count in the row\'s name but not its value. A row by `day`, `week` (ISO, Monday to Sunday) or `month` is the metric over that unit in the workspace\'s zone, cut at the period\'s edges (such a part is marked), with no comparison; open-ticket metrics (backlog, overdue) are taken at each unit\'s end. Counts (volume, escalations) add up across the rows of a time breakdown; medians, rates and scores do not. The summary and `agents` cannot be split, `churn`, `repeat`, `selfservice` and `enps` only by time, and a breakdown has at most 62 days, weeks or months.',
    '- **Goals** (`/kpi goal frt 1h`, `kpibot goals set`) judge a number; they never change it. A goal is the most a metric\'s headline may be where lower is better (a duration, the backlog, SLA overdue, churn) and the least where higher is better (a rate, a score), in the metric\'s unit. The value is judged in the steps it is printed in, a rate or score to a tenth (a half rounded away from zero, as printed) and a duration to the second, and a goal is kept in the same steps: a CSAT of 89.96% shows as 90% and meets a goal of 90%; equal meets. A duration printed in larger units (`1 h` for 1 h 0 min 20 s) can miss by seconds, and the reply says by how much. Churn and repeat purchase grow with the period\'s length, as counts do; their goal is for the period they are read over (usually a month). A goal holds for all tickets or for some of `team:`, `priority:`, `channel:`, `source:` and `tag:`, and applies to every reply whose filters include its own: the most specific goal that applies wins, the stricter of two equally specific ones (a team\'s and a priority\'s, on a reply filtered by both); a reply that takes a wider goal names its scope. The backlog and SLA overdue are counts of which a team\'s or an agent\'s is a part, so a goal on them applies only to a reply with exactly its filters (a workspace goal of 40 open tickets does not judge Billing\'s 35). A metric with no data neither meets nor misses its goal. In a breakdown, a team\'s (priority\'s, channel\'s, helpdesk\'s) row is judged by the goal of the reply\'s filters with that value added, a day\'s, week\'s or month\'s row by the reply\'s goal, an agent\'s row as the agent\'s own reply (the reply\'s goal; none for a count). Volume (no good direction), resolved and escalations (counts that grow with the period\'s length), the summary and `agents` take no goal, and no goal is set per agent.',
    '',
  ];
  for (const id of METRIC_IDS) {
    const d = METRICS[id];
    const direction = d.higherIsBetter === null ? 'neither direction is better' : d.higherIsBetter ? 'higher is better' : 'lower is better';
    lines.push(
      `## \`${id}\`: ${d.title}`,
      '',
      `- **Formula**: ${d.formula}`,
      `- **Unit**: ${UNIT_TEXT[d.unit]}; ${direction}.`,
      `- **What counts**: ${d.counts}`,
      `- **Excluded**: ${d.excludes}`,
      `- **Edge cases**: ${d.edges}`,
      `- **Helpdesks' own definitions**: ${d.vendors}`,
      '',
    );
  }
  return lines.join('\n');
}
