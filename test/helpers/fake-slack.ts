/**
 * A fake Slack Web API on loopback (point SLACK_API_URL at `url`). It records
 * every call with its parsed arguments and answers `{ ok: true }` unless a
 * test sets another answer for a method (an error, a 429 with Retry-After...).
 */
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface RecordedCall {
  readonly method: string;
  readonly args: Record<string, unknown>;
  readonly token: string | undefined;
}

export interface FakeAnswer {
  readonly status?: number;
  readonly headers?: Record<string, string>;
  readonly body: Record<string, unknown>;
  /** Answers this long after the call arrived (a slow Slack). */
  readonly delayMs?: number;
}

export type Answerer = (call: RecordedCall) => FakeAnswer;

export interface FakeSlack {
  readonly url: string;
  readonly calls: RecordedCall[];
  /** Sets how a method answers from now on. */
  answer(method: string, answerer: Answerer): void;
  callsTo(method: string): RecordedCall[];
  /**
   * A response URL on this server, as Slack puts in a slash command or button payload; what is posted to it is recorded
   * as `response_url`, except a deletion of the message the button was on (`delete_original`), recorded as
   * `response_url.delete`: a reply is what tests wait for.
   */
  responseUrl(id: string): string;
  /** Resolves with the calls to `method` once there are at least `count` of them (fails after `timeoutMs`). */
  waitFor(method: string, count?: number, timeoutMs?: number): Promise<RecordedCall[]>;
  close(): Promise<void>;
}

const DEFAULT_ANSWERS: Record<string, Answerer> = {
  'auth.test': () => ({ body: { ok: true, url: 'https://example.slack.com/', team: 'Example', team_id: 'T0000TEST', user: 'kpibot', user_id: 'U0000BOT', bot_id: 'B0000BOT' } }),
};

export async function startFakeSlack(): Promise<FakeSlack> {
  const calls: RecordedCall[] = [];
  const answers = new Map<string, Answerer>(Object.entries(DEFAULT_ANSWERS));
  const server: Server = createServer((req, res) => {
    void readCall(req).then((call) => {
      calls.push(call);
      const answerer: Answerer = answers.get(call.method) ?? (() => ({ body: { ok: true } }));
      const answer = answerer(call);
      setTimeout(() => {
        res.writeHead(answer.status ?? 200, { 'content-type': 'application/json', ...answer.headers });
        res.end(JSON.stringify(answer.body));
      }, answer.delayMs ?? 0);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/api/`,
    calls,
    answer: (method, answerer) => answers.set(method, answerer),
    callsTo: (method) => calls.filter((call) => call.method === method),
    responseUrl: (id) => `http://127.0.0.1:${port}/response/${id}`,
    waitFor: async (method, count = 1, timeoutMs = 5000) => {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const found = calls.filter((call) => call.method === method);
        if (found.length >= count) return found;
        if (Date.now() > deadline) throw new Error(`expected ${count} call(s) to ${method} within ${timeoutMs} ms; got ${found.length} (all calls: ${calls.map((call) => call.method).join(', ') || 'none'})`);
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    },
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

async function readCall(req: IncomingMessage): Promise<RecordedCall> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(chunk as Buffer);
  const text = Buffer.concat(chunks).toString('utf8');
  const path = (req.url ?? '').split('?')[0] ?? '';
  let method = path.startsWith('/response/') ? 'response_url' : path.replace(/^\/api\//, '');
  let args: Record<string, unknown> = {};
  if ((req.headers['content-type'] ?? '').includes('application/json')) {
    args = text === '' ? {} : (JSON.parse(text) as Record<string, unknown>);
  } else {
    for (const [key, value] of new URLSearchParams(text)) {
      // The Web API client form-encodes objects and arrays as JSON strings.
      args[key] = /^[[{]/.test(value) ? safeJson(value) : value;
    }
  }
  if (method === 'response_url' && args.delete_original === true) method = 'response_url.delete';
  const auth = req.headers.authorization;
  return { method, args, token: auth?.startsWith('Bearer ') ? auth.slice(7) : (args.token as string | undefined) };
}

function safeJson(value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    return value;
  }
}
