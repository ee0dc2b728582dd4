import type { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import type * as codepipeline from 'aws-cdk-lib/aws-codepipeline';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';
import { buildPlatform } from '../../lib/app';
import { ConfigError, type ResolvedPlatformConfig, resolveConfig } from '../../lib/config/loader';
import type { PlatformConfigInput } from '../../lib/config/schema';
import { CODEPIPELINE_QUOTAS } from '../../lib/service-quotas';
import type { DeliveryStack } from '../../lib/stacks/delivery-stack';
import { HANDOFF_SYNTH_COMMANDS } from '../../lib/stacks/delivery-stack';
import { churnModel, threeEnvironmentConfig } from '../support/fixtures';
import { REPO_ROOT, testApp } from '../support/platform';

// A portfolio past one pipeline's quotas: the delivery pipelines are chained, each handing the revision it has
// deployed over to the next. Real portfolios need about 80 models to get there (npm run check:scale -- 100); these
// cases lower the per-pipeline quota instead, which is what the layout depends on.

/** The partition of eu-west-1, the region of every account in the reference fixture. */
const PARTITION = 'aws';

const CONNECTION = {
  connectionArn: `arn:${PARTITION}:codeconnections:eu-west-1:444444444444:connection/0123abcd-0123-4567-89ab-0123456789ab`,
  repository: 'acme/mlops-platform',
  branch: 'main',
};

/** Two batch-only churn copies at stage 4 in the reference fixture: 8 stacks per environment, 16 actions. */
function twoModelConfig(): ResolvedPlatformConfig {
  const input = threeEnvironmentConfig();
  const churn = churnModel();
  return resolveConfig(
    {
      ...input,
      maturity: 4,
      tooling: { ...(input.tooling ?? { account: '444444444444', region: 'eu-west-1' }), connection: CONNECTION },
      models: ['churn', 'churn2'].map((name) => ({
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

function appOf(): App {
  // the pipelines' layout and policies are under test here; the stage tests validate the templates
  return testApp({ '@aws-cdk/core:failSynthOnValidationErrors': false, 'aws:cdk:bundling-stacks': [] });
}

interface Action {
  readonly name: string;
  readonly actionTypeId: { readonly category: string; readonly provider: string };
  readonly configuration?: Record<string, unknown>;
}
interface PipelineStage {
  readonly name: string;
  readonly actions: readonly Action[];
}

function stagesOf(stack: DeliveryStack): PipelineStage[] {
  const pipeline = stack.pipeline.pipeline.node.defaultChild as codepipeline.CfnPipeline;
  return stack.resolve(pipeline.stages) as PipelineStage[];
}

function nagViolations(scope: IConstruct): string[] {
  return [new AwsSolutionsChecks(), new NIST80053R5Checks(), new ServerlessChecks()].flatMap((pack) =>
    pack
      .validateScope(scope)
      .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)),
  );
}

/** One pipeline would need 59 actions: 48 to deploy, the approval, the check, and 9 of its own stages. */
const QUOTAS = { ...CODEPIPELINE_QUOTAS, actionsPerPipeline: 45 };

interface Chained {
  readonly app: App;
  readonly config: ResolvedPlatformConfig;
  readonly first: DeliveryStack;
  readonly prod: DeliveryStack;
}
let cached: Chained | undefined;
const chained = (): Chained => {
  if (cached) return cached;
  const config = twoModelConfig();
  const app = appOf();
  const { delivery } = buildPlatform(app, config, { quotas: QUOTAS });
  if (delivery.length !== 2) throw new Error(`expected two pipelines, got ${delivery.length}`);
  const [first, prod] = delivery as [DeliveryStack, DeliveryStack];
  // references between stacks become dependencies only when the app is prepared; later syntheses reuse this one
  app.synth();
  cached = { app, config, first, prod };
  return cached;
};

describe('GIVEN a portfolio past the actions one pipeline holds WHEN the platform is built', () => {
  test('THEN dev and test stay in Delivery, and prod moves to DeliveryProd, each pipeline within the quota', () => {
    // WHEN
    const { first, prod } = chained();

    // THEN
    expect([first.node.id, first.stackName, first.pipelineName]).toEqual([
      'Delivery',
      'mlops-delivery',
      'mlops-delivery',
    ]);
    expect([prod.node.id, prod.stackName, prod.pipelineName]).toEqual([
      'DeliveryProd',
      'mlops-delivery-prod',
      'mlops-delivery-prod',
    ]);
    expect([...first.environmentStages.keys()]).toEqual(['dev', 'test']);
    expect([...prod.environmentStages.keys()]).toEqual(['prod']);
    for (const stack of [first, prod]) {
      const stages = stagesOf(stack);
      const actions = stages.reduce((sum, s) => sum + s.actions.length, 0);
      expect(actions).toBeLessThanOrEqual(QUOTAS.actionsPerPipeline);
      for (const stage of stages) expect(stage.actions.length).toBeLessThanOrEqual(QUOTAS.actionsPerStage);
    }
  });

  test('THEN every stack of every environment is deployed exactly once, through a reviewed change set', () => {
    const { first, prod, config } = chained();
    const deployed = (stack: DeliveryStack, mode: string) =>
      stagesOf(stack).flatMap((s) =>
        s.actions.filter((a) => a.configuration?.ActionMode === mode).map((a) => String(a.configuration?.StackName)),
      );
    const all = [first, prod];
    const prepared = all.flatMap((s) => deployed(s, 'CHANGE_SET_REPLACE'));
    const executed = all.flatMap((s) => deployed(s, 'CHANGE_SET_EXECUTE'));
    const expected = config.allEnvironments.flatMap((e) =>
      (all.find((s) => s.environmentStages.has(e.name)) as DeliveryStack).environmentStages
        .get(e.name)
        ?.synth()
        .stacks.map((artifact) => artifact.stackName),
    );
    expect(expected).toHaveLength(24);
    expect(prepared.sort()).toEqual([...expected].sort());
    expect(executed.sort()).toEqual([...expected].sort());
    // prod still waits for a person, before its first change set
    const [prodStage] = stagesOf(prod).filter((s) => s.name === 'Prod');
    expect(prodStage?.actions[0]?.actionTypeId.category).toBe('Approval');
  });

  test('THEN Delivery ends by copying its source revision, unchanged, to the hand-off bucket of DeliveryProd', () => {
    const { first } = chained();
    const stages = stagesOf(first);
    const last = stages[stages.length - 1] as PipelineStage;
    const handoff = last.actions[last.actions.length - 1] as Action;
    expect(handoff.name).toBe('HandOff');
    expect(handoff.actionTypeId).toEqual(expect.objectContaining({ category: 'Deploy', provider: 'S3' }));
    expect(handoff.configuration).toEqual({
      BucketName: 'mlops-delivery-prod-444444444444-eu-west-1',
      Extract: 'false',
      ObjectKey: 'handoff/source.zip',
    });
    // the revision is the source artifact, the one the Build stage tested
    const source = stages[0]?.actions[0] as Action & { outputArtifacts?: Array<{ name: string }> };
    const input = (handoff as Action & { inputArtifacts?: Array<{ name: string }> }).inputArtifacts;
    expect(input).toEqual(source.outputArtifacts);
  });

  test('THEN the hand-off role may write only the hand-off bucket, and encrypt only with the next pipeline key, through S3', () => {
    const { first } = chained();
    const template = Template.fromStack(first);
    const policies = template.findResources('AWS::IAM::ManagedPolicy', {
      Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^HandoffRole') }] },
    });
    const statements = Object.values(policies).flatMap(
      (p) => p.Properties.PolicyDocument.Statement as Array<Record<string, unknown>>,
    );
    const writes = statements.filter((s) => [s.Action].flat().includes('s3:PutObject'));
    expect(writes.map((s) => s.Resource)).toEqual([
      [
        `arn:${PARTITION}:s3:::mlops-delivery-prod-444444444444-eu-west-1`,
        `arn:${PARTITION}:s3:::mlops-delivery-prod-444444444444-eu-west-1/*`,
      ],
    ]);
    const encrypt = statements.find((s) => s.Sid === 'EncryptHandoffWithTheKeyOfTheNextPipeline');
    expect(encrypt?.Condition).toEqual({
      'ForAnyValue:StringEquals': { 'kms:ResourceAliases': 'alias/mlops-delivery-prod-artifacts' },
      StringEquals: { 'kms:ViaService': 's3.eu-west-1.amazonaws.com' },
    });
  });

  test('THEN DeliveryProd starts from the hand-off object, through EventBridge, and only synthesizes it again', () => {
    const { prod } = chained();
    const template = Template.fromStack(prod);
    const [source] = stagesOf(prod);
    expect(source?.actions[0]).toEqual(
      expect.objectContaining({
        name: 'Handoff',
        actionTypeId: expect.objectContaining({ category: 'Source', provider: 'S3' }),
        configuration: expect.objectContaining({ S3ObjectKey: 'handoff/source.zip', PollForSourceChanges: false }),
      }),
    );
    template.hasResourceProperties('AWS::S3::Bucket', {
      BucketName: 'mlops-delivery-prod-444444444444-eu-west-1',
      NotificationConfiguration: { EventBridgeConfiguration: { EventBridgeEnabled: true } },
      VersioningConfiguration: { Status: 'Enabled' },
      BucketEncryption: {
        ServerSideEncryptionConfiguration: [
          Match.objectLike({ ServerSideEncryptionByDefault: Match.objectLike({ SSEAlgorithm: 'aws:kms' }) }),
        ],
      },
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.s3'],
        'detail-type': ['Object Created'],
        detail: { bucket: { name: [Match.anyValue()] }, object: { key: ['handoff/source.zip'] } },
      },
      Targets: [Match.objectLike({ Arn: Match.anyValue() })],
    });
    template.hasResourceProperties('AWS::KMS::Alias', { AliasName: 'alias/mlops-delivery-prod-artifacts' });
    const build = JSON.stringify(template.findResources('AWS::CodeBuild::Project'));
    for (const command of HANDOFF_SYNTH_COMMANDS) expect(build).toContain(command);
    expect(build).not.toContain('npm test');
  });

  test('THEN the two stacks do not reference each other, so each pipeline updates only its own stack', () => {
    // a reference between stacks (an export, a weak reference's parameter) is also a dependency between them
    const { first, prod } = chained();
    expect(first.dependencies).not.toContain(prod);
    expect(prod.dependencies).not.toContain(first);
  });

  test('THEN AwsSolutions, NIST 800-53 R5 and Serverless report no unacknowledged finding on either pipeline', () => {
    const { first, prod } = chained();
    expect(nagViolations(first)).toEqual([]);
    expect(nagViolations(prod)).toEqual([]);
  });
});

describe('GIVEN a portfolio that even one pipeline per environment kind cannot deliver', () => {
  test('WHEN the platform is built THEN synth refuses, naming each pipeline, the count and the quota', () => {
    // GIVEN a quota below what one environment alone needs
    const config = twoModelConfig();

    // WHEN
    let error: unknown;
    try {
      buildPlatform(appOf(), config, { quotas: { ...CODEPIPELINE_QUOTAS, actionsPerPipeline: 18 } });
    } catch (thrown) {
      error = thrown;
    }

    // THEN
    expect(error).toBeInstanceOf(ConfigError);
    const problems = (error as ConfigError).problems;
    expect(problems).toEqual([
      expect.stringMatching(
        /^tooling\.connection: the dev pipeline would have 2\d actions .* above CodePipeline's 18 actions per pipeline; even with one pipeline per environment kind; split the models/,
      ),
      expect.stringMatching(/^tooling\.connection: the test pipeline would have 2\d actions/),
      expect.stringMatching(/^tooling\.connection: the prod pipeline would have 2\d actions/),
    ]);
  });
});
