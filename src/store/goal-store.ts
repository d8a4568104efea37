/**
 * Goals (src/kpi/goals.ts): one per metric and scope, set again to change it. Every reply reads them all, so they
 * are few (MAX_GOALS).
 */
import { GOAL_FILTER_KEYS, GOAL_METRICS, goalScopeKey, isGoalMetric, MAX_GOALS, type Goal, type GoalFilters } from '../kpi/goals.js';
import type { MetricId } from '../kpi/definitions.js';
import { isMetricId } from '../kpi/request-words.js';
import { createHash } from 'node:crypto';
import { engineOf, type Database } from './database.js';

interface Row {
  metric: string;
  filters: string;
  target: number | string;
  set_by: string;
  updated_at: number | string;
}

export interface StoredGoal extends Goal {
  readonly setBy: string;
  readonly updatedAt: number;
}

/** What setting a goal did: added one, changed the one with the same metric and scope, or refused one past MAX_GOALS. */
export type GoalChange = { readonly kind: 'added' | 'changed'; readonly previous?: number } | { readonly kind: 'too_many' };

/** The scope as stored: a digest of its filters as the store compares them, so that long team and tag names fit the column on both engines. */
const storedScopeKey = (filters: GoalFilters): string => createHash('sha256').update(goalScopeKey(filters)).digest('hex');

/** A row's filters; undefined when its text cannot be read (edited by hand), which must not widen the goal to every ticket. */
function filtersOf(text: string): GoalFilters | undefined {
  try {
    const parsed = JSON.parse(text) as unknown;
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return undefined;
    const record = parsed as Record<string, unknown>;
    return Object.fromEntries(GOAL_FILTER_KEYS.flatMap((key) => (typeof record[key] === 'string' ? [[key, record[key]]] : []))) as GoalFilters;
  } catch {
    return undefined;
  }
}

export class GoalStore {
  constructor(private readonly db: Database) {}

  /** Every goal, in the order of the metrics (docs/metrics.md), then the wider scopes first. */
  async all(): Promise<StoredGoal[]> {
    const rows = (await this.db('kpi_goals').select('metric', 'filters', 'target', 'set_by', 'updated_at')) as Row[];
    // Each row's filters read once, with what it sorts by. A row whose filters cannot be read is left out: judged
    // against every ticket, a team's goal would be wrong.
    const goals = rows
      .filter((row) => isMetricId(row.metric) && isGoalMetric(row.metric))
      .flatMap((row) => {
        const filters = filtersOf(row.filters);
        if (filters === undefined) return [];
        const goal: StoredGoal = { metric: row.metric as MetricId, filters, target: Number(row.target), setBy: row.set_by, updatedAt: Number(row.updated_at) };
        return [{ goal, order: GOAL_METRICS.indexOf(goal.metric), size: Object.keys(filters).length, scope: goalScopeKey(filters) }];
      });
    goals.sort((a, b) => a.order - b.order || a.size - b.size || (a.scope < b.scope ? -1 : a.scope > b.scope ? 1 : 0));
    return goals.map(({ goal }) => goal);
  }

  /**
   * Sets the goal of a metric for a scope, replacing the one set before for the same scope (as the store compares
   * filters). Two admins at once are taken in turn (SQLite's write transactions are exclusive; PostgreSQL's table
   * lock here), so the cap holds and each is told what their own change did.
   */
  async set(goal: Goal, setBy: string, now: number): Promise<GoalChange> {
    const scopeKey = storedScopeKey(goal.filters);
    return this.db.transaction(async (trx) => {
      if (engineOf(this.db) === 'postgres') await trx.raw('LOCK TABLE kpi_goals IN SHARE ROW EXCLUSIVE MODE');
      const existing = (await trx('kpi_goals').select('target').where({ metric: goal.metric, scope_key: scopeKey }).first()) as { target: number | string } | undefined;
      const row = { filters: JSON.stringify(goal.filters), target: goal.target, set_by: setBy, updated_at: now };
      if (existing !== undefined) {
        await trx('kpi_goals').where({ metric: goal.metric, scope_key: scopeKey }).update(row);
        return { kind: 'changed', previous: Number(existing.target) } as const;
      }
      const count = Number(((await trx('kpi_goals').count({ n: '*' }).first()) as { n: number | string } | undefined)?.n ?? 0);
      if (count >= MAX_GOALS) return { kind: 'too_many' } as const;
      await trx('kpi_goals').insert({ metric: goal.metric, scope_key: scopeKey, ...row });
      return { kind: 'added' } as const;
    });
  }

  /** Removes the goal of a metric for exactly this scope; false when there was none. */
  async remove(metric: Goal['metric'], filters: GoalFilters): Promise<boolean> {
    return (await this.db('kpi_goals').where({ metric, scope_key: storedScopeKey(filters) }).delete()) > 0;
  }
}
