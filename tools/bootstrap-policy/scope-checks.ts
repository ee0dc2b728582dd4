import type { DeployedStack, TemplateResource } from './stacks';

/**
 * Whether the templates stay inside the names the policy is scoped to: stacks, roles, managed policies and custom
 * resource functions named `<project>-*`, KMS keys tagged with the project and aliases `alias/<project>-*`. A name
 * outside them would make the deployment fail on an access denial, so the command refuses it up front instead.
 *
 * Roles, policies and functions without an explicit name get one from CloudFormation that starts with the stack
 * name (`<stack>-<logical id>-<suffix>`), so a stack named `<project>-...` keeps them in scope.
 */
export function scopeProblems(
  stacks: readonly DeployedStack[],
  project: string,
  partitionOf: (region: string) => string,
): string[] {
  const prefix = `${project}-`;
  const problems: string[] = [];
  for (const stack of stacks) {
    if (!/^\d{12}$/.test(stack.account)) {
      problems.push(
        `${stack.path}: account ${JSON.stringify(stack.account)} is not an account id; the policy is written per account, so give every environment (and tooling) its account in the config and synthesize again`,
      );
    }
    if (!stack.stackName.startsWith(prefix)) {
      problems.push(
        `${stack.path}: stack name ${JSON.stringify(stack.stackName)} does not start with ${JSON.stringify(prefix)}, so the roles and functions CloudFormation names after it fall outside the policy; synthesize the assembly from the config of project ${JSON.stringify(project)} (--config), whose stacks lib/naming.ts names`,
      );
    }
    const resources = stack.template.Resources ?? {};
    const read = (value: unknown) => literal(value, stack, partitionOf(stack.region));
    for (const [id, resource] of Object.entries(resources)) {
      const where = `${stack.path} ${id}.Properties`;
      const props = resource.Properties ?? {};
      const named = (property: string, expected: string, fix: string) => {
        if (props[property] === undefined) return;
        const name = read(props[property]);
        if (name?.startsWith(expected)) return;
        problems.push(
          `${where}.${property}: expected a name starting with ${JSON.stringify(expected)}, got ${describe(name, props[property])}; ${fix}`,
        );
      };
      const rootPath = (property: string) => {
        if (props[property] === undefined || props[property] === '/') return;
        problems.push(
          `${where}.${property}: expected "/", got ${describe(read(props[property]), props[property])}; the policy covers arn:...:role/${prefix}* and policy/${prefix}* only, so drop the path`,
        );
      };
      switch (resource.Type) {
        case 'AWS::IAM::Role':
          named('RoleName', prefix, 'name the role through lib/naming.ts, or leave it to CloudFormation');
          rootPath('Path');
          break;
        case 'AWS::IAM::ManagedPolicy':
          named('ManagedPolicyName', prefix, 'name the policy through lib/naming.ts, or leave it to CloudFormation');
          rootPath('Path');
          break;
        case 'AWS::IAM::Policy':
          for (const property of ['Users', 'Groups']) {
            if (props[property] === undefined) continue;
            problems.push(
              `${where}.${property}: expected none, got ${JSON.stringify(props[property])}; the policy lets CloudFormation change the policies of project roles only, so attach it to a role`,
            );
          }
          break;
        case 'AWS::KMS::Key':
          if (!hasTag(props.Tags, 'project', project)) {
            problems.push(
              `${where}.Tags: expected the tag project=${project}, got ${JSON.stringify(props.Tags ?? [])}; the policy lets CloudFormation manage only keys with that tag, so tag the key (applyPlatformTags in lib/tagging.ts)`,
            );
          }
          break;
        case 'AWS::KMS::Alias':
          named('AliasName', `alias/${prefix}`, 'name the alias through lib/naming.ts');
          break;
        default:
          if (isCustomResource(resource)) problems.push(...serviceTokenProblems(where, props.ServiceToken));
      }
    }

    function serviceTokenProblems(where: string, token: unknown): string[] {
      const expected = `expected a Lambda function named "${prefix}*" in ${stack.account} ${stack.region}`;
      const getAtt = (token as { 'Fn::GetAtt'?: unknown } | undefined)?.['Fn::GetAtt'];
      if (Array.isArray(getAtt)) {
        const target: TemplateResource | undefined = resources[String(getAtt[0])];
        if (target?.Type === 'AWS::Lambda::Function') {
          const name = target.Properties?.FunctionName;
          // an unnamed function is named after the stack by CloudFormation
          if (name === undefined || read(name)?.startsWith(prefix)) return [];
        }
        return [`${where}.ServiceToken: ${expected}, got ${describe(undefined, token)}; ${SERVICE_TOKEN_FIX}`];
      }
      const arn = read(token);
      const match = arn && /^arn:[^:]+:lambda:([^:]+):(\d{12}):function:([^:]+)/.exec(arn);
      if (match?.[1] === stack.region && match[2] === stack.account && match[3]?.startsWith(prefix)) return [];
      return [`${where}.ServiceToken: ${expected}, got ${describe(arn, token)}; ${SERVICE_TOKEN_FIX}`];
    }
  }
  return problems;
}

const SERVICE_TOKEN_FIX =
  'back the custom resource with a project function of the same account and region (named through lib/naming.ts)';

function isCustomResource(resource: TemplateResource): boolean {
  return resource.Type.startsWith('Custom::') || resource.Type === 'AWS::CloudFormation::CustomResource';
}

function hasTag(tags: unknown, key: string, value: string): boolean {
  return Array.isArray(tags) && tags.some((t) => t?.Key === key && t?.Value === value);
}

/** A name as a message quotes it: the string, or the expression the command could not read. */
function describe(resolved: string | undefined, raw: unknown): string {
  if (resolved !== undefined) return JSON.stringify(resolved);
  return raw === undefined ? 'nothing' : `${JSON.stringify(raw)} (an expression the command cannot read)`;
}

/**
 * The string a template value stands for, when it is a literal, or a join or substitution of literals and the
 * stack's pseudo parameters; otherwise undefined.
 */
export function literal(value: unknown, stack: DeployedStack, partition: string): string | undefined {
  const pseudo: Readonly<Record<string, string>> = {
    'AWS::AccountId': stack.account,
    'AWS::Partition': partition,
    'AWS::Region': stack.region,
    'AWS::StackName': stack.stackName,
  };
  if (typeof value === 'string') return value;
  if (typeof value !== 'object' || value === null) return undefined;
  const fn = value as Record<string, unknown>;
  if (typeof fn.Ref === 'string') return pseudo[fn.Ref];
  const join = fn['Fn::Join'];
  if (Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])) {
    const parts = join[1].map((part: unknown) => literal(part, stack, partition));
    return parts.every((p): p is string => p !== undefined) ? parts.join(join[0]) : undefined;
  }
  const sub = fn['Fn::Sub'];
  if (typeof sub === 'string') {
    let unresolved = false;
    const text = sub.replace(/\$\{([^}]+)\}/g, (_, name: string) => {
      const found = pseudo[name];
      if (found === undefined) unresolved = true;
      return found ?? '';
    });
    return unresolved ? undefined : text;
  }
  return undefined;
}
