import { RESOURCE_PERMISSIONS, type ResourcePermissions, SERVICE_SCOPES, type ServiceScope } from './permissions';
import { scopeProblems } from './scope-checks';
import type { DeployedStack } from './stacks';

/**
 * The CloudFormation execution policy of each account, from the synthesized templates: pure, templates in and
 * policy documents out. The statements it writes and why each is scoped so are listed in the README beside it.
 */

/** IAM's limit on a managed policy, counted without white space. */
export const MANAGED_POLICY_CHARACTER_LIMIT = 6144;

/** IAM's default quota of managed policies attached to one role (the CloudFormation execution role). */
export const MANAGED_POLICIES_PER_ROLE = 10;

export interface PolicyStatement {
  readonly Sid: string;
  readonly Effect: 'Allow';
  readonly Action: readonly string[];
  readonly Resource: string | readonly string[];
  readonly Condition?: Readonly<Record<string, Readonly<Record<string, string | readonly string[]>>>>;
}

export interface PolicyDocument {
  readonly Version: '2012-10-17';
  readonly Statement: readonly PolicyStatement[];
}

/** The execution policy of one account, in as many documents as IAM's size limit needs. */
export interface AccountPolicy {
  readonly account: string;
  readonly partition: string;
  readonly regions: readonly string[];
  readonly stacks: readonly DeployedStack[];
  readonly resourceTypes: readonly string[];
  readonly statements: readonly PolicyStatement[];
  /** Each at most {@link MANAGED_POLICY_CHARACTER_LIMIT} characters. */
  readonly documents: readonly PolicyDocument[];
}

export interface PolicyOptions {
  /** The project name, the prefix of every role, policy, key alias and function the stacks name. */
  readonly project: string;
  /** The partition of a region: `aws`, `aws-cn`, `aws-us-gov`. */
  readonly partitionOf: (region: string) => string;
  /** @default RESOURCE_PERMISSIONS */
  readonly permissions?: Readonly<Record<string, ResourcePermissions>>;
  /** @default MANAGED_POLICY_CHARACTER_LIMIT */
  readonly characterLimit?: number;
}

/** The characters IAM counts in a policy: its JSON without white space. */
export function policyCharacters(document: PolicyDocument): number {
  return JSON.stringify(document).replace(/\s/g, '').length;
}

/** The policies of the accounts whose templates the command can cover, and why it refused the others. */
export interface ExecutionPolicies {
  readonly policies: readonly AccountPolicy[];
  /** Each names where, what and the fix; an account with a problem gets no policy. */
  readonly problems: readonly string[];
  /** The accounts that get no policy, sorted. */
  readonly refused: readonly string[];
}

/**
 * One execution policy per account that the stacks deploy to, except for the accounts with a resource type that has
 * no entry in the table or a name outside the project's scope: those are refused, each problem named once.
 */
export function executionPolicies(stacks: readonly DeployedStack[], options: PolicyOptions): ExecutionPolicies {
  const permissions = options.permissions ?? RESOURCE_PERMISSIONS;
  const limit = options.characterLimit ?? MANAGED_POLICY_CHARACTER_LIMIT;
  const problems: string[] = [];
  const refused = new Set<string>();
  if (stacks.length === 0) {
    problems.push('the cloud assembly holds no stack; run npx cdk synth (with the -c options you deploy with) first');
  }
  const unmapped = unmappedTypes(stacks, permissions);
  for (const [type, where] of unmapped) {
    problems.push(
      `resource type ${JSON.stringify(type)} (in ${where.map((s) => s.path).join(', ')}): no entry in RESOURCE_PERMISSIONS; add one to tools/bootstrap-policy/permissions.ts with the actions CloudFormation needs to create, update and delete it (the "handlers" of its schema in the CloudFormation registry list them), then run npm run bootstrap-policy again`,
    );
    for (const stack of where) refused.add(stack.account);
  }

  const policies: AccountPolicy[] = [];
  for (const [account, inAccount] of [...groupBy(stacks, (s) => s.account)].sort(([a], [b]) => a.localeCompare(b))) {
    const before = problems.length;
    problems.push(...scopeProblems(inAccount, options.project, options.partitionOf));
    const regions = unique(inAccount.map((s) => s.region)).sort();
    const partitions = unique(regions.map(options.partitionOf));
    if (partitions.length > 1) {
      problems.push(
        `account ${account}: stacks in regions ${regions.join(', ')}, which are in partitions ${partitions.join(', ')}; an account is in one partition, so check the regions of the environments that use it`,
      );
    }
    const resourceTypes = unique(
      inAccount.flatMap((s) => Object.values(s.template.Resources ?? {}).map((r) => r.Type)),
    ).sort();
    const partition = partitions[0] ?? 'aws';
    const statements = accountStatements({
      account,
      partition,
      regions,
      project: options.project,
      needs: resourceTypes.map((type) => permissions[type]).filter((p): p is ResourcePermissions => p !== undefined),
      parameters: parameterNames(inAccount),
    });
    const split = splitIntoDocuments(statements, limit);
    problems.push(...split.problems.map((p) => `account ${account}: ${p}`));
    if (split.documents.length > MANAGED_POLICIES_PER_ROLE) {
      problems.push(
        `account ${account}: the policy needs ${split.documents.length} managed policies, more than the ${MANAGED_POLICIES_PER_ROLE} IAM attaches to a role by default; ask for a higher "Managed policies per role" quota, or scope the table's actions more broadly`,
      );
    }
    if (problems.length > before) refused.add(account);
    if (refused.has(account)) continue;
    policies.push({
      account,
      partition,
      regions,
      stacks: inAccount,
      resourceTypes,
      statements,
      documents: split.documents,
    });
  }
  return { policies, problems, refused: [...refused].sort() };
}

/** Resource types without an entry in the table, each with the stacks that use it. */
function unmappedTypes(
  stacks: readonly DeployedStack[],
  permissions: Readonly<Record<string, ResourcePermissions>>,
): Map<string, DeployedStack[]> {
  const unmapped = new Map<string, DeployedStack[]>();
  for (const stack of stacks) {
    for (const resource of Object.values(stack.template.Resources ?? {})) {
      if (Object.hasOwn(permissions, resource.Type)) continue;
      const where = unmapped.get(resource.Type) ?? [];
      if (!where.includes(stack)) where.push(stack);
      unmapped.set(resource.Type, where);
    }
  }
  return unmapped;
}

/** The SSM parameters CloudFormation resolves for the stacks: parameter types and `{{resolve:ssm:...}}`. */
function parameterNames(stacks: readonly DeployedStack[]): string[] {
  const names = new Set<string>();
  for (const { template } of stacks) {
    for (const parameter of Object.values(template.Parameters ?? {})) {
      if (parameter.Type?.startsWith('AWS::SSM::Parameter::') && typeof parameter.Default === 'string') {
        names.add(parameter.Default);
      }
    }
    for (const match of JSON.stringify(template.Resources ?? {}).matchAll(/\{\{resolve:ssm:([^}:]+)/g)) {
      names.add(match[1] as string);
    }
  }
  return [...names];
}

interface AccountNeeds {
  readonly account: string;
  readonly partition: string;
  readonly regions: readonly string[];
  readonly project: string;
  readonly needs: readonly ResourcePermissions[];
  readonly parameters: readonly string[];
}

const SCOPE_ORDER: readonly ServiceScope[] = ['account-and-region', 'region', 'account', 'none'];

const SCOPE_SIDS: Readonly<Record<ServiceScope, string>> = {
  'account-and-region': 'ServicesInAccountAndRegion',
  region: 'ServicesInRegion',
  account: 'ServicesInAccount',
  none: 'ServicesUnscoped',
};

/** What CloudFormation's role calls on project roles: create, update, delete and read them, and their policies. */
export const PROJECT_ROLE_ACTIONS = [
  'iam:AttachRolePolicy',
  'iam:CreateRole',
  'iam:DeleteRole',
  'iam:DeleteRolePermissionsBoundary',
  'iam:DeleteRolePolicy',
  'iam:DetachRolePolicy',
  'iam:GetRole',
  'iam:GetRolePolicy',
  'iam:ListAttachedRolePolicies',
  'iam:ListInstanceProfilesForRole',
  'iam:ListRolePolicies',
  'iam:ListRoleTags',
  'iam:PutRolePermissionsBoundary',
  'iam:PutRolePolicy',
  'iam:TagRole',
  'iam:UntagRole',
  'iam:UpdateAssumeRolePolicy',
  'iam:UpdateRole',
  'iam:UpdateRoleDescription',
] as const;

/** What CloudFormation's role calls on project managed policies. */
export const PROJECT_POLICY_ACTIONS = [
  'iam:CreatePolicy',
  'iam:CreatePolicyVersion',
  'iam:DeletePolicy',
  'iam:DeletePolicyVersion',
  'iam:GetPolicy',
  'iam:GetPolicyVersion',
  'iam:ListEntitiesForPolicy',
  'iam:ListPolicyTags',
  'iam:ListPolicyVersions',
  'iam:SetDefaultPolicyVersion',
  'iam:TagPolicy',
  'iam:UntagPolicy',
] as const;

function accountStatements(input: AccountNeeds): PolicyStatement[] {
  const { account, partition, regions, project, needs } = input;
  const region = oneOrMany(regions);
  const perRegion = (service: string, resource: string) =>
    oneOrMany(regions.map((r) => `arn:${partition}:${service}:${r}:${account}:${resource}`));
  const iam = (resource: string) => `arn:${partition}:iam::${account}:${resource}`;
  const statements: PolicyStatement[] = [];

  const byScope = new Map<ServiceScope, string[]>();
  for (const action of needs.flatMap((n) => n.actions ?? [])) {
    const scope = SERVICE_SCOPES[serviceOf(action)] ?? 'account-and-region';
    byScope.set(scope, [...(byScope.get(scope) ?? []), action]);
  }
  const conditions: Record<ServiceScope, PolicyStatement['Condition']> = {
    'account-and-region': {
      StringEquals: { 'aws:RequestedRegion': region },
      // list and describe calls name no resource, so they carry no resource account
      StringEqualsIfExists: { 'aws:ResourceAccount': account },
    },
    region: { StringEquals: { 'aws:RequestedRegion': region } },
    account: { StringEqualsIfExists: { 'aws:ResourceAccount': account } },
    none: undefined,
  };
  for (const scope of SCOPE_ORDER) {
    const actions = byScope.get(scope);
    if (!actions) continue;
    const condition = conditions[scope];
    statements.push({
      Sid: SCOPE_SIDS[scope],
      Effect: 'Allow',
      Action: compactActions(actions),
      Resource: '*',
      ...(condition ? { Condition: condition } : {}),
    });
  }

  if (needs.some((n) => n.projectIam === 'roles')) {
    statements.push(allow('ProjectRoles', PROJECT_ROLE_ACTIONS, iam(`role/${project}-*`)));
  }
  if (needs.some((n) => n.projectIam === 'policies')) {
    statements.push(allow('ProjectManagedPolicies', PROJECT_POLICY_ACTIONS, iam(`policy/${project}-*`)));
  }
  const passedTo = unique(needs.flatMap((n) => n.passRoleTo ?? [])).sort();
  if (passedTo.length > 0) {
    statements.push({
      ...allow('PassProjectRoles', ['iam:PassRole'], iam(`role/${project}-*`)),
      Condition: { StringEquals: { 'iam:PassedToService': oneOrMany(passedTo) } },
    });
  }
  const linked = unique(needs.flatMap((n) => n.serviceLinkedRoles ?? [])).sort();
  if (linked.length > 0) {
    // the path of a service-linked role names its service, so the resource alone says which roles may be made
    statements.push(
      allow(
        'ServiceLinkedRoles',
        ['iam:CreateServiceLinkedRole', 'iam:PassRole'],
        oneOrMany(linked.map((service) => iam(`role/aws-service-role/${service}/*`))),
      ),
    );
  }

  if (needs.some((n) => n.kms === 'key')) {
    statements.push({
      ...allow('CreateProjectKeys', ['kms:CreateKey', 'kms:TagResource'], '*'),
      Condition: { StringEquals: { 'aws:RequestedRegion': region, 'aws:RequestTag/project': project } },
    });
  }
  // every stack encrypts with the project's keys, created in the account with the project tag
  statements.push({
    ...allow('ProjectKeys', ['kms:*'], perRegion('kms', 'key/*')),
    Condition: { StringEquals: { 'aws:ResourceTag/project': project } },
  });
  if (needs.some((n) => n.kms === 'alias')) {
    statements.push(
      allow(
        'ProjectKeyAliases',
        ['kms:CreateAlias', 'kms:DeleteAlias', 'kms:UpdateAlias'],
        perRegion('kms', `alias/${project}-*`),
      ),
    );
  }

  if (needs.some((n) => n.customResource)) {
    statements.push(
      allow('CustomResourceFunctions', ['lambda:InvokeFunction'], perRegion('lambda', `function:${project}-*`)),
    );
  }

  // CDK's templates check the bootstrap version, and the model stacks resolve their approved version
  const parameterResources = unique([
    'parameter/cdk-bootstrap/*',
    ...input.parameters.map((name) => parameterResource(name, project)),
  ]);
  statements.push(
    allow(
      'DeployParameters',
      ['ssm:GetParameter', 'ssm:GetParameters'],
      oneOrMany(parameterResources.flatMap((p) => regions.map((r) => `arn:${partition}:ssm:${r}:${account}:${p}`))),
    ),
  );
  return statements;
}

function parameterResource(name: string, project: string): string {
  if (name.startsWith('/cdk-bootstrap/')) return 'parameter/cdk-bootstrap/*';
  if (name.startsWith(`/${project}/`)) return `parameter/${project}/*`;
  return `parameter/${name.replace(/^\//, '')}`;
}

function allow(sid: string, actions: readonly string[], resource: string | readonly string[]): PolicyStatement {
  return { Sid: sid, Effect: 'Allow', Action: [...actions], Resource: resource };
}

function serviceOf(action: string): string {
  return action.slice(0, action.indexOf(':'));
}

/** Sorted, without duplicates, and without the actions that a `<service>:*` of the same list already allows. */
export function compactActions(actions: readonly string[]): string[] {
  const wildcards = new Set(actions.filter((a) => a.endsWith(':*')).map(serviceOf));
  return unique(actions.filter((a) => a.endsWith(':*') || !wildcards.has(serviceOf(a)))).sort();
}

/**
 * The statements in as few documents as fit IAM's limit, in order. A statement too large for one document on its
 * own is cut into several by its actions, numbered after its Sid.
 */
export function splitIntoDocuments(
  statements: readonly PolicyStatement[],
  limit: number = MANAGED_POLICY_CHARACTER_LIMIT,
): { documents: PolicyDocument[]; problems: string[] } {
  const problems: string[] = [];
  const pieces = statements.flatMap((statement) => {
    if (policyCharacters(document([statement])) <= limit) return [statement];
    const parts = splitByActions(statement, limit);
    if (parts === undefined) {
      problems.push(
        `statement ${statement.Sid} does not fit a managed policy of ${limit} characters even with one action; shorten its resources`,
      );
      return [];
    }
    return parts;
  });
  const documents: PolicyStatement[][] = [];
  for (const piece of pieces) {
    const last = documents.at(-1);
    if (last && policyCharacters(document([...last, piece])) <= limit) last.push(piece);
    else documents.push([piece]);
  }
  return { documents: documents.map(document), problems };
}

function splitByActions(statement: PolicyStatement, limit: number): PolicyStatement[] | undefined {
  const parts: string[][] = [];
  for (const action of statement.Action) {
    const last = parts.at(-1);
    const fits = (actions: string[]) =>
      policyCharacters(document([{ ...statement, Sid: `${statement.Sid}${parts.length + 1}`, Action: actions }])) <=
      limit;
    if (last && fits([...last, action])) last.push(action);
    else if (fits([action])) parts.push([action]);
    else return undefined;
  }
  return parts.map((actions, i) => ({ ...statement, Sid: `${statement.Sid}${i + 1}`, Action: actions }));
}

function document(statements: readonly PolicyStatement[]): PolicyDocument {
  return { Version: '2012-10-17', Statement: statements };
}

function oneOrMany(values: readonly string[]): string | readonly string[] {
  return values.length === 1 ? (values[0] as string) : [...values];
}

function unique<T>(values: readonly T[]): T[] {
  return [...new Set(values)];
}

function groupBy<T>(values: readonly T[], key: (value: T) => string): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const value of values) groups.set(key(value), [...(groups.get(key(value)) ?? []), value]);
  return groups;
}
