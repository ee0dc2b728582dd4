import {
  type AttributeValue,
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Context } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { lambdaContext as contextOf } from '../../support/lambda';

/** The partition of the sample events and ARNs (the trigger never parses an ARN). */
export const PARTITION = 'aws';

/** An EventBridge "Object Created" event as S3 sends it, of an object under `training-data/churn/`. */
export function objectCreated(overrides: { key?: string; size?: number; sequencer?: string; id?: string } = {}) {
  return {
    version: '0',
    id: overrides.id ?? '17793124-05d4-b198-2fde-7ededc63b103',
    'detail-type': 'Object Created',
    source: 'aws.s3',
    account: '111122223333',
    time: '2025-03-01T02:55:00Z',
    region: 'us-east-1',
    resources: [`arn:${PARTITION}:s3:::mlops-dev-raw`],
    detail: {
      version: '0',
      bucket: { name: 'mlops-dev-raw' },
      object: {
        key: overrides.key ?? 'training-data/churn/2025/03/01/part-0001.csv',
        size: overrides.size ?? 3_400_000,
        etag: 'b1946ac92492d2347c6235b4d2611184',
        sequencer: overrides.sequencer ?? '0062E99A88DC407460',
      },
      'request-id': 'N4N7GDK58NMKJ12R',
      requester: '111122223333',
      'source-ip-address': '10.0.0.1',
      reason: 'PutObject',
    },
  };
}

/** A Lambda context with 30 seconds left. */
export function lambdaContext(requestId?: string): Context {
  return contextOf({
    functionName: 'retraining-trigger-churn',
    functionArn: `arn:${PARTITION}:lambda:us-east-1:111122223333:function:retraining-trigger-churn`,
    requestId,
    remainingMs: 30_000,
  });
}

type RawItem = Record<string, AttributeValue>;
type StateItem = Record<string, unknown>;

/**
 * The trigger's table in memory, behind `aws-sdk-client-mock`: the document client commands of the state store
 * (Get, conditional Put) and the low-level commands of the Powertools DynamoDB persistence layer (Get, Put with
 * its condition, Update, Delete), with the conditions evaluated as DynamoDB would.
 */
export class FakeTable {
  readonly documents = mockClient(DynamoDBDocumentClient);
  readonly low = mockClient(DynamoDBClient);
  /** State items by id. */
  readonly stateItems = new Map<string, StateItem>();
  /** Idempotency records by id. */
  readonly idempotencyRecords = new Map<string, RawItem>();

  constructor() {
    this.documents.on(GetCommand).callsFake((input) => {
      const item = this.stateItems.get(input.Key.id);
      return { Item: item ? structuredClone(item) : undefined };
    });
    this.documents.on(PutCommand).callsFake(this.putState);
    this.documents.on(UpdateCommand).callsFake(this.updateState);

    this.low.on(GetItemCommand).callsFake((input) => ({ Item: this.idempotencyRecords.get(keyOf(input.Key)) }));
    this.low.on(PutItemCommand).callsFake((input) => {
      const item = input.Item as RawItem;
      const existing = this.idempotencyRecords.get(keyOf(item));
      const now = Date.now();
      const replaceable =
        existing === undefined ||
        Number(existing.expiration?.N) < now / 1000 ||
        (existing.status?.S === 'INPROGRESS' &&
          existing.in_progress_expiration !== undefined &&
          Number(existing.in_progress_expiration.N) < now);
      if (!replaceable) throw conditionFailed(existing);
      this.idempotencyRecords.set(keyOf(item), { ...item });
      return {};
    });
    this.low.on(UpdateItemCommand).callsFake((input) => {
      const key = keyOf(input.Key);
      const item = { ...(this.idempotencyRecords.get(key) ?? input.Key) } as RawItem;
      // SET #a = :a, #b = :b
      for (const assignment of (input.UpdateExpression as string).replace(/^SET /, '').split(', ')) {
        const [name, value] = assignment.split(' = ');
        item[input.ExpressionAttributeNames[name]] = input.ExpressionAttributeValues[value];
      }
      this.idempotencyRecords.set(key, item);
      return {};
    });
    this.low.on(DeleteItemCommand).callsFake((input) => {
      this.idempotencyRecords.delete(keyOf(input.Key));
      return {};
    });
  }

  /** The state store's conditional Put, as DynamoDB evaluates it; re-install it after a `...Once` override. */
  readonly putState = (input: {
    Item?: StateItem;
    ConditionExpression?: string;
    ExpressionAttributeValues?: StateItem;
  }) => {
    const id = input.Item?.id as string;
    const existing = this.stateItems.get(id);
    const allowed =
      input.ConditionExpression === 'attribute_not_exists(#id)'
        ? existing === undefined
        : existing?.version === input.ExpressionAttributeValues?.[':version'];
    if (!allowed) throw conditionFailed();
    this.stateItems.set(id, structuredClone(input.Item ?? {}));
    return {};
  };

  /**
   * The loop store's updates, as DynamoDB evaluates them: `SET #a = :a, #b = if_not_exists(#b, :b)` with a condition
   * of `attribute_exists(#x)` / `attribute_not_exists(#x)` terms joined by AND, and `ReturnValues: ALL_NEW`.
   */
  readonly updateState = (input: {
    Key?: StateItem;
    UpdateExpression?: string;
    ConditionExpression?: string;
    ExpressionAttributeNames?: Record<string, string>;
    ExpressionAttributeValues?: StateItem;
    ReturnValues?: string;
  }) => {
    const names = input.ExpressionAttributeNames ?? {};
    const values = input.ExpressionAttributeValues ?? {};
    const id = input.Key?.id as string;
    const existing = this.stateItems.get(id);
    for (const term of (input.ConditionExpression ?? '').split(' AND ').filter(Boolean)) {
      const [, fn, name] = /^(attribute_exists|attribute_not_exists)\((#\w+)\)$/.exec(term.trim()) ?? [];
      if (!fn || !name) throw new Error(`the fake table does not evaluate the condition ${term}`);
      const present = existing !== undefined && existing[names[name] as string] !== undefined;
      if (present !== (fn === 'attribute_exists')) throw conditionFailed(existing ? ({} as RawItem) : undefined);
    }
    const item: StateItem = structuredClone(existing ?? { ...input.Key });
    for (const assignment of (input.UpdateExpression ?? '').replace(/^SET /, '').split(/, (?=#)/)) {
      const [name, expression] = assignment.split(' = ') as [string, string];
      const attribute = names[name] as string;
      const ifNotExists = /^if_not_exists\((#\w+), (:\w+)\)$/.exec(expression);
      if (ifNotExists) {
        if (item[attribute] === undefined) item[attribute] = structuredClone(values[ifNotExists[2] as string]);
      } else {
        item[attribute] = structuredClone(values[expression]);
      }
    }
    this.stateItems.set(id, item);
    return input.ReturnValues === 'ALL_NEW' ? { Attributes: structuredClone(item) } : {};
  };

  /** Stores a state item as if earlier decisions had written it. */
  givenState(modelName: string, item: StateItem): void {
    this.stateItems.set(`trigger-state#${modelName}`, { id: `trigger-state#${modelName}`, version: 1, ...item });
  }

  /** The error DynamoDB answers when a write's condition does not hold. */
  conditionFailed(item?: RawItem): ConditionalCheckFailedException {
    return conditionFailed(item);
  }

  state(modelName: string): StateItem | undefined {
    return this.stateItems.get(`trigger-state#${modelName}`);
  }

  restore(): void {
    this.documents.restore();
    this.low.restore();
  }
}

function keyOf(key: RawItem | undefined): string {
  return key?.id?.S ?? '';
}

function conditionFailed(item?: RawItem): ConditionalCheckFailedException {
  return new ConditionalCheckFailedException({ message: 'The conditional request failed', $metadata: {}, Item: item });
}

/**
 * The JSON lines Powertools Logger and Metrics write (info and metrics to stdout, warnings and errors to
 * stderr), parsed, in order; nothing reaches the terminal while it captures.
 */
export class OutputCapture {
  readonly lines: Record<string, unknown>[] = [];
  private readonly spies: jest.SpyInstance[];

  constructor() {
    const capture = (chunk: string | Uint8Array) => {
      for (const line of String(chunk).split('\n')) {
        if (line.trim().startsWith('{')) this.lines.push(JSON.parse(line));
      }
      return true;
    };
    this.spies = [
      jest.spyOn(process.stdout, 'write').mockImplementation(capture),
      jest.spyOn(process.stderr, 'write').mockImplementation(capture),
    ];
  }

  /** Log lines with this message. */
  logs(message: string): Record<string, unknown>[] {
    return this.lines.filter((line) => line.message === message);
  }

  /** Embedded-metric-format lines of this metric, as their dimension values. */
  metrics(name: string): Record<string, unknown>[] {
    return this.lines.filter((line) => {
      const aws = line._aws as { CloudWatchMetrics?: { Metrics: { Name: string }[] }[] } | undefined;
      return aws?.CloudWatchMetrics?.some((m) => m.Metrics.some((metric) => metric.Name === name));
    });
  }

  restore(): void {
    for (const spy of this.spies) spy.mockRestore();
  }
}
