import { App, CfnCondition, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { DriftJob, type DriftJobProps } from '../../lib/constructs/drift-job';
import { DRIFT_METRICS } from '../../lib/vocabulary';
import { constructTestContext, SKIP_BUILTIN_VALIDATION } from '../support/platform';

/** A stack with the drift job of churn under the approved-version condition, like a model stack at stage 5. */
function givenADriftStack(overrides: Partial<DriftJobProps> = {}) {
  const app = new App({ ...SKIP_BUILTIN_VALIDATION, context: constructTestContext() });
  const stack = new Stack(app, 'Drift', { env: { account: '123456789012', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    natGateways: 0,
    restrictDefaultSecurityGroup: false,
    subnetConfiguration: [{ name: 'workload', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const dataKey = new kms.Key(stack, 'DataKey', { enableKeyRotation: true });
  const jobKey = new kms.Key(stack, 'JobKey', { enableKeyRotation: true });
  const rawBucket = new s3.Bucket(stack, 'Raw', { encryptionKey: dataKey });
  const artifactsBucket = new s3.Bucket(stack, 'Artifacts', { encryptionKey: jobKey });
  const codeBucket = new s3.Bucket(stack, 'Code', { encryptionKey: jobKey });
  const topic = new sns.Topic(stack, 'Alerts', { masterKey: jobKey });
  const parameter = new CfnParameter(stack, 'ApprovedModelPackageArn', { type: 'String', default: 'none' });
  const condition = new CfnCondition(stack, 'VersionApproved', {
    expression: Fn.conditionNot(Fn.conditionEquals(parameter, 'none')),
  });
  const job = new DriftJob(stack, 'Job', {
    modelName: 'churn',
    environmentName: 'prod',
    pipelineName: 'mlops-prod-churn-drift',
    code: { bucket: codeBucket, s3ObjectUrl: 's3://code/asset.zip' },
    imageUri: '141502667606.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-scikit-learn:1.2-1-cpu-py3',
    imageRepositoryArns: [
      stack.formatArn({
        service: 'ecr',
        account: '141502667606',
        resource: 'repository',
        resourceName: 'sagemaker-scikit-learn',
      }),
    ],
    baselines: {
      dataStatisticsUri: 's3://artifacts/b/statistics.json',
      modelStatisticsUri: 's3://artifacts/m/statistics.json',
    },
    baselineBucket: artifactsBucket,
    baselinePrefixes: ['pipelines/churn/*'],
    capture: { bucket: rawBucket, prefix: 'data-capture/churn/' },
    groundTruth: { bucket: rawBucket, prefix: 'ground-truth/churn/' },
    reports: { bucket: artifactsBucket, prefix: 'drift/churn/' },
    settings: {
      windowHours: 24,
      minSamples: 100,
      psiThreshold: 0.2,
      missingTolerance: 0.05,
      instanceType: 'ml.m5.large',
      qualityMetric: 'auc',
      qualityMinimum: 0.75,
      groundTruthDelayHours: 24,
    },
    vpc,
    subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroups: [new ec2.SecurityGroup(stack, 'Jobs', { vpc })],
    jobKey,
    readKeys: [dataKey],
    alarmTopic: topic,
    deadLetterKey: jobKey,
    alarmNames: { dataDrift: 'mlops-prod-churn-data-drift', quality: 'mlops-prod-churn-quality-violation' },
    condition,
    ...overrides,
  });
  return { app, stack, job, template: Template.fromStack(stack) };
}

describe('DriftJob', () => {
  describe('GIVEN the drift job of churn with a daily window and ground truth', () => {
    const { app, stack, job, template } = givenADriftStack();

    test('THEN a schedule starts the single-step pipeline once per window, with retries and a dead-letter queue', () => {
      template.hasResourceProperties('AWS::Scheduler::Schedule', {
        ScheduleExpression: 'rate(1 day)',
        Target: Match.objectLike({
          Arn: stack.resolve(
            stack.formatArn({ service: 'sagemaker', resource: 'pipeline', resourceName: 'mlops-prod-churn-drift' }),
          ),
          RetryPolicy: { MaximumRetryAttempts: 3, MaximumEventAgeInSeconds: 3600 },
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^JobScheduleDeadLettersQueue'), 'Arn'] } },
        }),
      });
      template.hasResourceProperties('AWS::SageMaker::Pipeline', { PipelineName: 'mlops-prod-churn-drift' });
    });

    test('THEN the pipeline runs mlops_shared.drift_job in the VPC with the job key, and passes the window settings', () => {
      const body = JSON.stringify(stack.resolve(job.pipeline.pipelineDefinition));
      expect(body).toContain('exec python3 -m mlops_shared.drift_job');
      for (const arg of [
        '--window-hours',
        '--min-samples',
        '--psi-threshold',
        '--quality-metric',
        '--ground-truth-delay-hours',
      ]) {
        expect(body).toContain(arg);
      }
      expect(body).toContain(`${DRIFT_METRICS.namespace}`);
      expect(body).toContain('VpcConfig');
      expect(body).toContain('VolumeKmsKeyId');
    });

    test('THEN the alarms read the contract: DataDrift and QualityViolation of this model and environment, once per window', () => {
      for (const [name, metric] of [
        ['mlops-prod-churn-data-drift', DRIFT_METRICS.names.dataDrift],
        ['mlops-prod-churn-quality-violation', DRIFT_METRICS.names.qualityViolation],
      ]) {
        template.hasResourceProperties('AWS::CloudWatch::Alarm', {
          AlarmName: name,
          Namespace: DRIFT_METRICS.namespace,
          MetricName: metric,
          Dimensions: Match.arrayWith([
            { Name: 'Environment', Value: 'prod' },
            { Name: 'Model', Value: 'churn' },
          ]),
          Statistic: 'Maximum',
          Period: 86_400,
          Threshold: 1,
          ComparisonOperator: 'GreaterThanOrEqualToThreshold',
          TreatMissingData: 'notBreaching',
        });
      }
      expect(job.alarmNames).toEqual(['mlops-prod-churn-data-drift', 'mlops-prod-churn-quality-violation']);
    });

    test('THEN a failed or stopped run is reported to the alerts topic', () => {
      template.hasResourceProperties('AWS::Events::Rule', {
        EventPattern: {
          source: ['aws.sagemaker'],
          'detail-type': ['SageMaker Model Building Pipeline Execution Status Change'],
          detail: Match.objectLike({ currentPipelineExecutionStatus: ['Failed', 'Stopped'] }),
        },
      });
    });

    test('THEN the job may publish metrics only into the contract namespace', () => {
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Sid: 'PublishTheDriftContract',
              Action: 'cloudwatch:PutMetricData',
              Condition: { StringEquals: { 'cloudwatch:namespace': DRIFT_METRICS.namespace } },
            }),
          ]),
        },
      });
    });

    test('THEN every resource carries the approved-version condition', () => {
      const resources = Object.entries(
        template.toJSON().Resources as Record<string, { Type: string; Condition?: string }>,
      );
      // the construct's resources, not the test stack's key (JobKey) and security group (Jobs)
      const drift = resources.filter(([id]) => id.startsWith('Job') && !/^Job(Key|s)[A-F0-9]{8}$/.test(id));
      expect(drift.length).toBeGreaterThan(5);
      expect(drift.filter(([, r]) => r.Condition !== 'VersionApproved').map(([id]) => id)).toEqual([]);
    });

    test('THEN cdk-nag finds nothing unacknowledged', () => {
      app.synth();
      const violations = [new AwsSolutionsChecks(), new NIST80053R5Checks(), new ServerlessChecks()].flatMap((pack) =>
        pack
          .validateScope(job)
          .violations.flatMap((v) =>
            v.violatingResources.map((r) => `${v.ruleName} at ${r.constructPath ?? r.resourceLogicalId}`),
          ),
      );
      expect(violations).toEqual([]);
    });
  });

  test('GIVEN no ground truth THEN there is no quality alarm', () => {
    const { template } = givenADriftStack({ groundTruth: undefined });
    template.resourcePropertiesCountIs(
      'AWS::CloudWatch::Alarm',
      { MetricName: DRIFT_METRICS.names.qualityViolation },
      0,
    );
  });

  test('GIVEN a window longer than a day THEN the construct refuses it, naming the field', () => {
    expect(() =>
      givenADriftStack({
        settings: {
          windowHours: 48,
          minSamples: 100,
          psiThreshold: 0.2,
          missingTolerance: 0.05,
          instanceType: 'ml.m5.large',
        },
      }),
    ).toThrow(/settings.windowHours must be a whole number of 1 to 24/);
  });
});
