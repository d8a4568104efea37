/**
 * The local console: with no Slack token, a person types `/kpi backlog` (or
 * pipes commands in, one per line) and sees the reply rendered as it would
 * look in Slack. `home` shows the Home tab; `click 2` presses button [2 …] of
 * the last reply that had buttons, as a click in Slack would. When the input ends, the console
 * stops reading; the process keeps serving webhooks and schedules.
 */
import { createInterface } from 'node:readline';
import type { Readable, Writable } from 'node:stream';
import type { Logger } from '../logger.js';
import { answerAction, answerCommand, answerHome, type Answer, type Asker, type AnswerDeps } from './answer.js';
import { consoleId, consoleName, pressableButtons, renderMessage, type ConsoleButton, type RenderableMessage } from './console-render.js';

export { CONSOLE_USER } from './console-render.js';

const PROMPT = 'kpi> ';

/** Whether the console's prompt is the last thing on the terminal (typed after, not yet answered). */
export interface PromptLine {
  shown: boolean;
}

/**
 * The log's destination on a terminal that also shows the console: a log line written while the prompt waits goes on
 * a line of its own (the prompt's erased first) and the prompt is shown again after it, instead of a JSON line
 * running on from `kpi> `.
 */
export function besidePrompt(output: Writable, promptLine: PromptLine): { write(line: string): void } {
  return {
    write(line: string) {
      output.write(promptLine.shown ? `\r\x1b[2K${line}${PROMPT}` : line);
    },
  };
}

export interface ConsoleOptions {
  readonly input: Readable;
  readonly output: Writable;
  readonly asker: Asker;
  readonly deps: AnswerDeps;
  readonly logger: Logger;
  /** Show a prompt (an interactive terminal). */
  readonly prompt?: boolean;
  /** Kept up to date with whether the prompt waits (besidePrompt reads it). */
  readonly promptLine?: PromptLine;
  /** The database holds no tickets yet: say where data comes from, so a first answer of 0 is not a surprise. */
  readonly noTicketsYet?: boolean;
}

export interface RunningConsole {
  /** Resolves when the input has ended and every line read has been answered. */
  readonly done: Promise<void>;
  close(): void;
}

export function startConsole(options: ConsoleOptions): RunningConsole {
  const { output, asker, deps, logger } = options;
  const lines = createInterface({ input: options.input, terminal: false });
  const write = (text: string) => output.write(`${text}\n`);
  const prompt = () => {
    if (options.prompt !== true) return;
    output.write(PROMPT);
    if (options.promptLine !== undefined) options.promptLine.shown = true;
  };
  write('Local console: type `/kpi help` (or just `help`), a KPI such as `frt 7d`, or `home`; `click 2` presses a reply\'s button [2 …] (Ctrl-D stops reading; the server keeps running).');
  if (options.noTicketsYet === true) {
    write('No tickets yet, so every KPI reads 0 or "no data". To see it with data: `npm start -- --demo` loads a sample workspace; `kpibot import <file.csv>` loads a helpdesk export; docs/sources/ says how to connect a helpdesk\'s webhooks.');
  }
  prompt();
  // The buttons of the last message shown that had any, which `click N` presses: as in Slack, a reply with none
  // (Explain's) leaves the one before it clickable.
  let buttons: readonly ConsoleButton[] = [];
  const show = (message: RenderableMessage, heading?: string) => {
    const pressable = pressableButtons(message);
    if (pressable.length > 0) buttons = pressable;
    write(`${heading === undefined ? '' : `${heading}\n`}${renderMessage(message, consoleName, pressable)}`);
  };
  const showAnswer = (answer: Answer) => show(answer.message, answer.share ? '→ posted in the channel' : answer.replace === true ? '→ in place of the reply above' : '→ only visible to you');
  // Lines are answered one at a time, in order, however fast they are piped in.
  let queue = Promise.resolve();
  lines.on('line', (line) => {
    // The line typed ended the prompt's line: logs from here go as they are, until the next prompt.
    if (options.promptLine !== undefined) options.promptLine.shown = false;
    queue = queue.then(async () => {
      const text = line.trim();
      if (text === '') return prompt();
      try {
        const click = /^(?:click|press)\s+(\S+)$/i.exec(text);
        if (text === 'home') {
          show(await answerHome(asker, deps));
        } else if (click !== null) {
          const number = Number(click[1]);
          const button = Number.isInteger(number) ? buttons[number - 1] : undefined;
          if (button === undefined) {
            write(buttons.length === 0 ? 'No reply has a button to press yet.' : `No button ${click[1] ?? ''}: the last reply with buttons has ${buttons.length === 1 ? 'button 1' : `buttons 1 to ${buttons.length}`}.`);
          } else {
            showAnswer(await answerAction(button.actionId, button.value, asker, deps));
          }
        } else {
          // `/kpi frt 7d`, `kpi frt 7d` and plain `frt 7d` are the same command; another slash command is not ours.
          const match = /^\/?kpi(?:\s+([\s\S]*))?$/i.exec(text);
          if (match === null && text.startsWith('/')) {
            write(`"${text}" is not a command here: type \`/kpi help\`.`);
          } else {
            showAnswer(await answerCommand(escapeLikeSlack(match === null ? text : (match[1] ?? '')), asker, deps));
          }
        }
      } catch (error) {
        logger.error({ err: error, line: text }, 'console command failed');
        write(`That failed: ${error instanceof Error ? error.message : String(error)}`);
      }
      write('');
      prompt();
    });
  });
  const done = new Promise<void>((resolve) => {
    lines.on('close', () => {
      void queue.then(() => {
        logger.info('console input ended: no more commands are read; webhooks and schedules go on');
        resolve();
      });
    });
  });
  return { done, close: () => lines.close() };
}

/**
 * Slack's client turns a picked `#channel` or `@person` into `<#C…|channel>` or
 * `<@U…|person>` before the command reaches us; a terminal cannot, so the
 * console does it, with a made-up id from the name (`#support` →
 * `<#CSUPPORT|support>`, `@ayu` → `<@UAYU|ayu>`).
 */
export function escapeLikeSlack(text: string): string {
  return text
    .replace(/(^|\s)#([a-z0-9][a-z0-9_-]*)(?=\s|$)/gi, (_, space: string, name: string) => `${space}<#${consoleId('C', name)}|${name}>`)
    .replace(/(^|\s)@([a-z0-9][a-z0-9._-]*)(?=\s|$)/gi, (_, space: string, name: string) => `${space}<@${consoleId('U', name)}|${name}>`);
}
