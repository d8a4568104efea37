import { describe, expect, it } from 'vitest';
import { PassThrough } from 'node:stream';
import { consoleName, mrkdwnToText, pressableButtons, renderMessage } from '../../src/slack/console-render.js';
import { consolePoster } from '../../src/slack/poster.js';
import { escapeLikeSlack } from '../../src/slack/console.js';

describe('the console rendering of a Slack message', () => {
  it('reads links, mentions, channels and entities; drops emphasis but keeps code spans whole', () => {
    expect(mrkdwnToText('*Digests*\n• <#C1|support>: `0 9 * * *` · _note_ <https://x.example/t/1|#1> <@U1> &lt;3 &amp;')).toBe('Digests\n• #support: `0 9 * * *` · note #1 (https://x.example/t/1) @U1 <3 &');
  });

  it('shows a ```code block``` on lines of its own, indented, without fences, its text as written (no emphasis dropped)', () => {
    expect(mrkdwnToText('```#1  Urgent: first response 1 h *all*\n#2  High &lt;4 h&gt;```')).toBe('  #1  Urgent: first response 1 h *all*\n  #2  High <4 h>');
    expect(mrkdwnToText('*Policies*\n```#1 a```\nCalendars: _none_')).toBe('Policies\n  #1 a\nCalendars: none');
    expect(mrkdwnToText('Policies: ```#1 a``` end')).toBe('Policies: \n  #1 a\n end');
  });

  it('shows a header underlined, fields in two columns, context and buttons', () => {
    const text = renderMessage({
      text: 'fallback',
      blocks: [
        { type: 'header', text: { type: 'plain_text', text: 'Backlog: 2' } },
        { type: 'section', fields: [{ type: 'mrkdwn', text: '*Open < 1 day*\n1' }, { type: 'mrkdwn', text: '*Open > 7 days*\n1' }] },
        { type: 'context', elements: [{ type: 'mrkdwn', text: 'last 30 days' }, { type: 'mrkdwn', text: 'n = 2' }] },
        { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Explain' }, action_id: 'a' }, { type: 'button', text: { type: 'plain_text', text: 'Open' }, action_id: 'b', url: 'https://x.example' }] },
      ],
    });
    expect(text).toBe(['Backlog: 2', '══════════', '  Open < 1 day 1                      Open > 7 days 1', '  last 30 days  ·  n = 2', '  [Explain] [Open] (https://x.example)'].join('\n'));
  });

  it('numbers the buttons the console can press (ours, in the order shown), not links nor other apps\' actions', () => {
    const message = {
      text: 'fallback',
      blocks: [
        { type: 'section', text: { type: 'mrkdwn', text: 'Tickets' }, accessory: { type: 'button', text: { type: 'plain_text', text: 'Show tickets' }, action_id: 'kpi_show_tickets', value: 'v1' } },
        { type: 'actions', elements: [{ type: 'button', text: { type: 'plain_text', text: 'Open' }, action_id: 'kpi_open', url: 'https://x.example' }, { type: 'button', text: { type: 'plain_text', text: 'Ack' }, action_id: 'alert_ack', value: 'v2' }, { type: 'button', text: { type: 'plain_text', text: 'Share' }, action_id: 'kpi_share', value: 'v3' }] },
      ],
    } as const;
    const pressable = pressableButtons(message);
    expect(pressable.map(({ actionId, value }) => ({ actionId, value }))).toEqual([{ actionId: 'kpi_show_tickets', value: 'v1' }, { actionId: 'kpi_share', value: 'v3' }]);
    expect(renderMessage(message, consoleName, pressable)).toBe(['Tickets', '  [1 Show tickets]', '  [Open] (https://x.example) [Ack] [2 Share]'].join('\n'));
  });

  it('turns a typed #channel and @person into the escaped forms Slack sends', () => {
    expect(escapeLikeSlack('subscribe #support-leads daily 09:00 tag:#x')).toBe('subscribe <#CSUPPORTLEADS|support-leads> daily 09:00 tag:#x');
    expect(escapeLikeSlack('alerts team Billing #billing-alerts @ayu.s')).toBe('alerts team Billing <#CBILLINGALERTS|billing-alerts> <@UAYUS|ayu.s>');
    expect(escapeLikeSlack('link @ayu ayu@example.com')).toBe('link <@UAYU|ayu> ayu@example.com');
    // `@console` is the console's own user, so `/kpi link @console …` then `/kpi digest me …` and the Home tab work.
    expect(escapeLikeSlack('link @console ayu@example.com')).toBe('link <@U0CONSOLE|console> ayu@example.com');
  });

  it('shows the console\'s made-up ids by the names typed: a reply says #billing-alerts, not #CBILLINGALERTS; ids from an earlier run by their letters', async () => {
    const reply = { text: '', blocks: [{ type: 'section', text: { type: 'mrkdwn', text: `Done: ${escapeLikeSlack('#billing-alerts').replace(/\|[^>]*>/, '>')} gets alerts; lead <@UZED>; by <@U0CONSOLE>` } }] } as const;
    expect(renderMessage(reply, consoleName)).toBe('Done: #billing-alerts gets alerts; lead @zed; by @console');
    // Without the console's names (Slack's own messages in tests), ids stay ids.
    expect(renderMessage(reply)).toBe('Done: #CBILLINGALERTS gets alerts; lead @UZED; by @U0CONSOLE');
    // The console's posts name their target the same way.
    const out = new PassThrough();
    let printed = '';
    out.on('data', (chunk: Buffer) => (printed += chunk.toString()));
    const poster = consolePoster(out);
    await poster.post('CBILLINGALERTS', { text: 'hello <#COPS>', blocks: [] });
    await poster.post('UZED', { text: 'hi', blocks: [] });
    expect(printed).toBe('→ #billing-alerts\nhello #ops\n\n→ DM @zed\nhi\n\n');
  });
});
