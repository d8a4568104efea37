/**
 * The replies made mostly of words: help, a metric's explanation, a command
 * error, a refusal. Pure `(viewModel, locale) → { text, blocks }`.
 */
import { METRICS, type MetricId } from '../../kpi/definitions.js';
import { t } from '../../i18n/catalogue.js';
import type { Locale } from '../../i18n/locale.js';
import { commandErrorText, helpContent, helpGroups, helpText, type HelpItem } from '../command-text.js';
import type { KpiCommandError } from '../command.js';
import { context, divider, escapeMrkdwn, header, messageIn, section, type Block, type SlackMessage } from './kit.js';
import { metricName } from './common.js';

export function helpView(locale: Locale): SlackMessage {
  const help = helpContent(locale);
  // Examples that share a description are listed together, the description said once.
  const lines = (items: readonly HelpItem[]) =>
    helpGroups(items).map(({ examples, description }) => `${examples.map((example) => `\`${escapeMrkdwn(example)}\``).join('\n')}\n${escapeMrkdwn(description)}`).join('\n');
  const blocks: Block[] = [
    header(help.title),
    section(escapeMrkdwn(help.intro)),
    section(lines(help.items)),
    context(help.words.map(escapeMrkdwn)),
    divider(),
    section(`*${escapeMrkdwn(help.adminTitle)}*\n${lines(help.adminItems)}`),
  ];
  return messageIn(locale, helpText(locale), blocks);
}

export interface ExplainViewModel {
  readonly metric: MetricId;
  /** The n behind the number the reader saw, when known. */
  readonly n?: number;
}

/** The written definition (docs/metrics.md's source), headed in the reader's language. */
export function explainView(model: ExplainViewModel, locale: Locale): SlackMessage {
  const definition = METRICS[model.metric];
  const name = metricName(locale, model.metric);
  const part = (label: string, text: string) => `*${escapeMrkdwn(label)}*\n${escapeMrkdwn(text)}`;
  const blocks: Block[] = [
    header(name),
    section(escapeMrkdwn(t(locale, `metric.${model.metric}.description`))),
    section(part(t(locale, 'explain.formula'), definition.formula)),
    section(part(t(locale, 'explain.counts'), definition.counts)),
    section(part(t(locale, 'explain.excludes'), definition.excludes)),
    section(part(t(locale, 'explain.edges'), definition.edges)),
    ...(definition.vendors === '-' ? [] : [section(part(t(locale, 'explain.vendors'), definition.vendors))]),
  ];
  const notes = [
    ...(model.n === undefined ? [] : [t(locale, 'explain.sample', { n: t(locale, 'view.n', { n: model.n }) })]),
    ...(locale === 'en' ? [] : [t(locale, 'explain.definitions_in_english')]),
  ];
  if (notes.length > 0) blocks.push(context(notes));
  return messageIn(locale, `${name}: ${definition.formula}`, blocks);
}

export function commandErrorView(error: KpiCommandError, locale: Locale): SlackMessage {
  const text = commandErrorText(locale, error);
  return messageIn(locale, text, [section(`:warning: ${text}`)]);
}

/** A one-line reply: a refusal, a failure, a confirmation. */
export function noticeView(text: string): SlackMessage {
  return { text, blocks: [section(text)] };
}
