/**
 * What is kept of a delivery's body: its shape, ids, codes, flags and times,
 * never its free text or anyone's contact details. A string is kept only under
 * a key that names an identifier, a code or a time (an allowlist), only when it
 * is short, never when it looks like an email address, and never under a key
 * or parent that names someone's personal data (PERSONAL_KEYS); every other string
 * becomes a marker with its length. Numbers, booleans and null are kept.
 * Nesting beyond MAX_DEPTH levels (no helpdesk sends it) becomes a marker too,
 * so a hostile body cannot exhaust the stack.
 */
const KEPT_KEYS = new RegExp(
  [
    '^(id|ids|key|uuid|number|type|kind|topic|event|events|status|state|priority|channel|source|via|direction|visibility|role',
    '|tag|tags|labels|tags_added|tags_removed|scale|score|rating|field|fieldtype|fieldId|from|version',
    '|category|resolution|issuetype|timestamp|time|created|updated|resolutiondate|eventType|webhookEvent|orgId|app_id|part_type|delivered_as)$',
    '|(_id|Id|_ids|Ids|_at|At|_type|Type|_status|Status|_time|Time|_key|Key|_version|Version|_code|Code)$',
    '|^(is_|is[A-Z]|has_|has[A-Z])',
  ].join(''),
);
/**
 * `current` and `previous` (Zendesk's event subscriptions) hold a value's new and old state: a status, a priority,
 * an id or tags under these event types, but the text itself under others (ticket.subject_changed).
 */
const CHANGE_VALUE_KEYS = /^(current|previous)$/;
const CODE_CHANGE_TYPES = /\.(status_changed|priority_changed|agent_assignment_changed|group_assignment_changed|tags_changed|type_changed|brand_changed|form_changed|organization_changed|requester_changed|submitter_changed|created|marked_as_spam|deleted|undeleted|merged)$/;
/** Under these parents, `name` is a vocabulary value (a status or priority name), not a person's name. */
const VOCABULARY_PARENTS = /^(status|priority|statusCategory|resolution|issuetype|via|channel|source)$/;
/**
 * Containers of the admin's own fields (Intercom's custom_attributes, Zendesk's and Freshdesk's custom_fields,
 * Help Scout's customFields, Zoho's cf, Jira's customfield_NNNNN): their keys are whatever the admin named them
 * ("Passport Id", "Postal Code"), so no key under them says what its text is, and every string beneath is removed.
 */
const FREE_FORM_KEYS = /^(custom_attributes|custom_fields|customFields|custom_field_values|customFieldValues|cf|customfield_\d+)$/i;
/**
 * Keys that name someone's personal data though they end like a code or an id (`postal_code`, `tax_id`,
 * `national_id`, `promo_code`), and parents whose every string is a part of someone's address or whereabouts
 * (`address.state`, `location.country_code`): removed whatever their shape.
 */
const PERSONAL_KEYS = /(postal|post_?code|zip|tax|vat|national|passport|ssn|social_?security|licen[cs]e|iban|bank|account_?number|card|phone|mobile|birth|dob|promo|coupon|voucher|ip_?address|^ip$)/i;
const PERSONAL_PARENTS = /(address|location|geo|billing|shipping)/i;
const MAX_KEPT_STRING = 64;
/** Keys whose values are ids or times, long runs of digits by nature; under any other kept key (a status, a priority), more than six digits are a phone or card number put in the wrong place. */
const NUMERIC_KEYS = /^(id|ids|key|uuid|number|version|current|previous|timestamp|time|created|updated|resolutiondate|from|orgId|app_id)$|(_id|Id|_ids|Ids|_key|Key|_at|At|_time|Time|_version|Version)$/;
const EMAIL = /[^\s@]+@[^\s@]+\.[^\s@]+/;
export const MAX_DEPTH = 32;

/**
 * `eventType` is the `type` of the nearest object around the value that has one (a Zendesk envelope's event type);
 * `freeForm`, whether the value is inside an admin's own fields (FREE_FORM_KEYS).
 */
export function redactPayload(value: unknown, key = '', parent = '', depth = 0, eventType = '', freeForm = false): unknown {
  if (depth >= MAX_DEPTH && value !== null && typeof value === 'object') return `[removed: nested deeper than ${MAX_DEPTH} levels]`;
  if (typeof value === 'string') {
    const keptKey = !freeForm && !PERSONAL_KEYS.test(key) && !PERSONAL_PARENTS.test(parent) && (KEPT_KEYS.test(key) || (key === 'name' && VOCABULARY_PARENTS.test(parent)) || (CHANGE_VALUE_KEYS.test(key) && CODE_CHANGE_TYPES.test(eventType)));
    if (!keptKey || value.length > MAX_KEPT_STRING || EMAIL.test(value) || (!NUMERIC_KEYS.test(key) && value.replace(/\D/g, '').length > 6)) return `[removed: ${value.length} chars]`;
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => redactPayload(item, key, parent, depth + 1, eventType, freeForm));
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>);
    const own = (value as Record<string, unknown>).type;
    const inside = typeof own === 'string' ? own : eventType;
    const free = freeForm || FREE_FORM_KEYS.test(key);
    return Object.fromEntries(entries.map(([inner, item]) => [inner, redactPayload(item, inner, key, depth + 1, inside, free)]));
  }
  return value;
}
