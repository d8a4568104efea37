/** The route table of webhook sources: `POST /webhooks/<source>` finds its adapter here. */
import type { SourceAdapter } from './adapter.js';
import { genericAdapter } from './generic.js';
import { zendeskAdapter } from './zendesk.js';

// One adapter per line, in the order of the docs.
export const ADAPTERS: readonly SourceAdapter[] = [
  zendeskAdapter,
  genericAdapter,
];

export function adapterMap(adapters: readonly SourceAdapter[] = ADAPTERS): ReadonlyMap<string, SourceAdapter> {
  return new Map(adapters.map((adapter) => [adapter.source, adapter]));
}
