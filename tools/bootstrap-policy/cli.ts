import { existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { RegionInfo } from 'aws-cdk-lib/region-info';
import { ConfigError, DEFAULT_CONFIG_PATH, loadConfig } from '../../lib/config/loader';
import { cloudFormationExecutionPolicyName, deliveryStackName } from '../../lib/naming';
import { readAssembly } from './assembly';
import { BootstrapPolicyError } from './errors';
import {
  type AccountPolicy,
  executionPolicies,
  MANAGED_POLICY_CHARACTER_LIMIT,
  type PolicyDocument,
  policyCharacters,
} from './policy';

// `npm run bootstrap-policy [-- --assembly DIR] [--out DIR] [--config FILE]`
// Writes the CloudFormation execution policy that the synthesized stacks need, one per account, and prints how to
// create it and bootstrap the account with it. Exit codes: 0 written; 1 the assembly or config cannot be used, or
// an account's templates cannot be covered (the other accounts' policies are written; each problem says why and
// what to do); 2 usage error.

export const DEFAULT_ASSEMBLY = 'cdk.out';
/** Where the policies go, inside the assembly directory unless `--out` says otherwise. */
export const POLICIES_FOLDER = 'bootstrap-policies';

export const USAGE = 'usage: npm run bootstrap-policy [-- --assembly DIR] [--out DIR] [--config FILE]';
const HELP = `${USAGE}

Reads every stack of a synthesized cloud assembly (run npx cdk synth first, with the -c options you deploy with) and
writes, for each account the stacks deploy to, the least-privilege IAM policy that CloudFormation's execution role
needs to deploy them, in managed policies of at most ${MANAGED_POLICY_CHARACTER_LIMIT.toLocaleString('en-US')} characters. Then it prints the aws iam and cdk bootstrap
commands that use them.
  --assembly DIR   the cloud assembly (default ${DEFAULT_ASSEMBLY})
  --out DIR        where to write <account>.json (default <assembly>/${POLICIES_FOLDER})
  --config FILE    the config the assembly was synthesized from, for the project name (default ${DEFAULT_CONFIG_PATH})`;

const EXAMPLES: Readonly<Record<string, string>> = {
  '--assembly': DEFAULT_ASSEMBLY,
  '--out': `${DEFAULT_ASSEMBLY}/${POLICIES_FOLDER}`,
  '--config': DEFAULT_CONFIG_PATH,
};

export interface Args {
  readonly assembly: string;
  readonly out?: string;
  readonly config: string;
  readonly help: boolean;
}

/** The arguments after `npm run bootstrap-policy --`, or a BootstrapPolicyError (exit code 2) naming every mistake. */
export function parseArgs(argv: readonly string[]): Args {
  const problems: string[] = [];
  const values: Record<string, string> = {};
  let help = false;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith('--') ? arg.split(/=(.*)/s, 2) : [arg, undefined];
    if (flag === '--help' || flag === '-h') help = true;
    else if (flag === '--assembly' || flag === '--out' || flag === '--config') {
      let given = inline;
      const next = argv[i + 1];
      if (inline === undefined && next !== undefined && !next.startsWith('--')) {
        given = next;
        i++;
      }
      if (given) values[flag] = given;
      else problems.push(`${flag}: expected a path, for example ${flag} ${EXAMPLES[flag]}`);
    } else problems.push(`unknown argument ${JSON.stringify(arg)}`);
  }
  if (problems.length > 0) throw new BootstrapPolicyError(problems, 2);
  return {
    assembly: values['--assembly'] ?? DEFAULT_ASSEMBLY,
    out: values['--out'],
    config: values['--config'] ?? DEFAULT_CONFIG_PATH,
    help,
  };
}

/** The files of an account's policy: `<account>.json`, or `<account>-<n>.json` when it takes several documents. */
export function policyFileNames(policy: AccountPolicy): string[] {
  return policy.documents.length === 1
    ? [`${policy.account}.json`]
    : policy.documents.map((_, i) => `${policy.account}-${i + 1}.json`);
}

export interface SummaryInput {
  readonly project: string;
  readonly assembly: string;
  /** The output directory as the user reads it. */
  readonly out: string;
  readonly policies: readonly AccountPolicy[];
  /** The account of the delivery pipelines, which every other account trusts; none before stage 4. */
  readonly tooling?: string;
}

/** What the command prints: a line per account, then the commands that create each policy and bootstrap with it. */
export function formatSummary({ project, assembly, out, policies, tooling }: SummaryInput): string[] {
  const stackCount = policies.reduce((n, p) => n + p.stacks.length, 0);
  const rows = [
    [
      'account',
      'regions',
      'stacks',
      'resource types',
      'statements',
      `characters (of ${thousands(MANAGED_POLICY_CHARACTER_LIMIT)})`,
      'files',
    ],
    ...policies.map((p) => [
      p.account,
      p.regions.join(','),
      String(p.stacks.length),
      String(p.resourceTypes.length),
      String(p.documents.reduce((n, d) => n + d.Statement.length, 0)),
      p.documents.map((d) => thousands(policyCharacters(d))).join(' + '),
      policyFileNames(p).join(' '),
    ]),
  ];
  const lines = [
    `CloudFormation execution policies of project ${project}, from ${assembly} (${stackCount} stacks), in ${out}:`,
    '',
    ...table(rows),
    '',
    'Create each policy with credentials for its account, then bootstrap the account with it (docs/delivery.md):',
  ];
  for (const policy of policies) {
    const names = policy.documents.map((_, i) => cloudFormationExecutionPolicyName(project, i + 1));
    const arns = names.map((name) => `arn:${policy.partition}:iam::${policy.account}:policy/${name}`);
    const trust = tooling && tooling !== policy.account ? ` --trust ${tooling}` : '';
    lines.push('', `# ${policy.account}${policy.account === tooling ? ' (tooling)' : ''}`);
    policyFileNames(policy).forEach((file, i) => {
      lines.push(`aws iam create-policy --policy-name ${names[i]} --policy-document file://${path.join(out, file)}`);
    });
    for (const region of policy.regions) {
      lines.push(
        `npx cdk bootstrap aws://${policy.account}/${region}${trust} --cloudformation-execution-policies ${arns.join(',')}`,
      );
    }
  }
  lines.push(
    '',
    'A policy that exists already (after a change of stage or config): add a version, then deploy.',
    'aws iam create-policy-version --policy-arn <arn above> --policy-document file://<its file> --set-as-default',
  );
  return lines;
}

function thousands(n: number): string {
  return n.toLocaleString('en-US');
}

function table(rows: readonly string[][]): string[] {
  const widths = (rows[0] ?? []).map((_, c) => Math.max(...rows.map((r) => (r[c] ?? '').length)));
  return rows.map((r) =>
    r
      .map((cell, c) => cell.padEnd(widths[c] ?? 0))
      .join('  ')
      .trimEnd(),
  );
}

/** Writes each account's documents, after removing the policy files an earlier run left in the folder. */
function writePolicies(policies: readonly AccountPolicy[], out: string): void {
  mkdirSync(out, { recursive: true });
  for (const file of readdirSync(out)) {
    if (/^\d{12}(-\d+)?\.json$/.test(file)) rmSync(path.join(out, file));
  }
  for (const policy of policies) {
    policyFileNames(policy).forEach((file, i) => {
      const document = policy.documents[i] as PolicyDocument;
      writeFileSync(path.join(out, file), `${JSON.stringify(document, null, 2)}\n`);
    });
  }
}

/** A path relative to the working directory when it lies inside it, else absolute. */
function shown(root: string, file: string): string {
  const relative = path.relative(root, file);
  return relative === '' || relative.startsWith('..') ? file : relative;
}

/** Where the command runs and writes its messages; the tests pass their own. */
export interface Io {
  readonly cwd: string;
  readonly stdout: (text: string) => void;
  readonly stderr: (text: string) => void;
}

/** The command: its exit code, after writing the policies and printing the summary or the problems. */
export function run(argv: readonly string[], io: Io): number {
  const root = io.cwd;
  try {
    const args = parseArgs(argv);
    if (args.help) {
      io.stdout(`${HELP}\n`);
      return 0;
    }
    const configFile = path.resolve(root, args.config);
    if (!existsSync(configFile)) {
      throw new BootstrapPolicyError(
        [`--config: file not found: ${configFile}; pass the config the assembly was synthesized from`],
        2,
      );
    }
    const { project } = loadConfig({ config: args.config }, root);
    const assembly = path.resolve(root, args.assembly);
    const stacks = readAssembly(assembly, shown(root, assembly));
    const { policies, problems, refused } = executionPolicies(stacks, {
      project,
      partitionOf: (region) => RegionInfo.get(region).partition ?? 'aws',
    });
    // the delivery pipelines deploy from the account of the first one's stack: every other account trusts it
    const tooling = stacks.find((s) => s.stackName === deliveryStackName(project))?.account;
    const out = path.resolve(root, args.out ?? path.join(args.assembly, POLICIES_FOLDER));
    writePolicies(policies, out);
    if (policies.length > 0) {
      const summary = formatSummary({
        project,
        assembly: shown(root, assembly),
        out: shown(root, out),
        policies,
        tooling,
      });
      io.stdout(`${summary.join('\n')}\n`);
    }
    if (problems.length === 0) return 0;
    const what = refused.length > 0 ? `no policy for account ${refused.join(', ')}` : 'no policy written';
    io.stderr(`${what}:\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return 1;
  } catch (error) {
    if (error instanceof ConfigError) {
      io.stderr(`${error.message}\n`);
      return 1;
    }
    if (!(error instanceof BootstrapPolicyError)) throw error;
    if (error.exitCode === 2) io.stderr(`error: ${error.problems.join('\nerror: ')}\n${USAGE}\n`);
    else io.stderr(`no policy written:\n${error.problems.map((p) => `  - ${p}`).join('\n')}\n`);
    return error.exitCode;
  }
}

if (require.main === module) {
  process.exitCode = run(process.argv.slice(2), {
    cwd: process.cwd(),
    stdout: (text) => process.stdout.write(text),
    stderr: (text) => process.stderr.write(text),
  });
}
