/**
 * Reading one CSV cell into a normalized value: statuses, priorities, channels,
 * ratings, counts, booleans and tags, as helpdesk exports write them. Each
 * reader returns undefined for a value it cannot read; the row reader turns
 * that into a skipped row naming the column.
 */
import type { Priority, Rating, SurveyKind, TicketStatus } from '../events.js';
import { lookup } from '../values.js';

/** A cell that holds no value: empty, or the UCI log's `?`. */
export function isMissing(cell: string | undefined): boolean {
  if (cell === undefined) return true;
  const text = cell.trim();
  return text === '' || text === '?';
}

/**
 * Status words in English, and as helpdesks show them in Indonesian, Malay and Turkish (an export from an agent
 * whose helpdesk speaks one of them): Baru/Baharu/Yeni new; Terbuka/Dibuka/Açık open; Tertunda/Menunggu/Beklemede
 * pending; Ditahan/Ditunda/Askıda on hold; Selesai/Terpecahkan/Diselesaikan/Çözüldü solved; Ditutup/Kapalı closed.
 */
const STATUS_WORDS: [RegExp, TicketStatus][] = [
  [/^(new|baru|baharu|yeni)$/, 'new'],
  [/^(open|opened|reopened|active|in progress|terbuka|dibuka|buka|açık|acik|açıldı|yeniden açıldı)$/, 'open'],
  [/^(solved|resolved|done|complete|completed|fixed|selesai|terselesaikan|terpecahkan|diselesaikan|teratasi|çözüldü|cozuldu|çözümlendi)$/, 'solved'],
  [/^(closed|cancel+ed|archived|ditutup|tutup|kapalı|kapali|kapatıldı|kapatildi)$/, 'closed'],
  [/^(on[- ]?hold|hold|held|suspended|ditahan|ditunda|askıda|askida)$/, 'on-hold'],
  // Waiting on the support team (Jira Service Management's "Waiting for support") is work for us: open.
  [/^(awaiting|waiting) ((for|on) )?(the )?(support|agents?|team|us|staff)\b/, 'open'],
  [/^menunggu (agen|dukungan|tim|staf)\b/, 'open'],
  [/^(pending|awaiting|waiting)\b|\bwaiting on\b|\bcustomer response\b|^(tertunda|menunggu|belum selesai|beklemede|bekliyor)\b|\b(yanıt|müşteri|cevap) bekleniyor$/, 'pending'],
];

/**
 * A ticket status from an export's display value; undefined for a word none of STATUS_WORDS knows (Zoho's
 * "Escalated", a custom status), which the import counts as open, and names in its summary.
 */
export function readStatus(cell: string): TicketStatus | undefined {
  const text = cell.trim().toLocaleLowerCase('tr').replace(/\s+/g, ' ');
  const plain = cell.trim().toLowerCase().replace(/\s+/g, ' ');
  for (const [pattern, status] of STATUS_WORDS) if (pattern.test(text) || pattern.test(plain)) return status;
  return undefined;
}

const PRIORITY_WORDS: Record<string, Priority> = {
  low: 'low', lowest: 'low', minor: 'low', trivial: 'low', p4: 'low', p5: 'low',
  normal: 'normal', medium: 'normal', moderate: 'normal', p3: 'normal',
  high: 'high', major: 'high', p2: 'high',
  urgent: 'urgent', critical: 'urgent', highest: 'urgent', blocker: 'urgent', emergency: 'urgent', p1: 'urgent',
};

/** low | normal | high | urgent, from e.g. "Medium", "3 - Moderate" (ServiceNow), "Critical"; undefined otherwise. */
export function readPriority(cell: string): Priority | undefined {
  const text = cell.trim().toLowerCase().replace(/^\d+\s*-\s*/, '');
  return lookup(PRIORITY_WORDS, text);
}

/** Lower-cased, spaces collapsed; "e-mail"/"mail" become "email", "web form" "web". At most 50 characters (the column's size). */
export function readChannel(cell: string): string | undefined {
  const text = cell.trim().toLowerCase().replace(/\s+/g, ' ');
  if (text === '') return undefined;
  if (text === 'mail' || text === 'e-mail' || text === 'email') return 'email';
  if (text === 'web form' || text === 'web_form' || text === 'webform') return 'web';
  return text.slice(0, 50);
}

/** A whole number ≥ 0 ("3", "3.0"); undefined otherwise. */
export function readCount(cell: string): number | undefined {
  const text = cell.trim();
  if (!/^\d+(\.0+)?$/.test(text)) return undefined;
  const value = Number(text);
  return Number.isSafeInteger(value) ? value : undefined;
}

const TRUE_WORDS = new Set(['true', 't', 'yes', 'y', '1']);
const FALSE_WORDS = new Set(['false', 'f', 'no', 'n', '0']);

export function readBoolean(cell: string): boolean | undefined {
  const text = cell.trim().toLowerCase();
  if (TRUE_WORDS.has(text)) return true;
  if (FALSE_WORDS.has(text)) return false;
  return undefined;
}

/**
 * Tags: comma-separated when the cell holds a comma (Freshdesk, Zoho), else
 * space-separated (Zendesk). Trimmed, lower-cased, de-duplicated, sorted, at
 * most 100 characters each: the form the projection stores.
 */
export function readTags(cell: string): string[] {
  const parts = cell.includes(',') ? cell.split(',') : cell.split(/\s+/);
  return [...new Set(parts.map((tag) => tag.trim().toLowerCase().slice(0, 100)).filter((tag) => tag !== ''))].sort();
}

/** Words that mean "no rating" (Zendesk's "Offered" / "Not Offered"). */
const NO_RATING = /^(not offered|offered|unoffered|none|n\/a|no rating|not rated)$/;

/**
 * Text CSAT answers, read as the same helpdesk's webhook reads them, so a survey counts the same whichever
 * way it arrives: Freshdesk's faces and Help Scout's Great / Not Good on the good-bad scale, and the middle
 * answer of a good / neutral / bad survey (Freshdesk's Neutral, Help Scout's and Zoho Desk's Okay) as no
 * rating: neither good nor bad (docs/metrics.md, csat).
 */
const CSAT_WORDS: Record<string, 1 | 0 | null> = {
  'extremely happy': 1, 'very happy': 1, happy: 1, great: 1,
  neutral: null, okay: null, ok: null,
  unhappy: 0, 'very unhappy': 0, 'extremely unhappy': 0, 'not good': 0,
};

const RANGES: Record<SurveyKind, { scale: Rating['scale']; min: number; max: number }> = {
  csat: { scale: '1-5', min: 1, max: 5 },
  nps: { scale: '0-10', min: 0, max: 10 },
  ces: { scale: '1-7', min: 1, max: 7 },
  enps: { scale: '0-10', min: 0, max: 10 },
};

/**
 * A rating, `null` for an explicit "no rating", undefined for a value that is
 * not one. CSAT: a whole number 1–5, "Good…"/"Bad…" (good-bad scale: 1 or 0),
 * or one of the words in CSAT_WORDS (good-bad, or no rating); NPS: 0–10; CES: 1–7.
 */
export function readRating(kind: SurveyKind, cell: string): Rating | null | undefined {
  const text = cell.trim().toLowerCase().replace(/\s+/g, ' ');
  if (NO_RATING.test(text)) return null;
  const range = RANGES[kind];
  if (/^\d+(\.0+)?$/.test(text)) {
    const score = Number(text);
    return score >= range.min && score <= range.max ? { kind, scale: range.scale, score } : undefined;
  }
  if (kind !== 'csat') return undefined;
  // Zendesk writes `Good`, `Bad`, and with the customer's comment `GoodWithComment`, `BadWithComment`, as its webhook reads them.
  if (/^good(\b|with)/.test(text)) return { kind, scale: 'good-bad', score: 1 };
  if (/^bad(\b|with)/.test(text)) return { kind, scale: 'good-bad', score: 0 };
  const score = lookup(CSAT_WORDS, text);
  return score === undefined || score === null ? score : { kind, scale: 'good-bad', score };
}
