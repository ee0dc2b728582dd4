import { readFileSync } from 'node:fs';
import { type DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import type { PortfolioRecord } from '../../lambda/portfolio-inventory/reducer';

export type { PortfolioRecord } from '../../lambda/portfolio-inventory/reducer';

/** A portfolio as the report draws it: the records, and where they came from. */
export interface Portfolio {
  /** The project, when known. */
  readonly project?: string;
  /** Where the records were read: a table name or a fixture file. */
  readonly source: string;
  /** When the records were read (ISO 8601). */
  readonly readAt: string;
  readonly records: readonly PortfolioRecord[];
  /** Why some or all spend is missing (Cost Explorer unavailable, tag not active), as the report prints it. */
  readonly costNote?: string;
}

/** A problem the command reports without a stack trace: a bad fixture, a missing table. */
export class PortfolioError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'PortfolioError';
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/**
 * Checks what the inventory (or a recorded copy) holds and fills in what older records lack, so the report can rely
 * on the shape; throws one {@link PortfolioError} naming every bad record.
 */
export function parseRecords(items: readonly unknown[], source: string): PortfolioRecord[] {
  const problems: string[] = [];
  const records: PortfolioRecord[] = [];
  items.forEach((item, i) => {
    if (!isRecord(item) || typeof item.model !== 'string' || typeof item.environment !== 'string') {
      problems.push(`records[${i}]: expected an object with "model" and "environment"`);
      return;
    }
    const trends = isRecord(item.trends) ? item.trends : {};
    const points = (name: string) => {
      const list = trends[name];
      if (list === undefined) return [];
      if (
        !Array.isArray(list) ||
        list.some((p) => !isRecord(p) || typeof p.at !== 'string' || typeof p.value !== 'number')
      ) {
        problems.push(`records[${i}].trends.${name}: expected a list of { at, value }`);
        return [];
      }
      return list as { at: string; value: number }[];
    };
    const { revision: _revision, ...rest } = item;
    records.push({
      account: '',
      region: '',
      lifecycle: 'active',
      versions: {},
      alarms: {},
      drift: 'none',
      alarm: 'none',
      lastEventAt: '',
      ...(rest as Partial<PortfolioRecord>),
      model: item.model,
      environment: item.environment,
      trends: { metric: points('metric'), drift: points('drift'), cost: points('cost') },
    } as PortfolioRecord);
  });
  if (problems.length > 0) throw new PortfolioError(`${source}: ${problems.join('; ')}`);
  return records;
}

/** A recorded inventory: `{ "project": "...", "readAt": "...", "records": [...] }`. */
export function loadFixture(file: string): Portfolio {
  let value: unknown;
  try {
    value = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    throw new PortfolioError(`cannot read the fixture ${file}: ${(error as Error).message}`);
  }
  if (!isRecord(value) || !Array.isArray(value.records)) {
    throw new PortfolioError(`${file}: expected an object with a "records" list`);
  }
  return {
    project: typeof value.project === 'string' ? value.project : undefined,
    source: file,
    readAt: typeof value.readAt === 'string' ? value.readAt : new Date().toISOString(),
    records: inRecordedOrder(parseRecords(value.records, file)),
  };
}

/** The records by model, each model's environments in the order the recording first names them. */
function inRecordedOrder(records: readonly PortfolioRecord[]): PortfolioRecord[] {
  return sortRecords(records, [...new Set(records.map((r) => r.environment))]);
}

/** Every record of the inventory table, with the caller's credentials (a paginated, consistent Scan). */
export async function scanInventory(client: DynamoDBDocumentClient, tableName: string): Promise<PortfolioRecord[]> {
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await client.send(
      new ScanCommand({ TableName: tableName, ConsistentRead: true, ExclusiveStartKey: start }),
    );
    items.push(...(page.Items ?? []));
    start = page.LastEvaluatedKey;
  } while (start);
  return parseRecords(items, tableName);
}

/** The records in the report's order: by model, then by the environments' order (as given), then by name. */
export function sortRecords(
  records: readonly PortfolioRecord[],
  environmentOrder: readonly string[] = [],
): PortfolioRecord[] {
  const rank = (env: string) => {
    const i = environmentOrder.indexOf(env);
    return i === -1 ? environmentOrder.length : i;
  };
  return [...records].sort(
    (a, b) =>
      a.model.localeCompare(b.model) ||
      rank(a.environment) - rank(b.environment) ||
      a.environment.localeCompare(b.environment),
  );
}
