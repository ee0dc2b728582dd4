import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { App, Duration, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { PlatformFunction, type PlatformFunctionProps } from '../../lib/constructs/platform-function';
import { cdkJsonContext, REPO_ROOT, SKIP_BUILTIN_VALIDATION } from '../support/platform';

const ENTRY = path.join(REPO_ROOT, 'lambda', 'retraining-trigger', 'handler.ts');

/** A stack holding only the function; the logs key and the alerts topic come from a shared stack. */
function givenAStack(options: { bundle?: boolean } = {}) {
  const app = new App({
    ...SKIP_BUILTIN_VALIDATION,
    context: { ...cdkJsonContext(), ...(options.bundle ? {} : { 'aws:cdk:bundling-stacks': [] }) },
  });
  const shared = new Stack(app, 'Shared');
  const logsKey = new kms.Key(shared, 'LogsKey', { enableKeyRotation: true });
  const topic = new sns.Topic(shared, 'Alerts', { masterKey: logsKey, enforceSSL: true });
  const stack = new Stack(app, 'Functions');
  const props = (overrides: Partial<PlatformFunctionProps> = {}): PlatformFunctionProps => ({
    entry: ENTRY,
    description: 'Retraining trigger of churn',
    timeout: Duration.seconds(30),
    memorySize: 256,
    reservedConcurrentExecutions: 1,
    environment: { MODEL_NAME: 'churn' },
    logsKey,
    logRetention: logs.RetentionDays.ONE_YEAR,
    alarmTopic: topic,
    outsideVpcReason: 'it calls only AWS APIs that IAM scopes; the VPC has no endpoint for them',
    ...overrides,
  });
  return { app, stack, props };
}

/** A value read from the shared stack. */
function shared(logicalIdPrefix: string, attribute?: string) {
  const output = attribute ? `FnGetAtt${logicalIdPrefix}\\w*${attribute}` : `Ref${logicalIdPrefix}`;
  return { 'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp(`^PublishOutput${output}`) }) };
}

const ref = (prefix: string) => ({ Ref: Match.stringLikeRegexp(`^${prefix}`) });
const arnOf = (prefix: string) => ({ 'Fn::GetAtt': [Match.stringLikeRegexp(`^${prefix}`), 'Arn'] });

function violationsOf(app: App, stack: Stack): string[] {
  app.synth();
  return [new AwsSolutionsChecks(), new NIST80053R5Checks(), new ServerlessChecks()].flatMap((pack) =>
    pack
      .validateScope(stack)
      .violations.flatMap((v) =>
        v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath ?? r.resourceLogicalId}`),
      ),
  );
}

describe('PlatformFunction', () => {
  describe('GIVEN a platform function with 30 s, 256 MB and a reserved concurrency of 1', () => {
    const { app, stack, props } = givenAStack();
    const fn = new PlatformFunction(stack, 'Trigger', props());
    const template = Template.fromStack(stack);

    test('THEN it runs Node.js 22 on ARM64 with the timeout, memory, reserved concurrency and active tracing', () => {
      template.resourceCountIs('AWS::Lambda::Function', 1);
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        Timeout: 30,
        MemorySize: 256,
        ReservedConcurrentExecutions: 1,
        TracingConfig: { Mode: 'Active' },
        Description: 'Retraining trigger of churn',
        Environment: { Variables: { NODE_OPTIONS: '--enable-source-maps', MODEL_NAME: 'churn' } },
        Role: arnOf('TriggerRole'),
      });
    });

    test('THEN it logs JSON into its own KMS-encrypted log group with retention', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        LoggingConfig: { LogFormat: 'JSON', ApplicationLogLevel: 'INFO', LogGroup: ref('TriggerLogs') },
      });
      template.hasResource('AWS::Logs::LogGroup', {
        Properties: { KmsKeyId: shared('LogsKey', 'Arn'), RetentionInDays: 365 },
        DeletionPolicy: 'Retain',
      });
    });

    test('THEN a failed asynchronous invocation is retried twice, then its event and record go to the dead-letter queue', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        DeadLetterConfig: { TargetArn: arnOf('TriggerDeadLettersQueue') },
      });
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        FunctionName: ref('Trigger'),
        Qualifier: '$LATEST',
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 6 * 3600,
        DestinationConfig: { OnFailure: { Destination: arnOf('TriggerDeadLettersQueue') } },
      });
      template.hasResourceProperties('AWS::SQS::Queue', { KmsMasterKeyId: shared('LogsKey', 'Arn') });
    });

    test('THEN its role holds every permission in one managed policy: its log group, X-Ray, the dead-letter queue', () => {
      template.resourceCountIs('AWS::IAM::Policy', 0);
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'lambda.amazonaws.com' } })],
        },
        ManagedPolicyArns: Match.absent(),
      });
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        Roles: [ref('TriggerRole')],
        PolicyDocument: {
          Statement: [
            { Effect: 'Allow', Action: ['logs:CreateLogStream', 'logs:PutLogEvents'], Resource: arnOf('TriggerLogs') },
            { Effect: 'Allow', Action: ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'], Resource: '*' },
            {
              // the environment variables are encrypted with the logs key (issue 12, finding 8)
              Sid: 'DecryptEnvironment',
              Effect: 'Allow',
              Action: 'kms:Decrypt',
              Resource: shared('LogsKey', 'Arn'),
              Condition: { StringEquals: { 'kms:ViaService': Match.anyValue() } },
            },
            {
              Effect: 'Allow',
              Action: ['sqs:GetQueueAttributes', 'sqs:GetQueueUrl', 'sqs:SendMessage'],
              Resource: arnOf('TriggerDeadLettersQueue'),
            },
            {
              Effect: 'Allow',
              Action: ['kms:Decrypt', 'kms:Encrypt', 'kms:GenerateDataKey*', 'kms:ReEncrypt*'],
              Resource: shared('LogsKey', 'Arn'),
            },
          ],
        },
      });
    });

    test('THEN the function is created after its policy, which Lambda checks for the dead-letter queue', () => {
      const [policyId] = Object.keys(template.findResources('AWS::IAM::ManagedPolicy'));
      template.hasResource('AWS::Lambda::Function', { DependsOn: Match.arrayWith([policyId]) });
    });

    test('THEN errors, sustained throttling and dead letters alarm to SNS', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Errors',
        Dimensions: [{ Name: 'FunctionName', Value: ref('Trigger') }],
        Statistic: 'Sum',
        Period: 300,
        Threshold: 0,
        EvaluationPeriods: 1,
        ComparisonOperator: 'GreaterThanThreshold',
        AlarmActions: [shared('Alerts')],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/Lambda',
        MetricName: 'Throttles',
        EvaluationPeriods: 3,
        DatapointsToAlarm: 3,
        AlarmActions: [shared('Alerts')],
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^TriggerDeadLettersQueue'), 'QueueName'] },
          },
        ],
        AlarmActions: [shared('Alerts')],
      });
    });

    test('THEN the public API exposes the function, role, queue and metrics', () => {
      expect(fn.function.functionArn).toBeDefined();
      expect(fn.role.policy).toBeDefined();
      expect(fn.deadLetterQueue.queue.queueArn).toBeDefined();
      expect(stack.resolve(fn.metricErrors().dimensions)).toEqual({
        FunctionName: { Ref: expect.stringMatching(/^Trigger/) },
      });
      expect(fn.metricErrors().metricName).toBe('Errors');
      expect(fn.metricThrottles().metricName).toBe('Throttles');
      expect(fn.metricThrottles().statistic).toBe('Sum');
    });

    test('THEN cdk-nag AwsSolutions, NIST 800-53 rev 5 and Serverless find nothing', () => {
      expect(violationsOf(app, stack)).toEqual([]);
    });
  });

  describe('GIVEN overridden retries, event age, log level and removal policy', () => {
    test('THEN the async invocation config and the log group follow them', () => {
      const { stack, props } = givenAStack();

      new PlatformFunction(
        stack,
        'Fn',
        props({ retryAttempts: 0, maxEventAge: Duration.minutes(5), removalPolicy: RemovalPolicy.DESTROY }),
      );

      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        MaximumRetryAttempts: 0,
        MaximumEventAgeInSeconds: 300,
      });
      template.hasResource('AWS::Logs::LogGroup', { DeletionPolicy: 'Delete' });
    });
  });

  test('GIVEN impossible limits THEN it refuses them all at once, quoting each value', () => {
    const { stack, props } = givenAStack();

    expect(
      () =>
        new PlatformFunction(
          stack,
          'Bad',
          props({
            timeout: Duration.minutes(16),
            memorySize: 64,
            reservedConcurrentExecutions: 0,
            retryAttempts: 3,
            maxEventAge: Duration.hours(7),
          }),
        ),
    ).toThrow(
      [
        "invalid platform function 'Functions/Bad':",
        '- timeout must be between 1 second and 15 minutes, got 16 minutes',
        '- memorySize must be a whole number of MB from 128 to 10240, got 64',
        '- reservedConcurrentExecutions must be a whole number of at least 1, got 0',
        '- retryAttempts must be 0, 1 or 2, got 3',
        '- maxEventAge must be between 1 minute and 6 hours, got 7 hours',
      ].join('\n'),
    );
  });

  describe('GIVEN the retraining-trigger function bundled for real with the local esbuild', () => {
    // the only test that bundles: every other synthesis skips it
    const { app, stack, props } = givenAStack({ bundle: true });
    new PlatformFunction(stack, 'Trigger', props());
    const assembly = app.synth();
    const code = Template.fromStack(stack).findResources('AWS::Lambda::Function');
    const s3Key = (Object.values(code)[0].Properties.Code.S3Key as string).replace(/\.zip$/, '');
    const assetDir = path.join(assembly.directory, `asset.${s3Key}`);
    const bundle = path.join(assetDir, 'index.js');

    test('THEN the asset holds one minified CommonJS file and its source map', () => {
      expect(existsSync(bundle)).toBe(true);
      expect(existsSync(`${bundle}.map`)).toBe(true);
      const text = readFileSync(bundle, 'utf8');
      // minified: the code is a handful of very long lines (the rest are bundled license notes)
      const lines = text.split('\n');
      expect(lines.length).toBeLessThan(40);
      expect(text.length / lines.length).toBeGreaterThan(1_000);
      expect(text).toContain('module.exports');
      expect(lines.filter((line) => line.startsWith('//# sourceMappingURL='))).toEqual([
        '//# sourceMappingURL=index.js.map',
      ]);
    });

    test('THEN the source map leads back to the TypeScript sources of the trigger', () => {
      const map = JSON.parse(readFileSync(`${bundle}.map`, 'utf8')) as { sources: string[] };
      const sources = map.sources.map((source) => source.replace(/\\/g, '/'));
      for (const file of ['handler.ts', 'policy.ts', 'events.ts', 'state.ts', 'clients.ts', 'trigger.ts']) {
        expect(sources).toContainEqual(expect.stringContaining(`lambda/retraining-trigger/${file}`));
      }
    });

    test('THEN the AWS SDK is left to the Node.js 22 runtime and Powertools is bundled, in under 200 KB', () => {
      const text = readFileSync(bundle, 'utf8');
      expect(text).toContain('require("@aws-sdk/client-sagemaker")');
      expect(text).toContain('require("@aws-sdk/client-dynamodb")');
      expect(text).toContain('require("@aws-sdk/lib-dynamodb")');
      expect(text).not.toContain('require("@aws-lambda-powertools/');
      expect(statSync(bundle).size).toBeLessThan(200_000);
    });
  });
});
