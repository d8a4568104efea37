/**
 * Block Kit building blocks with Slack's limits applied, so that no view we
 * build is ever refused by Slack: texts are clipped (with "…"), a section keeps
 * at most 10 fields, an actions block at most 25 elements, a context block at
 * most 10, and a message at most 50 blocks (100 on the Home tab). Views cut
 * their own lists with "and N more" before they reach these limits; the clips
 * here are the last guard.
 */
import type { types } from '@slack/bolt';
import { linkableUrl } from '../../ingest/values.js';
import { t } from '../../i18n/catalogue.js';
import type { Locale } from '../../i18n/locale.js';

export type Block = types.KnownBlock;
export type Button = types.Button;

/** A message as it is posted: plain `text` (notifications, screen readers, fallback) and blocks. */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: Block[];
}

/** Slack's documented limits (Block Kit reference, chat.postMessage, views.publish). */
export const LIMITS = {
  messageBlocks: 50,
  homeBlocks: 100,
  headerText: 150,
  sectionText: 3000,
  fields: 10,
  fieldText: 2000,
  contextElements: 10,
  contextText: 2000,
  actionsElements: 25,
  buttonText: 75,
  accessibilityLabel: 75,
  buttonValue: 2000,
  actionId: 255,
  fallbackText: 3000,
} as const;

const GRAPHEMES = new Intl.Segmenter(undefined, { granularity: 'grapheme' });

/**
 * `text` cut to `max` characters (UTF-16 units, as Slack counts), ending in "…" when cut, between two graphemes: never
 * half an emoji, a flag (🇹🇷) or a family (👨‍👩‍👧), nor a letter without its accent.
 */
export function clip(text: string, max: number): string {
  if (text.length <= max) return text;
  // Graphemes are read in a window around the cut only (a whole long text would cost far more than its length), a
  // little past it, so that the grapheme it falls in is seen whole (a flag's first half alone is a grapheme). A grapheme
  // longer than the window (a letter under hundreds of marks) is cut at the window's start, never inside a pair.
  let from = Math.max(0, max - 1 - 128);
  if (from > 0 && isLowSurrogate(text.charCodeAt(from))) from -= 1;
  let end = from;
  for (const { index, segment } of GRAPHEMES.segment(text.slice(from, max + 64))) {
    if (from + index + segment.length > max - 1) break;
    end = from + index + segment.length;
  }
  // Nor inside an escape (`&amp;`, `&lt;`, `&gt;`: escapeMrkdwn's), which Slack would show as typed ("&am…").
  const entity = /&(?:a|am|amp|l|lt|g|gt)?$/.exec(text.slice(Math.max(0, end - 4), end));
  if (entity !== null) end -= entity[0].length;
  return `${text.slice(0, end)}…`;
}

const isLowSurrogate = (code: number) => code >= 0xdc00 && code <= 0xdfff;

export function header(text: string): Block {
  return { type: 'header', text: { type: 'plain_text', text: clip(text, LIMITS.headerText), emoji: true } };
}

export function section(text: string, accessory?: Button): Block {
  return { type: 'section', text: { type: 'mrkdwn', text: clip(text, LIMITS.sectionText) }, ...(accessory === undefined ? {} : { accessory }) };
}

/**
 * Lines in as few sections as hold them (3,000 characters each), a line never split between two: a list of any
 * length keeps every line, and its "and N more" too. A line longer than a section alone is clipped. `code`: each
 * section its own code block, so no fence is left open.
 */
export function lineSections(lines: readonly string[], options: { readonly code?: boolean } = {}): Block[] {
  const fence = options.code === true ? '```' : '';
  const budget = LIMITS.sectionText - 2 * fence.length;
  const blocks: Block[] = [];
  let chunk: string[] = [];
  let length = 0;
  const flush = () => {
    if (chunk.length > 0) {
      const block = section(`${fence}${chunk.join('\n')}${fence}`);
      linesIn.set(block, chunk.length);
      blocks.push(block);
    }
    chunk = [];
    length = 0;
  };
  for (const whole of lines) {
    const line = clip(whole, budget);
    if (chunk.length > 0 && length + 1 + line.length > budget) flush();
    length += (chunk.length > 0 ? 1 : 0) + line.length;
    chunk.push(line);
  }
  flush();
  return blocks;
}

/** A section of label/value fields (two columns on desktop); at most 10 are kept. */
export function fields(items: readonly string[], text?: string): Block {
  return {
    type: 'section',
    ...(text === undefined ? {} : { text: { type: 'mrkdwn' as const, text: clip(text, LIMITS.sectionText) } }),
    fields: items.slice(0, LIMITS.fields).map((item) => ({ type: 'mrkdwn' as const, text: clip(item, LIMITS.fieldText) })),
  };
}

export function context(items: readonly string[]): Block {
  return { type: 'context', elements: items.slice(0, LIMITS.contextElements).map((item) => ({ type: 'mrkdwn' as const, text: clip(item, LIMITS.contextText) })) };
}

export function divider(): Block {
  return { type: 'divider' };
}

export interface ButtonSpec {
  readonly text: string;
  readonly actionId: string;
  readonly value?: string;
  readonly url?: string;
  readonly style?: 'primary' | 'danger';
  /** What a screen reader says instead of the text, where the text alone is ambiguous (several "Acknowledge" in a channel). */
  readonly accessibilityLabel?: string;
}

export function button(spec: ButtonSpec): Button {
  return {
    type: 'button',
    text: { type: 'plain_text', text: clip(spec.text, LIMITS.buttonText), emoji: true },
    action_id: clip(spec.actionId, LIMITS.actionId),
    // Never cut: a value cut short (a request's JSON) would make a button that does nothing; actions() leaves it out.
    ...(spec.value === undefined ? {} : { value: spec.value }),
    ...(spec.url === undefined || linkableUrl(spec.url) === undefined ? {} : { url: spec.url }),
    ...(spec.style === undefined ? {} : { style: spec.style }),
    ...(spec.accessibilityLabel === undefined ? {} : { accessibility_label: clip(spec.accessibilityLabel, LIMITS.accessibilityLabel) }),
  };
}

/** Buttons in a row; one whose value is over Slack's 2,000 characters (a request with absurdly long filters) is left out. */
export function actions(buttons: readonly Button[], blockId?: string): Block {
  const kept = buttons.filter((item) => (item.value ?? '').length <= LIMITS.buttonValue);
  return { type: 'actions', ...(blockId === undefined ? {} : { block_id: blockId }), elements: kept.slice(0, LIMITS.actionsElements) };
}

/**
 * The text Slack takes in one posted message's blocks, all together: chat.postMessage refuses more, at about 12,000
 * characters, with `msg_blocks_too_long` (not in Slack's reference; reported in bolt-js #2509 and #2867, whose limit
 * counts every text of every block). Posts (digests, alert lists) keep under it with room to spare; replies through a
 * response URL are not held to it.
 */
export const POSTED_TEXT_BUDGET = 11_000;
/** Room kept for the "and N more" line when blocks are left out for the text budget. */
const MORE_LINE_ROOM = 200;

/** Every text of a block, counted as Slack counts them against the budget. */
function textLength(block: Block): number {
  let length = 0;
  const walk = (value: unknown, key: string): void => {
    if (typeof value === 'string') {
      if (key === 'text') length += value.length;
    } else if (Array.isArray(value)) {
      for (const item of value) walk(item, key);
    } else if (typeof value === 'object' && value !== null) {
      for (const [name, inner] of Object.entries(value)) walk(inner, name);
    }
  };
  walk(block, '');
  return length;
}

/** How many lines of a list each section made by lineSections holds: what "and N more" counts when such sections are left out. */
const linesIn = new WeakMap<Block, number>();

/**
 * A message within the block limit: when there are more blocks than `max`, the
 * last kept block says how many were left out (`more(n)` gives its text): the
 * lines of a list (lineSections) when any were, else the blocks.
 */
export function message(text: string, given: readonly Block[], more: (n: number) => string, max: number = LIMITS.messageBlocks, maxText = Infinity): SlackMessage {
  const fallback = clip(text, LIMITS.fallbackText);
  // A row whose every button was left out (actions()) is no row: Slack refuses an empty actions block.
  const blocks = given.filter((block) => block.type !== 'actions' || block.elements.length > 0);
  // Text is measured only for a message held to a budget (a post): a reply is not.
  const sizes = maxText === Infinity ? blocks.map(() => 0) : blocks.map(textLength);
  if (blocks.length <= max && sizes.reduce((sum, size) => sum + size, 0) <= maxText) return { text: fallback, blocks: [...blocks] };
  // Past either limit: as many blocks as leave room for the closing line.
  let count = 0;
  let total = 0;
  while (count < Math.min(blocks.length, max - 1) && total + (sizes[count] ?? 0) <= maxText - MORE_LINE_ROOM) total += sizes[count++] ?? 0;
  const kept = blocks.slice(0, count);
  const dropped = blocks.slice(count);
  const lines = dropped.reduce((sum, block) => sum + (linesIn.get(block) ?? 0), 0);
  // Slack refuses a context with empty text: a view that says nothing of its own still says how many it left out.
  const left = lines > 0 ? lines : dropped.length;
  return { text: fallback, blocks: [...kept, context([more(left) || `… +${left}`])] };
}

/** A message in the reader's language: past its block limit, the last block says "and N more" in that language. */
export function messageIn(locale: Locale, text: string, given: readonly Block[], max: number = LIMITS.messageBlocks, maxText = Infinity): SlackMessage {
  return message(text, given, (n) => t(locale, 'list.more', { n }), max, maxText);
}

/** Text for a link in mrkdwn: `<url|label>`, with the characters Slack reserves escaped in the label. */
/** `<url|label>`; the label alone when the URL could break out of the markup (one kept before links were checked at ingest). */
export function link(url: string, label: string): string {
  return linkableUrl(url) === undefined ? escapeMrkdwn(label) : `<${url}|${escapeMrkdwn(label)}>`;
}

/** Slack's three control characters (&, <, >) escaped as Slack asks, for text that is not markup. */
export function escapeMrkdwn(text: string): string {
  return text.replaceAll('&', '&amp;').replaceAll('<', '&lt;').replaceAll('>', '&gt;');
}
