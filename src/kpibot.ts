#!/usr/bin/env node
// The `kpibot` executable (package.json "bin"): runs the command line and exits with its code.
import { main } from './cli.js';

// A reader that stops early (`kpibot report agents | head -1`) closes the pipe: stop as `head` meant, quietly,
// instead of dying on the write with a stack trace.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code === 'EPIPE') process.exit(0);
    throw error;
  });
}

const command = process.argv[2] ?? 'start';
const code = await main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
});
// A server that has stopped may leave timers or sockets of libraries behind: exit explicitly.
if (command === 'start' || code !== 0) process.exit(code);
process.exitCode = code;
