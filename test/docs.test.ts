import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { CONFIG_VARIABLES } from '../src/config.js';

const read = (path: string) => readFileSync(new URL(`../${path}`, import.meta.url), 'utf8');
const names = CONFIG_VARIABLES.map((variable) => variable.name);

describe('configuration documentation', () => {
  it('CONFIG_VARIABLES lists exactly the variables src/config.ts reads', () => {
    const source = read('src/config.ts');
    const read_ = [...source.matchAll(/get\('([A-Z_]+)'\)/g)].map((match) => match[1]);
    expect([...new Set(read_)].sort()).toEqual([...names].sort());
  });

  it('the README table gives every variable with its default and meaning, in order', () => {
    const rows = read('README.md')
      .split('\n')
      .filter((line) => /^\| `[A-Z_]+` \|/.test(line));
    expect(rows).toEqual(CONFIG_VARIABLES.map((variable) => {
      const fallback = variable.default.startsWith('(') ? variable.default : `\`${variable.default}\``;
      return `| \`${variable.name}\` | ${fallback} | ${variable.meaning} |`;
    }));
  });

  it('.env.example lists every variable, each after a comment', () => {
    const lines = read('.env.example').split('\n');
    const listed = lines.filter((line) => /^[A-Z_]+=/.test(line)).map((line) => line.split('=')[0]);
    expect(listed).toEqual(names);
    for (const name of names) {
      const index = lines.findIndex((line) => line.startsWith(`${name}=`));
      expect(lines[index - 1], name).toMatch(/^# /);
    }
  });

  it('the README quick start is exactly the two commands', () => {
    const readme = read('README.md');
    expect(readme).toContain('```sh\nnpm ci && npm start\n```');
    expect(readme).toContain('```sh\nnpm test\n```');
  });
});

describe('docs/metrics.md', () => {
  it('is generated from the metric definitions (run npm run docs:metrics after editing them)', async () => {
    const { renderMetricsDoc } = await import('../src/kpi/metrics-doc.js');
    expect(read('docs/metrics.md')).toBe(renderMetricsDoc());
  });
});
