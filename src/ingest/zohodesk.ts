/**
 * Zoho Desk (docs/sources/zohodesk.md). A subscription posts a JSON array of
 * events, `{eventType, eventTime, orgId, payload, prevState}`, several per
 * request. Authenticity: the `X-ZDesk-JWT` header, an RS256 JWT checked offline
 * against ZOHODESK_PUBLIC_KEY_FILE (a PEM key or a JWKS file, picked by `kid`);
 * or, for relays, the shared token ZOHODESK_WEBHOOK_TOKEN as the Basic password
 * or an `X-Webhook-Token` header. Zoho's keys sign every organisation's
 * tokens, so a token must be issued for ZOHODESK_ORG_ID (and, when set, one of
 * ZOHODESK_WEBHOOK_IDS). Neither way covers the body: the JWT signs its header
 * and claims only, so every event in the body must name the same organisation.
 */
import { createPublicKey, verify as verifySignature, type JsonWebKey, type KeyObject } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import type { WebhookSecrets } from '../config.js';
import { HttpError } from '../errors.js';
import { PayloadShapeError, type SourceAdapter, type WebhookRequest } from './adapter.js';
import { withCreation, type Actor, type NormalizedEvent, type Priority, type TicketEvent, type TicketEventData, type TicketEventType, type TicketStatus } from './events.js';
import { SIGNATURE_WINDOW_MS, header, offeredTokens, safeEqual, unauthorized } from './signatures.js';
import { clipText, isObject, jsonText, object, optionalBoolean, optionalString, optionalTime, requiredString, requiredTime, type Json, lookup, quoted, tagList } from './values.js';

export const ZOHODESK_EVENTS = ['Ticket_Add', 'Ticket_Update', 'Ticket_Thread_Add', 'Ticket_Comment_Add'] as const;

// statusType is Zoho's bucket of every status, default or custom; compared without case, spaces or underscores.
const STATUS_TYPES: Record<string, TicketStatus> = { open: 'open', onhold: 'on-hold', closed: 'closed' };
// Default status names, used when statusType is absent. "Escalated" is an open status that also escalates.
const STATUS_NAMES: Record<string, TicketStatus> = { open: 'open', onhold: 'on-hold', escalated: 'open', closed: 'closed' };
const PRIORITIES: Record<string, Priority> = { low: 'low', medium: 'normal', normal: 'normal', high: 'high', urgent: 'urgent' };
const BOT_AUTHORS = new Set(['bot', 'system']);
const CUSTOMER_AUTHORS = new Set(['enduser', 'contact', 'customer']);

export const zohodeskAdapter: SourceAdapter = {
  source: 'zohodesk',
  credentialHint: 'ZOHODESK_PUBLIC_KEY_FILE (with ZOHODESK_ORG_ID) or ZOHODESK_WEBHOOK_TOKEN',
  isConfigured: (secrets: WebhookSecrets) => secrets.zohodeskPublicKeyFile !== undefined || secrets.zohodeskToken !== undefined,

  verify(request: WebhookRequest, secrets: WebhookSecrets): void {
    const jwt = header(request.headers, 'x-zdesk-jwt');
    if (jwt !== undefined && secrets.zohodeskPublicKeyFile !== undefined) {
      verifyJwt(jwt, request, { keyFile: secrets.zohodeskPublicKeyFile, orgId: secrets.zohodeskOrgId ?? '', webhookIds: secrets.zohodeskWebhookIds ?? [] });
      return;
    }
    if (secrets.zohodeskToken !== undefined) {
      const offered = offeredTokens(request.headers);
      const matches = offered.map((value) => safeEqual(value, secrets.zohodeskToken ?? ''));
      if (matches.includes(true)) return;
      if (offered.length > 0) throw unauthorized('the Basic auth password / X-Webhook-Token does not match ZOHODESK_WEBHOOK_TOKEN');
      throw unauthorized(
        jwt === undefined
          ? 'send the X-ZDesk-JWT header, or the token as the Basic auth password or in an X-Webhook-Token header'
          : 'X-ZDesk-JWT cannot be checked without ZOHODESK_PUBLIC_KEY_FILE; send the token as the Basic auth password or in an X-Webhook-Token header',
      );
    }
    throw unauthorized('the X-ZDesk-JWT header is required');
  },

  // Zoho Desk sends no delivery or event id: the content hash names the delivery.
  deliveryId: () => undefined,

  parse(body: unknown): NormalizedEvent[] {
    if (!Array.isArray(body)) throw new PayloadShapeError('the body must be a JSON array of Zoho Desk events ({eventType, eventTime, orgId, payload})');
    return body.flatMap((item, index) => parseEvent(item, `[${index}]`));
  },
};

// ---------------------------------------------------------------------------
// Authenticity


/** What a token must show to be ours: signed by a key in the file, for our organisation, and (when named) one of our webhooks. */
interface JwtPolicy {
  readonly keyFile: string;
  readonly orgId: string;
  readonly webhookIds: readonly string[];
}

function verifyJwt(token: string, request: WebhookRequest, policy: JwtPolicy): void {
  const parts = token.trim().split('.');
  if (parts.length !== 3 || parts.some((part) => !/^[A-Za-z0-9_-]*$/.test(part))) throw unauthorized('X-ZDesk-JWT is not a compact JWT');
  const [encodedHeader, encodedClaims, encodedSignature] = parts as [string, string, string];
  const jwtHeader = decodeJson(encodedHeader, 'header');
  const claims = decodeJson(encodedClaims, 'claims');
  if (jwtHeader.alg !== 'RS256') throw unauthorized(`X-ZDesk-JWT alg must be RS256, got ${clipText(jsonText(jwtHeader.alg), 60)}`);

  const kid = optionalString(jwtHeader.kid);
  const candidates = publicKeys(policy.keyFile, kid);
  const signed = Buffer.from(`${encodedHeader}.${encodedClaims}`);
  const signature = Buffer.from(encodedSignature, 'base64url');
  if (!candidates.some((key) => verifySignature('RSA-SHA256', signed, key, signature))) {
    throw unauthorized('X-ZDesk-JWT signature does not match the public key in ZOHODESK_PUBLIC_KEY_FILE');
  }

  // exp / iat / nbf: seconds per the JWT standard, milliseconds in some Zoho docs; both are read.
  const now = request.receivedAt;
  const exp = claimTime(claims.exp, 'exp');
  const iat = claimTime(claims.iat, 'iat');
  const nbf = claimTime(claims.nbf, 'nbf');
  if (exp === undefined && iat === undefined) throw new HttpError(401, 'bad_timestamp', 'X-ZDesk-JWT has neither exp nor iat: a token with no time would be good for ever');
  if (exp !== undefined && now > exp + SIGNATURE_WINDOW_MS) throw new HttpError(401, 'stale_timestamp', 'X-ZDesk-JWT has expired (exp is more than 5 minutes ago)');
  if (iat !== undefined && iat > now + SIGNATURE_WINDOW_MS) throw new HttpError(401, 'stale_timestamp', 'X-ZDesk-JWT iat is more than 5 minutes in the future');
  if (nbf !== undefined && nbf > now + SIGNATURE_WINDOW_MS) throw new HttpError(401, 'stale_timestamp', 'X-ZDesk-JWT is not valid yet (nbf)');
  if (exp === undefined && iat !== undefined && now - iat > SIGNATURE_WINDOW_MS) {
    throw new HttpError(401, 'stale_timestamp', 'X-ZDesk-JWT has no exp and its iat is more than 5 minutes old');
  }

  // Zoho's keys sign every organisation's tokens: the token must be issued for ours, and for one of our webhooks when they are named.
  const issuer = optionalString(claims.iss);
  if (issuer !== `orgId:${policy.orgId}`) {
    throw unauthorized(`X-ZDesk-JWT is issued for ${issuer === undefined ? 'no organisation (no iss)' : clipText(issuer, 60)}, not for ZOHODESK_ORG_ID (orgId:${policy.orgId})`);
  }
  if (policy.webhookIds.length > 0) {
    const audience = optionalString(claims.aud);
    if (!policy.webhookIds.some((id) => audience === `webhookId:${id}`)) {
      throw unauthorized(`X-ZDesk-JWT is for ${audience === undefined ? 'no webhook (no aud)' : clipText(audience, 60)}, not one of ZOHODESK_WEBHOOK_IDS`);
    }
  }
  // The JWT does not sign the body: at least every event in it must be our organisation's.
  for (const [index, orgId] of bodyOrgIds(request.rawBody)) {
    if (orgId !== policy.orgId) throw unauthorized(`event [${index}] ${orgId === undefined ? 'names no orgId' : `is for orgId ${clipText(orgId, 60)}`}, not ZOHODESK_ORG_ID (${policy.orgId})`);
  }
}

function decodeJson(part: string, what: string): Json {
  try {
    const value: unknown = JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
    if (isObject(value)) return value;
  } catch {
    // answered below
  }
  throw unauthorized(`X-ZDesk-JWT ${what} is not a JSON object`);
}

function claimTime(value: unknown, name: string): number | undefined {
  if (value === undefined || value === null) return undefined;
  const ms = typeof value === 'number' || (typeof value === 'string' && /^\d+(\.\d+)?$/.test(value)) ? optionalTime(value) : undefined;
  if (ms === undefined) throw new HttpError(401, 'bad_timestamp', `X-ZDesk-JWT ${name} is not a number`);
  return ms;
}

/** Each event object's index and orgId (undefined where it names none); a body that is no array, or an item no object, is answered by the parser after verification. */
function bodyOrgIds(rawBody: Buffer): [number, string | undefined][] {
  let body: unknown;
  try {
    body = JSON.parse(rawBody.toString('utf8'));
  } catch {
    return []; // malformed JSON is answered 400 after verification
  }
  if (!Array.isArray(body)) return [];
  return body.flatMap((item, index): [number, string | undefined][] => (isObject(item) ? [[index, optionalString(item.orgId)]] : []));
}

interface KeyFile {
  readonly mtimeMs: number;
  readonly size: number;
  /** Keys by kid ('' for a PEM key or a JWK without kid). */
  readonly keys: readonly { kid: string; key: KeyObject }[];
}
const keyFiles = new Map<string, KeyFile>();

/** The keys a JWT with this kid may be checked against; the file is reread when it changes. */
function publicKeys(path: string, kid: string | undefined): KeyObject[] {
  const file = loadKeyFile(path);
  if (kid !== undefined) {
    const matching = file.keys.filter((entry) => entry.kid === kid);
    if (matching.length > 0) return matching.map((entry) => entry.key);
    // A single PEM key has no kid to match: it is the key.
    if (file.keys.every((entry) => entry.kid === '')) return file.keys.map((entry) => entry.key);
    throw unauthorized(`no key with kid "${kid}" in ZOHODESK_PUBLIC_KEY_FILE (fetch the current jwks.json from your Zoho Desk data centre)`);
  }
  return file.keys.map((entry) => entry.key);
}

function loadKeyFile(path: string): KeyFile {
  let stat;
  try {
    stat = statSync(path);
  } catch (error) {
    throw keyFileError(path, error);
  }
  const cached = keyFiles.get(path);
  if (cached !== undefined && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached;
  let keys: { kid: string; key: KeyObject }[];
  try {
    const text = readFileSync(path, 'utf8');
    keys = text.trimStart().startsWith('{') ? jwksKeys(JSON.parse(text) as unknown) : [{ kid: '', key: createPublicKey(text) }];
  } catch (error) {
    throw keyFileError(path, error);
  }
  if (keys.length === 0) throw keyFileError(path, new Error('it holds no RSA signing key'));
  const loaded: KeyFile = { mtimeMs: stat.mtimeMs, size: stat.size, keys };
  keyFiles.set(path, loaded);
  return loaded;
}

function jwksKeys(value: unknown): { kid: string; key: KeyObject }[] {
  const list = isObject(value) && Array.isArray(value.keys) ? value.keys : [value];
  return list.flatMap((jwk) => {
    if (!isObject(jwk) || jwk.kty !== 'RSA' || (jwk.use !== undefined && jwk.use !== 'sig')) return [];
    return [{ kid: optionalString(jwk.kid) ?? '', key: createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }) }];
  });
}

function keyFileError(path: string, error: unknown): HttpError {
  // The operator's problem, not the sender's: 500, so Zoho retries once it is fixed.
  return new HttpError(500, 'key_file_unusable', `ZOHODESK_PUBLIC_KEY_FILE "${path}" cannot be used: ${error instanceof Error ? error.message : String(error)}`);
}

// ---------------------------------------------------------------------------
// Parsing

function parseEvent(item: unknown, path: string): NormalizedEvent[] {
  const event = object(item, path);
  const eventType = optionalString(event.eventType);
  if (eventType === undefined) throw new PayloadShapeError(`${path}.eventType is missing`);
  if (eventType === 'Ticket_Delete') {
    // A ticket moved to the trash leaves every KPI, as a deletion does from the other helpdesks. Read from payload.id,
    // as in Zoho's other ticket events; a deletion that does not carry it is accepted and changes nothing.
    const eventTime = requiredTime(event.eventTime, `${path}.eventTime`);
    const id = isObject(event.payload) ? optionalString(event.payload.id) : undefined;
    return id === undefined ? [] : [ticketEvent(id, 'ticket_deleted', eventTime, {}, `${id}:Ticket_Delete`)];
  }
  if (!(ZOHODESK_EVENTS as readonly string[]).includes(eventType)) {
    // Contacts, accounts, tasks, comment edits...: accepted, nothing to record.
    if (!/^[A-Za-z]+(_[A-Za-z]+)+$/.test(eventType)) throw new PayloadShapeError(`${path}.eventType ${quoted(eventType)} is not a Zoho Desk event type`);
    return [];
  }
  const eventTime = requiredTime(event.eventTime, `${path}.eventTime`);
  const payload = object(event.payload, `${path}.payload`);
  switch (eventType) {
    case 'Ticket_Add':
      return ticketAdded(payload, eventTime, path);
    case 'Ticket_Update':
      return ticketUpdated(payload, event.prevState, eventTime, path);
    case 'Ticket_Thread_Add':
      return threadAdded(payload, eventTime, path);
    default:
      return commentAdded(payload, eventTime, path);
  }
}

function ticketEvent(ticketId: string, type: TicketEventType, occurredAt: number, data: TicketEventData, dedupeKey: string, actor?: Actor): TicketEvent {
  return { kind: 'ticket', type, externalTicketId: ticketId, occurredAt, ...(actor === undefined ? {} : { actor }), data, dedupeKey };
}

function ticketAdded(ticket: Json, eventTime: number, path: string): NormalizedEvent[] {
  const id = requiredString(ticket.id, `${path}.payload.id`);
  const occurredAt = optionalTime(ticket.createdTime) ?? eventTime;
  const key = `${id}:Ticket_Add:${eventTime}`;
  const requesterId = optionalString(ticket.contactId);
  const firstThread = isObject(ticket.firstThread) ? ticket.firstThread : undefined;
  // A ticket whose opening message went out from an agent is an outbound ticket.
  const createdByAgent = optionalString(firstThread?.direction)?.toLowerCase() === 'out';
  const url = optionalString(ticket.webUrl);
  const data: TicketEventData = {
    ...snapshot(ticket, `${path}.payload`),
    createdByAgent,
    ...(channelOf(ticket) === undefined ? {} : { channel: channelOf(ticket) }),
    ...(requesterId === undefined ? {} : { requesterId }),
    ...(url !== undefined && /^https?:\/\//.test(url) ? { url } : {}),
  };
  const actor: Actor = createdByAgent ? { type: 'agent' } : { type: 'customer', ...(requesterId === undefined ? {} : { id: requesterId }) };
  const events = [ticketEvent(id, 'ticket_created', occurredAt, data, key, actor)];
  if (optionalBoolean(ticket.isEscalated) === true || isEscalatedStatus(ticket)) events.push(ticketEvent(id, 'escalated', occurredAt, {}, `${key}:escalated`));
  return events;
}

function ticketUpdated(ticket: Json, prevState: unknown, eventTime: number, path: string): NormalizedEvent[] {
  const id = requiredString(ticket.id, `${path}.payload.id`);
  const key = `${id}:Ticket_Update:${eventTime}`;
  if (prevState === undefined || prevState === null) {
    // Subscribed without includePrevState: the current state, applied as it is (changes are found by the projection).
    return [ticketEvent(id, 'fields_updated', eventTime, snapshot(ticket, `${path}.payload`), key)];
  }
  const prev = object(prevState, `${path}.prevState`);
  // prevState may hold every field or only the changed ones: a field it lacks did not change.
  const had = (...names: string[]) => names.some((name) => name in prev);
  // Compared as JSON (a value nested too deep to write is one the KPIs do not read: not a change); a missing value is not null.
  const same = (a: unknown, b: unknown) => (a === undefined || b === undefined ? a === b : jsonText(a) === jsonText(b));
  const changed = (...names: string[]) => names.some((name) => name in prev && !same(comparable(prev[name]), comparable(ticket[name])));
  const events: TicketEvent[] = [];
  const current = snapshot(ticket, `${path}.payload`);

  if (changed('status', 'statusType') && current.status !== undefined) {
    events.push(ticketEvent(id, 'status_changed', eventTime, { status: current.status }, `${key}:status`));
  }
  if (changed('priority') && current.priority !== undefined) {
    events.push(ticketEvent(id, 'priority_changed', eventTime, { priority: current.priority }, `${key}:priority`));
  }
  if (had('assigneeId', 'assignee') && idOf(prev, 'assignee') !== idOf(ticket, 'assignee')) {
    events.push(ticketEvent(id, 'assignee_changed', eventTime, { assignee: current.assignee ?? null }, `${key}:assignee`));
  }
  if (had('teamId', 'team', 'departmentId', 'department') && (idOf(prev, 'team', ticket) !== idOf(ticket, 'team') || idOf(prev, 'department', ticket) !== idOf(ticket, 'department'))) {
    events.push(ticketEvent(id, 'team_changed', eventTime, { team: current.team ?? null }, `${key}:team`));
  }
  if (had('tags') && current.tags !== undefined && JSON.stringify(tagsOf(prev.tags)?.sort()) !== JSON.stringify([...current.tags].sort())) {
    events.push(ticketEvent(id, 'tags_changed', eventTime, { tags: current.tags }, `${key}:tags`));
  }
  const escalatedNow = optionalBoolean(ticket.isEscalated) === true && had('isEscalated') && optionalBoolean(prev.isEscalated) !== true;
  const escalatedStatus = isEscalatedStatus(ticket) && had('status') && !isEscalatedStatus(prev);
  if (escalatedNow || escalatedStatus) events.push(ticketEvent(id, 'escalated', eventTime, {}, `${key}:escalated`));
  return events.map((event) => ({ ...event, data: withCreation(event.data, current.ticketCreatedAt) }));
}

function threadAdded(thread: Json, eventTime: number, path: string): NormalizedEvent[] {
  const id = requiredString(thread.id, `${path}.payload.id`);
  const ticketId = requiredString(thread.ticketId, `${path}.payload.ticketId`);
  // The ticket's opening message is the ticket itself (Ticket_Add); drafts and failed sends reached nobody.
  if (optionalBoolean(thread.isDescriptionThread) === true) return [];
  const status = optionalString(thread.status)?.toUpperCase();
  if (status === 'DRAFT' || status === 'FAILED') return [];
  const direction = optionalString(thread.direction)?.toLowerCase();
  if (direction !== 'in' && direction !== 'out') throw new PayloadShapeError(`${path}.payload.direction must be "in" or "out"`);
  const isPrivate = optionalString(thread.visibility)?.toLowerCase() === 'private';
  const author = authorOf(thread.author);
  const occurredAt = optionalTime(thread.createdTime) ?? eventTime;
  const key = `thread:${id}`;
  if (isPrivate) return [ticketEvent(ticketId, 'internal_note', occurredAt, {}, key, author ?? { type: 'agent' })];
  if (direction === 'in') {
    const customer = author?.type === 'customer' ? author : { type: 'customer' as const };
    return [ticketEvent(ticketId, 'customer_message', occurredAt, {}, key, customer)];
  }
  return [ticketEvent(ticketId, 'agent_reply', occurredAt, {}, key, author?.type === 'customer' ? { type: 'agent' } : (author ?? { type: 'agent' }))];
}

function commentAdded(comment: Json, eventTime: number, path: string): NormalizedEvent[] {
  const id = requiredString(comment.id, `${path}.payload.id`);
  const ticketId = requiredString(comment.ticketId, `${path}.payload.ticketId`);
  const commenter = authorOf(comment.commenter, optionalString(comment.commenterId));
  const occurredAt = optionalTime(comment.commentedTime) ?? eventTime;
  const key = `comment:${id}`;
  if (optionalBoolean(comment.isPublic) !== true) return [ticketEvent(ticketId, 'internal_note', occurredAt, {}, key, commenter ?? { type: 'agent' })];
  // A public comment is shown to the customer on the help centre: a reply, by whoever wrote it.
  if (commenter?.type === 'customer') return [ticketEvent(ticketId, 'customer_message', occurredAt, {}, key, commenter)];
  return [ticketEvent(ticketId, 'agent_reply', occurredAt, {}, key, commenter ?? { type: 'agent' })];
}

// ---------------------------------------------------------------------------
// Ticket fields

/** Status, priority, team, assignee and (when sent) tags of a ticket object. */
function snapshot(ticket: Json, path: string): TicketEventData & { assignee?: Actor | null; team?: string | null; tags?: readonly string[] } {
  const status = zohoStatus(ticket, path);
  const priority = lookup(PRIORITIES, normalize(optionalString(ticket.priority)));
  const tags = tagsOf(ticket.tags);
  const createdAt = optionalTime(ticket.createdTime);
  return {
    ...(status === undefined ? {} : { status }),
    ...(priority === undefined ? {} : { priority }),
    team: teamOf(ticket),
    assignee: assigneeOf(ticket),
    ...(tags === undefined ? {} : { tags }),
    // Dates the ticket if its Ticket_Add never arrived.
    ...withCreation({}, createdAt),
  };
}

function zohoStatus(ticket: Json, path: string): TicketStatus | undefined {
  const name = optionalString(ticket.status);
  const type = optionalString(ticket.statusType);
  const byType = lookup(STATUS_TYPES, normalize(type));
  if (byType !== undefined) return byType;
  const byName = lookup(STATUS_NAMES, normalize(name));
  if (byName !== undefined) return byName;
  if (name === undefined && type === undefined) return undefined;
  throw new PayloadShapeError(`${path}.status ${quoted(name ?? '')} has no statusType Open, On Hold or Closed (got ${quoted(type ?? '')})`);
}

function isEscalatedStatus(ticket: Json): boolean {
  return normalize(optionalString(ticket.status)) === 'escalated';
}

function channelOf(ticket: Json): string | undefined {
  return optionalString(ticket.channel)?.toLowerCase().replace(/[\s_]+/g, '-');
}

/** The team's name, else its id; without a team, the department's name, else its id. */
function teamOf(ticket: Json): string | null {
  const team = isObject(ticket.team) ? optionalString(ticket.team.name) : undefined;
  const department = isObject(ticket.department) ? optionalString(ticket.department.name) : undefined;
  return team ?? optionalString(ticket.teamId) ?? department ?? optionalString(ticket.departmentId) ?? null;
}

function assigneeOf(ticket: Json): Actor | null {
  const assignee = isObject(ticket.assignee) ? ticket.assignee : {};
  const id = optionalString(ticket.assigneeId) ?? optionalString(assignee.id);
  if (id === undefined) return null;
  const email = optionalString(assignee.email)?.toLowerCase();
  const name = [optionalString(assignee.firstName), optionalString(assignee.lastName)].filter((part) => part !== undefined).join(' ');
  return { type: 'agent', id, ...(email === undefined ? {} : { email }), ...(name === '' ? {} : { name }) };
}

/** `<name>Id`, else `<name>.id`; fields `prev` lacks are taken from `fallback` (unchanged). */
function idOf(ticket: Json, name: string, fallback?: Json): string | undefined {
  if (!(`${name}Id` in ticket) && !(name in ticket) && fallback !== undefined) return idOf(fallback, name);
  const nested = ticket[name];
  return optionalString(ticket[`${name}Id`]) ?? (isObject(nested) ? optionalString(nested.id) : undefined);
}

function tagsOf(value: unknown): string[] | undefined {
  return tagList(value);
}

function authorOf(value: unknown, fallbackId?: string): Actor | undefined {
  if (!isObject(value)) return fallbackId === undefined ? undefined : { type: 'agent', id: fallbackId };
  const id = optionalString(value.id) ?? fallbackId;
  const type = normalize(optionalString(value.type));
  if (BOT_AUTHORS.has(type)) return { type: 'bot', ...(id === undefined ? {} : { id }) };
  if (CUSTOMER_AUTHORS.has(type)) return { type: 'customer', ...(id === undefined ? {} : { id }) };
  const email = optionalString(value.email)?.toLowerCase();
  const name = optionalString(value.name);
  return { type: 'agent', ...(id === undefined ? {} : { id }), ...(email === undefined ? {} : { email }), ...(name === undefined ? {} : { name }) };
}

function comparable(value: unknown): unknown {
  return typeof value === 'string' ? normalize(value) : (value ?? null);
}

function normalize(value: string | undefined): string {
  return (value ?? '').toLowerCase().replace(/[\s_-]+/g, '');
}
