import { ConditionalCheckFailedException } from '@aws-sdk/client-dynamodb';
import { type DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { KEY_ATTRIBUTE, TTL_ATTRIBUTE } from './config';
import type { LoopState } from './loop';
import type { JoinedOutcome, RunRecord } from './outcome';
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

/** Key of the run record of one pipeline execution: the decision that started it and its outcome. */
export function runKey(modelName: string, executionArn: string): string {
  return `run#${modelName}#${executionArn}`;
}

/** What joining an outcome onto a decision record did. */
export type JoinWrite = 'joined' | 'already-joined' | 'no-record';

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

  /** Keeps one decision with its evidence; returns the record's key. */
  async record(modelName: string, now: Date, discriminator: string, record: Record<string, unknown>): Promise<string> {
    const key = decisionKey(modelName, now, discriminator);
    await this.client.send(
      new PutCommand({
        TableName: this.tableName,
        Item: { ...record, [KEY_ATTRIBUTE]: key, [TTL_ATTRIBUTE]: expiry(now) },
      }),
    );
    return key;
  }

  /**
   * Keeps the first verdict of an execution on its run record (a later one changes nothing: `if_not_exists`);
   * returns the run record as stored, with the decision that started the execution if the loop recorded one.
   */
  async keepOutcome(modelName: string, executionArn: string, outcome: JoinedOutcome, now: Date): Promise<RunRecord> {
    return this.updateRun(modelName, executionArn, 'outcome', outcome, now);
  }

  /** Names the decision record that started an execution on its run record; returns the run record as stored. */
  async noteDecision(modelName: string, executionArn: string, key: string, now: Date): Promise<RunRecord> {
    return this.updateRun(modelName, executionArn, 'decisionKey', key, now);
  }

  /**
   * Writes an outcome onto a decision record, once: only if the record exists and has no outcome yet, so a
   * duplicate or a concurrent join changes nothing.
   */
  async joinOutcome(key: string, outcome: JoinedOutcome): Promise<JoinWrite> {
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [KEY_ATTRIBUTE]: key },
          UpdateExpression: 'SET #outcome = :outcome',
          ConditionExpression: 'attribute_exists(#id) AND attribute_not_exists(#outcome)',
          ExpressionAttributeNames: { '#id': KEY_ATTRIBUTE, '#outcome': 'outcome' },
          ExpressionAttributeValues: { ':outcome': outcome },
          ReturnValuesOnConditionCheckFailure: 'ALL_OLD',
        }),
      );
      return 'joined';
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return error.Item ? 'already-joined' : 'no-record';
      throw error;
    }
  }

  /** Sets one side of a run record (the outcome only if it has none); both sides land on one item atomically. */
  private async updateRun(
    modelName: string,
    executionArn: string,
    side: 'outcome' | 'decisionKey',
    value: unknown,
    now: Date,
  ): Promise<RunRecord> {
    const output = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { [KEY_ATTRIBUTE]: runKey(modelName, executionArn) },
        UpdateExpression:
          side === 'outcome'
            ? 'SET #side = if_not_exists(#side, :value), #arn = :arn, #ttl = if_not_exists(#ttl, :ttl)'
            : 'SET #side = :value, #arn = :arn, #ttl = if_not_exists(#ttl, :ttl)',
        ExpressionAttributeNames: { '#side': side, '#arn': 'executionArn', '#ttl': TTL_ATTRIBUTE },
        ExpressionAttributeValues: { ':value': value, ':arn': executionArn, ':ttl': expiry(now) },
        ReturnValues: 'ALL_NEW',
      }),
    );
    const item: Record<string, unknown> = output?.Attributes ?? {};
    return {
      executionArn,
      decisionKey: typeof item.decisionKey === 'string' ? item.decisionKey : undefined,
      outcome: typeof item.outcome === 'object' && item.outcome !== null ? (item.outcome as JoinedOutcome) : undefined,
    };
  }
}

/** The TTL of a record written at `now`: {@link DECISION_RECORD_DAYS} later, in epoch seconds. */
function expiry(now: Date): number {
  return Math.floor(now.getTime() / 1000) + DECISION_RECORD_DAYS * 86_400;
}
