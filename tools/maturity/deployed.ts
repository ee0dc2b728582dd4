import { CloudFormationClient, ListStacksCommand, type StackSummary } from '@aws-sdk/client-cloudformation';

// The `--deployed` job of `npm run maturity`: each environment's deployed stacks (CloudFormation ListStacks, with
// the caller's read-only credentials) compared with the stacks the config builds.

/** A stack the config builds. */
export interface ExpectedStack {
  readonly name: string;
  /** @default - none */
  readonly description?: string;
}

/** A stack CloudFormation has, in the environment's account and region. */
export interface DeployedStack {
  readonly name: string;
  readonly status: string;
  readonly account?: string;
  /** @default - none */
  readonly description?: string;
}

export interface Difference {
  readonly kind: 'missing' | 'extra' | 'status' | 'description';
  readonly stack: string;
  readonly message: string;
}

export interface DeployedComparison {
  readonly environment: string;
  readonly account: string;
  readonly region: string;
  /** Stacks deployed as the config builds them. */
  readonly matching: number;
  readonly differences: readonly Difference[];
  /** @default - the stacks were read */
  readonly error?: string;
  /** @default - nothing to add */
  readonly note?: string;
}

/** What the comparison needs to know of an environment. */
export interface EnvironmentToCompare {
  readonly environment: string;
  readonly account: string;
  readonly region: string;
  /** `<project>-<environment>-`: the prefix of every stack name of the environment (lib/naming.ts stackName). */
  readonly prefix: string;
  /** Prefixes of the other environments that start with this one's (e.g. `mlops-eu-prod-` beside `mlops-eu-`). */
  readonly otherPrefixes: readonly string[];
  readonly expected: readonly ExpectedStack[];
}

/** Statuses of a stack that stands as its last deployment left it. */
const SETTLED = new Set(['CREATE_COMPLETE', 'UPDATE_COMPLETE', 'IMPORT_COMPLETE']);

const accountOf = (stackId: string | undefined) => stackId?.split(':')[4];

/** The platform's stacks of an environment: every stack whose name starts with the prefix, except deleted ones. */
export async function listPlatformStacks(
  client: CloudFormationClient,
  prefix: string,
  otherPrefixes: readonly string[] = [],
): Promise<DeployedStack[]> {
  const stacks: DeployedStack[] = [];
  let nextToken: string | undefined;
  do {
    const page = await client.send(new ListStacksCommand({ NextToken: nextToken }));
    for (const summary of page.StackSummaries ?? ([] as StackSummary[])) {
      const name = summary.StackName ?? '';
      if (summary.StackStatus === 'DELETE_COMPLETE' || !name.startsWith(prefix)) continue;
      if (otherPrefixes.some((other) => name.startsWith(other))) continue;
      stacks.push({
        name,
        status: summary.StackStatus ?? 'UNKNOWN',
        account: accountOf(summary.StackId),
        description: summary.TemplateDescription,
      });
    }
    nextToken = page.NextToken;
  } while (nextToken);
  return stacks.sort((a, b) => a.name.localeCompare(b.name));
}

/** The differences between the stacks the config builds and those deployed, one line each. */
export function compareStacks(expected: readonly ExpectedStack[], deployed: readonly DeployedStack[]): Difference[] {
  const differences: Difference[] = [];
  const byName = new Map(deployed.map((s) => [s.name, s]));
  for (const stack of expected) {
    const found = byName.get(stack.name);
    if (!found) {
      differences.push({
        kind: 'missing',
        stack: stack.name,
        message: `${stack.name}: in the config, not deployed (${stack.description ?? 'no description'}); deploy it`,
      });
      continue;
    }
    if (!SETTLED.has(found.status)) {
      differences.push({
        kind: 'status',
        stack: stack.name,
        message: `${stack.name}: ${found.status}, not settled; look at its events before deploying again`,
      });
    }
    if (stack.description !== undefined && found.description !== stack.description) {
      differences.push({
        kind: 'description',
        stack: stack.name,
        message: `${stack.name}: deployed as "${found.description ?? ''}", the config builds "${stack.description}"; deploy to bring it in line`,
      });
    }
  }
  const names = new Set(expected.map((s) => s.name));
  for (const stack of deployed) {
    if (names.has(stack.name)) continue;
    differences.push({
      kind: 'extra',
      stack: stack.name,
      message: `${stack.name}: deployed (${stack.status}), not in the config (a removed model or capability?); retire or delete it on purpose`,
    });
  }
  return differences;
}

/** Compares every environment, each with its own client; a failure to read one is reported, not thrown. */
export async function compareDeployed(
  environments: readonly EnvironmentToCompare[],
  clientFor: (environment: EnvironmentToCompare) => CloudFormationClient,
): Promise<DeployedComparison[]> {
  const results: DeployedComparison[] = [];
  for (const env of environments) {
    const base = { environment: env.environment, account: env.account, region: env.region };
    let deployed: DeployedStack[];
    try {
      deployed = await listPlatformStacks(clientFor(env), env.prefix, env.otherPrefixes);
    } catch (error) {
      results.push({ ...base, matching: 0, differences: [], error: (error as Error).message });
      continue;
    }
    const other = deployed.find((s) => s.account !== undefined && s.account !== env.account);
    if (other) {
      results.push({
        ...base,
        matching: 0,
        differences: [],
        error: `the credentials reach account ${other.account}, not ${env.account}; pass --profile ${env.environment}=<a profile of ${env.account}>`,
      });
      continue;
    }
    const differences = compareStacks(env.expected, deployed);
    const differing = new Set(differences.map((d) => d.stack));
    // with no stack at all, the stack ids cannot tell whose account the credentials reach
    const note =
      deployed.length === 0
        ? `no stack named ${env.prefix}* in this account and region: not deployed yet, or the credentials reach another account than ${env.account} (pass --profile ${env.environment}=<a profile of ${env.account}>)`
        : undefined;
    results.push({
      ...base,
      matching: env.expected.filter((s) => !differing.has(s.name)).length,
      differences,
      ...(note ? { note } : {}),
    });
  }
  return results;
}

/** A read-only CloudFormation client for an environment: its region, and a named profile when given. */
export function cloudFormationClient(region: string, profile?: string): CloudFormationClient {
  return new CloudFormationClient({ region, ...(profile ? { profile } : {}) });
}
