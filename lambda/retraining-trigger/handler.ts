import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { DEFAULT_RETRY, documentClient, dynamoDb, sageMaker } from './clients';
import { KEY_ATTRIBUTE, loadConfig, TTL_ATTRIBUTE } from './config';
import { StateStore } from './state';
import { createHandler } from './trigger';

/**
 * The Lambda entry point: wiring only, done once per execution environment. A misconfigured environment fails
 * here, at init, so every invocation fails and lands in the dead-letter queue instead of deciding wrongly.
 */
const config = loadConfig(process.env);

export const handler = createHandler({
  config,
  sageMaker,
  store: new StateStore(documentClient, config.stateTableName),
  persistenceStore: new DynamoDBPersistenceLayer({
    tableName: config.stateTableName,
    keyAttr: KEY_ATTRIBUTE,
    expiryAttr: TTL_ATTRIBUTE,
    awsSdkV3Client: dynamoDb,
  }),
  logger: new Logger({ serviceName: config.serviceName, persistentKeys: { model: config.modelName } }),
  metrics: new Metrics({
    namespace: config.metricsNamespace,
    serviceName: config.serviceName,
    defaultDimensions: { Model: config.modelName },
  }),
  retry: DEFAULT_RETRY,
});
