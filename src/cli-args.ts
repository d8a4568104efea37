/**
 * One way for every `kpibot` command to read its options: node's parseArgs,
 * strict, with its errors said in one short line that names the option and,
 * for an unknown one, the nearest known (`--perod` → did you mean "--period"?),
 * and points at the command's --help. Node's own message explains how to pass
 * a positional that starts with "-", which is not what a mistyped flag needs.
 */
import { parseArgs, type ParseArgsConfig } from 'node:util';
import { UsageError } from './errors.js';
import { didYouMean } from './kpi/suggest.js';

type Options = NonNullable<ParseArgsConfig['options']>;

export function parseCommandArgs<T extends Options>(command: string, args: readonly string[], options: T, allowPositionals = true) {
  try {
    return parseArgs({ args: [...args], options, allowPositionals, strict: true });
  } catch (error) {
    throw new UsageError(`${argumentProblem(error, options)}; "kpibot ${command} --help" shows the options`);
  }
}

function argumentProblem(error: unknown, options: Options): string {
  const { code, message } = error as { code?: string; message?: string };
  const option = /'(-[^' ]*)/.exec(message ?? '')?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && option !== undefined) {
    return `unknown option "${option}"${didYouMean(option.split('=')[0] ?? option, Object.keys(options).map((name) => `--${name}`))}`;
  }
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && option !== undefined) {
    return /does not take an argument/.test(message ?? '') ? `${option} takes no value` : `${option} needs a value`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    const word = /'([^']*)'/.exec(message ?? '')?.[1];
    return word === undefined ? 'takes no words, only options' : `unexpected word "${word}"`;
  }
  return message ?? String(error);
}
