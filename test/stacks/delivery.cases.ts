import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { App, CfnWaitConditionHandle, Stack, Stage } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import * as iam from 'aws-cdk-lib/aws-iam';
import { type CloudAssembly, CloudFormationStackArtifact } from 'aws-cdk-lib/cx-api';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import type { Construct, IConstruct } from 'constructs';
import { buildPlatform } from '../../lib/app';
import {
  ConfigError,
  type ResolvedEnvironment,
  type ResolvedPlatformConfig,
  resolveConfig,
} from '../../lib/config/loader';
import type { PlatformConfigInput } from '../../lib/config/schema';
import type { PlatformEnvironment } from '../../lib/environment';
import { trainingPipelineName } from '../../lib/naming';
import {
  type DeliveryPlan,
  deliveryPlanProblems,
  type EnvironmentToDeliver,
  planDelivery,
} from '../../lib/stacks/delivery-plan';
import {
  DeliveryStack,
  type DeliveryStackProps,
  SYNTH_COMMANDS,
  sampleTrainingScript,
} from '../../lib/stacks/delivery-stack';
import { PipelineRunnerRole } from '../../lib/stacks/pipeline-runner-role';
import { churnModel, singleAccountConfig, threeEnvironmentConfig } from '../support/fixtures';
import {
  type CloudFormationResource,
  type CloudFormationTemplate,
  cdkJsonContext,
  REPO_ROOT,
  resourcesOfType,
  SKIP_BUILTIN_VALIDATION,
  synthPlatform,
  testApp,
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
    ...SKIP_BUILTIN_VALIDATION,
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
      TRIGGER_REASON: 'manual-delivery-test',
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
    expect(fromPipeline.size).toBe(18);
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
    const app = testApp();
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
        "invalid delivery stack 'Delivery':",
        '- connection.repository: expected "owner/name", got "mlops-platform"',
        `- connection.connectionArn: expected the ARN of a CodeConnections connection, got "arn:${PARTITION}:s3:::bucket"`,
        '- connection.branch: expected a branch name, got " "',
        '- sampleTraining.environment: "staging" is not deployed by the pipeline; expected one of dev, test, prod',
        '- sampleTraining.pipelineNames: expected at least one pipeline',
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
    const app = testApp({ '@aws-cdk/core:failSynthOnValidationErrors': false, 'aws:cdk:bundling-stacks': [] });
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
    const app = testApp({ '@aws-cdk/core:failSynthOnValidationErrors': false, 'aws:cdk:bundling-stacks': [] });
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

/** The reference fixture at stage 4 with a connection and `count` models, each a copy of churn under its own name. */
function manyModelsConfig(names: readonly string[]): ResolvedPlatformConfig {
  const input = threeEnvironmentConfig();
  const churn = churnModel();
  return resolveConfig(
    {
      ...input,
      maturity: 4,
      tooling: { ...(input.tooling ?? { account: '444444444444', region: 'eu-west-1' }), connection: CONNECTION },
      // batch-only copies: the layout depends on the number of stacks, not their contents, and a model without an
      // endpoint synthesizes in a fraction of the time
      models: names.map((name) => ({
        ...churn,
        name,
        serving: 'batch',
        training: { ...churn.training, package: 'churn' },
      })),
    } as PlatformConfigInput,
    {},
    'config',
    REPO_ROOT,
  );
}

const modelNames = (count: number) => Array.from({ length: count }, (_, i) => (i === 0 ? 'churn' : `churn${i + 1}`));

interface DeployedStack {
  readonly environment: string;
  readonly kind: string;
  readonly name: string;
  readonly dependencies: readonly string[];
}

/** The stages of a CfnPipeline's resolved properties, in the shape of its CloudFormation template. */
function stagesOf(resolved: unknown): PipelineStageJson[] {
  type Resolved = Array<{
    name: string;
    actions: Array<{
      name: string;
      actionTypeId: { category: string; provider: string };
      runOrder?: number;
      configuration?: Record<string, unknown>;
    }>;
  }>;
  return (resolved as Resolved).map((stage) => ({
    Name: stage.name,
    Actions: stage.actions.map((a) => ({
      Name: a.name,
      ActionTypeId: { Category: a.actionTypeId.category, Provider: a.actionTypeId.provider },
      RunOrder: a.runOrder ?? 1,
      Configuration: a.configuration,
    })),
  }));
}

interface PipelineStageJson {
  readonly Name: string;
  readonly Actions: PipelineAction[];
}

/**
 * The checks every delivery pipeline must pass, on the CodePipeline stages it synthesizes: at most 50 actions a
 * stage, each stack deployed once, after the stacks it depends on; approval before the environments that require
 * it; the training check after every stack of its environment.
 */
function expectDeliverable(stages: readonly PipelineStageJson[], stacks: readonly DeployedStack[]): void {
  for (const stage of stages)
    expect({ stage: stage.Name, actions: stage.Actions.length <= 50 }).toEqual({ stage: stage.Name, actions: true });
  const at = (mode: string) => {
    const found = new Map<string, Array<{ stage: number; runOrder: number }>>();
    stages.forEach((stage, index) => {
      for (const a of stage.Actions) {
        if (a.Configuration?.ActionMode !== mode) continue;
        const name = a.Configuration.StackName as string;
        found.set(name, [...(found.get(name) ?? []), { stage: index, runOrder: a.RunOrder }]);
      }
    });
    return found;
  };
  const prepared = at('CHANGE_SET_REPLACE');
  const executed = at('CHANGE_SET_EXECUTE');
  expect([...prepared.keys()].sort()).toEqual(stacks.map((s) => s.name).sort());
  const misplaced = stacks.flatMap((stack) => {
    const [first, again] = prepared.get(stack.name) ?? [];
    if (!first || again || executed.get(stack.name)?.length !== 1)
      return [`${stack.name} is not deployed exactly once`];
    return stack.dependencies.flatMap((dependency) => {
      const [done] = executed.get(dependency) ?? [];
      const before =
        done !== undefined &&
        (done.stage < first.stage || (done.stage === first.stage && done.runOrder < first.runOrder));
      return before ? [] : [`${stack.name} is deployed before ${dependency}`];
    });
  });
  expect(misplaced).toEqual([]);
  const position = (category: string, name: string) => {
    const index = stages.findIndex((s) =>
      s.Actions.some((a) => a.ActionTypeId.Category === category && a.Name === name),
    );
    const action = stages[index]?.Actions.find((a) => a.Name === name);
    return { stage: index, runOrder: action?.RunOrder ?? 0 };
  };
  const ofKind = (kind: string) => stacks.filter((s) => s.kind === kind).map((s) => s.name);
  const approval = position('Approval', 'PromoteToProd');
  expect(approval.stage).toBeGreaterThan(0);
  for (const name of ofKind('prod')) {
    const [first] = prepared.get(name) ?? [];
    expect(
      first && (first.stage > approval.stage || (first.stage === approval.stage && first.runOrder > approval.runOrder)),
    ).toBe(true);
  }
  const check = position('Build', 'TrainOnSampleData');
  expect(check.stage).toBeGreaterThan(0);
  for (const name of ofKind('test')) {
    const [done] = executed.get(name) ?? [];
    expect(done && (done.stage < check.stage || (done.stage === check.stage && done.runOrder < check.runOrder))).toBe(
      true,
    );
  }
}

describe('a pipeline with more stacks than one pipeline stage can deploy', () => {
  interface ManyModels {
    readonly config: ResolvedPlatformConfig;
    readonly stack: DeliveryStack;
    readonly stages: PipelineStageJson[];
  }
  let cached: ManyModels | undefined;
  /**
   * Twenty churn-like models (served in batch) at stage 4: 26 stacks (6 shared, one per model), 52 actions per
   * environment, more than one pipeline stage holds.
   * The pipeline's stages are read from the construct, and each environment's stacks from its Stage's own assembly
   * (made when the pipeline was built): synthesizing the whole app would run cdk-nag over all 78 stacks again.
   */
  const twentyModels = (): ManyModels => {
    if (cached) return cached;
    const config = manyModelsConfig(modelNames(20));
    // the layout is under test here, not the templates: the stage tests validate those
    const app = testApp({ '@aws-cdk/core:failSynthOnValidationErrors': false, 'aws:cdk:bundling-stacks': [] });
    buildPlatform(app, config);
    const stack = app.node.findChild('Delivery') as DeliveryStack;
    const pipeline = stack.pipeline.pipeline.node.defaultChild as codepipeline.CfnPipeline;
    cached = { config, stack, stages: stagesOf(stack.resolve(pipeline.stages)) };
    return cached;
  };

  /** Every stack of every environment the pipeline deploys, with the stacks it depends on, from the Stages' assemblies. */
  const deployedStacks = (): DeployedStack[] => {
    const { config, stack } = twentyModels();
    return config.allEnvironments.flatMap((environment) =>
      (stack.environmentStages.get(environment.name) as PlatformEnvironment).synth().stacks.map((artifact) => ({
        environment: environment.name,
        kind: environment.kind,
        name: artifact.stackName,
        dependencies: artifact.dependencies
          .filter((d): d is CloudFormationStackArtifact => d instanceof CloudFormationStackArtifact)
          .map((d) => d.stackName),
      })),
    );
  };

  test('GIVEN twenty churn-like models at stage 4 WHEN synthesized THEN each environment spans two pipeline stages: shared stacks and as many models as fit, then the rest', () => {
    // WHEN
    const { stages, stack } = twentyModels();

    // THEN
    expect(stages.map((s) => `${s.Name}:${s.Actions.length}`)).toEqual([
      'Source:1',
      'Build:1',
      'UpdatePipeline:1',
      'Assets:1',
      'Dev:50',
      'Dev-2:2',
      'Test:50',
      'Test-2:3',
      'Prod:49',
      'Prod-2:4',
    ]);
    // shared stacks with 19 models (18 in prod, behind its approval), then the rest
    expect(stack.plan.stages.map((s) => s.deployments.map((d) => d.stacks.length))).toEqual([
      [25],
      [1],
      [25],
      [1],
      [24],
      [2],
    ]);
  });

  test('GIVEN twenty churn-like models WHEN synthesized THEN every stack is deployed once, after its dependencies, prod after the approval and the check after test', () => {
    const { stages } = twentyModels();
    const stacks = deployedStacks();
    expectDeliverable(stages, stacks);
    // the check has teeth: the last model's stack in Dev-2 depend on shared stacks deployed in Dev
    const last = stacks.find((s) => s.name === 'mlops-dev-model-churn20');
    expect(last?.dependencies).toEqual(expect.arrayContaining(['mlops-dev-foundation', 'mlops-dev-registry']));
  });

  test('GIVEN twenty churn-like models WHEN synthesized THEN the pipeline deploys the templates of the Stages that cdk deploy deploys', () => {
    const { stages, config, stack } = twentyModels();
    for (const environment of config.allEnvironments) {
      const assembly = (stack.environmentStages.get(environment.name) as PlatformEnvironment).synth();
      for (const artifact of assembly.stacks) {
        const prepare = stages
          .flatMap((s) => s.Actions)
          .find(
            (a) =>
              a.Configuration?.ActionMode === 'CHANGE_SET_REPLACE' && a.Configuration.StackName === artifact.stackName,
          );
        expect(prepare?.Configuration?.TemplatePath).toBe(
          `Synth_Output::${path.basename(assembly.directory)}/${artifact.templateFile}`,
        );
      }
    }
  });

  /**
   * The environments of the twenty-model app with N models instead: the synthesized dependency graph, churn's stacks
   * copied for each model. Planning needs no synthesis, so 100 models cost milliseconds.
   */
  function environmentsWith(names: readonly string[]): EnvironmentToDeliver[] {
    const { stack } = twentyModels();
    return stack.environmentStages.size === 0
      ? []
      : [...stack.environmentStages.values()].map((stage) => {
          const environment = manyModelsEnvironment(stage.stageName);
          const churn = environment.stacks.filter((s) => s.model === 'churn');
          const shared = environment.stacks.filter((s) => s.model === undefined);
          const rename = (name: string, model: string) => name.replace(/-churn(?=-|$)/, `-${model}`);
          return {
            ...environment,
            stacks: [
              ...shared,
              ...names.flatMap((model) =>
                churn.map((s) => ({
                  name: rename(s.name, model),
                  model,
                  dependencies: s.dependencies.map((d) => rename(d, model)),
                })),
              ),
            ],
          };
        });
  }

  /** The planner's input for one environment of the twenty-model app, as the delivery stack builds it. */
  function manyModelsEnvironment(stageId: string): EnvironmentToDeliver {
    const { config, stack } = twentyModels();
    const environment = config.allEnvironments.find(
      (e) => e.stageId === stageId,
    ) as ResolvedPlatformConfig['allEnvironments'][number];
    const platformStage = stack.environmentStages.get(environment.name) as PlatformEnvironment;
    const modelOf = new Map<string, string>();
    for (const [model, s] of platformStage.models) modelOf.set(s.stackName, model);
    return {
      name: environment.name,
      kind: environment.kind,
      stacks: deployedStacks()
        .filter((s) => s.environment === environment.name)
        .map((s) => ({ name: s.name, dependencies: s.dependencies, model: modelOf.get(s.name) })),
      preActions: environment.settings.requireApproval ? 1 : 0,
      postActions: environment.kind === 'test' ? 1 : 0,
    };
  }

  /** The plan-level twin of expectDeliverable. */
  function expectPlanDeliverable(plan: DeliveryPlan, environments: readonly EnvironmentToDeliver[]): void {
    for (const stage of plan.stages) expect(stage.actions).toBeLessThanOrEqual(50);
    for (const environment of environments) {
      const placed = new Map<string, Array<{ stage: number; position: number }>>();
      plan.stages.forEach((stage, index) => {
        for (const part of stage.deployments.filter((d) => d.environment === environment.name)) {
          for (const [position, name] of part.stacks.entries()) {
            placed.set(name, [...(placed.get(name) ?? []), { stage: index, position }]);
          }
        }
      });
      expect([...placed.keys()].sort()).toEqual(environment.stacks.map((s) => s.name).sort());
      // each stack once, in an earlier pipeline stage than its dependencies or after them in the same deployment
      const misplaced = environment.stacks.flatMap((stack) => {
        const [at, again] = placed.get(stack.name) ?? [];
        if (!at || again) return [`${stack.name} is deployed ${placed.get(stack.name)?.length ?? 0} times`];
        return stack.dependencies.flatMap((dependency) => {
          const [before] = placed.get(dependency) ?? [];
          const ordered =
            before && (before.stage < at.stage || (before.stage === at.stage && before.position < at.position));
          return ordered ? [] : [`${stack.name} is deployed before ${dependency}`];
        });
      });
      expect(misplaced).toEqual([]);
      const parts = plan.stages.flatMap((stage, index) =>
        stage.deployments.filter((d) => d.environment === environment.name).map((d) => ({ ...d, index })),
      );
      // the approval runs in the environment's first part, before any of its stacks; the check in its last, after all
      expect(parts.filter((p) => p.first).map((p) => p.index)).toEqual([parts[0]?.index]);
      expect(parts.filter((p) => p.last).map((p) => p.index)).toEqual([parts[parts.length - 1]?.index]);
    }
    const kinds = plan.stages.map((s) => s.kind);
    expect(kinds).toEqual(
      [...kinds].sort((a, b) => ['dev', 'test', 'prod'].indexOf(a) - ['dev', 'test', 'prod'].indexOf(b)),
    );
  }

  test.each([
    [3, ['Dev:18', 'Test:19', 'Prod:19'], []],
    [20, ['Dev:50', 'Dev-2:2', 'Test:50', 'Test-2:3', 'Prod:49', 'Prod-2:4'], []],
    [
      100,
      expect.arrayContaining(['Dev:50', 'Dev-2:50', 'Dev-5:12', 'Test-5:13', 'Prod:49', 'Prod-5:14']),
      [
        /would have 642 actions \(638 to deploy the environments, 2 per stack\), above CodePipeline's 500 actions per pipeline; split the models/,
      ],
    ],
  ])(
    'GIVEN %i churn-like models at stage 4 WHEN the delivery is planned THEN each pipeline stage holds at most 50 actions, and only the per-pipeline quotas can refuse it',
    (count, layout, refusals) => {
      // GIVEN
      const environments = environmentsWith(modelNames(count));

      // WHEN
      const plan = planDelivery(environments);
      const problems = deliveryPlanProblems(plan, { stages: 4, actions: 4 });

      // THEN
      expect(plan.stages.map((s) => `${s.name}:${s.actions}`)).toEqual(layout);
      expectPlanDeliverable(plan, environments);
      expect(problems).toEqual(refusals.map((r) => expect.stringMatching(r)));
    },
  );

  test('GIVEN the twenty-model app WHEN planned from its synthesized graph THEN the plan is the one the delivery stack built', () => {
    expect(planDelivery(environmentsWith(modelNames(20)))).toEqual(twentyModels().stack.plan);
  });

  test('GIVEN environments of 90 stacks each WHEN the pipeline is built THEN synth refuses with every per-pipeline quota it passes, before CodePipeline would', () => {
    // GIVEN three environments of 90 small stacks: 540 change-set actions in 12 deploy stages
    const config = resolveConfig(stageThreeConfig());
    const app = testApp();
    const smallEnvironment = (scope: Construct, environment: ResolvedEnvironment) => {
      const stage = new Stage(scope, environment.stageId, {
        env: { account: environment.account, region: environment.region },
      });
      for (let i = 0; i < 90; i++) {
        new CfnWaitConditionHandle(
          new Stack(stage, `Stack${i}`, { stackName: `mlops-${environment.name}-${i}` }),
          'Handle',
        );
      }
      return Object.assign(stage, { models: new Map() }) as unknown as PlatformEnvironment;
    };

    // WHEN
    let error: unknown;
    try {
      new DeliveryStack(app, 'Delivery', { ...deliveryProps(config), environmentStage: smallEnvironment });
    } catch (thrown) {
      error = thrown;
    }

    // THEN
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).problems).toEqual([
      "tooling.connection: the delivery pipeline would have 545 actions (542 to deploy the environments, 2 per stack), above CodePipeline's 500 actions per pipeline; split the models across several platform configs (projects, one pipeline each), or remove tooling.connection and deploy with cdk deploy",
    ]);
  });

  test('GIVEN stacks named out of dependency order and a model that depends on another WHEN planned THEN each comes after what it depends on', () => {
    // GIVEN
    const environment: EnvironmentToDeliver = {
      name: 'dev',
      kind: 'dev',
      stacks: [
        { name: 'b-serving', model: 'b', dependencies: ['a-serving', 'registry'] },
        { name: 'a-monitoring', model: 'a', dependencies: ['a-serving'] },
        { name: 'a-serving', model: 'a', dependencies: ['registry'] },
        { name: 'registry', dependencies: ['foundation'] },
        { name: 'foundation', dependencies: [] },
      ],
    };

    // WHEN
    const plan = planDelivery([environment], { maxActionsPerStage: 4 });

    // THEN
    expect(plan.stages.map((s) => [s.name, s.deployments.flatMap((d) => d.stacks)])).toEqual([
      ['Dev', ['foundation', 'registry']],
      ['Dev-2', ['a-serving', 'a-monitoring']],
      ['Dev-3', ['b-serving']],
    ]);
    expectPlanDeliverable(plan, [environment]);
  });

  test('GIVEN two prod environments WHEN planned THEN both deploy in parallel in each pipeline stage, each behind its approval', () => {
    // GIVEN
    const prod = (name: string): EnvironmentToDeliver => ({
      name,
      kind: 'prod',
      preActions: 1,
      stacks: [
        { name: `${name}-foundation`, dependencies: [] },
        ...['a', 'b', 'c'].map((m) => ({ name: `${name}-${m}`, model: m, dependencies: [`${name}-foundation`] })),
      ],
    });

    // WHEN
    const plan = planDelivery([prod('prod-eu'), prod('prod-us')], { maxActionsPerStage: 8 });

    // THEN
    expect(
      plan.stages.map((s) => [
        s.name,
        s.actions,
        s.deployments.map((d) => `${d.environment}:${d.stacks.length}${d.first ? ':first' : ''}`),
      ]),
    ).toEqual([
      ['Prod', 8, ['prod-eu:2:first', 'prod-us:1:first']],
      ['Prod-2', 8, ['prod-eu:2', 'prod-us:2']],
      ['Prod-3', 2, ['prod-us:1']],
    ]);
    expectPlanDeliverable(plan, [prod('prod-eu'), prod('prod-us')]);
  });
});

describe('PipelineRunnerRole', () => {
  function runnerRole() {
    const app = testApp();
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
        TRIGGER_REASON: 'manual-delivery-test',
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
        'sagemaker start-pipeline-execution --pipeline-name mlops-test-churn-training --pipeline-parameters Name=TriggerReason,Value=manual-delivery-test --pipeline-execution-display-name delivery-42 --query PipelineExecutionArn --output text',
        'sagemaker start-pipeline-execution --pipeline-name mlops-test-fraud-training --pipeline-parameters Name=TriggerReason,Value=manual-delivery-test --pipeline-execution-display-name delivery-42 --query PipelineExecutionArn --output text',
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
