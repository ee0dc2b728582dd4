import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as iam from 'aws-cdk-lib/aws-iam';
import type { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { buildPlatform } from '../../lib/app';
import { ConfigError, type ResolvedPlatformConfig, resolveConfig } from '../../lib/config/loader';
import type { PlatformConfigInput } from '../../lib/config/schema';
import type { PlatformEnvironment } from '../../lib/environment';
import { trainingPipelineName } from '../../lib/naming';
import {
  DeliveryStack,
  type DeliveryStackProps,
  PipelineRunnerRole,
  SYNTH_COMMANDS,
  sampleTrainingScript,
} from '../../lib/stacks/delivery-stack';
import { singleAccountConfig, threeEnvironmentConfig } from '../support/fixtures';
import {
  type CloudFormationResource,
  type CloudFormationTemplate,
  cdkJsonContext,
  constructTestContext,
  REPO_ROOT,
  resourcesOfType,
  synthPlatform,
} from '../support/platform';

/** The partition of eu-west-1, the region of every account in the test config. */
const PARTITION = 'aws';

const CONNECTION = {
  // connections created since July 2024 have codeconnections ARNs
  connectionArn: `arn:${PARTITION}:codeconnections:eu-west-1:444444444444:connection/0123abcd-0123-4567-89ab-0123456789ab`,
  repository: 'acme/mlops-platform',
  branch: 'main',
};

/** The reference fixture (threeEnvironmentConfig) at stage 3, as a config file would say it. */
function stageThreeConfig(): PlatformConfigInput {
  return { ...threeEnvironmentConfig(), maturity: 3 };
}

function deliveryProps(config: ResolvedPlatformConfig): DeliveryStackProps {
  const test = config.allEnvironments.find((e) => e.kind === 'test');
  return {
    project: config.project,
    tooling: config.config.tooling ?? { account: '444444444444', region: 'eu-west-1' },
    environments: config.allEnvironments,
    connection: CONNECTION,
    // the stages `buildPlatform` made: the pipeline deploys those very objects
    environmentStage: (scope, environment) => {
      const stage = scope.node.tryFindChild(environment.stageId) as PlatformEnvironment | undefined;
      if (!stage) throw new Error(`no stage ${environment.stageId}`);
      return stage;
    },
    sampleTraining: test && {
      environment: test.name,
      pipelineNames: test.models.map((m) => trainingPipelineName(config.project, test.name, m.name)),
    },
  };
}

interface DeliveryApp {
  readonly config: ResolvedPlatformConfig;
  readonly app: App;
  readonly stack: DeliveryStack;
  readonly assembly: CloudAssembly;
  readonly template: Template;
  readonly json: CloudFormationTemplate;
}

/** The app as bin/platform.ts builds it from stage 4: every environment's Stage, plus the delivery stack. */
function synthDeliveryApp(): DeliveryApp {
  const config = resolveConfig(stageThreeConfig());
  const app = new App({
    context: {
      ...cdkJsonContext(),
      '@aws-cdk/core:failSynthOnValidationErrors': false,
      'aws:cdk:bundling-stacks': [],
    },
  });
  buildPlatform(app, config);
  const stack = new DeliveryStack(app, 'Delivery', deliveryProps(config));
  const assembly = app.synth();
  const json = assembly.getStackArtifact(stack.artifactId).template as CloudFormationTemplate;
  return { config, app, stack, assembly, template: Template.fromJSON(json), json };
}

let cachedDelivery: DeliveryApp | undefined;
const delivery = (): DeliveryApp => {
  cachedDelivery ??= synthDeliveryApp();
  return cachedDelivery;
};
let cachedPlatform: ReturnType<typeof synthPlatform> | undefined;
const platform = () => {
  cachedPlatform ??= synthPlatform({ config: stageThreeConfig() });
  return cachedPlatform;
};

interface PipelineAction {
  readonly Name: string;
  readonly ActionTypeId: { readonly Category: string; readonly Provider: string };
  readonly RunOrder: number;
  readonly Configuration?: Record<string, unknown>;
}

function pipelineStages(): Array<{ Name: string; Actions: PipelineAction[] }> {
  const [pipeline] = Object.values(resourcesOfType(delivery().json, 'AWS::CodePipeline::Pipeline'));
  return (pipeline as CloudFormationResource).Properties?.Stages as Array<{ Name: string; Actions: PipelineAction[] }>;
}

/** The CodeBuild project an action of the pipeline runs. */
function projectOf(action: PipelineAction): CloudFormationResource {
  const ref = (action.Configuration as { ProjectName: { Ref: string } }).ProjectName.Ref;
  return delivery().json.Resources[ref] as CloudFormationResource;
}

function buildSpecOf(project: CloudFormationResource): { phases: Record<string, { commands?: string[] }> } {
  const source = project.Properties?.Source as { BuildSpec: string };
  return JSON.parse(source.BuildSpec);
}

function action(stage: string, name: string): PipelineAction {
  const found = pipelineStages()
    .find((s) => s.Name === stage)
    ?.Actions.find((a) => a.Name === name);
  if (!found) throw new Error(`no action ${stage}/${name}`);
  return found;
}

/** The properties of a resource, typed as the test reads them. */
function propertiesOf<T>(resource: CloudFormationResource): T {
  return resource.Properties as T;
}

/** Logical id -> type of every resource. */
function resourceTypes(template: CloudFormationTemplate): Record<string, string> {
  return Object.fromEntries(Object.entries(template.Resources).map(([id, r]) => [id, r.Type]));
}

function nagViolations(scope: IConstruct): string[] {
  return [new AwsSolutionsChecks(), new NIST80053R5Checks(), new ServerlessChecks()].flatMap((pack) =>
    pack
      .validateScope(scope)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)),
  );
}

describe('DeliveryStack GIVEN the reference fixture at stage 3 WHEN the app is synthesized', () => {
  test('THEN it is a stack named <project>-delivery in the tooling account', () => {
    const { stack } = delivery();
    expect(stack.stackName).toBe('mlops-delivery');
    expect(stack.node.id).toBe('Delivery');
    expect([stack.account, stack.region]).toEqual(['444444444444', 'eu-west-1']);
    expect(stack.terminationProtection).toBe(true);
  });

  test('THEN the source action uses the connection, the repository and the branch, and starts on every push', () => {
    const source = pipelineStages()[0];
    expect(source?.Name).toBe('Source');
    expect(source?.Actions).toEqual([
      expect.objectContaining({
        ActionTypeId: expect.objectContaining({ Category: 'Source', Provider: 'CodeStarSourceConnection' }),
        Configuration: expect.objectContaining({
          ConnectionArn: CONNECTION.connectionArn,
          FullRepositoryId: 'acme/mlops-platform',
          BranchName: 'main',
          DetectChanges: true,
        }),
      }),
    ]);
  });

  test('THEN the source action may use the connection with the action of its own service prefix', () => {
    const useConnection = Object.values(resourcesOfType(delivery().json, 'AWS::IAM::Policy')).flatMap((p) =>
      propertiesOf<{ PolicyDocument: { Statement: Array<{ Action: string | string[]; Resource: unknown }> } }>(
        p,
      ).PolicyDocument.Statement.filter((s) => [s.Action].flat().some((a) => a.endsWith(':UseConnection'))),
    );
    expect(useConnection).toEqual([
      expect.objectContaining({ Action: 'codeconnections:UseConnection', Resource: CONNECTION.connectionArn }),
    ]);
  });

  test('THEN the Synth step runs the full check, then synth and cfn-lint, and outputs cdk.out', () => {
    const synth = action('Build', 'Synth');
    const spec = buildSpecOf(projectOf(synth));
    expect(spec.phases.build?.commands).toEqual([
      'npm ci',
      'npm run typecheck',
      'npm run lint',
      'npm test',
      expect.stringMatching(/^pip install cfn-lint==\S+ numpy==\S+ scipy==\S+ pytest==\S+$/),
      'python3 -m pytest ml -q',
      'npx cdk synth',
      "cfn-lint -c I -i I1022 W3005 -- 'cdk.out/**/*.template.json'",
    ]);
    expect(spec.phases.build?.commands).toEqual([...SYNTH_COMMANDS]);
    expect(JSON.stringify(spec)).toContain('"base-directory":"cdk.out"');
    // no Docker: neither synth nor self-mutation runs privileged
    for (const project of Object.values(resourcesOfType(delivery().json, 'AWS::CodeBuild::Project'))) {
      expect(project.Properties?.Environment).toMatchObject({ PrivilegedMode: false });
    }
  });

  test('THEN it mutates itself before it publishes assets and deploys', () => {
    expect(pipelineStages().map((s) => s.Name)).toEqual([
      'Source',
      'Build',
      'UpdatePipeline',
      'Assets',
      'Dev',
      'Test',
      'Prod',
    ]);
    expect(action('UpdatePipeline', 'SelfMutate').ActionTypeId.Provider).toBe('CodeBuild');
  });

  test('THEN it promotes dev, then test, then prod, and prod only after a manual approval', () => {
    const deployed = (stage: string) =>
      pipelineStages()
        .find((s) => s.Name === stage)
        ?.Actions.filter((a) => a.ActionTypeId.Category === 'Deploy') ?? [];
    for (const [stage, env] of [
      ['Dev', 'dev'],
      ['Test', 'test'],
      ['Prod', 'prod'],
    ] as const) {
      expect(deployed(stage).length).toBeGreaterThan(0);
      for (const a of deployed(stage)) expect(a.Configuration?.StackName).toMatch(new RegExp(`^mlops-${env}-`));
    }
    const approvals = pipelineStages().flatMap((s) =>
      s.Actions.filter((a) => a.ActionTypeId.Category === 'Approval').map((a) => `${s.Name}/${a.Name}`),
    );
    expect(approvals).toEqual(['Prod/PromoteToProd']);
    const approval = action('Prod', 'PromoteToProd');
    expect(Math.min(...deployed('Prod').map((a) => a.RunOrder))).toBeGreaterThan(approval.RunOrder);
  });

  test('THEN after test is deployed, TrainOnSampleData starts each training pipeline of test and waits for it', () => {
    const check = action('Test', 'TrainOnSampleData');
    const deployedTest = pipelineStages()
      .find((s) => s.Name === 'Test')
      ?.Actions.filter((a) => a.ActionTypeId.Category === 'Deploy');
    expect(check.RunOrder).toBeGreaterThan(Math.max(...(deployedTest ?? []).map((a) => a.RunOrder)));

    const project = projectOf(check);
    const variables = Object.fromEntries(
      propertiesOf<{ Environment: { EnvironmentVariables: Array<{ Name: string; Value: unknown }> } }>(
        project,
      ).Environment.EnvironmentVariables.map((v) => [v.Name, v.Value]),
    );
    expect(variables).toMatchObject({
      TRAINING_PIPELINES: 'mlops-test-churn-training',
      TARGET_REGION: 'eu-west-1',
      TRIGGER_REASON: 'delivery-test',
      TIMEOUT_SECONDS: '7200',
    });
    expect(variables.RUNNER_ROLE_ARN).toBe(`arn:${PARTITION}:iam::222222222222:role/mlops-test-pipeline-runner`);
    const script = buildSpecOf(project).phases.build?.commands?.join('\n') ?? '';
    expect(script).toContain('aws sagemaker start-pipeline-execution --pipeline-name "$name"');
    expect(script).toContain('--pipeline-parameters Name=TriggerReason,Value="$TRIGGER_REASON"');
    expect(script).toContain('aws sagemaker describe-pipeline-execution');
    // CodeBuild stops the check only after the check's own deadline, so the check can stop what it started
    expect(project.Properties?.TimeoutInMinutes).toBe(135);
  });

  test('THEN the check may only assume the runner role of the test account, under a fixed role name', () => {
    const { template } = delivery();
    template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'mlops-delivery-sample-training',
      AssumeRolePolicyDocument: {
        Statement: [Match.objectLike({ Principal: { Service: 'codebuild.amazonaws.com' } })],
      },
    });
    const assumes = Object.values(delivery().json.Resources)
      .filter((r) => r.Type === 'AWS::IAM::ManagedPolicy')
      .flatMap(
        (r) =>
          propertiesOf<{ PolicyDocument: { Statement: Array<Record<string, unknown>> } }>(r).PolicyDocument.Statement,
      )
      .filter((s) => [s.Action].flat().includes('sts:AssumeRole'));
    expect(assumes).toHaveLength(1);
    expect(assumes[0]?.Resource).toBe(`arn:${PARTITION}:iam::222222222222:role/mlops-test-pipeline-runner`);
  });

  test('THEN the artifacts are KMS-encrypted with a rotating key, in a versioned, access-logged bucket', () => {
    const { json, template } = delivery();
    const [pipeline] = Object.values(resourcesOfType(json, 'AWS::CodePipeline::Pipeline'));
    const store = pipeline?.Properties?.ArtifactStore as { Location: { Ref: string }; EncryptionKey: unknown };
    const keyId = (store.EncryptionKey as { Id: { 'Fn::GetAtt': [string, string] }; Type: string }).Id['Fn::GetAtt'][0];
    expect(json.Resources[keyId]).toMatchObject({ Type: 'AWS::KMS::Key', Properties: { EnableKeyRotation: true } });
    expect(json.Resources[store.Location.Ref]).toMatchObject({
      Type: 'AWS::S3::Bucket',
      Properties: {
        BucketEncryption: {
          ServerSideEncryptionConfiguration: [
            {
              ServerSideEncryptionByDefault: {
                SSEAlgorithm: 'aws:kms',
                KMSMasterKeyID: { 'Fn::GetAtt': [keyId, 'Arn'] },
              },
            },
          ],
        },
        VersioningConfiguration: { Status: 'Enabled' },
        LoggingConfiguration: expect.anything(),
      },
    });
    template.resourcePropertiesCountIs('AWS::KMS::Key', { EnableKeyRotation: true }, 1);
  });

  test('THEN the pipeline deploys the stacks of buildPlatform: same names, same logical ids and types, same templates', () => {
    const fromPipeline = new Map<string, CloudFormationTemplate>();
    for (const stage of pipelineStages()) {
      for (const a of stage.Actions) {
        const templatePath = a.Configuration?.TemplatePath as string | undefined;
        if (a.Configuration?.ActionMode !== 'CHANGE_SET_REPLACE' || !templatePath) continue;
        const file = path.join(delivery().assembly.directory, templatePath.replace(/^Synth_Output::/, ''));
        fromPipeline.set(a.Configuration.StackName as string, JSON.parse(readFileSync(file, 'utf8')));
      }
    }
    const fromBuildPlatform = new Map<string, CloudFormationTemplate>();
    for (const env of platform().environments) {
      for (const stack of platform().assembly.getNestedAssembly(env.artifactId).stacks) {
        fromBuildPlatform.set(stack.stackName, stack.template);
      }
    }

    expect([...fromPipeline.keys()].sort()).toEqual([...fromBuildPlatform.keys()].sort());
    expect(fromPipeline.size).toBe(24);
    for (const [stackName, template] of fromBuildPlatform) {
      const deployed = fromPipeline.get(stackName) as CloudFormationTemplate;
      expect({ stackName, resources: resourceTypes(deployed) }).toEqual({
        stackName,
        resources: resourceTypes(template),
      });
      expect({ stackName, template: deployed }).toEqual({ stackName, template });
    }
  });

  test('THEN AwsSolutions, NIST 800-53 R5 and Serverless report no unacknowledged finding', () => {
    expect(nagViolations(delivery().app)).toEqual([]);
  });

  test('GIVEN props that cannot work THEN it fails once, listing every problem with its value', () => {
    const config = resolveConfig(stageThreeConfig());
    const app = new App({ context: constructTestContext() });
    const props = deliveryProps(config);
    expect(
      () =>
        new DeliveryStack(app, 'Delivery', {
          ...props,
          connection: { connectionArn: `arn:${PARTITION}:s3:::bucket`, repository: 'mlops-platform', branch: ' ' },
          sampleTraining: { environment: 'staging', pipelineNames: [] },
        }),
    ).toThrow(
      [
        'invalid delivery stack props:',
        '  - connection.repository: expected "owner/name", got "mlops-platform"',
        `  - connection.connectionArn: expected the ARN of a CodeConnections connection, got "arn:${PARTITION}:s3:::bucket"`,
        '  - connection.branch: expected a branch name, got " "',
        '  - sampleTraining.environment: "staging" is not deployed by the pipeline; expected one of dev, test, prod',
        '  - sampleTraining.pipelineNames: expected at least one pipeline',
      ].join('\n'),
    );
  });
});

describe('a pipeline whose environments span regions', () => {
  test('GIVEN prod in another region WHEN synthesized THEN the replication support stack has no unacknowledged finding', () => {
    // GIVEN
    const input = threeEnvironmentConfig();
    const config = resolveConfig({
      ...input,
      maturity: 1,
      users: [],
      environments: [input.environments[0], { ...input.environments[2], region: 'eu-central-1' }],
    } as PlatformConfigInput);
    const app = new App({
      context: {
        ...constructTestContext(),
        '@aws-cdk/core:failSynthOnValidationErrors': false,
        'aws:cdk:bundling-stacks': [],
      },
    });
    buildPlatform(app, config);

    // WHEN
    new DeliveryStack(app, 'Delivery', {
      ...deliveryProps(config),
      connection: {
        ...CONNECTION,
        connectionArn: CONNECTION.connectionArn.replace('codeconnections', 'codestar-connections'),
      },
    });
    const assembly = app.synth();

    // THEN
    expect(assembly.stacks.map((s) => s.stackName).sort()).toEqual([
      'mlops-delivery',
      'mlops-delivery-support-eu-central-1',
    ]);
    expect(nagViolations(app)).toEqual([]);
  });
});

describe('a pipeline in single-account mode', () => {
  test('GIVEN every environment and the tooling in one account WHEN synthesized THEN it has no finding and no duplicate principal', () => {
    // GIVEN
    const config = resolveConfig({ ...singleAccountConfig(), maturity: 1 });
    const app = new App({
      context: {
        ...constructTestContext(),
        '@aws-cdk/core:failSynthOnValidationErrors': false,
        'aws:cdk:bundling-stacks': [],
      },
    });
    buildPlatform(app, config);

    // WHEN
    const stack = new DeliveryStack(app, 'Delivery', { ...deliveryProps(config), sampleTraining: undefined });
    const template = Template.fromStack(stack);

    // THEN
    const keys = Object.values(template.findResources('AWS::KMS::Key'));
    expect(keys).toHaveLength(1);
    const statements: Array<{ Principal: unknown }> = keys.flatMap((k) => k.Properties.KeyPolicy.Statement);
    const principals = statements.map((s) => JSON.stringify(s.Principal));
    expect(new Set(principals).size).toBe(principals.length);
    expect(nagViolations(app)).toEqual([]);
  });
});

describe('a pipeline with more stacks than a pipeline stage can deploy', () => {
  test('GIVEN four churn-like models at stage 4 WHEN the pipeline is built THEN it fails naming the field, the count and the fix', () => {
    // GIVEN 6 shared stacks and 5 per model (serving, batch, training, retraining, monitoring): 26 per environment
    const input = threeEnvironmentConfig();
    const [churn] = input.models ?? [];
    const config = resolveConfig(
      {
        ...input,
        maturity: 4,
        models: ['churn', 'fraud', 'upsell', 'credit'].map((name) => ({
          ...churn,
          name,
          training: { ...churn?.training, package: 'churn' },
        })),
      } as PlatformConfigInput,
      {},
      'config',
      REPO_ROOT,
    );
    const app = new App({ context: { ...constructTestContext(), 'aws:cdk:bundling-stacks': [] } });
    buildPlatform(app, config);

    // WHEN
    let error: unknown;
    try {
      new DeliveryStack(app, 'Delivery', deliveryProps(config));
    } catch (thrown) {
      error = thrown;
    }

    // THEN two change-set actions per stack pass CodePipeline's 50 actions per stage in every wave
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      expect.stringMatching(
        /^tooling\.connection: the Dev stage of the delivery pipeline would hold 52 actions \(dev: 2 per stack\), above CodePipeline's 50; split the models/,
      ),
      expect.stringMatching(/^tooling\.connection: the Test stage .* 53 actions/),
      expect.stringMatching(/^tooling\.connection: the Prod stage .* 53 actions/),
    ]);
  });
});

describe('PipelineRunnerRole', () => {
  function runnerRole() {
    const app = new App({ context: constructTestContext() });
    const stack = new Stack(app, 'Registry', { env: { account: '222222222222', region: 'eu-west-1' } });
    const runner = new PipelineRunnerRole(stack, 'PipelineRunner', {
      project: 'mlops',
      environment: 'test',
      toolingAccount: '444444444444',
    });
    const pipelineArn = stack.formatArn({
      service: 'sagemaker',
      resource: 'pipeline',
      resourceName: 'mlops-test-churn-training',
    });
    runner.allowRunning({
      pipelineName: 'mlops-test-churn-training',
      pipelineArn,
      grantStartExecution: (grantee) =>
        iam.Grant.addToPrincipal({
          grantee,
          actions: ['sagemaker:StartPipelineExecution'],
          resourceArns: [pipelineArn],
        }),
    });
    app.synth();
    return { stack, template: Template.fromStack(stack) };
  }

  test('GIVEN the tooling account THEN only the check role of the tooling account may assume it', () => {
    runnerRole().template.hasResourceProperties('AWS::IAM::Role', {
      RoleName: 'mlops-test-pipeline-runner',
      AssumeRolePolicyDocument: {
        Statement: [
          {
            Action: 'sts:AssumeRole',
            Effect: 'Allow',
            Principal: { AWS: `arn:${PARTITION}:iam::444444444444:root` },
            Condition: {
              ArnEquals: {
                'aws:PrincipalArn': `arn:${PARTITION}:iam::444444444444:role/mlops-delivery-sample-training`,
              },
            },
          },
        ],
      },
    });
  });

  test('GIVEN a training pipeline THEN it may start it and watch or stop its executions, nothing else', () => {
    const { stack, template } = runnerRole();
    const [policy] = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
    const statements = stack.resolve(policy?.Properties.PolicyDocument.Statement) as Array<Record<string, unknown>>;
    expect(statements.map((s) => [s.Action, JSON.stringify(s.Resource)])).toEqual([
      ['sagemaker:StartPipelineExecution', expect.stringContaining(':pipeline/mlops-test-churn-training"')],
      [
        [
          'sagemaker:DescribePipelineExecution',
          'sagemaker:ListPipelineExecutionSteps',
          'sagemaker:StopPipelineExecution',
        ],
        expect.stringContaining(':pipeline/mlops-test-churn-training/execution/*"'),
      ],
    ]);
    expect(nagViolations(stack)).toEqual([]);
  });
});

const hasShell = spawnSync('sh', ['-c', 'exit 0']).status === 0;

(hasShell ? describe : describe.skip)('the TrainOnSampleData script', () => {
  /** Runs the script against a fake `aws` that logs its calls and reports the given status for every execution. */
  function run(status: string, timeoutSeconds = 60): { code: number | null; calls: string[]; out: string } {
    const dir = mkdtempSync(path.join(tmpdir(), 'train-on-sample-data-'));
    const log = path.join(dir, 'calls.log');
    const fake = path.join(dir, 'aws');
    writeFileSync(
      fake,
      [
        '#!/bin/sh',
        'echo "$*" >> "$FAKE_AWS_LOG"',
        'case "$1 $2" in',
        '  "sagemaker start-pipeline-execution") echo "arn:$FAKE_PARTITION:sagemaker:eu-west-1:222222222222:pipeline/$4/execution/x1" ;;',
        '  "sagemaker describe-pipeline-execution") echo "$FAKE_STATUS" ;;',
        'esac',
      ].join('\n'),
    );
    chmodSync(fake, 0o755);
    const result = spawnSync('sh', ['-c', sampleTrainingScript()], {
      encoding: 'utf8',
      env: {
        PATH: `${dir}:${process.env.PATH}`,
        FAKE_AWS_LOG: log,
        FAKE_STATUS: status,
        FAKE_PARTITION: PARTITION,
        RUNNER_ROLE_ARN: `arn:${PARTITION}:iam::222222222222:role/mlops-test-pipeline-runner`,
        TARGET_REGION: 'eu-west-1',
        TRAINING_PIPELINES: 'mlops-test-churn-training mlops-test-fraud-training',
        TRIGGER_REASON: 'delivery-test',
        TIMEOUT_SECONDS: String(timeoutSeconds),
        POLL_SECONDS: '0',
        CODEBUILD_BUILD_NUMBER: '42',
      },
    });
    return { code: result.status, calls: readFileSync(log, 'utf8').trim().split('\n'), out: result.stdout };
  }

  test('GIVEN every execution succeeds THEN it starts each pipeline as the runner role and exits 0', () => {
    const { code, calls } = run('Succeeded');
    expect(code).toBe(0);
    expect(calls).toEqual(
      expect.arrayContaining([
        `configure set profile.runner.role_arn arn:${PARTITION}:iam::222222222222:role/mlops-test-pipeline-runner`,
        'configure set profile.runner.credential_source EcsContainer',
        'sagemaker start-pipeline-execution --pipeline-name mlops-test-churn-training --pipeline-parameters Name=TriggerReason,Value=delivery-test --pipeline-execution-display-name delivery-42 --query PipelineExecutionArn --output text',
        'sagemaker start-pipeline-execution --pipeline-name mlops-test-fraud-training --pipeline-parameters Name=TriggerReason,Value=delivery-test --pipeline-execution-display-name delivery-42 --query PipelineExecutionArn --output text',
      ]),
    );
    expect(calls.filter((c) => c.startsWith('sagemaker describe-pipeline-execution'))).toHaveLength(2);
  });

  test.each(['Failed', 'Stopped'])(
    'GIVEN an execution ends %s THEN it lists the failed steps and exits 1',
    (status) => {
      const { code, calls } = run(status);
      expect(code).toBe(1);
      expect(calls.some((c) => c.startsWith('sagemaker list-pipeline-execution-steps'))).toBe(true);
    },
  );

  test('GIVEN the executions outlast the timeout THEN it stops them and exits 1', () => {
    const { code, calls, out } = run('Executing', 0);
    expect(code).toBe(1);
    expect(calls.filter((c) => c.startsWith('sagemaker stop-pipeline-execution'))).toHaveLength(2);
    expect(out).toContain('still Executing after 0 seconds; stopping it');
  });
});
