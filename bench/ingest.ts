/**
 * bench/ingest: webhook deliveries per second over loopback HTTP, each one
 * durably committed before its 200, with N concurrent senders; beside a bare
 * Node HTTP server that parses the same JSON and stores nothing, in the same run.
 *
 *   npm run build && node dist/bench/ingest.js [--requests 20000] [--concurrency 32]
 *   BENCH_DATABASE_URL=postgres://... adds a PostgreSQL run.
 */
import { spawn } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Agent, request } from 'node:http';

const { values } = parseArgs({ options: { requests: { type: 'string', default: '20000' }, concurrency: { type: 'string', default: '32' } } });
const REQUESTS = Number(values.requests);
const CONCURRENCY = Number(values.concurrency);
const SECRET = `whsec_${Buffer.from('bench-secret-0123456789abcdef').toString('base64')}`;
const root = fileURLToPath(new URL('../../', import.meta.url)); // from dist/bench/

interface Server { url: string; stop(): Promise<void> }

function startProcess(script: string, env: Record<string, string>): Promise<Server> {
  // BENCH_NODE_ARGS, e.g. "--cpu-prof --cpu-prof-dir=/tmp/prof", go to the servers' node.
  const nodeArgs = process.env.BENCH_NODE_ARGS?.split(' ').filter((arg) => arg !== '') ?? [];
  const child = spawn(process.execPath, [...nodeArgs, script, ...(script.endsWith('kpibot.js') ? ['start'] : [])], {
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? 'info', ...env },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  let out = '';
  return new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const line = out.split('\n').find((text) => text.includes('kpibot is listening'));
      if (line !== undefined) {
        const { url } = JSON.parse(line) as { url: string };
        resolve({ url, stop: () => new Promise((done) => { child.on('exit', () => done()); child.kill('SIGTERM'); }) });
      }
    });
    child.on('exit', (code) => reject(new Error(`${script} exited with ${code}: ${out}`)));
  });
}

/** Realistic deliveries: ticket lives of 5 events, spread over many tickets. */
function makeBodies(count: number, run: string): { body: string; headers: Record<string, string> }[] {
  const kinds = ['ticket.created', 'ticket.note_added', 'ticket.agent_replied', 'ticket.customer_replied', 'ticket.status_changed'];
  const now = Math.floor(Date.now() / 1000);
  const key = Buffer.from(SECRET.slice('whsec_'.length), 'base64');
  const start = Date.parse('2026-01-01T00:00:00Z');
  return Array.from({ length: count }, (_, index) => {
    const ticket = Math.floor(index / kinds.length);
    const kind = kinds[index % kinds.length] as string;
    const event = {
      type: kind,
      id: `bench-${process.pid}-${run}-${index}`,
      occurred_at: new Date(start + ticket * 60_000 + (index % kinds.length) * 600_000).toISOString(),
      actor: kind.includes('customer') || kind === 'ticket.created' ? { type: 'customer', id: `c-${ticket % 5000}` } : { type: 'agent', id: `a-${ticket % 50}`, email: `agent${ticket % 50}@example.com` },
      ticket: { id: `B-${ticket}`, status: kind === 'ticket.status_changed' ? 'solved' : 'open', priority: ['low', 'normal', 'high', 'urgent'][ticket % 4], channel: 'email', team: `Team ${ticket % 10}`, tags: ['bench'] },
    };
    const body = JSON.stringify(event);
    const id = `msg-${process.pid}-${run}-${index}`;
    const signature = createHmac('sha256', key).update(`${id}.${now}.${body}`).digest('base64');
    return { body, headers: { 'content-type': 'application/json', 'webhook-id': id, 'webhook-timestamp': String(now), 'webhook-signature': `v1,${signature}` } };
  });
}

async function load(url: string, bodies: { body: string; headers: Record<string, string> }[]): Promise<{ rate: number; p50: number; p99: number; failures: number }> {
  const agent = new Agent({ keepAlive: true, maxSockets: CONCURRENCY });
  const target = new URL(`${url}/webhooks/generic`);
  const latencies: number[] = [];
  let next = 0;
  let failures = 0;
  let failuresShown = 0;
  const send = (item: { body: string; headers: Record<string, string> }) =>
    new Promise<number>((resolve) => {
      const req = request({ agent, host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: { ...item.headers, 'content-length': Buffer.byteLength(item.body) } }, (res) => {
        let text = '';
        res.on('data', (chunk: Buffer) => (text += chunk.toString()));
        res.on('end', () => {
          if (res.statusCode !== 200 && failuresShown++ < 3) console.error(`HTTP ${res.statusCode}: ${text}`);
          resolve(res.statusCode ?? 0);
        });
      });
      req.on('error', () => resolve(0));
      req.end(item.body);
    });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < bodies.length) {
        const item = bodies[next++] as { body: string; headers: Record<string, string> };
        const t = performance.now();
        const status = await send(item);
        latencies.push(performance.now() - t);
        if (status !== 200) failures += 1;
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0;
  return { rate: bodies.length / seconds, p50: at(0.5), p99: at(0.99), failures };
}

async function measure(name: string, script: string, env: Record<string, string>) {
  const server = await startProcess(script, env);
  try {
    // Warm-up deliveries repeat some events (stored once); the measured run then delivers new ones.
    await load(server.url, makeBodies(Math.min(2000, REQUESTS), 'warm'));
    const result = await load(server.url, makeBodies(REQUESTS, 'measured'));
    console.log(`${name.padEnd(28)} ${result.rate.toFixed(0).padStart(7)} deliveries/s   p50 ${result.p50.toFixed(1)} ms   p99 ${result.p99.toFixed(1)} ms   failures ${result.failures}`);
    return result;
  } finally {
    await server.stop();
  }
}

console.log(`bench/ingest: ${REQUESTS} deliveries, ${CONCURRENCY} concurrent senders; ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`);
const bare = await measure('bare node:http + JSON.parse', join(root, 'dist/bench/bare-server.js'), {});
const dir = mkdtempSync(join(tmpdir(), 'kpibot-bench-'));
try {
  const sqlite = await measure('kpibot on SQLite', join(root, 'dist/src/kpibot.js'), { DATABASE_URL: `sqlite:${join(dir, 'bench.sqlite')}`, GENERIC_WEBHOOK_SECRET: SECRET });
  console.log(`  SQLite: ${((100 * sqlite.rate) / bare.rate).toFixed(0)}% of the bare server`);
  if (process.env.BENCH_DATABASE_URL !== undefined) {
    const pg = await measure('kpibot on PostgreSQL', join(root, 'dist/src/kpibot.js'), { DATABASE_URL: process.env.BENCH_DATABASE_URL, GENERIC_WEBHOOK_SECRET: SECRET });
    console.log(`  PostgreSQL: ${((100 * pg.rate) / bare.rate).toFixed(0)}% of the bare server`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
