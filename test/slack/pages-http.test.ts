/**
 * Replies that go by pages, through the real Bolt HTTP receiver with signed requests: the agents table
 * (`/kpi agents sort:<column>` orders it; Previous and Next turn its pages in place, in its order; Share keeps the
 * order), and a breakdown by a field of more than ten values. Slack's Web API and the response URLs are a fake on
 * loopback; the clock is fixed. The expected orders are worked out here from the tickets made.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { NormalizedEvent, TicketEvent } from '../../src/ingest/events.js';
import { decodeRef } from '../../src/slack/blocks/common.js';
import type { RecordedCall } from '../helpers/fake-slack.js';
import { startSlackWorld, type SlackWorld } from '../helpers/slack-world.js';
import { TEST_ENGINE } from '../helpers/databases.js';

const NOW = Date.parse('2026-11-20T10:00:00Z');
const MIN = 60_000;
const HOUR = 60 * MIN;

/**
 * 45 agents: agent i has i % 3 + 1 tickets, each answered after (7i mod 45) + 1 minutes (a different median each)
 * and solved, in team i mod 25 (teams 0-19 have two agents, 20-24 one).
 */
const AGENTS = Array.from({ length: 45 }, (_, i) => ({ name: `Agent ${String(i).padStart(2, '0')}`, email: `agent${i}@example.com`, tickets: (i % 3) + 1, wait: (((7 * i) % 45) + 1) * MIN, team: `Team ${String(i % 25).padStart(2, '0')}` }));

function fixture(): NormalizedEvent[] {
  const events: TicketEvent[] = [];
  AGENTS.forEach((agent, i) => {
    const actor = { type: 'agent' as const, id: `a-${i}`, email: agent.email, name: agent.name };
    for (let k = 0; k < agent.tickets; k++) {
      const id = `T-${i}-${k}`;
      const at = NOW - 48 * HOUR + k * MIN;
      events.push(
        { kind: 'ticket', type: 'ticket_created', externalTicketId: id, occurredAt: at, actor: { type: 'customer', id: `c-${i}` }, data: { status: 'new', assignee: actor, team: agent.team }, dedupeKey: `${id}:1` },
        { kind: 'ticket', type: 'agent_reply', externalTicketId: id, occurredAt: at + agent.wait, actor, data: { status: 'pending' }, dedupeKey: `${id}:2` },
        { kind: 'ticket', type: 'status_changed', externalTicketId: id, occurredAt: at + agent.wait + HOUR, actor, data: { status: 'solved' }, dedupeKey: `${id}:3` },
      );
    }
  });
  return events;
}

type Block = { type: string; text?: { text: string }; elements?: { action_id?: string; value?: string; text?: string | { text: string } }[] };
const blocksOf = (call: RecordedCall) => (call.args.blocks ?? []) as Block[];
/** The agents a page shows, in order. */
const namesOf = (call: RecordedCall) => blocksOf(call).filter((block) => block.type === 'section').map((block) => /^\*(Agent \d\d)\*/.exec(block.text?.text ?? '')?.[1]).filter((name) => name !== undefined);
const buttonOf = (call: RecordedCall, prefix: string) => blocksOf(call).flatMap((block) => (block.type === 'actions' ? block.elements ?? [] : [])).find((element) => (element.action_id ?? '').startsWith(prefix));
const contextOf = (call: RecordedCall) => blocksOf(call).filter((block) => block.type === 'context').flatMap((block) => (block.elements ?? []).map((element) => (typeof element.text === 'string' ? element.text : element.text?.text ?? ''))).join('\n');

describe(`replies by pages over HTTP: the agents table's sort: and pages, a breakdown's pages (Bolt receiver, signed requests) on ${TEST_ENGINE}`, () => {
  let world: SlackWorld;
  // Most solved first, a tie by name; fastest first response first.
  const bySolved = [...AGENTS].sort((a, b) => b.tickets - a.tickets || a.name.localeCompare(b.name)).map((agent) => agent.name);
  const byFrt = [...AGENTS].sort((a, b) => a.wait - b.wait).map((agent) => agent.name);

  beforeAll(async () => {
    world = await startSlackWorld({ now: NOW, events: fixture() });
  });
  afterAll(async () => {
    await world.dispose();
  });
  const command = (words: string) => world.command(words);
  const click = (button: { action_id?: string; value?: string } | undefined) => world.click(button);

  it('is sorted by solved, most first, twenty agents a page, and says so', async () => {
    const first = await command('agents 7d');
    expect(namesOf(first)).toEqual(bySolved.slice(0, 20));
    expect(contextOf(first)).toContain('Sorted by Solved, highest first');
    expect(contextOf(first)).toContain('Page 1 of 3 · 45');
    expect(buttonOf(first, 'kpi_agents_page:prev')).toBeUndefined();
    const second = await click(buttonOf(first, 'kpi_agents_page:next'));
    expect(second.args.replace_original).toBe(true);
    expect(namesOf(second)).toEqual(bySolved.slice(20, 40));
  });

  it('sort:frt orders by first response median, fastest first; every page keeps the order, and Share posts it', async () => {
    const first = await command('agents 7d sort:frt');
    expect(contextOf(first)).toContain('Sorted by FRT median, lowest first');
    expect(namesOf(first)).toEqual(byFrt.slice(0, 20));
    const second = await click(buttonOf(first, 'kpi_agents_page:next'));
    expect(namesOf(second)).toEqual(byFrt.slice(20, 40));
    const third = await click(buttonOf(second, 'kpi_agents_page:next'));
    expect(namesOf(third)).toEqual(byFrt.slice(40));
    expect(contextOf(third)).toContain('Page 3 of 3 · 45');
    expect(buttonOf(third, 'kpi_agents_page:next')).toBeUndefined();
    const back = await click(buttonOf(third, 'kpi_agents_page:prev'));
    expect(namesOf(back)).toEqual(byFrt.slice(20, 40));
    const share = buttonOf(back, 'kpi_share');
    expect(decodeRef(share?.value)).toMatchObject({ m: 'agents', s: 'frtMedian' });
    const shared = await click(share);
    expect(shared.args.response_type).toBe('in_channel');
    expect(namesOf(shared)).toEqual(byFrt.slice(0, 20));
    // Posted in the channel, the first page stays as posted: no page buttons (a click would rewrite the channel's
    // message as the clicker's own answer), and "and 25 more".
    expect(buttonOf(shared, 'kpi_agents_page')).toBeUndefined();
    expect(contextOf(shared)).toContain('and 25 more');
  });

  it('a breakdown by team of 25 teams: ten a page, most active first (each page largest first), with where it is; no "and N more"', async () => {
    // Each ticket is created and solved in the week: a team is as active as it has tickets; ties by name.
    const tickets = new Map<string, number>();
    for (const agent of AGENTS) tickets.set(agent.team, (tickets.get(agent.team) ?? 0) + agent.tickets);
    const ranked = [...tickets].sort(([a, x], [b, y]) => y - x || a.localeCompare(b)).map(([team, n]) => `${team}  ${n}`);
    const rowsOf = (call: RecordedCall) => blocksOf(call).filter((block) => block.type === 'section').flatMap((block) => (block.text?.text ?? '').split('\n')).map((line) => /\*(Team \d\d)\*\s+(\d+)/.exec(line)).filter((m) => m !== null).map((m) => `${m[1]}  ${m[2]}`);
    const first = await command('volume 7d by:team');
    expect(rowsOf(first)).toEqual(ranked.slice(0, 10));
    expect(contextOf(first)).toContain('Page 1 of 3 · 25');
    expect(JSON.stringify(first.args.blocks)).not.toContain('more');
    const second = await click(buttonOf(first, 'kpi_breakdown_page:next'));
    expect(second.args.replace_original).toBe(true);
    expect(rowsOf(second)).toEqual(ranked.slice(10, 20));
    const third = await click(buttonOf(second, 'kpi_breakdown_page:next'));
    expect(rowsOf(third)).toEqual(ranked.slice(20));
    expect(buttonOf(third, 'kpi_breakdown_page:next')).toBeUndefined();
    expect(rowsOf(await click(buttonOf(third, 'kpi_breakdown_page:prev')))).toEqual(ranked.slice(10, 20));
    // Shared from any page: the first, as posted, with "and 15 more" and no page buttons.
    const shared = await click(buttonOf(second, 'kpi_share'));
    expect(rowsOf(shared)).toEqual(ranked.slice(0, 10));
    expect(buttonOf(shared, 'kpi_breakdown_page')).toBeUndefined();
    expect(JSON.stringify(shared.args.blocks)).toContain('and 15 more');
  });

  it('refuses a column it does not have, naming the nearest, and sort: on anything but the agents table', async () => {
    expect(JSON.stringify((await command('agents sort:csta')).args)).toContain('sort:csat');
    expect(JSON.stringify((await command('frt 7d sort:frt')).args)).toContain('`sort:frt`');
  });
});
