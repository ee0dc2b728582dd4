import { mkdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { AwsCall } from '../../lambda/shared/aws-call';
import { ConfigError, loadConfig } from '../../lib/config/loader';
import { portfolioLocation } from '../../lib/config/portfolio-location';
import { portfolioTableName } from '../../lib/naming';
import { costExplorerClient, readCosts, withCosts } from './cost';
import { renderHtml } from './html';
import { loadFixture, type Portfolio, PortfolioError, scanInventory, sortRecords } from './inventory';
import { renderTable } from './table';

// `npm run portfolio -- [--fixture <file>] [--html <file>] [--config <path>] [--table <name>] [--region <region>]`
// Prints the model portfolio as a table, and writes it as a self-contained HTML report with --html. Exit codes:
// 0 done, 1 failed (the message says why), 2 usage error.

export const PORTFOLIO_USAGE =
  'usage: npm run portfolio -- [--fixture <file>] [--html <file>] [--config <path>] [--table <name>] [--region <region>] [--no-cost]';

export const PORTFOLIO_HELP = `${PORTFOLIO_USAGE}

Reads the model portfolio's inventory (one record per model and environment) with your credentials, prints it as a
table and, with --html, writes a report: a grid of models by environments coloured by status, and each model's
metric, drift and cost trends. The page loads nothing from elsewhere.

  --fixture <file>   render a recorded inventory ({ "records": [...] }) instead of reading AWS
  --html <file>      also write the HTML report to this file
  --config <path>    the platform config, for the project and the portfolio's account (default config/platform.json)
  --table <name>     the inventory table (default <project>-portfolio-inventory)
  --region <region>  the portfolio's region (default portfolio.region, tooling.region)
  --no-cost          do not ask Cost Explorer for each model's spend

Your credentials need dynamodb:Scan on the table in the portfolio account (tooling, or portfolio.account). For
spend per model (month to date and the last months), they also need ce:GetCostAndUsage, and the cost-allocation tag
"model" must be active; with consolidated billing, the payer account's credentials see every environment's account,
a member account's only its own. Without them the report says "no cost data" (docs/stage-5-portfolio.md).`;

export interface PortfolioArgs {
  readonly fixture?: string;
  readonly html?: string;
  readonly config?: string;
  readonly table?: string;
  readonly region?: string;
  /** Skip Cost Explorer. */
  readonly noCost?: boolean;
}

export type ParsedPortfolioArgs = { readonly help: true } | ({ readonly help: false } & PortfolioArgs);

const FLAGS = {
  '--fixture': 'fixture',
  '--html': 'html',
  '--config': 'config',
  '--table': 'table',
  '--region': 'region',
} as const;

export class UsageError extends Error {}

/** Parses the command line; throws a {@link UsageError} naming every problem. */
export function parseArgs(argv: readonly string[]): ParsedPortfolioArgs {
  if (argv.includes('--help') || argv.includes('-h')) return { help: true };
  const args: Record<string, string> = {};
  const problems: string[] = [];
  let noCost = false;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i] as string;
    if (flag === '--no-cost') {
      if (noCost) problems.push('--no-cost given twice');
      noCost = true;
      continue;
    }
    const key = (FLAGS as Record<string, string>)[flag];
    const value = argv[i + 1];
    if (!key) problems.push(`unknown argument ${JSON.stringify(flag)}`);
    else if (value === undefined || value.startsWith('--')) problems.push(`${flag} needs a value`);
    else if (args[key] !== undefined) problems.push(`${flag} given twice`);
    else {
      args[key] = value;
      i++;
    }
  }
  if (args.fixture !== undefined && (args.table !== undefined || args.region !== undefined)) {
    problems.push('--fixture reads no AWS account: leave out --table and --region');
  }
  if (args.fixture !== undefined && noCost) problems.push('--fixture reads no AWS account: leave out --no-cost');
  if (problems.length > 0) throw new UsageError(`${problems.join('; ')}\n${PORTFOLIO_USAGE}`);
  return { help: false, ...args, ...(noCost ? { noCost } : {}) };
}

/** Reads the portfolio: the fixture, or the inventory table named by the arguments and the config. */
export async function readPortfolio(
  args: PortfolioArgs,
  now = () => new Date(),
  costExplorer: (region: string) => AwsCall = costExplorerClient,
): Promise<Portfolio> {
  if (args.fixture !== undefined) return loadFixture(args.fixture);
  const config = loadConfig(args.config === undefined ? {} : { config: args.config });
  const location = portfolioLocation(config.config);
  const region = args.region ?? location?.region;
  if (!region) {
    throw new PortfolioError('no region for the portfolio: set tooling or portfolio in the config, or pass --region');
  }
  const table = args.table ?? portfolioTableName(config.project);
  const client = DynamoDBDocumentClient.from(new DynamoDBClient({ region, maxAttempts: 5 }));
  try {
    const readAt = now();
    // owner and lifecycle as the config says them now, whatever the last event wrote
    const models = new Map(config.config.models.map((m) => [m.name, m]));
    const records = (await scanInventory(client, table)).map((r) => {
      const model = models.get(r.model);
      if (!model) return r;
      const { owner: _owner, ...rest } = r;
      return { ...rest, lifecycle: model.lifecycle, ...(model.card?.owner ? { owner: model.card.owner } : {}) };
    });
    const cost = args.noCost
      ? undefined
      : await readCosts(
          costExplorer(region),
          config.allEnvironments.map((e) => ({ name: e.name, account: e.account })),
          readAt,
        );
    return {
      project: config.project,
      source: `${table} (${location?.account ?? 'account of your credentials'}, ${region})`,
      readAt: readAt.toISOString(),
      records: sortRecords(
        cost ? withCosts(records, cost, readAt.toISOString()) : records,
        config.allEnvironments.map((e) => e.name),
      ),
      costNote: cost
        ? cost.note
        : 'no cost data: Cost Explorer not asked (--no-cost); spend shown is what the inventory recorded',
    };
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') {
      throw new PortfolioError(
        `no table ${table} in ${region} for these credentials: deploy the portfolio (npx cdk deploy Portfolio) with the account that holds it, or pass --table and --region`,
      );
    }
    throw error;
  } finally {
    client.destroy();
  }
}

/** Runs the command; returns the exit code. */
export async function main(
  argv: readonly string[],
  out: (text: string) => void = (t) => process.stdout.write(t),
  err: (text: string) => void = (t) => process.stderr.write(t),
): Promise<number> {
  let args: ParsedPortfolioArgs;
  try {
    args = parseArgs(argv);
  } catch (error) {
    err(`${(error as Error).message}\n`);
    return 2;
  }
  if (args.help) {
    out(`${PORTFOLIO_HELP}\n`);
    return 0;
  }
  try {
    const portfolio = await readPortfolio(args);
    out(renderTable(portfolio));
    if (args.html !== undefined) {
      mkdirSync(path.dirname(path.resolve(args.html)), { recursive: true });
      writeFileSync(args.html, renderHtml(portfolio));
      out(`HTML report written to ${args.html}\n`);
    }
    return 0;
  } catch (error) {
    if (error instanceof PortfolioError || error instanceof ConfigError) {
      err(`${error.message}\n`);
      return 1;
    }
    err(`${error instanceof Error ? `${error.name}: ${error.message}` : String(error)}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
      process.exitCode = 1;
    },
  );
}
