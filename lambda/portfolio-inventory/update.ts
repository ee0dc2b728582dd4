import type { Catalog } from './catalog';
import { type IgnoreReason, readEvent } from './events';
import { reduce, sameRecord } from './reducer';
import { type InventoryStore, RecordConflictError } from './store';

/** What the updater did with one event. */
export type UpdateResult =
  | { readonly action: 'updated'; readonly model: string; readonly environment: string; readonly revision: number }
  | { readonly action: 'unchanged'; readonly model: string; readonly environment: string }
  | { readonly action: 'ignored'; readonly reason: IgnoreReason; readonly detail: string };

/** Reads, folds and writes per event when another writer got in between. */
export const UPDATE_ATTEMPTS = 5;

export interface UpdateDependencies {
  readonly catalog: Catalog;
  readonly store: InventoryStore;
}

/**
 * Folds one event into its record: read the record, reduce, write it back on the condition that nobody wrote in
 * between, and start over if somebody did. An event that changes nothing (a duplicate, or older than every field
 * it touches) writes nothing. Unrecognised events are ignored with their reason, never retried: retrying cannot
 * make them readable.
 */
export async function applyEvent(event: unknown, deps: UpdateDependencies): Promise<UpdateResult> {
  const reading = readEvent(event, deps.catalog);
  if (!reading.ok) return { action: 'ignored', reason: reading.reason, detail: reading.detail };
  const { observation } = reading;
  const model = deps.catalog.models.find((m) => m.name === observation.model);
  for (let attempt = 1; ; attempt++) {
    const current = await deps.store.get(observation.model, observation.environment);
    const next = reduce(current?.record, observation, model);
    if (sameRecord(current?.record, next)) {
      return { action: 'unchanged', model: observation.model, environment: observation.environment };
    }
    try {
      const revision = await deps.store.put(next, current?.revision);
      return { action: 'updated', model: observation.model, environment: observation.environment, revision };
    } catch (error) {
      if (!(error instanceof RecordConflictError) || attempt >= UPDATE_ATTEMPTS) throw error;
    }
  }
}
