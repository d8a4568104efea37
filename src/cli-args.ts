/**
 * One way for every `kpibot` command to read its options: node's parseArgs,
 * strict, with its errors said in one short line that names the option and,
 * for an unknown one, the nearest known (`--perod` → did you mean "--period"?),
 * and points at the command's --help. Node's own message explains how to pass
 * a positional that starts with "-", which is not what a mistyped flag needs.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';
import { closestWord } from './kpi/suggest.js';

type Options = NonNullable<ParseArgsConfig['options']>;

/** How a problem with the options is said: in English on the command line; in the admin's language from Slack (`/kpi sla`). */
export interface ArgumentWords {
  unknownOption(option: string, nearest: string | undefined): string;
  needsValue(option: string): string;
  takesNoValue(option: string): string;
  unexpectedWord(word: string): string;
  onlyOptions(): string;
  givenTwice(option: string): string;
}

export const ENGLISH_ARGUMENT_WORDS: ArgumentWords = {
  unknownOption: (option, nearest) => `unknown option "${option}"${nearest === undefined ? '' : ` (did you mean "${nearest}"?)`}`,
  needsValue: (option) => `${option} needs a value`,
  takesNoValue: (option) => `${option} takes no value`,
  unexpectedWord: (word) => `unexpected word "${word}"`,
  onlyOptions: () => 'takes no words, only options',
  givenTwice: (option) => `${option} is given twice`,
};

/** `pointer` says where the options are listed, after the problem (by default, the command's --help). */
export function parseCommandArgs<T extends Options>(command: string, args: readonly string[], options: T, allowPositionals = true, pointer = `"kpibot ${command} --help" shows the options`, words: ArgumentWords = ENGLISH_ARGUMENT_WORDS) {
  const problem = (what: string) => new UsageError(`${what}; ${pointer}`);
  let parsed;
  try {
    parsed = parseArgs({ args: joinNegativeValues(args, options), options, allowPositionals, strict: true, tokens: true });
  } catch (error) {
    throw problem(argumentProblem(error, options, words));
  }
  const seen = new Set<string>();
  for (const token of parsed.tokens) {
    if (token.kind !== 'option' || options[token.name]?.multiple === true) continue;
    if (seen.has(token.name)) throw problem(words.givenTwice(`--${token.name}`));
    seen.add(token.name);
  }
  const { values, positionals } = parsed;
  return { values, positionals };
}

/**
 * `--limit -1` is a value that happens to be negative, not a missing value before another option: it is passed on as
 * `--limit=-1`, so the option's own check can say what it accepts. No option's name starts with a digit.
 */
function joinNegativeValues(args: readonly string[], options: Options): string[] {
  const joined: string[] = [];
  for (let i = 0; i < args.length; i += 1) {
    const arg = args[i] ?? '';
    if (arg === '--') return [...joined, ...args.slice(i)];
    const next = args[i + 1];
    const name = arg.startsWith('--') ? arg.slice(2) : undefined;
    if (name !== undefined && options[name]?.type === 'string' && next !== undefined && /^-\d/.test(next)) {
      joined.push(`${arg}=${next}`);
      i += 1;
    } else {
      joined.push(arg);
    }
  }
  return joined;
}

function argumentProblem(error: unknown, options: Options, words: ArgumentWords): string {
  const { code, message } = error as { code?: string; message?: string };
  const option = /'(-[^' ]*)/.exec(message ?? '')?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    return words.unknownOption(option, closestWord(option.split('=')[0] ?? option, Object.keys(options).map((name) => `--${name}`)));
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
    return /does not take an argument/.test(message ?? '') ? words.takesNoValue(option) : words.needsValue(option);
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const word = /'([^']*)'/.exec(message ?? '')?.[1];
    return word === undefined ? words.onlyOptions() : words.unexpectedWord(word);
  }
  return message ?? String(error);
}
