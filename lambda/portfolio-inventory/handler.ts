import { Logger } from '@aws-lambda-powertools/logger';
import { loadConfig } from './catalog';
import { documentClient } from './clients';
import { InventoryStore } from './store';
import { applyEvent, type UpdateResult } from './update';

/**
 * The Lambda entry point: wiring only, done once per execution environment. A misconfigured environment fails
 * here, at init, so every event fails and lands in the dead-letter queue instead of being dropped.
 */
const config = loadConfig(process.env);
const store = new InventoryStore(documentClient, config.tableName);
const logger = new Logger({ serviceName: config.serviceName });

export async function handler(event: unknown): Promise<UpdateResult> {
  const result = await applyEvent(event, { catalog: config.catalog, store });
  logger.info('portfolio event', { ...result });
  return result;
}
