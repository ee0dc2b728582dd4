import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { CloudFormationClient } from '@aws-sdk/client-cloudformation';
import { SageMakerClient } from '@aws-sdk/client-sagemaker';
import { SSMClient } from '@aws-sdk/client-ssm';
import {
  APPROVE_HELP,
  APPROVE_USAGE,
  ApproveError,
  approveModelVersion,
  parseApproveArgs,
  resolveTarget,
} from '../lib/approve/approve';
import { ConfigError, loadConfig } from '../lib/config/loader';

// `npm run approve -- --model <name> --env <environment> --package-arn <arn> [--dry-run] [--no-wait] ...`
// Serves an approved model version; see docs/runbooks/approve-and-rollback.md.

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
        timeoutMs: args.timeoutMinutes === undefined ? undefined : args.timeoutMinutes * 60_000,
      },
      {
        sagemaker,
        ssm,
        cloudformation,
        sleep: (ms) => new Promise((resolve) => setTimeout(resolve, ms)),
        log: print,
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

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code;
  },
  (error: unknown) => {
    printError(error instanceof Error ? error.message : String(error));
    process.exitCode = 1;
  },
);
