import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { ModelRollout, type ModelRolloutProps } from '../../lib/constructs/model-rollout';
import { constructTestContext, SKIP_BUILTIN_VALIDATION } from '../support/platform';

/** A model stack of `mlops-prod` with the rollout of churn; the key and topic come from a shared stack. */
function givenARollout(overrides: Partial<ModelRolloutProps> = {}, options: { bundle?: boolean } = {}) {
  const app = new App({
    ...SKIP_BUILTIN_VALIDATION,
    context: { ...constructTestContext(), ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const env = { account: '333333333333', region: 'eu-west-1' };
  const shared = new Stack(app, 'Shared', { env });
  const logsKey = new kms.Key(shared, 'LogsKey', { enableKeyRotation: true });
  const alertsTopic = new sns.Topic(shared, 'Alerts', { masterKey: logsKey, enforceSSL: true });
  const stack = new Stack(app, 'Model', { env, stackName: 'mlops-prod-model-churn' });
  const rollout = new ModelRollout(stack, 'Rollout', {
    project: 'mlops',
    environment: 'prod',
    modelName: 'churn',
    stateMachineName: 'mlops-prod-churn-rollout',
    functionName: 'mlops-prod-churn-rollout',
    roleName: 'mlops-prod-churn-rollout',
    approvedModelParameterName: '/mlops/prod/models/churn/approved-model-package-arn',
    modelPackageGroupName: 'mlops-prod-churn',
    stackName: 'mlops-prod-model-churn',
    endpointName: 'mlops-prod-churn',
    realtime: true,
    requireVerdict: true,
    requireBaselines: true,
    alertsTopic,
    logsKey,
    logRetention: logs.RetentionDays.ONE_YEAR,
    failedAlarmName: 'mlops-prod-churn-rollout-failed',
    ...overrides,
  });
  return { app, stack, rollout };
}

describe('ModelRollout', () => {
  const { app, stack } = givenARollout();
  const template = Template.fromStack(stack);

  test('GIVEN a model WHEN an approved version arrives THEN a rule with retries and a dead-letter queue starts the state machine', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: ['mlops-prod-churn'], ModelApprovalStatus: ['Approved'] },
      },
      Targets: [
        Match.objectLike({
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
          DeadLetterConfig: { Arn: Match.anyValue() },
          InputTransformer: Match.objectLike({
            InputTemplate: Match.stringLikeRegexp('"modelPackageArn":<detail-ModelPackageArn>'),
          }),
        }),
      ],
    });
  });

  test('THEN the state machine logs everything to a KMS log group, traces, and encrypts its data with the key', () => {
    template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
      StateMachineName: 'mlops-prod-churn-rollout',
      TracingConfiguration: { Enabled: true },
      LoggingConfiguration: Match.objectLike({ Level: 'ALL', IncludeExecutionData: true }),
      EncryptionConfiguration: Match.objectLike({ Type: 'CUSTOMER_MANAGED_KMS_KEY' }),
    });
    template.hasResourceProperties('AWS::Logs::LogGroup', {
      LogGroupName: '/aws/vendedlogs/states/mlops-prod-churn-rollout',
      KmsKeyId: Match.anyValue(),
    });
  });

  test('THEN the steps run in order, restore on a failed update or a silent rollback, and notify every outcome', () => {
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const definition = JSON.stringify(machine?.Properties?.DefinitionString);
    for (const state of ['Prepare', 'Claim', 'UpdateStack', 'Poll', 'Verify', 'Restore', 'AlertOnFailure']) {
      expect(definition).toContain(`\\"${state}\\"`);
    }
    expect(definition).toContain('Rollout Outcome');
    // a Choice on a path the function left out would fail the execution: every optional flag is guarded
    expect(definition).toContain('{\\"Variable\\":\\"$.state.alreadyApproved\\",\\"IsPresent\\":true}');
    expect(definition).toContain('mlops.platform');
  });

  test('THEN checks and the claim fail without a restore, and every failure after the claim restores first', () => {
    // GIVEN the definition, its tokens replaced
    const [machine] = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
    const join = machine?.Properties?.DefinitionString?.['Fn::Join'] as [string, unknown[]];
    const text = join[1].map((part) => (typeof part === 'string' ? part : 'TOKEN')).join(join[0]);
    const states = (JSON.parse(text) as { States: Record<string, { Next?: string; Catch?: Array<{ Next: string }> }> })
      .States;

    // THEN
    const caughtBy = (state: string) => states[state]?.Catch?.map((c) => c.Next);
    expect(caughtBy('Prepare')).toEqual(['PublishFailure']);
    expect(caughtBy('Claim')).toEqual(['PublishFailure']);
    for (const state of ['UpdateStack', 'Poll', 'Verify']) expect(caughtBy(state)).toEqual(['Restore']);
    expect(states.Restore?.Next).toBe('PublishFailure');
    expect(states.PublishFailure?.Next).toBe('AlertOnFailure');
    expect(states.AlertOnFailure?.Next).toBe('RolloutFailed');
    expect(states.Verify?.Next).toBe('PublishSuccess');
  });

  test('THEN the alarm on failed rollouts notifies the alerts topic', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'mlops-prod-churn-rollout-failed',
      MetricName: 'ExecutionsFailed',
      AlarmActions: [Match.anyValue()],
    });
  });

  test('THEN the rollout role writes only its own approved-version parameter', () => {
    template.hasResourceProperties('AWS::IAM::Role', { RoleName: 'mlops-prod-churn-rollout' });
    const policies = Object.values(template.findResources('AWS::IAM::ManagedPolicy'));
    const writes = policies.flatMap((p) =>
      (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[]; Resource: unknown }>).filter((s) =>
        [s.Action].flat().includes('ssm:PutParameter'),
      ),
    );
    expect(writes).toHaveLength(1);
    expect(JSON.stringify(writes[0]?.Resource)).toContain(
      ':parameter/mlops/prod/models/churn/approved-model-package-arn',
    );
  });

  test('THEN cdk-nag finds nothing unacknowledged', () => {
    app.synth();
    const violations = [new AwsSolutionsChecks(), new NIST80053R5Checks(), new ServerlessChecks()].flatMap((pack) =>
      pack
        .validateScope(stack)
        .violations.flatMap((v) => v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath}`)),
    );
    expect(violations).toEqual([]);
  });

  describe('GIVEN the rollout function bundled for real with the local esbuild', () => {
    // the only test that bundles this function: every other synthesis skips it
    const bundled = givenARollout({}, { bundle: true });
    const assembly = bundled.app.synth();

    test('THEN its bundle holds the binding and leaves the SDK to the runtime', () => {
      const fn = Object.values(Template.fromStack(bundled.stack).findResources('AWS::Lambda::Function'))[0];
      const s3Key = String(fn?.Properties?.Code?.S3Key).replace(/\.zip$/, '');
      const bundle = path.join(assembly.directory, `asset.${s3Key}`, 'index.js');
      expect(existsSync(bundle)).toBe(true);
      const text = readFileSync(bundle, 'utf8');
      expect(text).toContain('ConcurrentApproval');
      expect(text).not.toContain('@aws-sdk/client-ssm/dist-cjs');
    });
  });
});
