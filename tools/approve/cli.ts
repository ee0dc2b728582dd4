import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SSMClient } from '@aws-sdk/client-ssm';
import { ConfigError, loadConfig } from '../../lib/config/loader';
import { approveModelVersion } from './approve';
import { ApproveError, RUNBOOK } from './errors';
import { resolveTarget } from './plan';
import { stepFunctionsClient } from './step-functions';

// `npm run approve -- --model <name> --env <environment> --package-arn <arn> [--dry-run] [--no-wait] ...`
// Serves an approved model version; see docs/runbooks/approve-and-rollback.md. Exit codes: 0 done (or nothing to
// do), 1 refused or failed (the message says why and what to do), 2 usage error.

export const APPROVE_USAGE =
  'usage: npm run approve -- --model <name> --env <environment> --package-arn <model package version ARN> ' +
  '[--dry-run] [--no-wait] [--force] [--timeout-minutes <minutes>] [--config <path>]';

export const APPROVE_HELP = `${APPROVE_USAGE}

Serves an approved model package version: writes it to the model's approved-version SSM parameter, then updates
the model's stack, which rolls it out to the endpoint through the deployment guardrails and, once the endpoint
serves it, points Model Monitor (stage 4) at the baselines of that version, in the same update. From stage 5
(continuous deployment) it starts the model's rollout state machine instead, which does the same through the same
code and verifies the endpoint serves the version (docs/runbooks/promotion-and-rollout.md).

  --model <name>              a model of the config (models[].name)
  --env <environment>         an environment of the config (environments[].name)
  --package-arn <arn>         ARN of an Approved version in the model's package group of that environment
  --dry-run                   check everything and print the plan; change nothing
  --no-wait                   start the model stack update and return without waiting for it; prints how to
                              follow it
  --force                     stage 5, break glass: roll out although the champion/challenger gate did not pass
                              the version (recorded on the rollout)
  --timeout-minutes <minutes> how long to wait for the stack update (default 60)
  --config <path>             the platform config (default config/platform.json)

Runbook: ${RUNBOOK}`;

const MAX_TIMEOUT_MINUTES = 24 * 60;

function usageError(problem: string): ApproveError {
  return new ApproveError(`${problem}\n${APPROVE_USAGE}`, 'usage');
}

/** The command line of `npm run approve`, parsed. */
export interface ApproveArgs {
  readonly model: string;
  readonly environment: string;
  readonly packageArn: string;
  readonly dryRun: boolean;
  readonly wait: boolean;
  /** Stage 5 break glass: roll out past the gate's verdict. */
  readonly force: boolean;
  readonly timeoutMinutes?: number;
  /** Path of the config file; the loader's default when absent. */
  readonly config?: string;
}

export type ParsedApproveArgs = { readonly help: true } | ({ readonly help: false } & ApproveArgs);

const VALUE_FLAGS = ['--model', '--env', '--package-arn', '--timeout-minutes', '--config'] as const;
type ValueFlag = (typeof VALUE_FLAGS)[number];
const SWITCHES = ['--dry-run', '--no-wait', '--force'] as const;
type Switch = (typeof SWITCHES)[number];
const REQUIRED_FLAGS: readonly ValueFlag[] = ['--model', '--env', '--package-arn'];

const isValueFlag = (flag: string): flag is ValueFlag => (VALUE_FLAGS as readonly string[]).includes(flag);
const isSwitch = (flag: string): flag is Switch => (SWITCHES as readonly string[]).includes(flag);

/**
 * Parses the arguments after `npm run approve --`. Accepts `--flag value` and `--flag=value`. Throws an
 * {@link ApproveError} of kind `usage` naming the flag for an unknown or repeated flag, a missing value or a
 * missing required flag.
 */
export function parseApproveArgs(argv: readonly string[]): ParsedApproveArgs {
  if (argv.includes('--help') || argv.includes('-h')) return { help: true };
  const values = new Map<ValueFlag, string>();
  const switches = new Set<Switch>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (!arg.startsWith('-')) throw usageError(`unexpected argument "${arg}"; every value follows its flag`);
    const equals = arg.indexOf('=');
    const flag = equals === -1 ? arg : arg.slice(0, equals);
    const inline = equals === -1 ? undefined : arg.slice(equals + 1);
    if (isSwitch(flag)) {
      if (inline !== undefined) throw usageError(`${flag} takes no value, got "${arg}"`);
      if (switches.has(flag)) throw usageError(`${flag} is given more than once`);
      switches.add(flag);
      continue;
    }
    if (!isValueFlag(flag)) throw usageError(`unknown flag ${flag}`);
    if (values.has(flag)) throw usageError(`${flag} is given more than once`);
    let value = inline;
    if (value === undefined) {
      const next = argv[i + 1];
      if (next !== undefined && !next.startsWith('--')) {
        value = next;
        i++;
      }
    }
    if (value === undefined || value.trim() === '') throw usageError(`${flag} needs a value`);
    values.set(flag, value.trim());
  }

  const missing = REQUIRED_FLAGS.filter((flag) => !values.has(flag));
  if (missing.length > 0) {
    throw usageError(`missing required flag${missing.length > 1 ? 's' : ''} ${missing.join(', ')}`);
  }
  const timeout = values.get('--timeout-minutes');
  let timeoutMinutes: number | undefined;
  if (timeout !== undefined) {
    timeoutMinutes = Number(timeout);
    if (!/^\d+$/.test(timeout) || timeoutMinutes < 1 || timeoutMinutes > MAX_TIMEOUT_MINUTES) {
      throw usageError(
        `--timeout-minutes needs a whole number of minutes from 1 to ${MAX_TIMEOUT_MINUTES}, got "${timeout}"`,
      );
    }
  }
  return {
    help: false,
    model: values.get('--model') as string,
    environment: values.get('--env') as string,
    packageArn: values.get('--package-arn') as string,
    dryRun: switches.has('--dry-run'),
    wait: !switches.has('--no-wait'),
    force: switches.has('--force'),
    timeoutMinutes,
    config: values.get('--config'),
  };
}

const print = (line: string) => process.stdout.write(`${line}\n`);
const printError = (message: string) => process.stderr.write(`error: ${message}\n`);

async function main(argv: readonly string[]): Promise<number> {
  let args: ReturnType<typeof parseApproveArgs>;
  try {
    args = parseApproveArgs(argv);
  } catch (error) {
    if (!(error instanceof ApproveError)) throw error;
    printError(error.message);
    return error.exitCode;
  }
  if (args.help) {
    print(APPROVE_HELP);
    return 0;
  }
  if (args.config !== undefined && !existsSync(path.resolve(args.config))) {
    printError(`--config: file not found: ${path.resolve(args.config)}\n${APPROVE_USAGE}`);
    return 2;
  }

  const clients: { destroy(): void }[] = [];
  try {
    const config = loadConfig({ config: args.config });
    // checks the model and the environment before any client exists; the clients use the environment's region
    const { region } = resolveTarget(config, args.model, args.environment).environment;
    const sagemaker = new SageMakerClient({ region });
    const ssm = new SSMClient({ region });
    const cloudformation = new CloudFormationClient({ region });
    clients.push(sagemaker, ssm, cloudformation);
    await approveModelVersion(
      {
        config,
        model: args.model,
        environment: args.environment,
        packageArn: args.packageArn,
        dryRun: args.dryRun,
        wait: args.wait,
        force: args.force,
        timeoutMs: args.timeoutMinutes === undefined ? undefined : args.timeoutMinutes * 60_000,
      },
      {
        sagemaker,
        ssm,
        cloudformation,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        log: print,
        rollouts: stepFunctionsClient(region),
      },
    );
    return 0;
  } catch (error) {
    if (error instanceof ApproveError) {
      printError(error.message);
      return error.exitCode;
    }
    if (error instanceof ConfigError) {
      printError(error.message);
      return 1;
    }
    printError(error instanceof Error ? `${error.name}: ${error.message}` : String(error));
    return 1;
  } finally {
    for (const client of clients) client.destroy();
  }
}

if (require.main === module) {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (error: unknown) => {
      printError(error instanceof Error ? error.message : String(error));
      process.exitCode = 1;
    },
  );
}
