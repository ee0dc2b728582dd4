import type { Point } from '../../lambda/portfolio-inventory/events';
import { type AwsCall, jsonProtocolClient } from '../../lambda/shared/aws-call';
import { MODEL_TAG_KEY } from '../../lib/vocabulary';
import type { PortfolioRecord } from './inventory';

/**
 * Spend per model and environment from Cost Explorer (GetCostAndUsage), with the caller's credentials: the unblended
 * cost of each month, grouped by linked account and by the cost-allocation tag `model` every model resource carries.
 * The repository ships no Cost Explorer SDK client, so the call is a small signed JSON request
 * (lambda/shared/aws-call.ts). Cost Explorer answers from one endpoint per partition (us-east-1 for `aws`); with
 * AWS Organizations' consolidated billing, the payer (management) account sees every member account in one call,
 * and a member account sees only its own spend. When Cost Explorer cannot answer, or the tag carries no spend, the
 * reading says why and the report says "no cost data".
 */

/** Cost Explorer over the AWS JSON 1.1 protocol; `AWS_ENDPOINT_URL_COST_EXPLORER` points it elsewhere in tests. */
export const COST_EXPLORER = {
  signingName: 'ce',
  endpointId: 'COST_EXPLORER',
  target: 'AWSInsightsIndexService',
  jsonVersion: '1.1',
};

/** Months of the trend, the current one included. */
export const COST_MONTHS = 6;

/** Pages of GetCostAndUsage read at most (each request costs USD 0.01). */
const MAX_PAGES = 20;

/** The spend of a model in an environment: month to date and each month of the window. */
export interface ModelCost {
  readonly monthToDate: number;
  readonly currency: string;
  /** One point per month (at = the month's first day), oldest first. */
  readonly months: readonly Point[];
}

/** What Cost Explorer said: spend by `model|environment`, or why there is none. */
export interface CostReading {
  readonly costs: ReadonlyMap<string, ModelCost>;
  /** The window read, `YYYY-MM-DD` to `YYYY-MM-DD` (end exclusive). */
  readonly period: { readonly start: string; readonly end: string };
  /** Why some or all spend is missing: "no cost data: ..." and the fix. */
  readonly note?: string;
}

/** An environment as the cost reader needs it: where its spend is booked. */
export interface CostEnvironment {
  readonly name: string;
  readonly account: string;
}

const day = (d: Date) => d.toISOString().slice(0, 10);

/** The window: the first day of the month `months - 1` before `now`'s, to the first day of the next month (UTC). */
export function costPeriod(now: Date, months = COST_MONTHS): { start: string; end: string } {
  const y = now.getUTCFullYear();
  const m = now.getUTCMonth();
  return { start: day(new Date(Date.UTC(y, m - (months - 1), 1))), end: day(new Date(Date.UTC(y, m + 1, 1))) };
}

/** The Cost Explorer client of the partition of `region`, signed with the default credential chain. */
export function costExplorerClient(region: string, env: NodeJS.ProcessEnv = process.env): AwsCall {
  const home = region.startsWith('cn-') ? 'cn-northwest-1' : 'us-east-1';
  return jsonProtocolClient(COST_EXPLORER, { ...env, AWS_REGION: home, AWS_DEFAULT_REGION: home });
}

interface Group {
  readonly Keys?: readonly string[];
  readonly Metrics?: Record<string, { readonly Amount?: string; readonly Unit?: string }>;
}
interface ResultByTime {
  readonly TimePeriod?: { readonly Start?: string };
  readonly Groups?: readonly Group[];
}

const noCost = (why: string) => `no cost data: ${why}`;

/**
 * Reads the spend of every model in every environment's account over {@link costPeriod}; never throws: a failure
 * becomes the reading's note. Spend of an account shared by several environments cannot be split between them, so it
 * is left out, and the note says so.
 */
export async function readCosts(
  call: AwsCall,
  environments: readonly CostEnvironment[],
  now: Date,
  months = COST_MONTHS,
): Promise<CostReading> {
  const period = costPeriod(now, months);
  const byAccount = new Map<string, string[]>();
  for (const e of environments) byAccount.set(e.account, [...(byAccount.get(e.account) ?? []), e.name]);
  const accounts = [...byAccount.keys()];
  if (accounts.length === 0) return { costs: new Map(), period, note: noCost('no environment account to read') };
  const results: ResultByTime[] = [];
  try {
    let token: string | undefined;
    let pages = 0;
    do {
      const page = await call('GetCostAndUsage', {
        TimePeriod: { Start: period.start, End: period.end },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost'],
        Filter: { Dimensions: { Key: 'LINKED_ACCOUNT', Values: accounts } },
        GroupBy: [
          { Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' },
          { Type: 'TAG', Key: MODEL_TAG_KEY },
        ],
        ...(token ? { NextPageToken: token } : {}),
      });
      results.push(...((page.ResultsByTime as ResultByTime[] | undefined) ?? []));
      token = typeof page.NextPageToken === 'string' && page.NextPageToken !== '' ? page.NextPageToken : undefined;
      pages++;
    } while (token && pages < MAX_PAGES);
  } catch (error) {
    const name = (error as Error).name;
    const fix =
      name === 'AccessDeniedException'
        ? 'your credentials need ce:GetCostAndUsage (the payer account of consolidated billing sees every account)'
        : name === 'DataUnavailableException'
          ? 'Cost Explorer has no data yet: enable it in the Billing console (data appears within 24 hours)'
          : 'Cost Explorer did not answer';
    return { costs: new Map(), period, note: noCost(`${fix} (${name}: ${(error as Error).message})`) };
  }

  const monthsOf = new Map<string, Map<string, number>>();
  const currencies = new Set<string>();
  const shared = new Set<string>();
  const tagPrefix = `${MODEL_TAG_KEY}$`;
  let tagged = false;
  for (const result of results) {
    const month = result.TimePeriod?.Start;
    if (!month) continue;
    for (const group of result.Groups ?? []) {
      const [account, tag] = group.Keys ?? [];
      if (!account || !tag?.startsWith(tagPrefix)) continue;
      const model = tag.slice(tagPrefix.length);
      const metric = group.Metrics?.UnblendedCost;
      const amount = Number(metric?.Amount);
      if (model === '' || !Number.isFinite(amount)) continue;
      tagged = true;
      const names = byAccount.get(account);
      if (!names) continue;
      if (names.length > 1) {
        shared.add(`${account} (${names.join(', ')})`);
        continue;
      }
      currencies.add(metric?.Unit ?? 'USD');
      const key = `${model}|${names[0]}`;
      const perMonth = monthsOf.get(key) ?? new Map<string, number>();
      perMonth.set(month, (perMonth.get(month) ?? 0) + amount);
      monthsOf.set(key, perMonth);
    }
  }
  const currency = [...currencies][0] ?? 'USD';
  const thisMonth = day(new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 1)));
  const costs = new Map<string, ModelCost>();
  for (const [key, perMonth] of monthsOf) {
    const points = [...perMonth.entries()]
      .sort(([a], [b]) => a.localeCompare(b))
      .map(([at, value]) => ({ at: `${at}T00:00:00.000Z`, value: Math.round(value * 100) / 100 }));
    costs.set(key, {
      monthToDate: Math.round((perMonth.get(thisMonth) ?? 0) * 100) / 100,
      currency,
      months: points,
    });
  }
  const notes: string[] = [];
  if (!tagged) {
    notes.push(
      noCost(
        `Cost Explorer has no spend tagged "${MODEL_TAG_KEY}" from ${period.start} in accounts ${accounts.join(', ')}: activate the cost-allocation tag "${MODEL_TAG_KEY}" in the Billing console of the payer account (spend appears within 24 hours, from activation on), or read with the payer account's credentials`,
      ),
    );
  }
  if (shared.size > 0) {
    notes.push(
      `spend of ${[...shared].join('; ')} is left out: environments that share an account cannot be told apart by the "${MODEL_TAG_KEY}" tag`,
    );
  }
  if (currencies.size > 1)
    notes.push(`spend in several currencies (${[...currencies].join(', ')}); shown in ${currency}`);
  return { costs, period, ...(notes.length > 0 ? { note: notes.join('; ') } : {}) };
}

/**
 * The records with Cost Explorer's spend: month to date as the record's cost, the months as its cost trend. A record
 * without tagged spend keeps no cost, and the report says "no cost data" for it.
 */
export function withCosts(
  records: readonly PortfolioRecord[],
  reading: CostReading,
  readAt: string,
): PortfolioRecord[] {
  return records.map((r) => {
    const cost = reading.costs.get(`${r.model}|${r.environment}`);
    const { cost: _recorded, ...rest } = r;
    if (!cost) return { ...rest, trends: { ...r.trends, cost: [] } };
    return {
      ...rest,
      cost: { stamp: `${readAt}#cost-explorer`, value: { amount: cost.monthToDate, currency: cost.currency } },
      trends: { ...r.trends, cost: cost.months },
    };
  });
}
