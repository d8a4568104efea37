/**
 * One written definition per metric: the single source of docs/metrics.md
 * (generated from it, checked by a test) and of `/kpi explain <metric>`.
 */

export const METRIC_IDS = [
  'summary', 'volume', 'backlog', 'resolved', 'frt', 'response', 'resolution', 'overdue', 'escalations', 'fcr',
  'csat', 'nps', 'ces', 'enps', 'aht', 'churn', 'repeat', 'selfservice', 'agents',
] as const;
export type MetricId = (typeof METRIC_IDS)[number];

export type Unit = 'count' | 'seconds' | 'percent' | 'score' | 'table';

/**
 * Units whose move against the previous period reads as a difference in
 * points, not a percent change: a rate going from 72% to 81% rose 9 points
 * (a "12%" would read as 12 points), and NPS crosses zero, where a percent
 * change means nothing. The JSON `change` stays a percent change (docs/report.md).
 */
export const MOVES_IN_POINTS: readonly Unit[] = ['percent', 'score'];

/** Metrics counted at one instant (the period's end, now for a period running to now), whatever the period's length: a threshold rule's window does not change them. */
export const METRICS_AT_AN_INSTANT: readonly MetricId[] = ['backlog', 'overdue'];

/** The values a metric can take (its formula's bounds), e.g. for a threshold that could ever fire: a percent 0-100, NPS and eNPS -100 to 100, CES 1-7. */
export function valueRange(id: MetricId): readonly [number, number] {
  if (id === 'nps' || id === 'enps') return [-100, 100];
  if (id === 'ces') return [1, 7];
  return METRICS[id].unit === 'percent' ? [0, 100] : [0, Number.POSITIVE_INFINITY];
}

/**
 * Whether a move shows as zero where it is shown (points to one decimal, a percent change as a whole percent): such a
 * move is no change, with no better or worse, rather than "▲ 0% · worse".
 */
export function moveShowsAsZero(result: { readonly value: number | null; readonly previous: { readonly value: number | null }; readonly change: number | null; readonly unit: Unit }): boolean {
  if (result.value === null || result.previous.value === null) return false;
  if (MOVES_IN_POINTS.includes(result.unit)) return Math.round(Math.abs(result.value - result.previous.value) * 10) === 0;
  return result.change !== null && Math.round(Math.abs(result.change)) === 0;
}

export interface MetricDefinition {
  readonly id: MetricId;
  readonly title: string;
  readonly unit: Unit;
  /** Which direction is good; null when neither is. */
  readonly higherIsBetter: boolean | null;
  readonly formula: string;
  readonly counts: string;
  readonly excludes: string;
  readonly edges: string;
  readonly vendors: string;
}

/** How frt and resolution count business hours (src/kpi/business-durations.ts). */
const BUSINESS_HOURS =
  'Business hours (the figures under "In business hours"; `details.business` in `kpibot report --json`) count only the open hours of the ticket\'s calendar, holidays closed: the calendar of its team (`kpibot sla team`; team names compare ignoring case and spaces), else the default calendar, else, with no calendar at all, every hour, so business hours equal calendar hours. The team is the ticket\'s latest; a calendar change recomputes every ticket. A span that lies wholly outside open hours (a ticket opened and answered on a Sunday) counts 0 s in business hours, so a business-hours median of 0 s means at least half the tickets were handled while the team was closed.';

const define = (definitions: MetricDefinition[]) => Object.fromEntries(definitions.map((d) => [d.id, d])) as Record<MetricId, MetricDefinition>;

/**
 * Metrics that count something other than tickets alone: ticket filters (team:, agent:...) cannot narrow
 * what they count, so none are accepted with them. Self-service usage divides help-centre sessions, which
 * have no team, agent or tag, by sessions plus tickets: filtering only the tickets would inflate it.
 */
export const UNFILTERABLE_COUNTS: Readonly<Partial<Record<MetricId, string>>> = {
  churn: 'customers', repeat: 'customers', enps: 'employees', selfservice: 'help-centre sessions',
};
export const METRICS_WITHOUT_TICKET_FILTERS = Object.keys(UNFILTERABLE_COUNTS) as readonly MetricId[];

/** Metrics whose n is not (only) tickets: the above, and NPS and CES, whose answers need not be about a ticket. Their replies never say "all tickets". */
export const METRICS_NOT_OF_TICKETS: readonly MetricId[] = [...METRICS_WITHOUT_TICKET_FILTERS, 'nps', 'ces'];

export const METRICS: Record<MetricId, MetricDefinition> = define([
  {
    id: 'summary', title: 'Summary', unit: 'table', higherIsBetter: null,
    formula: 'volume, backlog, frt, resolution, overdue, escalations, csat and fcr for the period, each beside its value for the previous period and whether the move is good.',
    counts: 'Each line follows its own metric\'s definition below.', excludes: 'Metrics whose data the bot does not receive show "no data".',
    edges: 'The previous period has the same calendar length: as many days, or the month, quarter or year before (see Periods).', vendors: 'Each line\'s notes below say how the helpdesks\' own version of it differs.',
  },
  {
    id: 'volume', title: 'Ticket volume', unit: 'count', higherIsBetter: null,
    formula: 'tickets created in the period; averages per day, week and month = tickets / the number of calendar days, ISO weeks and months in the period (in the workspace time zone).',
    counts: 'Every ticket whose creation time falls in the period, whatever its status now. Broken down by channel.',
    excludes: 'Deleted and spam tickets the helpdesk reports (see Common rules); merged tickets are counted as the helpdesk left them.',
    edges: 'A partial day, week or month counts as the fraction of it inside the period, so a period running to now is not diluted: a part of a day by its hours, a part of a week or month by its days; a 23- or 25-hour DST day counts as one day, in a week or month too.',
    vendors: 'Zendesk, Freshdesk and Zoho report "tickets created" the same way.',
  },
  {
    id: 'backlog', title: 'Backlog', unit: 'count', higherIsBetter: false,
    formula: 'tickets open at the end of the period: created before that end, and neither resolved nor closed by then.',
    counts: 'Statuses new, open, pending and on-hold. Age buckets by time since creation: under 1 d, 1-3 d, 3-7 d, over 7 d; a ticket exactly 1, 3 or 7 days old goes in the older bucket (exactly 7 d is over 7 d). Change against the backlog 7 days earlier: the same clock time seven calendar days before the period\'s end, in the workspace\'s zone (across a change of the clocks, 167 or 169 hours back). The oldest open ticket, with its link.',
    excludes: 'Solved and closed tickets.',
    edges: 'At a past instant each ticket counts in the state it was in then: one solved and reopened later counts as solved until its reopening, and open again from it.',
    vendors: 'Helpdesks\' "unsolved tickets" views show the same set at the present moment.',
  },
  {
    id: 'resolved', title: 'Resolved vs unresolved', unit: 'count', higherIsBetter: true,
    formula: 'resolved = tickets solved in the period and still solved at its end; unresolved = tickets created in the period and not resolved by its end; ratio = resolved / unresolved.',
    counts: 'Resolution = status set to solved or closed.', excludes: 'Tickets resolved before the period.',
    edges: 'ratio is "no data" when nothing is unresolved. Each ticket is taken as it stood at the period\'s end: one solved in the period and reopened after it counts as resolved then, not as unresolved, so a past period\'s count does not change when a ticket is reopened later; one solved and reopened within the period, and open at its end, is not resolved in it; one solved, reopened and solved again within it counts once.', vendors: 'Zendesk "solved tickets"; Freshdesk "resolved tickets".',
  },
  {
    id: 'frt', title: 'First response time', unit: 'seconds', higherIsBetter: false,
    formula: 'for each ticket created in the period that has had a response: first public agent reply - start; start = creation, or the customer\'s first message when an agent opened the ticket. Median (the headline), mean and p90, in calendar hours and in business hours.',
    counts: 'Public replies by a human agent.',
    excludes: 'Internal notes, bot and automatic replies; tickets with no response yet. Those are counted separately as "awaiting": tickets created in the period without a public agent reply, including those solved without one and those an agent opened whose customer has not written yet.',
    edges: `Percentiles interpolate between ranks (as PostgreSQL's percentile_cont). The headline is calendar time. ${BUSINESS_HOURS} Worked example: created Friday 17:00, answered Monday 09:30, on a Monday-Friday 09:00-17:00 calendar: 30 min in business hours, 64 h 30 min in calendar hours.`,
    vendors: 'Zendesk\'s first reply time skips an agent-created ticket\'s first agent comment but still starts at creation, and is reported in calendar and business hours as here; Intercom\'s time_to_admin_reply excludes out-of-office hours.',
  },
  {
    id: 'response', title: 'Response time', unit: 'seconds', higherIsBetter: false,
    formula: 'every wait from a customer message to the next public agent reply, for replies made in the period: median (headline), mean, p90.',
    counts: 'A wait starts at the first unanswered customer message (or the ticket\'s creation by the customer) and ends at the next public agent reply.',
    excludes: 'Internal notes and bot replies do not end a wait; a ticket solved without a reply ends it uncounted.',
    edges: 'Several customer messages in a row make one wait, from the first of them.',
    vendors: 'Help Scout "response time" averages all responses the same way.',
  },
  {
    id: 'resolution', title: 'Resolution time', unit: 'seconds', higherIsBetter: false,
    formula: 'first resolution: first solve - creation, for tickets first solved in the period; full resolution: latest solve - creation, for tickets last solved in the period. Median (headline: full, calendar hours), mean, p90, in calendar hours and in business hours.',
    counts: 'Solved or closed status.', excludes: 'Unresolved tickets.',
    edges: `A reopened ticket moves its full resolution to its latest solve. ${BUSINESS_HOURS} Worked example: created Thursday 16:00, solved Monday 10:00, Friday a holiday, on a Monday-Friday 09:00-17:00 calendar: 2 h in business hours.`,
    vendors: 'Matches Zendesk\'s first and full resolution time, in calendar and in business hours.',
  },
  {
    id: 'overdue', title: 'SLA overdue', unit: 'count', higherIsBetter: false,
    formula: 'at the period\'s end (now, while it runs): open tickets past a first-response or resolution due time they have not met; breached share: breached / tickets created in the period that have a target, in percent; a breach of any target (first response, next reply, resolution) counts.',
    counts: 'Due times from the SLA targets the helpdesk reports (Jira Service Management) or the bot\'s SLA policies.',
    excludes: 'Tickets without a target. The count leaves out next-reply targets (they show in the breached share and in SLA alerts).',
    edges: 'A target met late is a breach; an open ticket past its due time is a breach already. The resolution target is met by the latest solve: a ticket solved in time, reopened and solved again after its due time is a breach (Zendesk\'s full resolution target does the same). Next reply: each customer message after the first response, up to the agent reply that answers it; one answered late makes the ticket breached. A ticket an agent opened starts its first-response clock at the customer\'s first message, as frt does. A ticket solved without a public reply misses its first-response target once the due time passes (frt lists it as awaiting). A customer message on a solved ticket starts a next-reply clock too. A ticket whose clock is paused for good before its target has no due time: it counts among the tickets with a target, as not breached. The breached share is judged now, for a period that has ended too: a breach after the period\'s end counts for the tickets created in it. A period that has ended, and the previous period, are counted at their end as the tickets stood then: open then (a ticket solved then and reopened since is not), with a first reply due before it and not yet given, or a resolution due before it. Due times are those the policies in force compute.',
    vendors: 'Each helpdesk\'s SLA report uses its own policies; ours shows the same when the targets are the same.',
  },
  {
    id: 'escalations', title: 'Escalations', unit: 'count', higherIsBetter: false,
    formula: 'tickets first escalated in the period; rate = escalated / created in the period, in percent.',
    counts: 'The tag "escalated" added, priority raised to urgent, a move into a group of KPI_ESCALATION_GROUPS, or the helpdesk\'s own escalation flag.',
    excludes: 'A ticket escalated twice counts once, at its first escalation.',
    edges: 'The aim is a decrease: a rise is shown as worse. Raised to urgent means from a lower priority, or from none once the ticket exists (as a later move from no group into an escalation group); a ticket created urgent, or created in an escalation group, is not escalated by that. The tag is an explicit escalation mark: a ticket created with it (opened as an escalation) is escalated at its creation.', vendors: 'Freshdesk and Zoho "escalated" flags are included where sent.',
  },
  {
    id: 'fcr', title: 'First contact resolution', unit: 'percent', higherIsBetter: true,
    formula: 'tickets first solved in the period with exactly one public agent reply and never reopened / tickets first solved in the period, in percent.',
    counts: 'Public agent replies (bots and notes excluded).', excludes: 'From the numerator only (they stay in the denominator, as not resolved at first contact): tickets solved with no reply, or with two or more, or reopened.',
    edges: 'A ticket reopened later drops out of FCR when it is reopened. Replies after the solve count too: a ticket answered again after it was solved, without reopening, has two replies and drops out, in past periods too.',
    vendors: 'Zendesk\'s "one-touch" counts solved tickets with fewer than two agent replies (zero included); we do not count zero-reply tickets, which were not resolved by contact.',
  },
  {
    id: 'csat', title: 'Customer satisfaction (CSAT)', unit: 'percent', higherIsBetter: true,
    formula: 'satisfied answers / all answers, in percent: 4 or 5 on a 1-5 scale; "good" on good/bad surveys.',
    counts: 'Answers given in the period. A ticket counts once, with its latest answer, in the period that answer was given: a ticket rated again later leaves the earlier period (the helpdesks replace a changed rating too). Answers about no ticket each count.', excludes: 'The middle answer of a good / neutral / bad survey (Help Scout\'s and Zoho Desk\'s "Okay", Freshdesk\'s "Neutral"): the helpdesk webhooks and import skip it, and the generic format has no such value (a good-bad answer is good or bad).',
    edges: 'Worked example: 100 answers, 43 rate 4 and 29 rate 5 → 72%.', vendors: 'Help Scout\'s happiness score (great - not good) is a different number.',
  },
  {
    id: 'nps', title: 'Net Promoter Score', unit: 'score', higherIsBetter: true,
    formula: '% promoters (9-10) - % detractors (0-6), from -100 to 100.', counts: 'Answers on the 0-10 scale given in the period; a ticket counts once, with its latest answer, in the period that answer was given (as CSAT). Answers about no ticket each count, several from one customer too.', excludes: 'Answers on another scale (refused when sent).',
    edges: 'Worked example: 70 answer 9-10, 20 answer 7-8, 10 answer 0-6 → 60. A ticket filter keeps the answers about its tickets and leaves out answers about no ticket (relationship NPS).',
    vendors: 'None of the six helpdesks computes NPS now: Zendesk\'s NPS surveys (the same bands and formula) were withdrawn in April 2023. Send answers from your survey tool in the generic format (`survey.response`).',
  },
  {
    id: 'ces', title: 'Customer effort score', unit: 'score', higherIsBetter: true,
    formula: 'mean answer on the 1-7 scale (7 = very easy); also the share answering 5-7.', counts: 'Whole-number answers on the 1-7 scale given in the period; a ticket counts once, with its latest answer, in the period that answer was given (as CSAT). Answers about no ticket each count.', excludes: 'Answers on a 1-5 or another scale: refused when sent, never mixed into the mean.',
    edges: 'Worked example: answers 7, 6, 5 and 2 → mean 5, and 75% answered 5-7. A ticket filter keeps the answers about its tickets.',
    vendors: 'None of the six helpdesks has a built-in CES. The 1-7 agreement scale is the one of CEB/Gartner\'s CES 2.0 (7 = strongly agree that the issue was easy to handle); surveys still on the older 1-5 scale need converting before they are sent.',
  },
  {
    id: 'enps', title: 'Employee NPS', unit: 'score', higherIsBetter: true,
    formula: 'the NPS formula over employee pulse answers: % promoters (9-10) - % detractors (0-6).', counts: 'The answers of the pulse waves that started in the period, each wave whole. A wave is one pulse (`/kpi enps start`, or one survey id sent through the generic format); answers sent with no survey id form one wave per helpdesk per UTC calendar month. A wave starts at its first answer, and its later answers count with it, in that period.', excludes: 'Waves of fewer than 5 answers, in every period.',
    edges: 'Anonymity: a period holds whole waves of 5 or more answers, or none, so no answer (nor any handful) can be read off one report, or worked out by subtracting one period\'s report from another\'s (as counting answers one by one by their own time allowed). A wave still collecting answers changes as they come: whoever knows who answered between two looks can tell that person\'s effect, so read a pulse once it is over. Ticket filters are refused: answers belong to no ticket.',
    vendors: 'No helpdesk measures it; the bot asks the question itself (`/kpi enps start`), by DM, and stores who answered apart from the scores, which carry no Slack user.',
  },
  {
    id: 'aht', title: 'Average handle time', unit: 'seconds', higherIsBetter: false,
    formula: 'total handle time / tickets handled, for tickets first solved in the period that carry handle time.',
    counts: 'Handle time sent in the generic format (`ticket.handle_time`) or imported from a CSV column (time tracked).', excludes: 'Tickets with no handle time.',
    edges: 'Several reports for one ticket add up, including time logged after a reopening; the ticket counts once, in the period of its first solve. A ticket not yet solved is not counted.',
    vendors: 'Zoho Desk divides total handling time by tickets handled, as the bot does. Zendesk\'s Time Tracking app and Freshdesk\'s time entries record per-ticket totals to import. Intercom\'s conversation handling time counts only time a conversation is open and assigned to a teammate, and dates it by the customer\'s first message.',
  },
  {
    id: 'churn', title: 'Customer churn', unit: 'percent', higherIsBetter: false,
    formula: 'customers lost during the period / customers at its start, in percent.',
    counts: 'A customer\'s state at an instant follows their latest customer event before it: a churn, or anything else (became a customer, purchase, reactivated). Lost = a customer at the start who is not one at the end.', excludes: 'Customers gained during the period.',
    edges: 'Worked example: 100 customers at the start, 50 of them still customers 12 months later → 50%. A customer who leaves and comes back within the period is not lost; one who comes back after it still counts as lost in it. A churn and another event at the same instant count as a churn.',
    vendors: 'Not a helpdesk metric: none of the six reports it. Send customer events from your billing system or CRM in the generic format (`customer.*`).',
  },
  {
    id: 'repeat', title: 'Repeat purchase rate', unit: 'percent', higherIsBetter: true,
    formula: 'customers with 2 or more purchases in the period / customers with at least one, in percent.', counts: 'Purchase events; one sent again (the same id) counts once.', excludes: 'Customers with none in the period.',
    edges: 'Both purchases must fall in the period: a customer who bought once before it and once in it counts as a single buyer.',
    vendors: 'Not a helpdesk metric: none of the six reports it. Send purchases in the generic format (`customer.purchased`).',
  },
  {
    id: 'selfservice', title: 'Self-service usage', unit: 'percent', higherIsBetter: true,
    formula: 'self-service sessions resolved without a ticket / (those sessions + tickets created), in the period, in percent.',
    counts: 'Help-centre and bot sessions reported through the generic format, by their start time.', excludes: 'Sessions that led to a ticket (the ticket counts instead).',
    edges: 'A session sent again as having led to a ticket stops counting. Ticket filters are refused: sessions have no team, agent or tag, and narrowing only the tickets would inflate the share.',
    vendors: 'Zendesk\'s self-service score divides help-centre user sessions by users in tickets and shows a ratio such as 4:1, not a share. Intercom\'s Fin resolution rate counts conversations Fin resolved (confirmed or assumed) among those it took part in. Either can be sent as resolved sessions (`selfservice.session`).',
  },
  {
    id: 'agents', title: 'Agent performance', unit: 'table', higherIsBetter: null,
    formula: 'per assignee: solved, FRT median, resolution median, CSAT, FCR, AHT, open assigned now, overdue now.', counts: 'Each column as its metric above, for that agent\'s tickets: solved as `resolved` (solved in the period and still solved at its end); FCR and AHT over the tickets first solved in it; CSAT over the answers given in it about the agent\'s tickets; the medians as the headlines: FRT of tickets created in the period, full resolution (latest solve - creation) of tickets last solved in it.',
    excludes: 'Unassigned tickets.', edges: 'Sortable by any column. A ticket counts for its current assignee, for past periods too, and so do its ratings: reassigning a solved ticket moves it, with its CSAT. The open and overdue columns are counted now, whatever the period, and say so.',
    vendors: 'Freshdesk also credits resolved tickets to the agent assigned now. Zoho Desk and Help Scout show averages per agent where the bot shows medians; Zendesk Explore can show medians.',
  },
]);
