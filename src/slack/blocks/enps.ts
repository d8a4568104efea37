/**
 * The eNPS pulse by DM: the question with 0-10 buttons, and what the message
 * becomes once answered. Pure `(viewModel, locale) → SlackMessage`.
 */
import { t } from '../../i18n/catalogue.js';
import type { Locale } from '../../i18n/locale.js';
import { actions, button, context, escapeMrkdwn, messageIn, section, type SlackMessage } from './kit.js';

export const ENPS_ACTION = 'enps_answer';

export function enpsQuestionView(model: { surveyId: number; question: string | null }, locale: Locale): SlackMessage {
  const question = model.question ?? t(locale, 'enps.question_default');
  const text = t(locale, 'enps.dm_intro', { question: escapeMrkdwn(question) });
  // The ends of the scale read out with their meaning ("0 = not at all likely"), as the line under the buttons says them.
  const [low, high] = t(locale, 'enps.scale').split(' · ');
  const buttons = Array.from({ length: 11 }, (_, score) => button({
    text: String(score), actionId: `${ENPS_ACTION}:${score}`, value: `${model.surveyId}:${score}`,
    ...(score === 0 && low !== undefined ? { accessibilityLabel: low } : score === 10 && high !== undefined ? { accessibilityLabel: high } : {}),
  }));
  return messageIn(locale, text.replace(/\*/g, ''), [section(text), actions(buttons.slice(0, 6), `enps:${model.surveyId}:a`), actions(buttons.slice(6), `enps:${model.surveyId}:b`), context([t(locale, 'enps.scale')])]);
}

export function enpsAnsweredView(outcome: 'recorded' | 'already_answered', locale: Locale): SlackMessage {
  const text = t(locale, outcome === 'recorded' ? 'enps.thanks' : 'enps.already');
  return messageIn(locale, text, [section(text)]);
}
