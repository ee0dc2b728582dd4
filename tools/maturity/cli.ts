import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../../lib/config/loader';
import { stackName } from '../../lib/naming';
import { cloudFormationClient, compareDeployed, type EnvironmentToCompare } from './deployed';
import { expectedStacks } from './expected';
import { maturityReport } from './plan';
import { renderDeployedComparison, renderMaturityReport } from './render';

// `npm run maturity [-- --config <file>] [--deployed] [--profile <environment>=<profile> ...]`
// Offline: where each environment stands on the maturity ladder and what the next stage takes. With --deployed,
// also each account's deployed stacks compared with the config (read-only: cloudformation:ListStacks).
// Exit codes: 0 printed (differences are findings, not failures), 1 invalid config or unreadable accounts, 2 usage.

export const MATURITY_USAGE =
  'usage: npm run maturity [-- --config <file>] [--deployed] [--profile <environment>=<profile> ...]';

export interface MaturityArgs {
  readonly config: string;
  readonly deployed: boolean;
  /** Named AWS profiles by environment, for `--deployed`. */
  readonly profiles: Readonly<Record<string, string>>;
}

/** The arguments after `npm run maturity --`, or the usage problem as a string. */
export function parseMaturityArgs(argv: readonly string[]): MaturityArgs | string {
  let config = DEFAULT_CONFIG_PATH;
  let deployed = false;
  const profiles: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--deployed') {
      deployed = true;
      continue;
    }
    const value = argv[i + 1];
    if ((arg === '--config' || arg === '--profile') && (value === undefined || value.startsWith('--'))) {
      return `${arg} needs a value`;
    }
    if (arg === '--config') config = value as string;
    else if (arg === '--profile') {
      const [env, profile] = (value as string).split('=');
      if (!env || !profile) return `--profile: expected <environment>=<profile>, got ${JSON.stringify(value)}`;
      profiles[env] = profile;
    } else return `unknown argument ${JSON.stringify(arg)}`;
    i++;
  }
  return { config, deployed, profiles };
}

async function main(argv: readonly string[]): Promise<number> {
  const args = parseMaturityArgs(argv);
  if (typeof args === 'string') {
    process.stderr.write(`error: ${args}\n${MATURITY_USAGE}\n`);
    return 2;
  }
  const file = path.resolve(args.config);
  if (!existsSync(file)) {
    process.stderr.write(`error: --config: file not found: ${file}\n${MATURITY_USAGE}\n`);
    return 2;
  }
  try {
    const input = JSON.parse(readFileSync(file, 'utf8'));
    process.stdout.write(renderMaturityReport(maturityReport(input, args.config, process.cwd())));
    if (!args.deployed) return 0;
    const config = loadConfig({ config: args.config });
    const prefixes = config.allEnvironments.map((e) => stackName(config.project, e.name, ''));
    const environments: EnvironmentToCompare[] = config.allEnvironments.map((env) => {
      const prefix = stackName(config.project, env.name, '');
      return {
        environment: env.name,
        account: env.account,
        region: env.region,
        prefix,
        otherPrefixes: prefixes.filter((p) => p !== prefix && p.startsWith(prefix)),
        expected: expectedStacks(config, env),
      };
    });
    const unknown = Object.keys(args.profiles).filter((name) => !environments.some((e) => e.environment === name));
    if (unknown.length > 0) {
      process.stderr.write(`error: --profile: unknown environment ${unknown.join(', ')}\n${MATURITY_USAGE}\n`);
      return 2;
    }
    const comparisons = await compareDeployed(environments, (env) =>
      cloudFormationClient(env.region, args.profiles[env.environment]),
    );
    process.stdout.write(`\n${renderDeployedComparison(comparisons)}`);
    return comparisons.some((c) => c.error) ? 1 : 0;
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    process.stderr.write(`${error.message}\n`);
    return 1;
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
