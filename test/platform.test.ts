import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { Stack, Stage } from 'aws-cdk-lib';
import { Match } from 'aws-cdk-lib/assertions';
import type { CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { MIN_REASON_LENGTH } from '../lib/compliance/acknowledge';
import { CAPABILITY_DEFINITIONS, capabilitiesAtStage, highestImplementedStage, MATURITY_STAGES } from '../lib/maturity';
import { acknowledgementsOf, deadAcknowledgements, trackAcknowledgements } from './support/acknowledgements';
import { singleAccountConfig, threeEnvironmentConfig, twoFrameworkConfig } from './support/fixtures';
import { formatJson } from './support/json-format';
import {
  type CloudFormationResource,
  type CloudFormationTemplate,
  cdkJsonContext,
  REPO_ROOT,
  resourcesOfType,
  synthAtStage,
  synthPlatform,
} from './support/platform';
import { STATEFUL_TYPES } from './support/stateful';
import { replacementsBetween } from './support/upgrade-safety';
// Each stage's own cases run in this file so that they share its syntheses: every test file pays for loading
// aws-cdk-lib and for synthesizing the platform once.
import './stacks/stage2.cases';
import './stacks/stage3.cases';
import './stacks/stage4.cases';
import './stacks/stage5-drift.cases';
import './stacks/delivery.cases';
import './stacks/delivery-handoff.cases';
import './stacks/hardening-perimeter.cases';
import './stacks/hardening-publisher.cases';
import './stacks/hardening-log-groups.cases';
import './stacks/hardening-artifacts.cases';
import './stacks/hardening-trust-retain.cases';
import './stacks/hardening-keys.cases';
import './stacks/portfolio.cases';
import './stacks/stage5.cases';

// before the first synthesis: the acknowledgement tests ask which acknowledgement suppressed each finding
trackAcknowledgements();

const ENVIRONMENTS = ['Dev', 'Test', 'Prod'] as const;
const STAGE_ONE_STACKS = ['Foundation', 'Network', 'Workbench'];

function statementsOf(policy: CloudFormationResource): Array<Record<string, unknown>> {
  const document = policy.Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> } | undefined;
  return document?.Statement ?? [];
}

function stackArtifact(stackPath: string, maturity: number): CloudFormationStackArtifact {
  const platform = synthAtStage(maturity);
  const [envId] = stackPath.split('/');
  const nested = platform.assembly.getNestedAssembly(`assembly-${envId}`);
  const found = nested.stacks.find((s) => s.hierarchicalId === stackPath);
  if (!found) throw new Error(`no stack ${stackPath}`);
  return found;
}

describe.each(MATURITY_STAGES)('every environment at maturity %i', (maturity) => {
  test('has the stacks of the stages it includes', () => {
    // WHEN
    const platform = synthAtStage(maturity);

    // THEN
    for (const env of ENVIRONMENTS) {
      const stacks = platform.stackPaths.filter((p) => p.startsWith(`${env}/`)).map((p) => p.split('/')[1]);
      expect(stacks).toEqual(expect.arrayContaining(STAGE_ONE_STACKS));
    }
    const built = capabilitiesAtStage(maturity).filter((c) => CAPABILITY_DEFINITIONS[c].implemented);
    for (const env of platform.config.environments) {
      expect([...env.maturity.capabilities]).toEqual(built);
    }
  });

  test('has no unacknowledged cdk-nag finding (AwsSolutions, NIST 800-53 R5, Serverless)', () => {
    expect(synthAtStage(maturity).violations).toEqual([]);
  });

  test('warns, instead of failing silently, when the stage is not implemented yet', () => {
    const platform = synthAtStage(maturity);
    const missing = capabilitiesAtStage(maturity).filter((c) => !CAPABILITY_DEFINITIONS[c].implemented);
    if (missing.length === 0) {
      expect(platform.config.warnings.filter((w) => w.startsWith('maturity stage'))).toEqual([]);
    } else {
      expect(platform.config.warnings).toContain(
        `maturity stage ${maturity} is not fully implemented yet: ${missing.join(', ')} ${missing.length === 1 ? 'is' : 'are'} left out; stage ${highestImplementedStage()} is the highest complete stage`,
      );
    }
  });
});

test('cdk.json turns on synth-time template validation and bucket-policy log delivery', () => {
  const context = cdkJsonContext();
  expect(context['@aws-cdk/core:validateAgainstDefaultRules']).toBe(true);
  expect(context['@aws-cdk/aws-s3:serverAccessLogsUseBucketPolicy']).toBe(true);
});

describe('environment differences', () => {
  test('only prod stacks have termination protection', () => {
    for (const env of ENVIRONMENTS) {
      for (const stack of STAGE_ONE_STACKS) {
        expect(stackArtifact(`${env}/${stack}`, 1).terminationProtection).toBe(env === 'Prod');
      }
    }
  });

  test.each([
    ['Dev', 'Delete'],
    ['Test', 'Retain'],
    ['Prod', 'Retain'],
  ])('%s stateful resources have DeletionPolicy %s', (env, policy) => {
    const platform = synthAtStage(1);
    const stateful = ['AWS::S3::Bucket', 'AWS::KMS::Key', 'AWS::SageMaker::Domain', 'AWS::SageMaker::UserProfile'];
    for (const stack of STAGE_ONE_STACKS) {
      const template = platform.templateJson(`${env}/${stack}`);
      for (const type of stateful) {
        for (const resource of Object.values(resourcesOfType(template, type))) {
          expect(resource).toMatchObject({ DeletionPolicy: policy, UpdateReplacePolicy: policy });
        }
      }
    }
  });

  test('dev has no always-on compute: no instances, NAT gateways or endpoints, idle shutdown, MLflow stopped nightly', () => {
    const platform = synthAtStage(1);
    const alwaysOn = [
      'AWS::EC2::Instance',
      'AWS::EC2::NatGateway',
      'AWS::SageMaker::Endpoint',
      'AWS::SageMaker::NotebookInstance',
      'AWS::SageMaker::App',
      'AWS::AutoScaling::AutoScalingGroup',
    ];
    for (const stack of STAGE_ONE_STACKS) {
      const template = platform.templateJson(`Dev/${stack}`);
      for (const type of alwaysOn) expect(Object.keys(resourcesOfType(template, type))).toEqual([]);
    }
    const workbench = platform.template('Dev/Workbench');
    const idle = { LifecycleManagement: 'ENABLED', IdleTimeoutInMinutes: 60 };
    workbench.hasResourceProperties('AWS::SageMaker::Domain', {
      DefaultUserSettings: {
        JupyterLabAppSettings: { AppLifecycleManagement: { IdleSettings: Match.objectLike(idle) } },
        CodeEditorAppSettings: { AppLifecycleManagement: { IdleSettings: Match.objectLike(idle) } },
      },
    });
    workbench.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 19 ? * * *)',
      Target: Match.objectLike({
        Arn: {
          'Fn::Join': [
            '',
            ['arn:', { Ref: 'AWS::Partition' }, ':scheduler:::aws-sdk:sagemaker:stopMlflowTrackingServer'],
          ],
        },
        RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
        DeadLetterConfig: { Arn: Match.anyValue() },
      }),
    });
  });

  test('prod keeps its MLflow server running and sized up', () => {
    const workbench = synthAtStage(1).template('Prod/Workbench');
    workbench.resourceCountIs('AWS::Scheduler::Schedule', 0);
    workbench.hasResourceProperties('AWS::SageMaker::MlflowTrackingServer', { TrackingServerSize: 'Medium' });
  });

  test('stack names are stable and project-scoped, so a manual deploy and the pipeline agree', () => {
    expect(stackArtifact('Prod/Workbench', 1).stackName).toBe('mlops-prod-workbench');
    expect(stackArtifact('Dev/Foundation', 1).stackName).toBe('mlops-dev-foundation');
  });
});

describe('stage 1 foundation', () => {
  const template = () => synthAtStage(1).templateJson('Test/Foundation');

  test('has three customer-managed keys, each with rotation', () => {
    const keys = Object.values(resourcesOfType(template(), 'AWS::KMS::Key'));
    expect(keys).toHaveLength(3);
    for (const key of keys) expect(key.Properties).toMatchObject({ EnableKeyRotation: true });
  });

  test('every bucket blocks public access, is versioned, owner-enforced and has a noncurrent-version lifecycle', () => {
    const buckets = resourcesOfType(template(), 'AWS::S3::Bucket');
    expect(Object.keys(buckets)).toHaveLength(4);
    for (const bucket of Object.values(buckets)) {
      expect(bucket.Properties).toMatchObject({
        PublicAccessBlockConfiguration: {
          BlockPublicAcls: true,
          BlockPublicPolicy: true,
          IgnorePublicAcls: true,
          RestrictPublicBuckets: true,
        },
        VersioningConfiguration: { Status: 'Enabled' },
        OwnershipControls: { Rules: [{ ObjectOwnership: 'BucketOwnerEnforced' }] },
        LifecycleConfiguration: {
          Rules: [expect.objectContaining({ NoncurrentVersionExpiration: expect.anything(), Status: 'Enabled' })],
        },
      });
    }
  });

  test('data and artifact buckets use SSE-KMS and log to the access-log bucket; the log bucket uses SSE-S3', () => {
    const buckets = resourcesOfType(template(), 'AWS::S3::Bucket');
    const [logBucketId] = Object.keys(buckets).filter((id) => id.startsWith('AccessLogsBucket'));
    for (const [id, bucket] of Object.entries(buckets)) {
      const encryption = bucket.Properties?.BucketEncryption as { ServerSideEncryptionConfiguration: unknown[] };
      const sse = encryption.ServerSideEncryptionConfiguration[0];
      if (id === logBucketId) {
        expect(sse).toMatchObject({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'AES256' } });
        continue;
      }
      expect(sse).toMatchObject({ ServerSideEncryptionByDefault: { SSEAlgorithm: 'aws:kms' }, BucketKeyEnabled: true });
      expect(bucket.Properties?.LoggingConfiguration).toEqual({
        DestinationBucketName: { Ref: logBucketId },
        LogFilePrefix: `${id.replace(/[0-9A-F]{8}$/, '')}/`,
      });
    }
  });

  test('every bucket policy denies requests without TLS', () => {
    const policies = Object.values(resourcesOfType(template(), 'AWS::S3::BucketPolicy'));
    expect(policies).toHaveLength(4);
    for (const policy of policies) {
      expect(JSON.stringify(policy.Properties)).toContain('"aws:SecureTransport":"false"');
    }
  });
});

describe('stage 1 network', () => {
  test('has isolated subnets in two AZs from config, no internet gateway, and the SageMaker endpoints', () => {
    const template = synthAtStage(1).template('Dev/Network');
    template.resourceCountIs('AWS::EC2::Subnet', 2);
    template.resourceCountIs('AWS::EC2::InternetGateway', 0);
    template.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: 'eu-west-1a' });
    template.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: 'eu-west-1b' });
    const endpoints = Object.values(
      resourcesOfType(synthAtStage(1).templateJson('Dev/Network'), 'AWS::EC2::VPCEndpoint'),
    );
    const services = endpoints.map((e) => JSON.stringify(e.Properties?.ServiceName)).join(' ');
    for (const service of [
      '.s3',
      'sagemaker.api',
      'sagemaker.runtime',
      'studio',
      'notebook',
      '.sts',
      '.logs',
      '.ecr.api',
      '.ecr.dkr',
    ]) {
      expect(services).toContain(service);
    }
    template.hasResourceProperties('AWS::EC2::FlowLog', { TrafficType: 'ALL' });
  });

  test('an existing VPC is imported from the ids in config, without creating one', () => {
    const config = { ...threeEnvironmentConfig(), users: [] };
    config.environments = [
      {
        name: 'dev',
        account: '111111111111',
        region: 'eu-west-1',
        network: {
          existingVpc: {
            vpcId: 'vpc-0123456789abcdef0',
            vpcCidr: '10.50.0.0/16',
            availabilityZones: ['eu-west-1a', 'eu-west-1b'],
            privateSubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
          },
        },
      },
    ];
    const platform = synthPlatform({ config });
    platform.template('Dev/Network').resourceCountIs('AWS::EC2::VPC', 0);
    platform.template('Dev/Workbench').hasResourceProperties('AWS::SageMaker::Domain', {
      VpcId: 'vpc-0123456789abcdef0',
      SubnetIds: ['subnet-0123456789abcdef0', 'subnet-0123456789abcdef1'],
    });
    expect(platform.violations).toEqual([]);
  });
});

describe('stage 1 workbench', () => {
  const template = () => synthAtStage(1).template('Prod/Workbench');
  const json = () => synthAtStage(1).templateJson('Prod/Workbench');

  test('the Studio domain is VpcOnly with IAM auth and a customer-managed key', () => {
    template().hasResourceProperties('AWS::SageMaker::Domain', {
      AuthMode: 'IAM',
      AppNetworkAccessType: 'VpcOnly',
      KmsKeyId: Match.anyValue(),
      DomainName: 'mlops-prod-studio',
    });
  });

  test('creates a user profile per configured user of the environment', () => {
    const profiles = Object.values(resourcesOfType(json(), 'AWS::SageMaker::UserProfile'));
    expect(profiles.map((p) => p.Properties?.UserProfileName).sort()).toEqual([
      'data-scientist',
      'ml-engineer',
      'model-approver',
    ]);
    const devProfiles = resourcesOfType(synthAtStage(1).templateJson('Dev/Workbench'), 'AWS::SageMaker::UserProfile');
    expect(Object.keys(devProfiles)).toHaveLength(2);
  });

  test('no role uses AmazonSageMakerFullAccess or any AWS-managed policy', () => {
    for (const role of Object.values(resourcesOfType(json(), 'AWS::IAM::Role'))) {
      expect(JSON.stringify(role.Properties?.ManagedPolicyArns ?? [])).not.toContain('policy/Amazon');
    }
  });

  test('only the model approver may change a model package approval status', () => {
    const policies = resourcesOfType(json(), 'AWS::IAM::ManagedPolicy');
    const allowing: string[] = [];
    const denying: string[] = [];
    for (const [id, policy] of Object.entries(policies)) {
      for (const statement of statementsOf(policy)) {
        const actions = [statement.Action].flat();
        if (!actions.some((a) => a === 'sagemaker:UpdateModelPackage' || a === 'sagemaker:*')) continue;
        (statement.Effect === 'Allow' ? allowing : denying).push(id);
      }
    }
    expect(allowing).toEqual([expect.stringMatching(/^PersonasModelApproverPolicy/)]);
    expect(denying.map((id) => id.replace(/[0-9A-F]{8}$/, '')).sort()).toEqual([
      'PersonasDataScientistPolicy',
      'PersonasMlEngineerPolicy',
      'StudioExecutionRolePolicy',
    ]);
  });

  test('every iam:PassRole names a role and is limited to SageMaker', () => {
    const policies = Object.values(resourcesOfType(json(), 'AWS::IAM::ManagedPolicy'));
    const passRoles = policies.flatMap(statementsOf).filter((s) => [s.Action].flat().includes('iam:PassRole'));
    expect(passRoles.length).toBeGreaterThanOrEqual(3);
    for (const statement of passRoles) {
      expect(statement.Resource).not.toEqual('*');
      expect(statement.Condition).toEqual({ StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } });
    }
  });

  test('MLflow stores its artifacts under mlflow/ in the artifact bucket', () => {
    template().hasResourceProperties('AWS::SageMaker::MlflowTrackingServer', {
      ArtifactStoreUri: Match.objectLike({ 'Fn::Join': ['', Match.arrayWith(['s3://', '/mlflow'])] }),
      TrackingServerName: 'mlops-prod-mlflow',
    });
  });
});

describe('tags', () => {
  test('every taggable resource carries project and environment, and no tag value depends on the stage', () => {
    for (const maturity of [1, 5]) {
      const platform = synthAtStage(maturity);
      for (const stackPath of platform.stackPaths) {
        // stacks outside the environments' Stages (delivery, portfolio) live in the tooling account
        const envName = stackPath.includes('/') ? stackPath.split('/')[0]?.toLowerCase() : 'tooling';
        for (const [id, resource] of Object.entries(platform.templateJson(stackPath).Resources)) {
          const tags = resource.Properties?.Tags;
          if (!Array.isArray(tags)) continue;
          expect({ id, tags }).toEqual({
            id,
            tags: expect.arrayContaining([
              { Key: 'environment', Value: envName },
              { Key: 'project', Value: 'mlops' },
            ]),
          });
          expect(JSON.stringify(tags)).not.toMatch(/stage|maturity/i);
        }
      }
    }
  });
});

describe('upgrade safety', () => {
  test.each([1, 2, 3, 4])('going from stage %i to the next replaces and removes nothing', (maturity) => {
    const before = synthAtStage(maturity);
    const after = synthAtStage(maturity + 1);
    const problems: string[] = [];
    for (const stackPath of before.stackPaths) {
      expect(after.stackPaths).toContain(stackPath);
      for (const problem of replacementsBetween(before.templateJson(stackPath), after.templateJson(stackPath))) {
        problems.push(`${stackPath}: ${problem}`);
      }
    }
    expect(problems).toEqual([]);
  });

  test('the check itself catches a removed resource and a changed create-only property', () => {
    const before: CloudFormationTemplate = {
      Resources: {
        Gone: { Type: 'AWS::S3::Bucket', Properties: {} },
        Domain: { Type: 'AWS::SageMaker::Domain', Properties: { AuthMode: 'IAM', DomainName: 'a' } },
      },
    };
    const after: CloudFormationTemplate = {
      Resources: { Domain: { Type: 'AWS::SageMaker::Domain', Properties: { AuthMode: 'SSO', DomainName: 'a' } } },
    };
    expect(replacementsBetween(before, after)).toEqual([
      'Gone (AWS::S3::Bucket) is removed',
      'Domain (AWS::SageMaker::Domain) changes create-only AuthMode: "IAM" -> "SSO"',
    ]);
  });
});

describe('stateful logical ids', () => {
  test('GIVEN the reference fixture at stage 5 THEN they match test/stateful-logical-ids.json (renaming one replaces data: write a migration note first)', () => {
    // WHEN
    const platform = synthAtStage(5);
    const actual: Record<string, string[]> = {};
    for (const stackPath of platform.stackPaths) {
      const ids = Object.entries(platform.templateJson(stackPath).Resources)
        .filter(([, r]) => STATEFUL_TYPES.has(r.Type))
        .map(([id, r]) => `${id} ${r.Type}`)
        .sort();
      if (ids.length > 0) actual[stackPath] = ids;
    }
    const file = path.join(REPO_ROOT, 'test', 'stateful-logical-ids.json');
    // UPDATE_STATEFUL_IDS=1 records a deliberate change, as `jest -u` does for snapshots; review the diff
    if (process.env.UPDATE_STATEFUL_IDS) writeFileSync(file, formatJson(file, actual));

    // THEN
    try {
      expect(actual).toEqual(JSON.parse(readFileSync(file, 'utf8')));
    } catch (error) {
      throw new Error(
        `the stateful logical ids of the reference fixture differ from test/stateful-logical-ids.json: a changed id replaces the resource and its data. If the change is deliberate, write a migration note and run UPDATE_STATEFUL_IDS=1 npx jest test/platform.test.ts -t 'stateful logical ids', then review the diff\n\n${(error as Error).message}`,
      );
    }
  });
});

describe('acknowledged findings', () => {
  test('each names one finding, sits on a resource rather than a stack, and says why', () => {
    const all = acknowledgementsOf(synthAtStage(1).app);
    expect(all.length).toBeGreaterThan(0);
    for (const ack of all) {
      expect({ ack: `${ack.id} at ${ack.path}`, granular: /^AwsSolutions-IAM[45]$/.test(ack.id) }).toEqual({
        ack: `${ack.id} at ${ack.path}`,
        granular: false,
      });
      expect(ack.reason.trim().length).toBeGreaterThanOrEqual(MIN_REASON_LENGTH);
      expect(Stack.isStack(ack.scope) || Stage.isStage(ack.scope)).toBe(false);
    }
  });

  // Issue 12, finding 8: twelve acknowledgements suppressed nothing (the access-log bucket's logging findings, which
  // cdk-nag passes for a log target, and SQS3 on the queues that functions name as their dead-letter queue).
  test.each([...MATURITY_STAGES, 'dev+prod'] as const)(
    'GIVEN the fixture at stage %s WHEN synthesized THEN every acknowledgement suppresses a finding',
    (stage) => {
      // WHEN
      const platform = stage === 'dev+prod' ? synthAtStage(4, twoFrameworkConfig) : synthAtStage(stage);

      // THEN
      expect(acknowledgementsOf(platform.app).length).toBeGreaterThan(0);
      expect(deadAcknowledgements(platform.app).map((a) => `${a.id} at ${a.path}`)).toEqual([]);
    },
  );
});

describe('another shape: dev and prod only, another project, us-east-1, two models of different frameworks', () => {
  const platform = () => synthAtStage(4, twoFrameworkConfig);

  test('GIVEN the dev+prod fixture at stage 4 WHEN synthesized THEN it has only its two environments and no unacknowledged finding', () => {
    // WHEN
    const synthesized = platform();

    // THEN
    expect(new Set(synthesized.stackPaths.map((p) => p.split('/')[0]))).toEqual(new Set(['Dev', 'Prod']));
    expect(synthesized.violations).toEqual([]);
  });

  test('GIVEN the dev+prod fixture THEN its network uses the availability zones of us-east-1 and its names the project acme', () => {
    // WHEN
    const synthesized = platform();

    // THEN
    const network = synthesized.template('Dev/Network');
    network.resourceCountIs('AWS::EC2::Subnet', 2);
    network.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: 'us-east-1a' });
    network.hasResourceProperties('AWS::EC2::Subnet', { AvailabilityZone: 'us-east-1b' });
    const prod = synthesized.assembly.getNestedAssembly('assembly-Prod').stacks;
    expect(prod.find((s) => s.hierarchicalId === 'Prod/Foundation')?.stackName).toBe('acme-prod-foundation');
    // nothing of the reference shape leaks in: its region, accounts or project name
    const everything = JSON.stringify(synthesized.stackPaths.map((p) => synthesized.templateJson(p)));
    for (const foreign of ['eu-west-1', '111111111111', '222222222222', '333333333333', '444444444444', 'mlops-']) {
      expect({ foreign, found: everything.includes(foreign) }).toEqual({ foreign, found: false });
    }
  });

  test('GIVEN an approver only in prod THEN prod has a profile for each user and dev only for the data scientist', () => {
    // WHEN
    const profiles = (stackPath: string) =>
      Object.values(resourcesOfType(platform().templateJson(stackPath), 'AWS::SageMaker::UserProfile'))
        .map((p) => p.Properties?.UserProfileName)
        .sort();

    // THEN
    expect(profiles('Prod/Workbench')).toEqual(['approver', 'data-scientist']);
    expect(profiles('Dev/Workbench')).toEqual(['data-scientist']);
  });

  test('GIVEN an XGBoost and a scikit-learn model THEN each has its stack, and the scikit-learn one trains its own train.py', () => {
    // WHEN
    const synthesized = platform();

    // THEN
    for (const model of ['churn', 'upsell']) {
      expect(synthesized.stackPaths).toContain(`Prod/Model-${model}`);
    }
    const pipelines = (stackPath: string) =>
      JSON.stringify(resourcesOfType(synthesized.templateJson(stackPath), 'AWS::SageMaker::Pipeline'));
    expect(pipelines('Prod/Model-upsell')).toContain('sagemaker-scikit-learn:1.2-1-cpu-py3');
    expect(pipelines('Prod/Model-upsell')).toContain('/opt/ml/code-src/upsell/train.py');
    expect(pipelines('Prod/Model-churn')).toContain('sagemaker-xgboost:1.7-1');
    expect(pipelines('Prod/Model-churn')).not.toContain('train.py');
  });
});

describe('single-account mode', () => {
  test('GIVEN every environment and the tooling in one account WHEN synthesized at the highest stage THEN no names collide and nothing is found', () => {
    // WHEN
    const platform = synthAtStage(highestImplementedStage(), singleAccountConfig);

    // THEN
    expect(new Set(platform.config.environments.map((e) => e.account))).toEqual(new Set(['111111111111']));
    expect(platform.violations).toEqual([]);
    const names = new Map<string, string>();
    const nameProperties = [
      'RoleName',
      'DomainName',
      'TrackingServerName',
      'AliasName',
      'ManagedPolicyName',
      'Name',
      'ModelPackageGroupName',
      'EndpointName',
      'AlarmName',
      'StateMachineName',
      'MonitoringScheduleName',
      'FeatureGroupName',
      'DashboardName',
      'FunctionName',
      'PipelineName',
    ];
    // types whose property names another resource (the endpoint a schedule watches), not the resource itself
    const referencesOnly = (type: string, property: string) =>
      property === 'EndpointName' && type !== 'AWS::SageMaker::Endpoint';
    for (const stackPath of platform.stackPaths) {
      for (const resource of Object.values(platform.templateJson(stackPath).Resources)) {
        for (const property of nameProperties) {
          if (referencesOnly(resource.Type, property)) continue;
          const name = resource.Properties?.[property];
          if (typeof name !== 'string') continue;
          const key = `${resource.Type} ${name}`;
          expect({ key, clash: names.get(key) }).toEqual({ key, clash: undefined });
          names.set(key, stackPath);
        }
      }
    }
    expect(names.size).toBeGreaterThan(10);
  });
});

// One snapshot per stack and implemented stage, asset hashes normalized. Stages above the highest implemented
// one synthesize the same templates (tested above), so they are not snapshotted again. Snapshots live in this
// file, which synthesizes every stage anyway, because each test file pays for loading aws-cdk-lib once.
// stages whose built capabilities differ from the stage below them
const distinctStages = MATURITY_STAGES.filter(
  (stage) =>
    stage === 1 ||
    capabilitiesAtStage(stage).some(
      (c) => CAPABILITY_DEFINITIONS[c].implemented && !capabilitiesAtStage((stage - 1) as 1).includes(c),
    ),
);
describe.each(distinctStages)('templates at maturity %i', (maturity) => {
  test('match their snapshots', () => {
    const platform = synthAtStage(maturity);
    for (const stackPath of platform.stackPaths) {
      expect(platform.templateJson(stackPath)).toMatchSnapshot(stackPath);
    }
  });
});
