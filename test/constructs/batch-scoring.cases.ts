import { type App, Duration, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as logs from 'aws-cdk-lib/aws-logs';
import * as sns from 'aws-cdk-lib/aws-sns';
import * as ssm from 'aws-cdk-lib/aws-ssm';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { BatchScoring, type BatchScoringProps } from '../../lib/constructs/batch-scoring';
import { SecureBucket } from '../../lib/constructs/secure-bucket';
import { testApp } from '../support/platform';

/** SageMaker's XGBoost repository of us-east-1, the one repository the model role may pull from here. */
const XGBOOST_REPOSITORY = (scope: Stack) =>
  scope.formatArn({
    service: 'ecr',
    account: '683313688378',
    region: 'us-east-1',
    resource: 'repository',
    resourceName: 'sagemaker-xgboost',
  });

/**
 * A scoring stack holding only the batch scoring, as the platform's per-model stacks do; the network, keys,
 * buckets, topic and approved-version parameter come from a shared stack.
 */
function givenAStack() {
  const app = testApp();
  const shared = new Stack(app, 'Shared');
  const vpc = new ec2.Vpc(shared, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 0,
    restrictDefaultSecurityGroup: false,
    subnetConfiguration: [{ name: 'workload', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const securityGroup = new ec2.SecurityGroup(shared, 'ScoringSecurityGroup', { vpc, allowAllOutbound: false });
  const key = (id: string) => new kms.Key(shared, id, { enableKeyRotation: true });
  const dataKey = key('DataKey');
  const volumeKey = key('VolumeKey');
  const artifactsKey = key('ArtifactsKey');
  const logsKey = key('LogsKey');
  const accessLogs = new SecureBucket(shared, 'AccessLogs', {});
  const bucket = (id: string, encryptionKey: kms.IKey) =>
    new SecureBucket(shared, id, { encryptionKey, serverAccessLogsBucket: accessLogs });
  const rawBucket = bucket('Raw', dataKey);
  const curatedBucket = bucket('Curated', dataKey);
  const artifactsBucket = bucket('Artifacts', artifactsKey);
  const topic = new sns.Topic(shared, 'Alerts', { masterKey: logsKey, enforceSSL: true });
  const parameter = new ssm.StringParameter(shared, 'ApprovedModel', {
    parameterName: '/mlops/dev/churn/approved-model-package',
    stringValue: 'none',
  });

  const stack = new Stack(app, 'Scoring');
  const props = (overrides: Partial<BatchScoringProps> = {}): BatchScoringProps => ({
    modelName: 'churn',
    runNamePrefix: 'mlops-dev-churn',
    approvedModelParameter: parameter,
    schedule: 'cron(0 3 * * ? *)',
    inputBucket: rawBucket,
    inputPrefix: 'features/churn/',
    outputBucket: curatedBucket,
    outputPrefix: 'scores/churn/',
    dataKey,
    artifactsBucket,
    artifactsKey,
    volumeKey,
    logsKey,
    alarmTopic: topic,
    vpc,
    subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroups: [securityGroup],
    glueDatabaseName: 'mlops_dev',
    logRetention: logs.RetentionDays.ONE_YEAR,
    imageRepositoryArns: [XGBOOST_REPOSITORY(shared)],
    ...overrides,
  });
  return { app, shared, stack, props };
}

function givenABatchScoring(overrides: Partial<BatchScoringProps> = {}) {
  const given = givenAStack();
  const scoring = new BatchScoring(given.stack, 'ChurnScoring', given.props(overrides));
  return { ...given, scoring };
}

interface StateJson {
  readonly Type: string;
  readonly Resource?: string;
  readonly Arguments?: Record<string, unknown>;
  readonly Assign?: Record<string, string>;
  readonly Choices?: ReadonlyArray<{ readonly Condition: string; readonly Next: string }>;
  readonly Default?: string;
  readonly Next?: string;
  readonly Retry?: ReadonlyArray<{ readonly ErrorEquals: string[]; readonly MaxAttempts: number }>;
  readonly Catch?: ReadonlyArray<{ readonly ErrorEquals: string[]; readonly Next: string }>;
  readonly TimeoutSeconds?: number;
}

interface DefinitionJson {
  readonly QueryLanguage: string;
  readonly StartAt: string;
  readonly TimeoutSeconds: number;
  readonly States: Record<string, StateJson>;
}

/**
 * The state machine definition, with each `Ref` or `Fn::GetAtt` in it spelled as `<LogicalId>` or
 * `<LogicalId.Attribute>` (as cdk-nag spells them), and each value read from the shared stack as
 * `<shared:OutputName>`.
 */
function definitionOf(template: Template): DefinitionJson {
  const machines = Object.values(template.findResources('AWS::StepFunctions::StateMachine'));
  expect(machines).toHaveLength(1);
  const definition = machines[0].Properties.DefinitionString as string | { 'Fn::Join': [string, unknown[]] };
  if (typeof definition === 'string') return JSON.parse(definition);
  const text = definition['Fn::Join'][1]
    .map((part) => {
      if (typeof part === 'string') return part;
      const token = part as { Ref?: string; 'Fn::GetAtt'?: string[]; 'Fn::GetStackOutput'?: { OutputName: string } };
      if (token.Ref) return `<${token.Ref}>`;
      if (token['Fn::GetStackOutput']) return `<shared:${token['Fn::GetStackOutput'].OutputName}>`;
      if (token['Fn::GetAtt']) return `<${token['Fn::GetAtt'].join('.')}>`;
      throw new Error(`unexpected token in the definition: ${JSON.stringify(part)}`);
    })
    .join('');
  return JSON.parse(text);
}

/** A value read from the shared stack: a `Ref` of, or an attribute of, the resource whose logical id starts so. */
function shared(logicalIdPrefix: string, attribute?: string) {
  const output = attribute ? `FnGetAtt${logicalIdPrefix}\\w*${attribute}` : `Ref${logicalIdPrefix}`;
  return { 'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp(`^PublishOutput${output}`) }) };
}

/** The same, as `definitionOf` spells it inside the definition. */
function sharedInDefinition(logicalIdPrefix: string, attribute?: string): RegExp {
  const output = attribute ? `FnGetAtt${logicalIdPrefix}\\w*${attribute}` : `Ref${logicalIdPrefix}`;
  return new RegExp(`<shared:PublishOutput${output}\\w*>`);
}

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

describe('BatchScoring', () => {
  describe('GIVEN a batch scoring of churn in mlops-dev', () => {
    const { app, stack, scoring } = givenABatchScoring();
    const template = Template.fromStack(stack);
    const definition = definitionOf(template);
    const states = definition.States;

    test('THEN the schedule starts the state machine with a retry policy and a dead-letter queue', () => {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'cron(0 3 * * ? *)',
        State: 'ENABLED',
        Target: {
          Arn: { Ref: Match.stringLikeRegexp('^ChurnScoringStateMachine') },
          RoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChurnScoringScheduleRole'), 'Arn'] },
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: {
            Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChurnScoringScheduleDeadLettersQueue'), 'Arn'] },
          },
        },
      });
    });

    test('THEN the schedule role may start the state machine and send to the dead-letter queue with its key', () => {
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^ChurnScoringScheduleRole') }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: Match.arrayWith(['sqs:SendMessage']),
              Resource: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChurnScoringScheduleDeadLettersQueue'), 'Arn'] },
            }),
            Match.objectLike({
              Action: Match.arrayWith(['kms:Encrypt', 'kms:GenerateDataKey*']),
              Resource: shared('LogsKey', 'Arn'),
            }),
            Match.objectLike({
              Action: 'states:StartExecution',
              Resource: { Ref: Match.stringLikeRegexp('^ChurnScoringStateMachine') },
            }),
          ]),
        },
      });
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

    test('THEN the dead-letter queue alarms to SNS on the first failed delivery', () => {
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        Namespace: 'AWS/SQS',
        MetricName: 'ApproximateNumberOfMessagesVisible',
        Dimensions: [
          {
            Name: 'QueueName',
            Value: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChurnScoringScheduleDeadLettersQueue'), 'QueueName'] },
          },
        ],
        AlarmActions: [shared('Alerts')],
      });
    });

    test('THEN it reads the approved-version parameter at run time and stops at NoApprovedModel while it is none', () => {
      expect(definition.QueryLanguage).toBe('JSONata');
      const read = states[definition.StartAt];
      expect(read.Resource).toBe('arn:<AWS::Partition>:states:::aws-sdk:ssm:getParameter');
      expect(read.Arguments).toEqual({ Name: expect.stringMatching(sharedInDefinition('ApprovedModel')) });
      expect(read.Assign).toMatchObject({ modelPackageArn: '{% $states.result.Parameter.Value %}' });

      const choice = states[read.Next as string];
      expect(choice.Type).toBe('Choice');
      expect(choice.Choices).toEqual([{ Condition: "{% $modelPackageArn = 'none' %}", Next: 'NoApprovedModel' }]);
      expect(states.NoApprovedModel.Type).toBe('Succeed');
      expect(choice.Default).toBe('CreateModel');
    });

    test('THEN it names model and transform job after the execution, and partitions by the UTC start date', () => {
      const assign = states[definition.StartAt].Assign ?? {};
      expect(assign.runName).toContain("$prefix := 'mlops-dev-churn'");
      expect(assign.runName).toContain('$states.context.Execution.Name');
      expect(assign.runDate).toBe('{% $substring($states.context.Execution.StartTime, 0, 10) %}');
      expect(states.ScoreBatch.Arguments).toMatchObject({
        ModelName: '{% $runName %}',
        TransformJobName: '{% $runName %}',
        TransformOutput: {
          S3OutputPath: expect.stringMatching(
            new RegExp(
              `^\\{% 's3://${sharedInDefinition('Curated').source}/scores/churn/run_date=' & \\$runDate & '/' %\\}$`,
            ),
          ),
        },
      });
    });

    test('THEN CreateModel runs the approved package network-isolated in the VPC with the model role', () => {
      const create = states.CreateModel;
      expect(create.Resource).toBe('arn:<AWS::Partition>:states:::aws-sdk:sagemaker:createModel');
      expect(create.Arguments).toEqual({
        ModelName: '{% $runName %}',
        ExecutionRoleArn: expect.stringMatching(/^<ChurnScoringModelRole\w+\.Arn>$/),
        PrimaryContainer: { ModelPackageName: '{% $modelPackageArn %}' },
        EnableNetworkIsolation: true,
        VpcConfig: {
          SecurityGroupIds: [expect.stringMatching(sharedInDefinition('ScoringSecurityGroup', 'GroupId'))],
          Subnets: [
            expect.stringMatching(sharedInDefinition('VpcworkloadSubnet1')),
            expect.stringMatching(sharedInDefinition('VpcworkloadSubnet2')),
          ],
        },
      });
    });

    test('THEN the transform job runs synchronously with KMS-encrypted output and volumes', () => {
      const transform = states.ScoreBatch;
      expect(transform.Resource).toBe('arn:<AWS::Partition>:states:::sagemaker:createTransformJob.sync');
      expect(transform.Arguments).toMatchObject({
        TransformInput: {
          ContentType: 'text/csv',
          SplitType: 'Line',
          DataSource: {
            S3DataSource: {
              S3Uri: expect.stringMatching(new RegExp(`^s3://${sharedInDefinition('Raw').source}/features/churn/$`)),
              S3DataType: 'S3Prefix',
            },
          },
        },
        TransformOutput: {
          KmsKeyId: expect.stringMatching(sharedInDefinition('DataKey', 'Arn')),
          Accept: 'text/csv',
          AssembleWith: 'Line',
        },
        TransformResources: {
          InstanceType: 'ml.m5.large',
          InstanceCount: 1,
          VolumeKmsKeyId: expect.stringMatching(sharedInDefinition('VolumeKey', 'Arn')),
        },
      });
      expect(transform.TimeoutSeconds).toBe(6 * 3600 - 15 * 60);
      expect(definition.TimeoutSeconds).toBe(6 * 3600);
    });

    test('THEN the model is deleted after the job, and also when model or job fail before the run fails', () => {
      expect(states.CreateModel.Next).toBe('ScoreBatch');
      expect(states.ScoreBatch.Next).toBe('DeleteModel');
      expect(states.DeleteModel.Resource).toBe('arn:<AWS::Partition>:states:::aws-sdk:sagemaker:deleteModel');
      expect(states[states.DeleteModel.Next as string].Type).toBe('Succeed');
      for (const name of ['CreateModel', 'ScoreBatch']) {
        expect(states[name].Catch).toEqual([
          expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'DeleteModelAfterFailure' }),
        ]);
      }
      expect(states.DeleteModelAfterFailure.Next).toBe('ScoringFailed');
      expect(states.DeleteModelAfterFailure.Catch).toEqual([
        expect.objectContaining({ ErrorEquals: ['States.ALL'], Next: 'ScoringFailed' }),
      ]);
      expect(states.ScoringFailed.Type).toBe('Fail');
    });

    test('THEN every task retries throttled calls a bounded number of times with backoff', () => {
      const taskNames = Object.entries(states)
        .filter(([, state]) => state.Type === 'Task')
        .map(([name]) => name);
      expect(taskNames.sort()).toEqual(
        ['CreateModel', 'DeleteModel', 'DeleteModelAfterFailure', 'ReadApprovedModel', 'ScoreBatch'].sort(),
      );
      for (const name of taskNames) {
        expect(states[name].Retry).toEqual([
          expect.objectContaining({
            ErrorEquals: expect.arrayContaining([expect.stringMatching(/^(SageMaker|Ssm)\./)]),
            MaxAttempts: 4,
            BackoffRate: 2,
            MaxDelaySeconds: 60,
            JitterStrategy: 'FULL',
          }),
        ]);
      }
    });

    test('THEN the state machine logs everything to a KMS-encrypted log group with retention, and traces', () => {
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: 'mlops-dev-churn-batch-scoring',
        StateMachineType: 'STANDARD',
        TracingConfiguration: { Enabled: true },
        LoggingConfiguration: {
          Level: 'ALL',
          IncludeExecutionData: true,
          Destinations: [
            {
              CloudWatchLogsLogGroup: {
                LogGroupArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChurnScoringExecutionLogs'), 'Arn'] },
              },
            },
          ],
        },
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: '/aws/vendedlogs/states/mlops-dev-churn-batch-scoring',
        KmsKeyId: shared('LogsKey', 'Arn'),
        RetentionInDays: 365,
      });
    });

    test('THEN the scores table is partitioned by run_date with date partition projection over CSV', () => {
      const location = { 'Fn::Join': ['', ['s3://', shared('Curated'), '/scores/churn/']] };
      template.hasResourceProperties('AWS::Glue::Table', {
        CatalogId: { Ref: 'AWS::AccountId' },
        DatabaseName: 'mlops_dev',
        TableInput: {
          Name: 'churn_scores',
          TableType: 'EXTERNAL_TABLE',
          PartitionKeys: [Match.objectLike({ Name: 'run_date', Type: 'string' })],
          Parameters: Match.objectLike({
            'projection.enabled': 'true',
            'projection.run_date.type': 'date',
            'projection.run_date.format': 'yyyy-MM-dd',
            'projection.run_date.range': '2024-01-01,NOW',
            'storage.location.template': {
              'Fn::Join': ['', ['s3://', shared('Curated'), `/scores/churn/run_date=\${run_date}/`]],
            },
          }),
          StorageDescriptor: Match.objectLike({
            Location: location,
            Columns: [{ Name: 'score', Type: 'double' }],
            SerdeInfo: Match.objectLike({
              SerializationLibrary: 'org.apache.hadoop.hive.serde2.lazy.LazySimpleSerDe',
            }),
          }),
        },
      });
    });

    test('THEN failed and timed-out runs alarm to SNS', () => {
      for (const metricName of ['ExecutionsFailed', 'ExecutionsTimedOut']) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          Namespace: 'AWS/States',
          MetricName: metricName,
          Dimensions: [
            { Name: 'StateMachineArn', Value: { Ref: Match.stringLikeRegexp('^ChurnScoringStateMachine') } },
          ],
          Statistic: 'Sum',
          Threshold: 0,
          ComparisonOperator: 'GreaterThanThreshold',
          AlarmActions: [shared('Alerts')],
        });
      }
    });

    test('THEN SageMaker permissions are scoped to the models and transform jobs of this model', () => {
      const arn = (resource: string) => ({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':sagemaker:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            `:${resource}/mlops-dev-churn-*`,
          ],
        ],
      });
      const policy = template.findResources('AWS::IAM::ManagedPolicy', {
        Properties: { Roles: [{ Ref: Match.stringLikeRegexp('^ChurnScoringStateMachineRole') }] },
      });
      const statements = Object.values(policy).flatMap((p) => p.Properties.PolicyDocument.Statement) as Array<{
        Action: string | string[];
        Resource: unknown;
        Condition?: unknown;
      }>;
      const sageMakerStatements = statements.filter((s) =>
        [s.Action].flat().some((a) => a.startsWith('sagemaker:') && a !== 'sagemaker:DescribeModelPackage'),
      );
      expect(sageMakerStatements.length).toBeGreaterThan(0);
      for (const statement of sageMakerStatements) {
        for (const resource of [statement.Resource].flat()) {
          expect([arn('model'), arn('transform-job')]).toContainEqual(resource);
        }
      }
      expect(statements).toContainEqual(
        expect.objectContaining({
          Action: 'iam:PassRole',
          Resource: { 'Fn::GetAtt': [expect.stringMatching(/^ChurnScoringModelRole/), 'Arn'] },
          Condition: { StringEquals: { 'iam:PassedToService': 'sagemaker.amazonaws.com' } },
        }),
      );
      expect(statements).toContainEqual(
        expect.objectContaining({
          Action: ['events:DescribeRule', 'events:PutRule', 'events:PutTargets'],
          Resource: expect.objectContaining({
            'Fn::Join': ['', expect.arrayContaining([':rule/StepFunctionsGetEventsForSageMakerTransformJobsRule'])],
          }),
        }),
      );
    });

    test('THEN only the state machine role may pass the model role', () => {
      const passers = Object.values(template.findResources('AWS::IAM::ManagedPolicy')).filter((p) =>
        (p.Properties.PolicyDocument.Statement as Array<{ Action: string | string[] }>).some((s) =>
          [s.Action].flat().includes('iam:PassRole'),
        ),
      );
      expect(passers.map((p) => p.Properties.Roles)).toEqual([
        [{ Ref: expect.stringMatching(/^ChurnScoringStateMachineRole/) }],
      ]);
      template.resourceCountIs('AWS::IAM::Policy', 0);
    });

    test('THEN the model role attaches to the VPC only under the ec2:Vpc condition', () => {
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^ChurnScoringModelRole') }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: Match.arrayWith(['ec2:CreateNetworkInterface']),
              Resource: '*',
              Condition: { ArnEquals: { 'ec2:Vpc': Match.anyValue() } },
            }),
          ]),
        },
      });
    });

    test('THEN the public API exposes the state machine, schedule and table', () => {
      expect(scoring.stateMachine.stateMachineName).toBeDefined();
      expect(scoring.schedule.scheduleArn).toBeDefined();
      expect(scoring.table.tableInput).toMatchObject({ name: 'churn_scores' });
      expect(scoring.tableName).toBe('churn_scores');
    });

    test('THEN cdk-nag AwsSolutions, NIST 800-53 rev 5 and Serverless find nothing', () => {
      expect(violationsOf(app, stack)).toEqual([]);
    });
  });

  describe('GIVEN an operator role', () => {
    test('WHEN it is granted to start runs THEN it may start executions of the state machine only', () => {
      // GIVEN
      const { stack, scoring } = givenABatchScoring();
      const operator = new iam.Role(stack, 'Operator', { assumedBy: new iam.AccountRootPrincipal() });

      // WHEN
      const grant = scoring.grantStartExecution(operator);

      // THEN
      expect(grant.success).toBe(true);
      Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^Operator') }],
        PolicyDocument: {
          Statement: [
            {
              // a run's input is encrypted with the state machine's key (issue 12, finding 8)
              Sid: 'EncryptRunInput',
              Action: 'kms:GenerateDataKey',
              Effect: 'Allow',
              Resource: Match.anyValue(),
              Condition: {
                StringEquals: {
                  'kms:EncryptionContext:aws:states:stateMachineArn': {
                    Ref: Match.stringLikeRegexp('^ChurnScoringStateMachine'),
                  },
                },
              },
            },
            {
              Action: 'states:StartExecution',
              Effect: 'Allow',
              Resource: { Ref: Match.stringLikeRegexp('^ChurnScoringStateMachine') },
            },
          ],
        },
      });
      expect(stack.resolve(scoring.metricFailedRuns().metricName)).toBe('ExecutionsFailed');
      expect(stack.resolve(scoring.metricFailedRuns().dimensions)).toEqual({
        StateMachineArn: { Ref: expect.stringMatching(/^ChurnScoringStateMachine/) },
      });
    });
  });

  describe('GIVEN overridden columns, instances, timeout and model package group', () => {
    test('THEN the table, transform resources, timeouts and package permissions follow them', () => {
      // WHEN
      const { stack } = givenABatchScoring({
        modelName: 'customer-churn',
        columns: [
          { name: 'customer_id', type: 'string' },
          { name: 'probability', type: 'double' },
        ],
        instanceType: 'ml.c5.xlarge',
        instanceCount: 2,
        timeout: Duration.hours(2),
        modelPackageGroupName: 'customer-churn',
      });

      // THEN
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::Glue::Table', {
        TableInput: Match.objectLike({
          Name: 'customer_churn_scores',
          StorageDescriptor: Match.objectLike({
            Columns: [
              { Name: 'customer_id', Type: 'string' },
              { Name: 'probability', Type: 'double' },
            ],
          }),
        }),
      });
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        Roles: [{ Ref: Match.stringLikeRegexp('^ChurnScoringStateMachineRole') }],
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 'sagemaker:DescribeModelPackage',
              Resource: { 'Fn::Join': ['', Match.arrayWith([':model-package/customer-churn/*'])] },
            }),
          ]),
        },
      });
      const definition = definitionOf(template);
      expect(definition.TimeoutSeconds).toBe(7200);
      expect(definition.States.ScoreBatch.TimeoutSeconds).toBe(7200 - 900);
      expect(definition.States.ScoreBatch.Arguments).toMatchObject({
        TransformResources: { InstanceType: 'ml.c5.xlarge', InstanceCount: 2 },
      });
    });
  });

  describe('GIVEN the names of the state machine and the table', () => {
    test('THEN the state machine, its log group and the table take them, and runs keep their prefix', () => {
      // WHEN
      const { stack, scoring } = givenABatchScoring({
        stateMachineName: 'churn-nightly-scoring',
        tableName: 'churn_nightly',
      });

      // THEN
      const template = Template.fromStack(stack);
      template.hasResourceProperties('AWS::StepFunctions::StateMachine', {
        StateMachineName: 'churn-nightly-scoring',
      });
      template.hasResourceProperties('AWS::Logs::LogGroup', {
        LogGroupName: '/aws/vendedlogs/states/churn-nightly-scoring',
      });
      template.hasResourceProperties('AWS::Glue::Table', { TableInput: Match.objectLike({ Name: 'churn_nightly' }) });
      expect(scoring.tableName).toBe('churn_nightly');
      const assign = definitionOf(template).States.ReadApprovedModel.Assign ?? {};
      expect(assign.runName).toContain("$prefix := 'mlops-dev-churn'");
    });
  });

  describe('GIVEN invalid props', () => {
    test('WHEN the names are invalid THEN it throws once, quoting each', () => {
      const { stack, props } = givenAStack();
      const runNamePrefix = `mlops-dev-${'a'.repeat(42)}`;
      expect(
        () =>
          new BatchScoring(
            stack,
            'Bad',
            props({ runNamePrefix, stateMachineName: 'churn scoring', tableName: 'Churn-Scores' }),
          ),
      ).toThrow(
        [
          "invalid batch scoring 'Scoring/Bad':",
          `- runNamePrefix must leave at least 12 of the 63 characters of a run name, got '${runNamePrefix}'`,
          "- stateMachineName must be 1 to 80 letters, digits, hyphens or underscores, got 'churn scoring'",
          "- tableName must be lower-case letters, digits and underscores, got 'Churn-Scores'",
        ].join('\n'),
      );
    });

    test('THEN it throws once, listing every problem with the bad value', () => {
      const { stack, props } = givenAStack();
      expect(
        () =>
          new BatchScoring(
            stack,
            'Bad',
            props({
              modelName: 'Churn_Model',
              outputPrefix: '/scores',
              instanceType: 'm5.large',
              instanceCount: 0,
              timeout: Duration.minutes(5),
              columns: [{ name: 'run_date', type: 'string' }],
            }),
          ),
      ).toThrow(
        new RegExp(
          [
            "modelName must be .*, got 'Churn_Model'",
            "outputPrefix must not start with '/'.*, got '/scores'",
            "outputPrefix must be a folder ending in '/', got '/scores'",
            "instanceType must be .*, got 'm5.large'",
            'instanceCount must be .*, got 0',
            'timeout must be between .*, got 5 minutes',
            "column 'run_date' appears twice",
          ].join('[\\s\\S]*'),
        ),
      );
    });
  });
});
