/** A one-line progress display for long commands (import, SLA recompute), on a terminal only. */

export interface ProgressTerminal {
  write(text: string): unknown;
  readonly isTTY?: boolean;
}

export interface ProgressLine {
  /** Redraws the line, at most five times a second: the share done (0 to 1) and the count of things done. */
  update(share: number, count: number): void;
  /** Erases the line, if one is shown. */
  clear(): void;
}

/** Undefined when `terminal` is not a terminal: a pipe or a file gets no progress, only the result. */
export function progressLine(terminal: ProgressTerminal, unit: string): ProgressLine | undefined {
  if (terminal.isTTY !== true) return undefined;
  const started = performance.now();
  let last = 0;
  let shown = false;
  return {
    update(share, count) {
      const now = performance.now();
      if (now - last < 200) return;
      last = now;
      const width = 24;
      const filled = Math.round(Math.min(1, Math.max(0, share)) * width);
      const rate = count / Math.max(0.001, (now - started) / 1000);
      terminal.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${(share * 100).toFixed(0).padStart(3)}%  ${count.toLocaleString('en-US')} ${unit}  ${Math.round(rate).toLocaleString('en-US')} ${unit}/s `);
      shown = true;
    },
    clear() {
      if (shown) terminal.write('\r\x1b[2K');
      shown = false;
    },
  };
}
