import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import type { PlatformConfigInput } from '../../lib/config/schema';
import { cloudFormationExecutionPolicyName } from '../../lib/naming';
import { DEFAULT_CONFIG_PATH } from '../../lib/vocabulary';
import { readAssembly } from '../../tools/bootstrap-policy/assembly';
import { DEFAULT_ASSEMBLY, formatSummary, parseArgs, run } from '../../tools/bootstrap-policy/cli';
import { BootstrapPolicyError } from '../../tools/bootstrap-policy/errors';
import { RESOURCE_PERMISSIONS } from '../../tools/bootstrap-policy/permissions';
import {
  type AccountPolicy,
  compactActions,
  executionPolicies,
  MANAGED_POLICY_CHARACTER_LIMIT,
  type PolicyOptions,
  type PolicyStatement,
  policyCharacters,
} from '../../tools/bootstrap-policy/policy';
import type { DeployedStack, TemplateResource } from '../../tools/bootstrap-policy/stacks';
import { threeEnvironmentConfig } from '../support/fixtures';
import { synthPlatform } from '../support/platform';

// npm run bootstrap-policy: the table covers what the platform synthesizes, and the policy stays inside the
// project's names. The reference fixture is synthesized twice: every environment at stage 4 with the delivery
// pipeline, and its environments at stages 1, 2 and 3 (one stage each).

const PARTITION = 'aws';
const partitionOf = () => PARTITION;
const TOOLING = '444444444444';

const CONNECTION = {
  connectionArn: `arn:${PARTITION}:codeconnections:eu-west-1:${TOOLING}:connection/0123abcd-0123-4567-89ab-0123456789ab`,
  repository: 'acme/mlops-platform',
  branch: 'main',
};

function stageFourWithDelivery(): PlatformConfigInput {
  const base = threeEnvironmentConfig();
  return { ...base, maturity: 4, tooling: { account: TOOLING, region: 'eu-west-1', connection: CONNECTION } };
}

function stagesOneToThree(): PlatformConfigInput {
  const base = threeEnvironmentConfig();
  return { ...base, environments: base.environments.map((e, i) => ({ ...e, maturity: i + 1 })) };
}

/** A config of project mlops that resolves anywhere (it names no model code): all the command reads is the project. */
function minimalConfig(): PlatformConfigInput {
  return { project: 'mlops', environments: [{ name: 'dev', account: '111111111111', region: 'eu-west-1' }] };
}

const folders: string[] = [];
function folder(): string {
  const dir = mkdtempSync(path.join(tmpdir(), 'bootstrap-policy-'));
  folders.push(dir);
  return dir;
}
afterAll(() => {
  for (const dir of folders) rmSync(dir, { recursive: true, force: true });
});

/** A stack holding the given resources, in the dev account and region unless the overrides say otherwise. */
function stack(resources: Record<string, TemplateResource>, overrides: Partial<DeployedStack> = {}): DeployedStack {
  return {
    path: 'Dev/Foundation',
    stackName: 'mlops-dev-foundation',
    account: '111111111111',
    region: 'eu-west-1',
    template: { Resources: resources },
    ...overrides,
  };
}

/** The policies of stacks the command covers entirely. */
function policiesOf(stacks: DeployedStack[], options: Partial<PolicyOptions> = {}): readonly AccountPolicy[] {
  const { policies, problems } = executionPolicies(stacks, { project: 'mlops', partitionOf, ...options });
  expect(problems).toEqual([]);
  return policies;
}

const statementsOf = (policy: AccountPolicy) => policy.documents.flatMap((d) => d.Statement);
const resourcesOf = (statement: PolicyStatement) =>
  typeof statement.Resource === 'string' ? [statement.Resource] : [...statement.Resource];

describe('the reference fixture at stages 1 to 4, with the delivery pipeline', () => {
  let stageFour: string;
  let stacks: DeployedStack[];
  let policies: readonly AccountPolicy[];

  beforeAll(() => {
    // the command reads resource types and names: the stage tests validate the templates themselves
    stageFour = synthPlatform({ config: stageFourWithDelivery() }).assembly.directory;
    const lower = synthPlatform({ config: stagesOneToThree() }).assembly.directory;
    stacks = [...readAssembly(stageFour), ...readAssembly(lower)];
    policies = policiesOf(stacks);
  });

  test('GIVEN both assemblies THEN they hold every stage, and the delivery stack in the tooling account', () => {
    const paths = stacks.map((s) => s.path);
    expect(paths).toEqual(
      expect.arrayContaining(['Delivery', 'Dev/Foundation', 'Test/Model-churn', 'Prod/FeatureStore']),
    );
    expect(stacks.find((s) => s.path === 'Delivery')).toMatchObject({ account: TOOLING, stackName: 'mlops-delivery' });
  });

  test('THEN the table has an entry for every resource type they synthesize', () => {
    const types = new Set(stacks.flatMap((s) => Object.values(s.template.Resources ?? {}).map((r) => r.Type)));
    expect([...types].filter((type) => !Object.hasOwn(RESOURCE_PERMISSIONS, type))).toEqual([]);
  });

  test('THEN there is one policy per account, the tooling account deploying only the delivery pipeline', () => {
    expect(policies.map((p) => p.account)).toEqual(['111111111111', '222222222222', '333333333333', TOOLING]);
    const tooling = policies.find((p) => p.account === TOOLING);
    expect(tooling?.resourceTypes).toContain('AWS::CodePipeline::Pipeline');
    expect(tooling?.resourceTypes).not.toContain('AWS::SageMaker::Endpoint');
  });

  test('THEN every document fits a managed policy, and none allows every action', () => {
    for (const policy of policies) {
      for (const document of policy.documents) {
        expect(policyCharacters(document)).toBeLessThanOrEqual(MANAGED_POLICY_CHARACTER_LIMIT);
        for (const statement of document.Statement) {
          expect(statement.Effect).toBe('Allow');
          expect(statement.Action).not.toContain('*');
        }
      }
    }
  });

  test('THEN IAM is allowed only on the project roles and policies and the service-linked roles, never iam:* on *', () => {
    for (const policy of policies) {
      const iamResource = new RegExp(
        `^arn:${PARTITION}:iam::${policy.account}:(role/mlops-\\*|policy/mlops-\\*|role/aws-service-role/[a-z.-]+/\\*)$`,
      );
      for (const statement of statementsOf(policy).filter((s) => s.Action.some((a) => a.startsWith('iam:')))) {
        expect(statement.Action).not.toContain('iam:*');
        for (const resource of resourcesOf(statement)) expect(resource).toMatch(iamResource);
      }
    }
  });

  test('THEN project roles are passed only to the services the stacks hand them to', () => {
    const dev = policies.find((p) => p.account === '111111111111') as AccountPolicy;
    const pass = statementsOf(dev).find((s) => s.Sid === 'PassProjectRoles');
    expect(pass?.Resource).toBe(`arn:${PARTITION}:iam::111111111111:role/mlops-*`);
    expect(pass?.Condition?.StringEquals?.['iam:PassedToService']).toEqual(
      expect.arrayContaining(['sagemaker.amazonaws.com', 'lambda.amazonaws.com', 'states.amazonaws.com']),
    );
  });

  test('THEN KMS keys are managed only with the project tag, and the other services only in the account and region', () => {
    for (const statement of statementsOf(policies[0] as AccountPolicy)) {
      if (statement.Action.includes('kms:*')) {
        expect(statement.Condition).toEqual({ StringEquals: { 'aws:ResourceTag/project': 'mlops' } });
      }
      if (statement.Sid === 'ServicesInAccountAndRegion') {
        expect(statement.Condition).toEqual({
          StringEquals: { 'aws:RequestedRegion': 'eu-west-1' },
          StringEqualsIfExists: { 'aws:ResourceAccount': '111111111111' },
        });
      }
    }
  });

  test('THEN CloudFormation may read the bootstrap version and invoke the custom resources of the project only', () => {
    const dev = statementsOf(policies[0] as AccountPolicy);
    expect(dev.find((s) => s.Sid === 'DeployParameters')?.Resource).toEqual([
      `arn:${PARTITION}:ssm:eu-west-1:111111111111:parameter/cdk-bootstrap/*`,
      `arn:${PARTITION}:ssm:eu-west-1:111111111111:parameter/mlops/*`,
    ]);
    expect(dev.find((s) => s.Sid === 'CustomResourceFunctions')?.Resource).toBe(
      `arn:${PARTITION}:lambda:eu-west-1:111111111111:function:mlops-*`,
    );
  });

  test('WHEN the summary is printed THEN each account is bootstrapped with its policy, trusting the tooling account', () => {
    const lines = formatSummary({
      project: 'mlops',
      assembly: 'cdk.out',
      out: 'cdk.out/bootstrap-policies',
      policies,
      tooling: TOOLING,
    });
    const arn = (account: string) =>
      `arn:${PARTITION}:iam::${account}:policy/${cloudFormationExecutionPolicyName('mlops', 1)}`;
    expect(lines).toContain(
      `npx cdk bootstrap aws://111111111111/eu-west-1 --trust ${TOOLING} --cloudformation-execution-policies ${arn('111111111111')}`,
    );
    expect(lines).toContain(
      `npx cdk bootstrap aws://${TOOLING}/eu-west-1 --cloudformation-execution-policies ${arn(TOOLING)}`,
    );
    expect(lines).toContain(
      'aws iam create-policy --policy-name mlops-cfn-exec-1 --policy-document file://cdk.out/bootstrap-policies/111111111111.json',
    );
  });

  test('WHEN the command runs on the stage 4 assembly THEN it writes one file per account and exits 0', () => {
    const dir = folder();
    writeFileSync(path.join(dir, 'acme.json'), JSON.stringify(minimalConfig()));
    const out = path.join(dir, 'policies');
    const output: string[] = [];
    const code = run(['--assembly', stageFour, '--config', 'acme.json', `--out=${out}`], {
      cwd: dir,
      stdout: (text) => output.push(text),
      stderr: (text) => output.push(text),
    });
    expect(output.join('')).toContain(`--trust ${TOOLING} --cloudformation-execution-policies`);
    expect(code).toBe(0);
    expect(readdirSync(out).sort()).toEqual([
      '111111111111.json',
      '222222222222.json',
      '333333333333.json',
      `${TOOLING}.json`,
    ]);
    const [dev] = policiesOf(readAssembly(stageFour));
    expect(JSON.parse(readFileSync(path.join(out, '111111111111.json'), 'utf8'))).toEqual(dev?.documents[0]);
  });
});

describe('parseArgs', () => {
  test('GIVEN no arguments THEN cdk.out and the default config, the policies inside the assembly', () => {
    expect(parseArgs([])).toEqual({
      assembly: DEFAULT_ASSEMBLY,
      out: undefined,
      config: DEFAULT_CONFIG_PATH,
      help: false,
    });
  });

  test('GIVEN each option, with a space or =, THEN each is taken', () => {
    expect(parseArgs(['--assembly', '/tmp/out', '--out=policies', '--config', 'acme.json'])).toEqual({
      assembly: '/tmp/out',
      out: 'policies',
      config: 'acme.json',
      help: false,
    });
  });

  test('GIVEN an unknown argument and an option without its path THEN a usage error (exit 2) names both', () => {
    let error: unknown;
    try {
      parseArgs(['--fast', '--config', '--out', 'x']);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(BootstrapPolicyError);
    expect(error).toMatchObject({
      exitCode: 2,
      problems: ['unknown argument "--fast"', `--config: expected a path, for example --config ${DEFAULT_CONFIG_PATH}`],
    });
  });
});

describe('run', () => {
  const io = () => {
    const output: string[] = [];
    return {
      output,
      io: { cwd: folder(), stdout: (t: string) => output.push(t), stderr: (t: string) => output.push(t) },
    };
  };

  test('GIVEN no cloud assembly WHEN run THEN exit 1, telling to run cdk synth first', () => {
    const { output, io: where } = io();
    writeFileSync(path.join(where.cwd, 'acme.json'), JSON.stringify(minimalConfig()));
    expect(run(['--config', 'acme.json'], where)).toBe(1);
    expect(output.join('')).toContain(
      '--assembly: no cloud assembly in cdk.out (it has no manifest.json); run npx cdk synth first',
    );
  });

  test('GIVEN a config file that does not exist WHEN run THEN exit 2 with the usage', () => {
    const { output, io: where } = io();
    expect(run(['--config', 'missing.json'], where)).toBe(2);
    expect(output.join('')).toMatch(/--config: file not found: .*missing\.json[\s\S]*usage: npm run bootstrap-policy/);
  });
});

describe('executionPolicies', () => {
  const role = (properties: Record<string, unknown> = {}): TemplateResource => ({
    Type: 'AWS::IAM::Role',
    Properties: properties,
  });

  test('GIVEN a resource type without an entry THEN its accounts are refused, naming the type, its stacks and the fix', () => {
    const { policies, problems, refused } = executionPolicies(
      [
        stack({ Gateway: { Type: 'AWS::EC2::NatGateway' } }),
        stack(
          { Gateway: { Type: 'AWS::EC2::NatGateway' } },
          { path: 'Prod/Network', stackName: 'mlops-prod-network', account: '333333333333' },
        ),
        stack({ Logs: { Type: 'AWS::Logs::LogGroup' } }, { path: 'Test/Foundation', account: '222222222222' }),
      ],
      { project: 'mlops', partitionOf },
    );
    expect(refused).toEqual(['111111111111', '333333333333']);
    expect(policies.map((p) => p.account)).toEqual(['222222222222']);
    expect(problems).toEqual([
      'resource type "AWS::EC2::NatGateway" (in Dev/Foundation, Prod/Network): no entry in RESOURCE_PERMISSIONS; add one to tools/bootstrap-policy/permissions.ts with the actions CloudFormation needs to create, update and delete it (the "handlers" of its schema in the CloudFormation registry list them), then run npm run bootstrap-policy again',
    ]);
  });

  test('GIVEN names outside the project THEN each is named with its field, value and fix', () => {
    const { problems } = executionPolicies(
      [
        stack({
          Role: role({ RoleName: 'admin' }),
          Pathed: role({ Path: '/ops/' }),
          Key: { Type: 'AWS::KMS::Key', Properties: { Tags: [{ Key: 'project', Value: 'other' }] } },
          Alias: { Type: 'AWS::KMS::Alias', Properties: { AliasName: 'alias/shared' } },
          Baselines: {
            Type: 'Custom::ModelPackageBaselines',
            Properties: { ServiceToken: `arn:${PARTITION}:lambda:eu-west-1:111111111111:function:shared-baselines` },
          },
        }),
        stack({}, { path: 'Other', stackName: 'acme-other' }),
      ],
      { project: 'mlops', partitionOf },
    );
    expect(problems).toEqual([
      'Dev/Foundation Role.Properties.RoleName: expected a name starting with "mlops-", got "admin"; name the role through lib/naming.ts, or leave it to CloudFormation',
      'Dev/Foundation Pathed.Properties.Path: expected "/", got "/ops/"; the policy covers arn:...:role/mlops-* and policy/mlops-* only, so drop the path',
      'Dev/Foundation Key.Properties.Tags: expected the tag project=mlops, got [{"Key":"project","Value":"other"}]; the policy lets CloudFormation manage only keys with that tag, so tag the key (applyPlatformTags in lib/tagging.ts)',
      'Dev/Foundation Alias.Properties.AliasName: expected a name starting with "alias/mlops-", got "alias/shared"; name the alias through lib/naming.ts',
      `Dev/Foundation Baselines.Properties.ServiceToken: expected a Lambda function named "mlops-*" in 111111111111 eu-west-1, got "arn:${PARTITION}:lambda:eu-west-1:111111111111:function:shared-baselines"; back the custom resource with a project function of the same account and region (named through lib/naming.ts)`,
      'Other: stack name "acme-other" does not start with "mlops-", so the roles and functions CloudFormation names after it fall outside the policy; synthesize the assembly from the config of project "mlops" (--config), whose stacks lib/naming.ts names',
    ]);
  });

  test('GIVEN names joined from pseudo parameters and unnamed functions THEN they are read and accepted', () => {
    const [policy] = policiesOf([
      stack({
        Role: role({ RoleName: { 'Fn::Join': ['', ['mlops-', { Ref: 'AWS::Region' }, '-runner']] } }),
        Handler: { Type: 'AWS::Lambda::Function', Properties: {} },
        Restrict: {
          Type: 'Custom::VpcRestrictDefaultSG',
          Properties: { ServiceToken: { 'Fn::GetAtt': ['Handler', 'Arn'] } },
        },
      }),
    ]);
    expect(policy?.resourceTypes).toEqual(['AWS::IAM::Role', 'AWS::Lambda::Function', 'Custom::VpcRestrictDefaultSG']);
  });

  test('GIVEN stacks of one account in two regions of aws-cn THEN the regions and ARNs follow them', () => {
    const key = { Type: 'AWS::KMS::Key', Properties: { Tags: [{ Key: 'project', Value: 'mlops' }] } };
    const [policy] = policiesOf(
      [
        stack({ Key: key }, { region: 'cn-north-1' }),
        stack({}, { region: 'cn-northwest-1', path: 'Dr/Foundation', stackName: 'mlops-dr-foundation' }),
      ],
      { partitionOf: () => 'aws-cn' },
    );
    const keys = policy?.statements.find((s) => s.Sid === 'ProjectKeys');
    expect(keys?.Resource).toEqual([
      'arn:aws-cn:kms:cn-north-1:111111111111:key/*',
      'arn:aws-cn:kms:cn-northwest-1:111111111111:key/*',
    ]);
    expect(policy?.statements.find((s) => s.Sid === 'ServicesInAccountAndRegion')?.Condition?.StringEquals).toEqual({
      'aws:RequestedRegion': ['cn-north-1', 'cn-northwest-1'],
    });
  });

  test('GIVEN a limit the statements do not fit in THEN they are split into documents that each fit, losing no action', () => {
    const many = Object.fromEntries(
      Object.keys(RESOURCE_PERMISSIONS)
        .filter((type) => !RESOURCE_PERMISSIONS[type]?.customResource && !RESOURCE_PERMISSIONS[type]?.kms)
        .map((type, i) => [`R${i}`, { Type: type }]),
    );
    const [whole] = policiesOf([stack(many)]);
    const [split] = policiesOf([stack(many)], { characterLimit: 520 });
    expect(whole?.documents).toHaveLength(1);
    expect(split?.documents.length).toBeGreaterThan(2);
    for (const document of split?.documents ?? []) expect(policyCharacters(document)).toBeLessThanOrEqual(520);
    const actions = (p?: AccountPolicy) => p?.documents.flatMap((d) => d.Statement.flatMap((s) => s.Action)).sort();
    expect(actions(split)).toEqual(actions(whole));
    const sids = (split?.documents ?? []).flatMap((d) => d.Statement.map((s) => s.Sid));
    expect(sids).toEqual(expect.arrayContaining(['ServicesInAccountAndRegion1', 'ServicesInAccountAndRegion2']));

    const lines = formatSummary({
      project: 'mlops',
      assembly: 'cdk.out',
      out: 'out',
      policies: [split as AccountPolicy],
    });
    const count = split?.documents.length ?? 0;
    expect(lines).toContain(
      `aws iam create-policy --policy-name mlops-cfn-exec-${count} --policy-document file://out/111111111111-${count}.json`,
    );
    expect(lines.find((line) => line.startsWith('npx cdk bootstrap'))).toContain(
      `policy/mlops-cfn-exec-1,arn:${PARTITION}:iam::111111111111:policy/mlops-cfn-exec-2,`,
    );
  });
});

describe('compactActions', () => {
  test('GIVEN a service wildcard and single actions THEN the actions it covers are dropped, the rest sorted', () => {
    expect(
      compactActions(['s3:GetObject', 'sagemaker:*', 's3:*', 'sagemaker:DescribeEndpoint', 'logs:PutResourcePolicy']),
    ).toEqual(['logs:PutResourcePolicy', 's3:*', 'sagemaker:*']);
  });
});
