/**
 * The one HTTP server of a process, in every mode: `GET /healthz`,
 * `POST /webhooks/<source>`, and in Slack HTTP mode `POST /slack/events`.
 * Routing is a table; each handler answers its own request, and anything it
 * throws reaches one error sink that answers JSON and never takes the process down.
 */
import { createServer, STATUS_CODES, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { HttpError, KpiBotError, describeError } from '../errors.js';
import { LogThrottle, type Logger } from '../logger.js';
import { isUnavailableError, noteStorageFailure, pingDatabase, readOnlyProblem, storageTrouble, type Database } from '../store/database.js';
import { sendError, sendJson } from './respond.js';
import { OutboxStore } from '../store/outbox-store.js';

export type RouteHandler = (req: IncomingMessage, res: ServerResponse, params: Record<string, string>) => void | Promise<void>;

export interface Route {
  readonly method: 'GET' | 'POST';
  /** A path with `:name` segments, e.g. `/webhooks/:source`. */
  readonly path: string;
  readonly handler: RouteHandler;
}

export interface HttpServerDeps {
  readonly db: Database;
  readonly logger: Logger;
  /** Handles `POST /webhooks/:source`; absent, every source answers 404. */
  readonly webhooks?: RouteHandler;
  /** Answers `GET /webhooks/:source` (a helpdesk checking the URL). */
  readonly webhookProbe?: RouteHandler;
  /** Slack's requests in HTTP mode (`slackGate`, then Bolt's receiver); what it throws reaches the error sink. */
  readonly slackEvents?: (req: IncomingMessage, res: ServerResponse) => Promise<void>;
  /** Further routes, ahead of the built-in ones. */
  readonly routes?: readonly Route[];
}

export function buildRoutes(deps: HttpServerDeps): Route[] {
  const routes: Route[] = [...(deps.routes ?? [])];
  routes.push({
    method: 'GET',
    path: '/healthz',
    handler: async (_req, res) => {
      const databaseUp = await pingDatabase(deps.db);
      if (!databaseUp) {
        sendJson(res, 503, { status: 'unavailable', database: 'unreachable' });
        return;
      }
      // It answers, but cannot store: a write refused within two minutes (a full disk, a read-only file), or a
      // PostgreSQL that takes only reads (a failover onto a standby). Every webhook would be refused meanwhile.
      const cannotWrite = storageTrouble(deps.db) ?? (await readOnlyProblem(deps.db));
      if (cannotWrite !== undefined) {
        sendJson(res, 503, { status: 'unavailable', database: 'cannot_write', reason: cannotWrite });
        return;
      }
      // The outbox is the database's, whichever process sends it: how many posts are due and unsent, and how late the
      // longest-waiting is (0 when none is due). Information for monitoring; the process is healthy either way.
      const now = Date.now();
      const backlog = await new OutboxStore(deps.db).backlog(now).catch(() => undefined);
      const outbox = backlog === undefined ? {} : { outbox: { due: backlog.due, late_seconds: backlog.oldestDueAt === null ? 0 : Math.max(0, Math.floor((now - backlog.oldestDueAt) / 1000)) } };
      sendJson(res, 200, { status: 'ok', database: 'ok', ...outbox });
    },
  });
  routes.push({
    method: 'POST',
    path: '/webhooks/:source',
    handler:
      deps.webhooks ??
      ((_req, res, params) => {
        sendError(res, new HttpError(404, 'unknown_source', `no webhook source named "${params.source ?? ''}"`));
      }),
  });
  if (deps.webhookProbe !== undefined) routes.push({ method: 'GET', path: '/webhooks/:source', handler: deps.webhookProbe });
  const slackEvents = deps.slackEvents;
  if (slackEvents !== undefined) {
    routes.push({ method: 'POST', path: '/slack/events', handler: (req, res) => slackEvents(req, res) });
  }
  return routes;
}

export function createHttpServer(deps: HttpServerDeps): Server {
  const routes = buildRoutes(deps);
  const unavailableLog = new LogThrottle(UNAVAILABLE_LOG_MS);
  const server = createServer((req, res) => {
    void dispatch(routes, req, res).catch((error: unknown) => answerError(deps.logger, deps.db, req, res, error, unavailableLog));
  });
  // Slow or stalled clients must not hold a connection for ever.
  server.requestTimeout = 30_000;
  server.headersTimeout = 15_000;
  server.keepAliveTimeout = 5_000;
  server.on('clientError', (error, socket) => {
    deps.logger.debug({ err: describeError(error) }, 'malformed HTTP request');
    // Node's parser refusals get a JSON reason too: oversized headers 431, a client cut for its slowness 408.
    const code = (error as NodeJS.ErrnoException).code;
    const [status, reason, message] =
      code === 'HPE_HEADER_OVERFLOW'
        ? [431, 'headers_too_large', 'the request headers are larger than 16 KB']
        : code === 'ERR_HTTP_REQUEST_TIMEOUT'
          ? [408, 'request_timeout', 'the request took too long to arrive']
          : [400, 'malformed_request', 'the request is not valid HTTP/1.1'];
    const body = JSON.stringify({ error: reason, message });
    if (socket.writable) socket.end(`HTTP/1.1 ${status} ${STATUS_CODES[status] ?? ''}\r\ncontent-type: application/json; charset=utf-8\r\ncontent-length: ${Buffer.byteLength(body)}\r\nconnection: close\r\n\r\n${body}`);
  });
  return server;
}

async function dispatch(routes: readonly Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const path = (req.url ?? '/').split('?')[0] ?? '/';
  const allowed: string[] = [];
  for (const route of routes) {
    const params = matchPath(route.path, path);
    if (params === undefined) continue;
    if (route.method === req.method || (route.method === 'GET' && req.method === 'HEAD')) {
      await route.handler(req, res, params);
      return;
    }
    allowed.push(route.method);
  }
  if (allowed.length > 0) {
    req.resume();
    sendError(res, new HttpError(405, 'method_not_allowed', `${req.method ?? ''} is not allowed here; use ${allowed.join(', ')}`), { allow: allowed.join(', ') });
    return;
  }
  req.resume();
  sendError(res, new HttpError(404, 'not_found', `nothing at ${path}`));
}

export function matchPath(pattern: string, path: string): Record<string, string> | undefined {
  const want = pattern.split('/');
  const have = path.split('/');
  if (want.length !== have.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i += 1) {
    const segment = want[i] ?? '';
    const actual = have[i] ?? '';
    if (segment.startsWith(':')) {
      if (actual === '') return undefined;
      try {
        params[segment.slice(1)] = decodeURIComponent(actual);
      } catch {
        return undefined;
      }
    } else if (segment !== actual) {
      return undefined;
    }
  }
  return params;
}

/** At most one log line a minute for a database out of reach, however many requests it fails; so for each kind of refused request. */
const UNAVAILABLE_LOG_MS = 60_000;

/**
 * A refused request in the log, for the operator: a helpdesk or Slack set up with the wrong URL, secret or format
 * gets its answer, which nobody reads, and the log was silent (a wrong SLACK_SIGNING_SECRET showed only as Slack's
 * "dispatch_failed" to people). The first of a path and code at once, then at most one a minute with how many were
 * held back. Webhook 401s are said by the webhook route (RefusalLog), 422s with the rejected delivery. Our webhook and
 * Slack paths at warn; any other path (scanners) at debug.
 */
function noteRefusal(logger: Logger, req: IncomingMessage, error: HttpError, throttle: LogThrottle): void {
  const path = (req.url ?? '').split('?')[0] ?? '';
  const ours = path.startsWith('/webhooks/') || path.startsWith('/slack/');
  if ((path.startsWith('/webhooks/') && error.httpStatus === 401) || error.httpStatus === 422) return;
  const route = ours ? path.slice(0, 60) : 'other';
  const held = throttle.due(`refused\u0000${route}\u0000${error.code}`, Date.now());
  if (held === undefined) return;
  const line = { status: error.httpStatus, code: error.code, path: route, detail: error.message.slice(0, 200), ...(held === 0 ? {} : { alsoRefused: held }) };
  if (ours) logger.warn(line, 'request refused');
  else logger.debug(line, 'request refused');
}

/**
 * The error sink: typed errors answer their status; a database busy or out of reach answers 503 with Retry-After (the
 * helpdesk sends the delivery again); anything else is logged once and answers 500.
 */
function answerError(logger: Logger, db: Database, req: IncomingMessage, res: ServerResponse, error: unknown, unavailableLog: LogThrottle): void {
  req.resume();
  if (isUnavailableError(error)) {
    const problem = noteStorageFailure(db, error);
    const held = unavailableLog.due(problem === undefined ? 'database' : 'storage', Date.now());
    if (held !== undefined) logger.error({ err: describeError(error), ...(held === 0 ? {} : { alsoFailed: held }) }, problem === undefined ? 'request failed: the database is busy or out of reach' : `request failed: the database cannot store anything: ${problem}`);
    const why = problem === undefined ? 'the database is busy or out of reach' : `the database cannot store anything now (${problem})`;
    sendError(res, new HttpError(503, 'database_unavailable', `${why}; nothing was stored: send it again later`), { 'retry-after': '30' });
    return;
  }
  if (error instanceof HttpError && error.httpStatus !== 500) {
    noteRefusal(logger, req, error, unavailableLog);
    sendError(res, error);
    return;
  }
  if (error instanceof HttpError) {
    // The bot's own set-up (a key file it cannot read): the details are for its log, not for whoever sent the request.
    logger.error({ code: error.code, err: error.message, path: (req.url ?? '').split('?')[0] }, 'request failed: set-up');
    sendError(res, new HttpError(error.httpStatus, error.code, 'the bot cannot take this request until its set-up is fixed; its log says why'));
    return;
  }
  if (error instanceof KpiBotError && error.httpStatus < 500) {
    sendError(res, new HttpError(error.httpStatus, error.code, error.message));
    return;
  }
  logger.error({ err: describeError(error), path: (req.url ?? '').split('?')[0], method: req.method }, 'request failed');
  sendError(res, new HttpError(500, 'internal_error', 'the request could not be processed; it was logged'));
}
