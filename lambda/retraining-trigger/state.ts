import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { KEY_ATTRIBUTE } from './config';
import { INITIAL_STATE, type TriggerState } from './policy';

/** The trigger state of a model with the version it was read at, for an optimistic write. */
export interface VersionedState {
  readonly state: TriggerState;
  /** 0 while the model has no item yet. */
  readonly version: number;
  /** ARN of the last execution the trigger started, kept for operators. */
  readonly lastExecutionArn?: string;
  /**
   * A start in progress: the invocation that wrote it may start the pipeline until `until`; every other one
   * decides again after it (conditional writes, not reserved concurrency, keep two starts apart).
   */
  readonly claim?: { readonly token: string; readonly until: string };
}

/** Another writer changed the state since it was read; read it again and decide again. */
export class StateConflictError extends Error {
  constructor(modelName: string, version: number) {
    super(`the trigger state of '${modelName}' changed since version ${version} was read`);
    this.name = 'StateConflictError';
  }
}

/** Key of the state item of a model; idempotency keys start with the function name, so they never collide. */
export function stateKey(modelName: string): string {
  return `trigger-state#${modelName}`;
}

/**
 * The trigger state of models, one item per model in the table that also holds the idempotency records.
 * Writes are conditional on the version that was read, so two concurrent decisions cannot both count.
 */
export class StateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async load(modelName: string): Promise<VersionedState> {
    const { Item } = await this.client.send(
      new GetCommand({
        TableName: this.tableName,
        Key: { [KEY_ATTRIBUTE]: stateKey(modelName) },
        ConsistentRead: true,
      }),
    );
    if (!Item) return { state: INITIAL_STATE, version: 0 };
    return {
      state: {
        pendingObjects: numberOr(Item.pendingObjects, 0),
        pendingBytes: numberOr(Item.pendingBytes, 0),
        pendingSince: textOrUndefined(Item.pendingSince),
        lastRunAt: textOrUndefined(Item.lastRunAt),
        runsDay: textOrUndefined(Item.runsDay),
        runsToday: numberOr(Item.runsToday, 0),
      },
      version: numberOr(Item.version, 0),
      lastExecutionArn: textOrUndefined(Item.lastExecutionArn),
      claim: claimOf(Item.claimToken, Item.claimUntil),
    };
  }

  /** Stores the state if nobody wrote since `version` was read; throws {@link StateConflictError} otherwise. */
  async save(modelName: string, next: VersionedState, now: Date): Promise<void> {
    const { state, version, lastExecutionArn, claim } = next;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...withoutUndefined({ ...state, lastExecutionArn, claimToken: claim?.token, claimUntil: claim?.until }),
            [KEY_ATTRIBUTE]: stateKey(modelName),
            version: version + 1,
            updatedAt: now.toISOString(),
          },
          ConditionExpression: version === 0 ? 'attribute_not_exists(#id)' : '#version = :version',
          ExpressionAttributeNames: version === 0 ? { '#id': KEY_ATTRIBUTE } : { '#version': 'version' },
          ExpressionAttributeValues: version === 0 ? undefined : { ':version': version },
        }),
      );
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) throw new StateConflictError(modelName, version);
      throw error;
    }
  }
}

function withoutUndefined(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([, value]) => value !== undefined));
}

function numberOr(value: unknown, fallback: number): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : fallback;
}

function textOrUndefined(value: unknown): string | undefined {
  return typeof value === 'string' && value !== '' ? value : undefined;
}

/** A claim read back from its two attributes. */
export function claimOf(token: unknown, until: unknown): { token: string; until: string } | undefined {
  const t = textOrUndefined(token);
  const u = textOrUndefined(until);
  return t && u ? { token: t, until: u } : undefined;
}
