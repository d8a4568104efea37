import type { Knex } from 'knex';

// `kpibot sla holiday` took a day that does not exist (2026-02-30: the check
// rolled it over to a real date). Such a holiday made its calendar unusable:
// every SLA command and every webhook whose tickets it measured failed. The
// check is now a round trip; the rows it would have refused are removed here.
// They never counted as a day, so down has nothing to restore.
function isCalendarDate(text: string): boolean {
  const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
  if (!match) return false;
  const day = new Date(Date.UTC(Number(match[1]), Number(match[2]) - 1, Number(match[3])));
  return !Number.isNaN(day.getTime()) && day.toISOString().slice(0, 10) === text;
}

export async function up(knex: Knex): Promise<void> {
  const rows = (await knex('calendar_holidays').select('calendar_id', 'date')) as { calendar_id: number; date: string }[];
  for (const row of rows) {
    if (!isCalendarDate(row.date)) await knex('calendar_holidays').where({ calendar_id: row.calendar_id, date: row.date }).delete();
  }
}

export async function down(): Promise<void> {
  // Nothing to restore: the removed dates do not exist.
}
