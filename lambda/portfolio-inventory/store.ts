import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import type { PortfolioRecord } from './reducer';

/** Key attributes of the inventory table: one item per model (partition) and environment (sort). */
export const KEY = { partition: 'model', sort: 'environment' } as const;
/** The attribute that counts an item's writes; each write is conditional on the count it read. */
export const REVISION_ATTRIBUTE = 'revision';

export interface VersionedRecord {
  readonly record: PortfolioRecord;
  readonly revision: number;
}

/** Another writer changed the item between the read and the write. */
export class RecordConflictError extends Error {
  constructor(model: string, environment: string) {
    super(`the record of ${model} in ${environment} changed while it was being updated`);
    this.name = 'RecordConflictError';
  }
}

/** Reads and writes records; every write is conditional on the revision read, so no write is lost to a race. */
export class InventoryStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(model: string, environment: string): Promise<VersionedRecord | undefined> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [KEY.partition]: model, [KEY.sort]: environment },
        ConsistentRead: true,
      }),
    );
    if (!Item) return undefined;
    const { [REVISION_ATTRIBUTE]: revision, ...record } = Item;
    return { record: record as PortfolioRecord, revision: Number(revision ?? 0) };
  }

  /** Writes the record if the item is still at `previous` (undefined: if there is no item yet). */
  async put(record: PortfolioRecord, previous: number | undefined): Promise<number> {
    const revision = (previous ?? 0) + 1;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { ...record, [REVISION_ATTRIBUTE]: revision },
          ConditionExpression: previous === undefined ? 'attribute_not_exists(#p)' : '#r = :previous',
          ExpressionAttributeNames: previous === undefined ? { '#p': KEY.partition } : { '#r': REVISION_ATTRIBUTE },
          ExpressionAttributeValues: previous === undefined ? undefined : { ':previous': previous },
        }),
      );
    } catch (error) {
      if (
        error instanceof ConditionalCheckFailedException ||
        (error as Error).name === 'ConditionalCheckFailedException'
      ) {
        throw new RecordConflictError(record.model, record.environment);
      }
      throw error;
    }
    return revision;
  }
}
