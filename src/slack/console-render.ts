/**
 * A Slack message rendered as terminal text, faithfully enough to judge a
 * reply in the local console: the header underlined, sections and fields,
 * context lines, buttons listed, links and mentions made readable.
 */
import type { types } from '@slack/bolt';

type AnyBlock = types.KnownBlock | types.Block;

export interface RenderableMessage {
  readonly text: string;
  readonly blocks?: readonly AnyBlock[];
}

/** The console's user: the person at the terminal runs the bot, so they are its admin. */
export const CONSOLE_USER = 'U0CONSOLE';

/** The name to show for a mention or channel link that carries only an id (`<@U1>`, `<#C1>`); the id itself by default. */
export type NameOf = (id: string) => string;

const asId: NameOf = (id) => id;

/**
 * The names the console made ids from (`#ops` → `COPS`, see escapeLikeSlack),
 * so that it shows back what was typed instead of the made-up id. An id it did
 * not make in this run (one kept in the database from an earlier run) reads as
 * the id's letters after the first, lower case: the name, less any `-` or `_`.
 */
const consoleNames = new Map<string, string>([[CONSOLE_USER, 'console']]);

/** The console's made-up id for `#name` (prefix C) or `@name` (prefix U), remembered so that `consoleName` gives the name back. */
export function consoleId(prefix: 'C' | 'U', name: string): string {
  // `@console` is the console's own user, who types the commands (linked with `/kpi link @console …`, its digests).
  if (prefix === 'U' && name.toLowerCase() === 'console') return CONSOLE_USER;
  const id = `${prefix}${name.toUpperCase().replace(/[^A-Z0-9]/g, '')}`;
  consoleNames.set(id, name);
  return id;
}

export const consoleName: NameOf = (id) => consoleNames.get(id) ?? id.slice(1).toLowerCase();

/** A button the console can press for the person at the terminal (`click 2`): what Slack would send us for it. */
export interface ConsoleButton {
  readonly actionId: string;
  readonly value: string | undefined;
}

/**
 * The buttons of a message that the console can press, in the order they are shown: ours (`kpi_…`: Share, Explain,
 * Previous and Next...), not links. `renderMessage` numbers them given this list.
 */
export function pressableButtons(message: RenderableMessage): readonly (ConsoleButton & { readonly element: object })[] {
  const found: (ConsoleButton & { element: object })[] = [];
  for (const block of message.blocks ?? []) {
    const b = block as unknown as Record<string, unknown>;
    const accessory = b.accessory as Record<string, unknown> | undefined;
    const elements = block.type === 'actions' ? ((b.elements as Record<string, unknown>[] | undefined) ?? []) : block.type === 'section' && accessory !== undefined ? [accessory] : [];
    for (const element of elements) {
      if (element.type === 'button' && typeof element.action_id === 'string' && element.action_id.startsWith('kpi_') && element.url === undefined) {
        found.push({ actionId: element.action_id, value: typeof element.value === 'string' ? element.value : undefined, element });
      }
    }
  }
  return found;
}

/**
 * The message as lines of text; without blocks, its `text`. `names` names the ids of bare mentions and channel links;
 * buttons in `pressable` (see pressableButtons) show their number: `[2 Next ›]`.
 */
export function renderMessage(message: RenderableMessage, names: NameOf = asId, pressable: readonly { readonly element: object }[] = []): string {
  const blocks = message.blocks ?? [];
  if (blocks.length === 0) return mrkdwnToText(message.text, names);
  const numberOf = (element: object) => pressable.findIndex((button) => button.element === element) + 1;
  return blocks.map((block) => renderBlock(block, names, numberOf)).filter((text) => text !== '').join('\n');
}

function renderBlock(block: AnyBlock, names: NameOf, numberOf: (element: object) => number): string {
  const textOf = (value: unknown) => textIn(value, names);
  const buttonText = (element: Record<string, unknown>) => buttonIn(element, names, numberOf(element));
  const b = block as unknown as Record<string, unknown>;
  switch (block.type) {
    case 'header': {
      const text = textOf(b.text);
      return `${text}\n${'═'.repeat(Math.min(60, [...text].length))}`;
    }
    case 'section': {
      const lines: string[] = [];
      if (b.text !== undefined) lines.push(textOf(b.text));
      const items = (b.fields as unknown[] | undefined) ?? [];
      for (let index = 0; index < items.length; index += 2) {
        const left = textOf(items[index]).split('\n').join(' ');
        const right = index + 1 < items.length ? textOf(items[index + 1]).split('\n').join(' ') : '';
        lines.push(right === '' ? `  ${left}` : `  ${left.padEnd(34)}  ${right}`);
      }
      const accessory = b.accessory as Record<string, unknown> | undefined;
      if (accessory?.type === 'button') lines.push(`  ${buttonText(accessory)}`);
      return lines.join('\n');
    }
    case 'context':
      return `  ${((b.elements as unknown[] | undefined) ?? []).map(textOf).join('  ·  ')}`;
    case 'divider':
      return '─'.repeat(40);
    case 'actions':
      return `  ${((b.elements as Record<string, unknown>[] | undefined) ?? []).map(buttonText).join(' ')}`;
    default:
      return b.text === undefined ? '' : textOf(b.text);
  }
}

function buttonIn(element: Record<string, unknown>, names: NameOf, number: number): string {
  const url = typeof element.url === 'string' ? ` (${element.url})` : '';
  return `[${number > 0 ? `${number} ` : ''}${textIn(element.text, names)}]${url}`;
}

function textIn(value: unknown, names: NameOf): string {
  if (typeof value === 'string') return mrkdwnToText(value, names);
  if (value !== null && typeof value === 'object' && 'text' in value && typeof value.text === 'string') {
    return 'type' in value && value.type === 'plain_text' ? value.text : mrkdwnToText(value.text, names);
  }
  return '';
}

/**
 * `<url|label>` → `label (url)`, `<@U1>` → `@U1`, `<#C1|name>` → `#name`, emphasis dropped, entities decoded; a
 * ```code block``` on lines of its own, indented, without its fences.
 */
export function mrkdwnToText(text: string, names: NameOf = asId): string {
  const parts = text.split(/```([\s\S]*?)```/);
  let out = '';
  parts.forEach((part, index) => {
    if (index % 2 === 0) {
      out += inlineText(index > 0 && part !== '' && !part.startsWith('\n') ? `\n${part}` : part, names);
      return;
    }
    const lines = part.replace(/^\n|\n$/g, '').split('\n').map((line) => `  ${decodeEntities(line)}`);
    out += `${out === '' || out.endsWith('\n') ? '' : '\n'}${lines.join('\n')}`;
  });
  return out;
}

const decodeEntities = (text: string) => text.replace(/&lt;/g, '<').replace(/&gt;/g, '>').replace(/&amp;/g, '&');

function inlineText(text: string, names: NameOf): string {
  const plain = text
    .replace(/<@([A-Z0-9]+)(?:\|([^>]+))?>/g, (_, id: string, name?: string) => `@${name ?? names(id)}`)
    .replace(/<#([A-Z0-9]+)(?:\|([^>]*))?>/g, (_, id: string, name?: string) => `#${name === undefined || name === '' ? names(id) : name}`)
    .replace(/<!([a-z]+)(?:\|[^>]*)?>/g, (_, name: string) => `@${name}`)
    .replace(/<([^|>]+)\|([^>]+)>/g, (_, url: string, label: string) => `${label} (${url})`)
    .replace(/<([^>]+)>/g, '$1')
    // *bold* and _italic_ read as plain words on a terminal (code spans keep theirs).
    .split(/(`[^`\n]*`)/)
    .map((part) => (part.startsWith('`') ? part : part.replace(/\*([^*\n]+)\*/g, '$1').replace(/(^|\s)_([^_\n]+)_(?=\s|$)/gm, '$1$2')))
    .join('');
  return decodeEntities(plain);
}
