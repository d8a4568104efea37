/**
 * Runs the built `kpibot` executable (dist/, made by `npm run build`, which
 * `npm test` runs first) as a child process, as a user would.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

export const KPIBOT = fileURLToPath(new URL('../../dist/src/kpibot.js', import.meta.url));

function assertBuilt(): void {
  if (!existsSync(KPIBOT)) throw new Error(`${KPIBOT} is missing: run "npm run build" (npm test does it first)`);
}

/** The environment a child gets: PATH and HOME only, plus what the test gives. */
export function childEnv(env: Record<string, string>): Record<string, string> {
  return { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env };
}

export function runKpibot(args: string[], env: Record<string, string>, cwd?: string) {
  assertBuilt();
  return spawnSync(process.execPath, [KPIBOT, ...args], { env: childEnv(env), cwd, encoding: 'utf8', timeout: 60_000 });
}

/** runKpibot without blocking the event loop: the test goes on (posting webhooks to a running bot, say) while it runs. */
export function runKpibotInBackground(args: string[], env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  assertBuilt();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [KPIBOT, ...args], { env: childEnv(env) });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('exit', (status) => resolve({ status, stdout, stderr }));
  });
}

export interface RunningKpibot {
  readonly child: ChildProcessWithoutNullStreams;
  readonly url: string;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly exited: Promise<number | null>;
}

/** Starts `kpibot start` and resolves once it logs that it is listening. */
export function startKpibot(env: Record<string, string>, cwd?: string): Promise<RunningKpibot> {
  assertBuilt();
  const child = spawn(process.execPath, [KPIBOT, 'start'], { env: childEnv({ HOST: '127.0.0.1', PORT: '0', ...env }), cwd });
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`kpibot did not start in time:\n${stdout}\n${stderr}`)), 30_000);
    child.stderr.on('data', (chunk: Buffer) => {
      stderr += chunk.toString();
    });
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      const line = stdout.split('\n').find((text) => text.includes('"kpibot is listening"'));
      if (line !== undefined) {
        clearTimeout(timer);
        const { url } = JSON.parse(line) as { url: string };
        resolve({ child, url, stdout: () => stdout, stderr: () => stderr, exited });
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`kpibot exited with ${code} before listening:\n${stdout}\n${stderr}`));
    });
  });
}

