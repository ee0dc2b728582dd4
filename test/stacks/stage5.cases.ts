import { capturedTrafficOf } from '../../lib/stacks/model/promotion';
import { APPROVAL_GUARD_SID } from '../../lib/stacks/registry-stack';
import { threeEnvironmentConfig } from '../support/fixtures';
import {
  type CloudFormationResource,
  type CloudFormationTemplate,
  modelPart,
  resolveFixture,
  resourcesOfType,
  synthAtStage,
} from '../support/platform';

// Issue 13: stage 5 continuous deployment. The cases share the stage 4 and 5 syntheses of test/platform.test.ts.

const ENVIRONMENTS = ['Dev', 'Test', 'Prod'] as const;
const PARTITION = 'aws';
const platform = () => synthAtStage(5);
const modelStack = (env: string) => platform().templateJson(`${env}/Model-churn`);

interface Step {
  readonly Name: string;
  // biome-ignore lint/suspicious/noExplicitAny: rendered JSON is read by path
  readonly Arguments: any;
}

/** The rendered pipeline definition of a model's stack, tokens left as they are. */
function pipelineSteps(template: CloudFormationTemplate): Step[] {
  const [pipeline] = Object.values(resourcesOfType(template, 'AWS::SageMaker::Pipeline'));
  const definition = pipeline?.Properties?.PipelineDefinition as { PipelineDefinitionBody: unknown } | undefined;
  const body = definition?.PipelineDefinitionBody;
  const text =
    typeof body === 'string'
      ? body
      : ((body as { 'Fn::Join': [string, unknown[]] })['Fn::Join'][1]
          .map((part) => (typeof part === 'string' ? part : 'TOKEN'))
          .join('') as string);
  return (JSON.parse(text) as { Steps: Step[] }).Steps;
}

function statements(resource: CloudFormationResource | undefined): Array<Record<string, unknown>> {
  const document = resource?.Properties?.PolicyDocument as { Statement: Array<Record<string, unknown>> } | undefined;
  return document?.Statement ?? [];
}

describe('stage 5 champion/challenger gate', () => {
  test.each(ENVIRONMENTS)('%s: the training pipeline judges each registered version with the gate role', (env) => {
    // WHEN
    const steps = pipelineSteps(modelStack(env));

    // THEN the gate runs right after registration, in the same branch
    const ifSteps = (steps.find((s) => s.Name === 'CheckMetric')?.Arguments.IfSteps ?? []) as Step[];
    expect(ifSteps.map((s) => s.Name)).toEqual(['RegisterModel', 'ChampionChallenger']);
    const gate = ifSteps[1];
    expect(gate?.Arguments.AppSpecification.ContainerArguments).toEqual(
      expect.arrayContaining(['--package-arn', { Get: 'Steps.RegisterModel.ModelPackageArn' }]),
    );
    // the verdict names the execution that produced the version: the retraining loop joins it on that
    const args = gate?.Arguments.AppSpecification.ContainerArguments as unknown[];
    expect(args[args.indexOf('--pipeline-execution-arn') + 1]).toEqual({ Get: 'Execution.PipelineExecutionArn' });
    expect(gate?.Arguments.Environment).toMatchObject({
      PROMOTION_METRIC: 'auc',
      PROMOTION_MODE: 'enabled',
      PROMOTION_MANUAL_APPROVAL: String(env === 'Prod'),
      PROMOTION_CHAMPION_PARAMETER: `/mlops/${env.toLowerCase()}/models/churn/approved-model-package-arn`,
    });
  });

  test('the gate role may judge only its own model, and publish only platform events', () => {
    // WHEN
    const part = modelPart(modelStack('Prod'), 'Promotion');
    const [role] = Object.values(resourcesOfType(part, 'AWS::IAM::Role'));
    const policy = Object.values(resourcesOfType(part, 'AWS::IAM::ManagedPolicy'))[0];

    // THEN
    expect(role?.Properties?.RoleName).toBe('mlops-prod-churn-gate');
    const bySid = Object.fromEntries(statements(policy).map((s) => [s.Sid, s]));
    expect(bySid.JudgeVersionsOfThisModel?.Resource).toBe(
      `arn:${PARTITION}:sagemaker:eu-west-1:333333333333:model-package/mlops-prod-churn/*`,
    );
    expect(bySid.PublishTheVerdict?.Condition).toEqual({ StringEquals: { 'events:source': 'mlops.platform' } });
  });

  test.each(ENVIRONMENTS)(
    '%s: the group policy denies approval changes to all but the gate and the ModelApprover',
    (env) => {
      // WHEN
      const groups = Object.values(
        resourcesOfType(platform().templateJson(`${env}/Registry`), 'AWS::SageMaker::ModelPackageGroup'),
      );

      // THEN
      const e = env.toLowerCase();
      const account = { Dev: '111111111111', Test: '222222222222', Prod: '333333333333' }[env];
      const [group] = groups;
      const policy = group?.Properties?.ModelPackageGroupPolicy as
        | { Statement: Array<Record<string, unknown>> }
        | undefined;
      const guard = policy?.Statement[0];
      expect(guard).toMatchObject({ Sid: APPROVAL_GUARD_SID, Effect: 'Deny', Principal: '*' });
      expect(guard?.Action).toBe('sagemaker:UpdateModelPackage');
      expect(JSON.stringify(guard?.Resource)).toContain(`:model-package/mlops-${e}-churn/*`);
      const condition = guard?.Condition as { ArnNotEquals: { 'aws:PrincipalArn': unknown[] } } | undefined;
      const allowed = condition?.ArnNotEquals['aws:PrincipalArn'];
      expect(allowed).toEqual([
        `arn:${PARTITION}:iam::${account}:role/mlops-${e}-churn-gate`,
        `arn:${PARTITION}:iam::${account}:role/mlops-${e}-model-approver`,
      ]);
    },
  );

  test.each(ENVIRONMENTS)('%s: the gate also reads the latest labelled window of the captured traffic', (env) => {
    // WHEN
    const gate = pipelineSteps(modelStack(env))
      .find((s) => s.Name === 'CheckMetric')
      ?.Arguments.IfSteps.find((s: Step) => s.Name === 'ChampionChallenger') as Step | undefined;

    // THEN the window's place, length and label delay travel as PROMOTION_* variables
    const environment = gate?.Arguments.Environment as Record<string, string>;
    expect(environment.PROMOTION_CAPTURE_URI).toMatch(/^s3:\/\/.+\/data-capture\/churn\/$/);
    expect(environment.PROMOTION_GROUND_TRUTH_URI).toMatch(/^s3:\/\/.+\/ground-truth\/churn\/$/);
    expect(environment).toMatchObject({ PROMOTION_WINDOW_HOURS: '24', PROMOTION_GROUND_TRUTH_DELAY_HOURS: '24' });
    // and the challenger is scored on it through the pipeline's candidate model
    expect(gate?.Arguments.AppSpecification.ContainerArguments).toEqual(
      expect.arrayContaining([
        '--challenger-model',
        { Get: 'Steps.CreateCandidateModel.ModelName' },
        '--window-output',
      ]),
    );
  });

  test('the gate role reads exactly the capture and ground-truth prefixes, and decrypts them', () => {
    // WHEN
    const part = modelPart(modelStack('Prod'), 'Promotion');
    const policy = Object.values(resourcesOfType(part, 'AWS::IAM::ManagedPolicy'))[0];
    const all = statements(policy);
    const bySid = Object.fromEntries(all.map((s) => [s.Sid, s]));

    // THEN
    const read = JSON.stringify(bySid.ReadTheCapturedTrafficAndItsLabels?.Resource);
    expect(read).toContain('/data-capture/churn/*');
    expect(read).toContain('/ground-truth/churn/*');
    expect(bySid.ReadTheCapturedTrafficAndItsLabels?.Action).toBe('s3:GetObject');
    expect(bySid.ListTheCapturedTrafficAndItsLabels?.Condition).toEqual({
      StringLike: { 's3:prefix': ['data-capture/churn/*', 'ground-truth/churn/*'] },
    });
    // the joined rows are written beside the capture, not under the write-once pipelines/ prefix of the artifacts
    expect(JSON.stringify(bySid.WriteTheCapturedWindowBesideTheCapture?.Resource)).toContain(
      '/data-capture/churn/promotion-windows/*',
    );
    expect(bySid.UseTheDataKeyForTheCapturedWindow?.Action).toEqual(['kms:Decrypt', 'kms:GenerateDataKey']);
    expect(all.filter((s) => JSON.stringify(s.Resource).includes('pipelines/') && s.Action === 's3:PutObject')).toEqual(
      [],
    );
  });

  test('only a monitored real-time endpoint that captures its requests has a captured window', () => {
    // GIVEN
    const prod = resolveFixture(threeEnvironmentConfig()).environments.find((e) => e.name === 'prod');
    const model = prod?.models.find((m) => m.name === 'churn');
    if (!model) throw new Error('the fixture has the churn model in prod');

    // THEN
    expect(capturedTrafficOf(model, true, true)).toEqual({
      capture: 'data-capture/churn/',
      groundTruth: 'ground-truth/churn/',
      windows: 'data-capture/churn/promotion-windows/',
    });
    expect(capturedTrafficOf(model, true, false)).toBeUndefined();
    expect(capturedTrafficOf(model, false, true)).toBeUndefined();
    expect(capturedTrafficOf({ ...model, dataCapturePercent: 0 }, true, true)).toBeUndefined();
    expect(
      capturedTrafficOf(
        { ...model, serving: { kind: 'serverless', memorySizeInMb: 2048, maxConcurrency: 5 } },
        true,
        true,
      ),
    ).toBeUndefined();
  });

  test('stage 4 has no gate: the group policy and the gate step come with continuous deployment', () => {
    // WHEN
    const stage4 = synthAtStage(4);

    // THEN
    const groups = Object.values(
      resourcesOfType(stage4.templateJson('Prod/Registry'), 'AWS::SageMaker::ModelPackageGroup'),
    );
    expect(groups[0]?.Properties?.ModelPackageGroupPolicy).toBeUndefined();
    expect(
      pipelineSteps(stage4.templateJson('Prod/Model-churn')).find((s) => s.Name === 'CheckMetric')?.Arguments.IfSteps,
    ).toHaveLength(1);
  });
});

describe('stage 5 rollout', () => {
  test.each(ENVIRONMENTS)('%s: the served model has the approval rule with retries and a dead-letter queue', (env) => {
    // WHEN
    const rules = Object.values(resourcesOfType(modelPart(modelStack(env), 'Rollout'), 'AWS::Events::Rule'));

    // THEN
    expect(rules).toHaveLength(1);
    const targets = rules[0]?.Properties?.Targets as Array<Record<string, unknown>> | undefined;
    const target = targets?.[0];
    expect(target?.RetryPolicy).toEqual({ MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 });
    expect(target?.DeadLetterConfig).toBeDefined();
    expect(rules[0]?.Properties?.EventPattern).toMatchObject({
      detail: { ModelPackageGroupName: [`mlops-${env.toLowerCase()}-churn`], ModelApprovalStatus: ['Approved'] },
    });
  });

  test.each(ENVIRONMENTS)('%s: the rollout state machine logs, traces and encrypts', (env) => {
    // WHEN
    const [machine] = Object.values(
      resourcesOfType(modelPart(modelStack(env), 'Rollout'), 'AWS::StepFunctions::StateMachine'),
    );

    // THEN
    expect(machine?.Properties).toMatchObject({
      StateMachineName: `mlops-${env.toLowerCase()}-churn-rollout`,
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: { Level: 'ALL', IncludeExecutionData: true },
      EncryptionConfiguration: { Type: 'CUSTOMER_MANAGED_KMS_KEY' },
    });
  });

  test('prod rolls out canary with alarm auto-rollback, test blue/green', () => {
    // WHEN
    const endpoint = (env: string) =>
      Object.values(resourcesOfType(modelStack(env), 'AWS::SageMaker::Endpoint'))[0]?.Properties?.DeploymentConfig as
        | Record<string, { TrafficRoutingConfiguration?: { Type: string }; Alarms?: unknown[] }>
        | undefined;

    // THEN
    expect(endpoint('Prod')?.BlueGreenUpdatePolicy?.TrafficRoutingConfiguration?.Type).toBe('CANARY');
    expect(endpoint('Prod')?.AutoRollbackConfiguration?.Alarms?.length).toBeGreaterThan(0);
    expect(endpoint('Test')?.BlueGreenUpdatePolicy?.TrafficRoutingConfiguration?.Type).toBe('ALL_AT_ONCE');
  });

  test.each(ENVIRONMENTS)(
    '%s: only the rollout role and the break-glass role may write the approved-version parameter',
    (env) => {
      // GIVEN every IAM policy of every stack of the environment
      const writers: string[] = [];
      for (const stackPath of platform().stackPaths.filter((p) => p.startsWith(`${env}/`))) {
        const template = platform().templateJson(stackPath);
        const policies = {
          ...resourcesOfType(template, 'AWS::IAM::ManagedPolicy'),
          ...resourcesOfType(template, 'AWS::IAM::Policy'),
        };
        for (const [id, policy] of Object.entries(policies)) {
          const writes = statements(policy).some((s) => {
            if (s.Effect === 'Deny') return false;
            const actions = [s.Action].flat() as string[];
            return actions.some((a) => a === '*' || a === 'ssm:*' || a === 'ssm:PutParameter' || a === 'ssm:Put*');
          });
          if (!writes) continue;
          const roles = [policy.Properties?.Roles].flat().filter((r) => r !== undefined);
          const roleNames = roles.map((r) => {
            const ref = (r as { Ref?: string }).Ref;
            const role = ref ? template.Resources[ref] : undefined;
            return String(role?.Properties?.RoleName ?? `${stackPath}:${id}`);
          });
          writers.push(...roleNames);
        }
      }

      // THEN
      const e = env.toLowerCase();
      expect(writers.sort()).toEqual([`mlops-${e}-break-glass`, `mlops-${e}-churn-rollout`]);
    },
  );

  test('the break-glass role needs MFA and an ML engineer, and starts rollouts', () => {
    // WHEN
    const roles = resourcesOfType(platform().templateJson('Prod/Registry'), 'AWS::IAM::Role');
    const role = Object.values(roles).find((r) => r.Properties?.RoleName === 'mlops-prod-break-glass');

    // THEN
    const trust = JSON.stringify(role?.Properties?.AssumeRolePolicyDocument);
    expect(trust).toContain('"aws:MultiFactorAuthPresent":"true"');
    expect(trust).toContain('role/mlops-prod-ml-engineer');
  });
});
