import { App, RemovalPolicy, Stack } from 'aws-cdk-lib';
import { Annotations, Match, Template } from 'aws-cdk-lib/assertions';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { RetrainingTriggers, type RetrainingTriggersProps } from '../../lib/constructs/retraining-triggers';
import { SecureBucket } from '../../lib/constructs/secure-bucket';
import { cdkJsonContext, SKIP_BUILTIN_VALIDATION } from '../support/platform';

/**
 * A retraining stack holding only the triggers of churn, as a per-model stack would; the keys, the raw bucket
 * (sending its events to EventBridge) and the alerts topic come from a shared stack. Lambda bundling is skipped.
 */
function givenAStack(options: { bucketEvents?: boolean } = {}) {
  const app = new App({ ...SKIP_BUILTIN_VALIDATION, context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] } });
  const shared = new Stack(app, 'Shared');
  const key = (id: string) => new kms.Key(shared, id, { enableKeyRotation: true });
  const dataKey = key('DataKey');
  const logsKey = key('LogsKey');
  const accessLogs = new SecureBucket(shared, 'AccessLogs', {});
  const rawBucket = new SecureBucket(shared, 'Raw', { encryptionKey: dataKey, serverAccessLogsBucket: accessLogs });
  if (options.bucketEvents ?? true) {
    // as the foundation stack must do from stage 4: EventBridge notifications in the bucket itself, without the
    // custom-resource Lambda that the `eventBridgeEnabled` prop of s3.Bucket adds
    (rawBucket.node.defaultChild as s3.CfnBucket).notificationConfiguration = {
      eventBridgeConfiguration: { eventBridgeEnabled: true },
    };
  }
  const topic = new sns.Topic(shared, 'Alerts', { masterKey: logsKey, enforceSSL: true });

  const stack = new Stack(app, 'Retraining');
  const props = (overrides: Partial<RetrainingTriggersProps> = {}): RetrainingTriggersProps => ({
    modelName: 'churn',
    pipelineName: 'mlops-dev-churn-training',
    pipelineArn: stack.formatArn({
      service: 'sagemaker',
      resource: 'pipeline',
      resourceName: 'mlops-dev-churn-training',
    }),
    rawDataBucket: rawBucket,
    prefix: 'training-data/churn/',
    policy: {
      minNewObjects: 10,
      minNewBytes: 1_000_000,
      cooldownMinutes: 360,
      maxRunsPerDay: 2,
      allowedWindow: '02:00-06:00',
    },
    schedule: 'cron(0 3 ? * SUN *)',
    stateKey: dataKey,
    logsKey,
    alarmTopic: topic,
    logRetention: logs.RetentionDays.ONE_YEAR,
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
const PIPELINE_ARN = {
  'Fn::Join': [
    '',
    [
      'arn:',
      { Ref: 'AWS::Partition' },
      ':sagemaker:',
      { Ref: 'AWS::Region' },
      ':',
      { Ref: 'AWS::AccountId' },
      ':pipeline/mlops-dev-churn-training',
    ],
  ],
};

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

interface Statement {
  readonly Action: string | string[];
  readonly Resource: unknown;
}

function statementsOf(template: Template, rolePrefix: string): Statement[] {
  const policies = template.findResources('AWS::IAM::ManagedPolicy', {
    Properties: { Roles: [ref(rolePrefix)] },
  });
  return Object.values(policies).flatMap((p) => p.Properties.PolicyDocument.Statement);
}

describe('RetrainingTriggers', () => {
  describe('GIVEN the triggers of churn with a weekly schedule', () => {
    const { app, stack, props } = givenAStack();
    const triggers = new RetrainingTriggers(stack, 'ChurnRetraining', props());
    const template = Template.fromStack(stack);

    test('THEN the schedule starts the SageMaker pipeline itself, with retries, a dead-letter queue and TriggerReason=schedule', () => {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 3 ? * SUN *)',
        ScheduleExpressionTimezone: 'Etc/UTC',
        State: 'ENABLED',
        Target: {
          Arn: PIPELINE_ARN,
          RoleArn: arnOf('ChurnRetrainingScheduleRole'),
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: arnOf('ChurnRetrainingScheduleDeadLettersQueue') },
          SageMakerPipelineParameters: {
            PipelineParameterList: [
              { Name: 'InputDataUrl', Value: { 'Fn::Join': ['', ['s3://', shared('Raw'), '/training-data/churn/']] } },
              { Name: 'TriggerReason', Value: 'schedule' },
            ],
          },
        },
      });
    });

    test('THEN the schedule role may only start that pipeline and send to its dead-letter queue', () => {
      const statements = statementsOf(template, 'ChurnRetrainingScheduleRole');
      expect(statements).toContainEqual(
        expect.objectContaining({ Action: 'sagemaker:StartPipelineExecution', Resource: PIPELINE_ARN }),
      );
      const actions = statements.flatMap((s) => [s.Action].flat());
      expect(actions.filter((a) => a.startsWith('sagemaker:'))).toEqual(['sagemaker:StartPipelineExecution']);
      expect(actions.filter((a) => a.startsWith('lambda:'))).toEqual([]);
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [
            Match.objectLike({
              Principal: { Service: 'scheduler.amazonaws.com' },
              Condition: {
                StringEquals: { 'aws:SourceAccount': { Ref: 'AWS::AccountId' }, 'aws:SourceArn': Match.anyValue() },
              },
            }),
          ],
        },
      });
    });

    test('THEN the rule sends Object Created events of the raw bucket under the prefix to the trigger, with retries and a dead-letter queue', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.s3'],
          'detail-type': ['Object Created'],
          detail: { bucket: { name: [shared('Raw')] }, object: { key: [{ prefix: 'training-data/churn/' }] } },
        },
        Targets: [
          {
            Id: Match.anyValue(),
            Arn: arnOf('ChurnRetrainingTrigger'),
            RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 6 * 3600 },
            DeadLetterConfig: { Arn: arnOf('ChurnRetrainingNewDataDeadLettersQueue') },
          },
        ],
      });
      template.hasResourceProperties('AWS::Lambda::Permission', {
        Action: 'lambda:InvokeFunction',
        Principal: 'events.amazonaws.com',
        SourceArn: arnOf('ChurnRetrainingNewData'),
      });
    });

    test('THEN the trigger is a platform function with the policy, pipeline and table in its environment', () => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Timeout: 30,
        MemorySize: 256,
        ReservedConcurrentExecutions: 1,
        TracingConfig: { Mode: 'Active' },
        DeadLetterConfig: { TargetArn: arnOf('ChurnRetrainingTriggerDeadLettersQueue') },
        LoggingConfig: Match.objectLike({ LogFormat: 'JSON', LogGroup: ref('ChurnRetrainingTriggerLogs') }),
        Environment: {
          Variables: {
            NODE_OPTIONS: '--enable-source-maps',
            PIPELINE_NAME: 'mlops-dev-churn-training',
            MODEL_NAME: 'churn',
            STATE_TABLE_NAME: ref('ChurnRetrainingState'),
            INPUT_BUCKET: shared('Raw'),
            INPUT_PREFIX: 'training-data/churn/',
            MIN_NEW_OBJECTS: '10',
            MIN_NEW_BYTES: '1000000',
            COOLDOWN_MINUTES: '360',
            MAX_RUNS_PER_DAY: '2',
            ALLOWED_WINDOW: '02:00-06:00',
            POWERTOOLS_SERVICE_NAME: 'retraining-trigger',
            POWERTOOLS_METRICS_NAMESPACE: 'MLOps/RetrainingTriggers',
          },
        },
      });
      template.hasResourceProperties('AWS::Lambda::EventInvokeConfig', {
        MaximumRetryAttempts: 2,
        MaximumEventAgeInSeconds: 6 * 3600,
        DestinationConfig: { OnFailure: { Destination: arnOf('ChurnRetrainingTriggerDeadLettersQueue') } },
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        KmsKeyId: shared('LogsKey', 'Arn'),
        RetentionInDays: 365,
      });
    });

    test('THEN the trigger may start and list executions of that pipeline only, and read and write single items of its table', () => {
      const statements = statementsOf(template, 'ChurnRetrainingTriggerRole');
      const sageMaker = statements.filter((s) => [s.Action].flat().some((a) => a.startsWith('sagemaker:')));
      expect(sageMaker).toEqual([
        expect.objectContaining({
          Action: ['sagemaker:ListPipelineExecutions', 'sagemaker:StartPipelineExecution'],
          Resource: PIPELINE_ARN,
        }),
      ]);
      expect(statements).toContainEqual(
        expect.objectContaining({
          Action: ['dynamodb:DeleteItem', 'dynamodb:GetItem', 'dynamodb:PutItem', 'dynamodb:UpdateItem'],
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ChurnRetrainingState/), 'Arn'] },
        }),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({
          Action: ['kms:Decrypt', 'kms:DescribeKey', 'kms:Encrypt', 'kms:GenerateDataKey'],
          Resource: expect.objectContaining({
            'Fn::GetStackOutput': expect.objectContaining({
              OutputName: expect.stringMatching(/^PublishOutputFnGetAttDataKey/),
            }),
          }),
        }),
      );
      const actions = statements.flatMap((s) => [s.Action].flat());
      expect(actions.filter((a) => a.startsWith('dynamodb:') && /Scan|Query|Batch/.test(a))).toEqual([]);
      template.resourceCountIs('AWS::IAM::Policy', 0);
    });

    test('THEN the state table is encrypted with the state key, on demand, with point-in-time recovery, TTL and deletion protection', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        Properties: {
          KeySchema: [{ AttributeName: 'id', KeyType: 'HASH' }],
          BillingMode: 'PAY_PER_REQUEST',
          SSESpecification: { SSEEnabled: true, SSEType: 'KMS', KMSMasterKeyId: shared('DataKey', 'Arn') },
          PointInTimeRecoverySpecification: { PointInTimeRecoveryEnabled: true },
          TimeToLiveSpecification: { AttributeName: 'expiration', Enabled: true },
          DeletionProtectionEnabled: true,
        },
        DeletionPolicy: 'Retain',
        UpdateReplacePolicy: 'Retain',
      });
    });

    test('THEN every dead-letter queue has an alarm that notifies SNS', () => {
      const queues = Object.keys(template.findResources('AWS::SQS::Queue'));
      expect(queues).toHaveLength(3);
      const alarms = Object.values(template.findResources('AWS::CloudWatch::Alarm'));
      for (const queue of queues) {
        const alarm = alarms.find((a) =>
          (a.Properties.Dimensions ?? []).some(
            (d: { Name: string; Value: unknown }) =>
              d.Name === 'QueueName' &&
              JSON.stringify(d.Value) === JSON.stringify({ 'Fn::GetAtt': [queue, 'QueueName'] }),
          ),
        );
        expect(alarm?.Properties).toMatchObject({
          MetricName: 'ApproximateNumberOfMessagesVisible',
          Threshold: 0,
          AlarmActions: [expect.objectContaining({ 'Fn::GetStackOutput': expect.anything() })],
        });
      }
    });

    test('THEN the public API exposes the function, table, schedule, rule and decision metrics', () => {
      expect(triggers.function.functionArn).toBeDefined();
      expect(triggers.table.tableArn).toBeDefined();
      expect(triggers.schedule?.scheduleArn).toBeDefined();
      expect(triggers.rule.ruleArn).toBeDefined();
      const metric = triggers.metricRunsStarted();
      expect(metric.namespace).toBe('MLOps/RetrainingTriggers');
      expect(metric.metricName).toBe('RetrainingDecision');
      expect(metric.dimensions).toEqual({
        service: 'retraining-trigger',
        Model: 'churn',
        Decision: 'start',
        Reason: 'start',
      });
      expect(triggers.metricDecisions('skip', 'cooldown').dimensions).toMatchObject({
        Decision: 'skip',
        Reason: 'cooldown',
      });
    });

    test('THEN cdk-nag AwsSolutions, NIST 800-53 rev 5 and Serverless find nothing', () => {
      expect(violationsOf(app, stack)).toEqual([]);
    });
  });

  describe('GIVEN the triggers without a schedule in a dev environment', () => {
    const { app, stack, props } = givenAStack();
    const triggers = new RetrainingTriggers(
      stack,
      'ChurnRetraining',
      props({
        schedule: undefined,
        removalPolicy: RemovalPolicy.DESTROY,
        policy: { minNewObjects: 1, minNewBytes: 0, cooldownMinutes: 0, maxRunsPerDay: 24 },
      }),
    );
    const template = Template.fromStack(stack);

    test('THEN only new data triggers: there is no schedule, schedule role or schedule queue', () => {
      expect(triggers.schedule).toBeUndefined();
      template.resourceCountIs('AWS::Scheduler::Schedule', 0);
      template.resourceCountIs('AWS::SQS::Queue', 2);
      template.resourceCountIs('AWS::IAM::Role', 1);
    });

    test('THEN the table can be deleted with the stack, and there is no window in the environment', () => {
      template.hasResource('AWS::DynamoDB::Table', {
        Properties: Match.objectLike({ DeletionProtectionEnabled: false }),
        DeletionPolicy: 'Delete',
      });
      template.hasResourceProperties('AWS::Lambda::Function', {
        Environment: { Variables: Match.objectLike({ ALLOWED_WINDOW: Match.absent(), MAX_RUNS_PER_DAY: '24' }) },
      });
    });

    test('THEN cdk-nag AwsSolutions, NIST 800-53 rev 5 and Serverless find nothing', () => {
      expect(violationsOf(app, stack)).toEqual([]);
    });
  });

  describe('GIVEN a raw bucket that does not send its events to EventBridge', () => {
    test('THEN synthesis warns that new data will never trigger a retraining', () => {
      const { app, stack, props } = givenAStack({ bucketEvents: false });
      new RetrainingTriggers(stack, 'ChurnRetraining', props());
      // synthesis prints the warning too; keep the test output clean
      const printed = jest.spyOn(console, 'error').mockImplementation(() => undefined);
      try {
        app.synth();

        Annotations.fromStack(stack).hasWarning(
          '/Retraining/ChurnRetraining',
          Match.stringLikeRegexp('the bucket Shared/Raw does not send its events to EventBridge'),
        );
      } finally {
        printed.mockRestore();
      }
    });

    test('WHEN it sends them THEN there is no warning', () => {
      const { app, stack, props } = givenAStack();
      new RetrainingTriggers(stack, 'ChurnRetraining', props());
      app.synth();

      Annotations.fromStack(stack).hasNoWarning('*', Match.stringLikeRegexp('EventBridge'));
    });
  });

  test('GIVEN a bad model name, prefix, policy and schedule THEN it refuses them all at once, quoting each value', () => {
    const { stack, props } = givenAStack();

    expect(
      () =>
        new RetrainingTriggers(
          stack,
          'Bad',
          props({
            modelName: 'Churn_Model',
            prefix: '/training-data/churn',
            policy: {
              minNewObjects: 0,
              minNewBytes: 0,
              cooldownMinutes: -5,
              maxRunsPerDay: 2,
              allowedWindow: '2am-6am',
            },
            schedule: 'every sunday',
          }),
        ),
    ).toThrow(
      [
        "invalid retraining triggers 'Retraining/Bad':",
        "- modelName must be lower-case letters, digits and single hyphens, got 'Churn_Model'",
        "- prefix must be a folder such as 'training-data/churn/' (no leading '/'), got '/training-data/churn'",
        '- minNewObjects must be a whole number of at least 1, got 0',
        '- cooldownMinutes must be a whole number of at least 0, got -5',
        "- allowed window must look like 'HH:MM-HH:MM' (UTC), got '2am-6am'",
        "- schedule must be an EventBridge Scheduler expression such as 'cron(0 3 ? * SUN *)', got 'every sunday'",
      ].join('\n'),
    );
  });
});

describe('RetrainingTriggers with the closed loop (stage 5)', () => {
  const { app, stack, props } = givenAStack();
  const loop = {
    policy: {
      violatingWindows: 2,
      windows: 5,
      windowMinutes: 1440,
      minSamples: 100,
      cooldownMinutes: 360,
      maxRunsPerMonth: 4,
      maxTrainingInstanceHoursPerMonth: 24,
    },
    evidence: {
      violations: [
        {
          id: 'drift',
          reason: 'drift' as const,
          namespace: 'MLOps/ModelDrift',
          metricName: 'DataDrift',
          dimensions: { Environment: 'dev', Model: 'churn' },
          stat: 'Maximum',
          comparison: 'GreaterThanOrEqualToThreshold' as const,
          threshold: 1,
        },
      ],
    },
    alarmNames: ['mlops-dev-churn-data-drift', 'mlops-dev-churn-feature-drift*'],
    projectName: 'mlops',
    environmentName: 'dev',
  };
  const triggers = new RetrainingTriggers(stack, 'ChurnRetraining', props({ loop }));
  const template = Template.fromStack(stack);

  test('THEN the alarm rule sends the ALARM state changes of the named alarms (prefix for numbered ones) to the function, with a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.cloudwatch'],
        'detail-type': ['CloudWatch Alarm State Change'],
        detail: {
          alarmName: ['mlops-dev-churn-data-drift', { prefix: 'mlops-dev-churn-feature-drift' }],
          state: { value: ['ALARM'] },
        },
      },
      Targets: [
        Match.objectLike({
          Arn: arnOf('ChurnRetrainingTrigger'),
          DeadLetterConfig: { Arn: arnOf('ChurnRetrainingAlarmDeadLettersQueue') },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21_600 },
        }),
      ],
    });
    expect(triggers.alarmRule).toBeDefined();
    expect(triggers.alarmDeadLetterQueue).toBeDefined();
  });

  test("THEN the verdict rule sends the model's own Promotion Verdicts to the function, with retries and a dead-letter queue", () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['mlops.platform'],
        'detail-type': ['Promotion Verdict'],
        detail: { environment: ['dev'], model: ['churn'] },
      },
      Targets: [
        Match.objectLike({
          Arn: arnOf('ChurnRetrainingTrigger'),
          DeadLetterConfig: { Arn: arnOf('ChurnRetrainingVerdictDeadLettersQueue') },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21_600 },
        }),
      ],
    });
    expect(triggers.verdictRule).toBeDefined();
    expect(triggers.verdictDeadLetterQueue).toBeDefined();
  });

  test('THEN an hourly schedule re-evaluates pending data and evidence, with the execution id and the scheduled time', () => {
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'rate(1 hour)',
      Target: Match.objectLike({
        Arn: arnOf('ChurnRetrainingTrigger'),
        Input: Match.serializedJson({
          'detail-type': 'Retraining Reevaluation',
          source: 'mlops.platform',
          id: '<aws.scheduler.execution-id>',
          time: '<aws.scheduler.scheduled-time>',
        }),
        DeadLetterConfig: { Arn: arnOf('ChurnRetrainingReevaluationDeadLettersQueue') },
      }),
    });
  });

  test('THEN the function gets the loop policy, evidence and alarms, and may announce decisions only as mlops.platform', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          LOOP_POLICY: JSON.stringify(loop.policy),
          LOOP_EVIDENCE: JSON.stringify(loop.evidence),
          LOOP_ALARMS: 'mlops-dev-churn-data-drift,mlops-dev-churn-feature-drift*',
          PROJECT_NAME: 'mlops',
          ENVIRONMENT_NAME: 'dev',
        }),
      },
    });
    const statements = statementsOf(template, 'ChurnRetrainingTriggerRole');
    expect(statements).toContainEqual(
      expect.objectContaining({
        Action: 'events:PutEvents',
        Condition: { StringEquals: { 'events:source': 'mlops.platform' } },
      }),
    );
    expect(statements).toContainEqual(expect.objectContaining({ Action: 'cloudwatch:GetMetricData', Resource: '*' }));
  });

  test('THEN cdk-nag AwsSolutions, NIST 800-53 rev 5 and Serverless find nothing', () => {
    expect(violationsOf(app, stack)).toEqual([]);
  });

  test('GIVEN a loop that needs more violating windows than it looks at THEN the construct refuses it', () => {
    const other = givenAStack();
    expect(
      () =>
        new RetrainingTriggers(
          other.stack,
          'Bad',
          other.props({ loop: { ...loop, policy: { ...loop.policy, violatingWindows: 6 } } }),
        ),
    ).toThrow(/loop.policy.violatingWindows \(6\) must be at most windows \(5\)/);
  });
});
