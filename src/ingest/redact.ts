/**
 * What is kept of a delivery's body: its shape, ids, codes and times, never its
 * free text. Strings under keys that name text or personal data, and any string
 * longer than a short code, are replaced by a marker with their length.
 */
const TEXT_KEYS = /(subject|description|body|content|comment|text|html|plain|message|summary|note|title|snippet|preview|remark|reason|name|first|last|email|phone|address|signature|attachment)/i;
const MAX_KEPT_STRING = 64;

export function redactPayload(value: unknown, key = ''): unknown {
  if (typeof value === 'string') {
    if ((TEXT_KEYS.test(key) && !/(_id|Id|_at|At|type|Type|status|Status)$/.test(key)) || value.length > MAX_KEPT_STRING) {
      return `[removed: ${value.length} chars]`;
    }
    return value;
  }
  if (Array.isArray(value)) return value.map((item) => redactPayload(item, key));
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value as Record<string, unknown>).map(([inner, item]) => [inner, redactPayload(item, inner)]));
  }
  return value;
}
