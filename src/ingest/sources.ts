/** The route table of webhook sources: `POST /webhooks/<source>` finds its adapter here. */
import type { SourceAdapter } from './adapter.js';
import { freshdeskAdapter } from './freshdesk.js';
import { genericAdapter } from './generic.js';
import { helpscoutAdapter } from './helpscout.js';
import { intercomAdapter } from './intercom.js';
import { jiraAdapter } from './jira.js';
import { zendeskAdapter } from './zendesk.js';
import { zohodeskAdapter } from './zohodesk.js';

// One adapter per line, in the order of the docs.
export const ADAPTERS: readonly SourceAdapter[] = [
  zendeskAdapter,
  freshdeskAdapter,
  zohodeskAdapter,
  intercomAdapter,
  helpscoutAdapter,
  jiraAdapter,
  genericAdapter,
];

export function adapterMap(adapters: readonly SourceAdapter[] = ADAPTERS): ReadonlyMap<string, SourceAdapter> {
  return new Map(adapters.map((adapter) => [adapter.source, adapter]));
}
