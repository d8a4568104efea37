// `npm run docs:metrics`: writes docs/metrics.md from the metric definitions.
import { writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderMetricsDoc } from './metrics-doc.js';

writeFileSync(fileURLToPath(new URL('../../../docs/metrics.md', import.meta.url)), renderMetricsDoc());
