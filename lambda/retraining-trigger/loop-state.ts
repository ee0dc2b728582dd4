import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { KEY_ATTRIBUTE, TTL_ATTRIBUTE } from './config';
import type { LoopState } from './loop';
import { StateConflictError } from './state';

/** The loop state of a model with the version it was read at, for an optimistic write. */
export interface VersionedLoopState {
  readonly state: LoopState;
  /** 0 while the model has no item yet. */
  readonly version: number;
}

/** Key of the loop state item of a model (the new-data state is `trigger-state#<model>`). */
export function loopStateKey(modelName: string): string {
  return `loop-state#${modelName}`;
}

/** Key of one decision record: model, time and a discriminator, so records never overwrite each other. */
export function decisionKey(modelName: string, time: Date, discriminator: string): string {
  return `decision#${modelName}#${time.toISOString()}#${discriminator}`;
}

/** How long decision records are kept: 400 days, a year of evidence plus a month. */
export const DECISION_RECORD_DAYS = 400;

/**
 * The loop state (one item per model, written only if nobody wrote since it was read) and the decision records
 * (one item per decision, with the evidence, expiring after {@link DECISION_RECORD_DAYS}), in the trigger's table.
 */
export class LoopStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async load(modelName: string): Promise<VersionedLoopState> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [KEY_ATTRIBUTE]: loopStateKey(modelName) },
        ConsistentRead: true,
      }),
    );
    if (!Item) return { state: {}, version: 0 };
    const text = (value: unknown) => (typeof value === 'string' && value !== '' ? value : undefined);
    const token = text(Item.claimToken);
    const until = text(Item.claimUntil);
    return {
      state: {
        lastRunAt: text(Item.lastRunAt),
        consumedUntil: text(Item.consumedUntil),
        lastExecutionArn: text(Item.lastExecutionArn),
        ...(token && until ? { claim: { token, until } } : {}),
      },
      version: typeof Item.version === 'number' ? Item.version : 0,
    };
  }

  /** Stores `state` if the item is still at `version`; throws {@link StateConflictError} otherwise. */
  async save(modelName: string, state: LoopState, version: number, now: Date): Promise<number> {
    const item: Record<string, unknown> = {
      [KEY_ATTRIBUTE]: loopStateKey(modelName),
      version: version + 1,
      updatedAt: now.toISOString(),
      lastRunAt: state.lastRunAt,
      consumedUntil: state.consumedUntil,
      lastExecutionArn: state.lastExecutionArn,
      claimToken: state.claim?.token,
      claimUntil: state.claim?.until,
    };
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: Object.fromEntries(Object.entries(item).filter(([, v]) => v !== undefined)),
          ConditionExpression: version === 0 ? 'attribute_not_exists(#id)' : '#version = :version',
          ExpressionAttributeNames: version === 0 ? { '#id': KEY_ATTRIBUTE } : { '#version': 'version' },
          ExpressionAttributeValues: version === 0 ? undefined : { ':version': version },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new StateConflictError(modelName, version);
      throw error;
    }
    return version + 1;
  }

  /** Keeps one decision with its evidence. */
  async record(modelName: string, now: Date, discriminator: string, record: Record<string, unknown>): Promise<void> {
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: {
          ...record,
          [KEY_ATTRIBUTE]: decisionKey(modelName, now, discriminator),
          [TTL_ATTRIBUTE]: Math.floor(now.getTime() / 1000) + DECISION_RECORD_DAYS * 86_400,
        },
      }),
    );
  }
}
