import { CfnCondition, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import { ModelDashboard } from '../../lib/constructs/model-dashboard';
import { ModelEndpoint } from '../../lib/constructs/model-endpoint';
import { ModelMonitor, type ModelMonitorProps } from '../../lib/constructs/model-monitor';
import { testApp } from '../support/platform';

const BASELINE = {
  statisticsUri: 's3://artifacts/b/statistics.json',
  constraintsUri: 's3://artifacts/b/constraints.json',
};

/** A stack with one endpoint's monitoring under the approved-version condition, like a monitoring stack. */
function givenAMonitoringStack(overrides: (base: ModelMonitorProps) => Partial<ModelMonitorProps> = () => ({})) {
  const app = testApp();
  const stack = new Stack(app, 'Monitoring', { env: { account: '123456789012', region: 'eu-west-1' } });
  const vpc = new ec2.Vpc(stack, 'Vpc', {
    availabilityZones: ['eu-west-1a', 'eu-west-1b'],
    natGateways: 0,
    restrictDefaultSecurityGroup: false,
    subnetConfiguration: [{ name: 'workload', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const securityGroup = new ec2.SecurityGroup(stack, 'Jobs', { vpc });
  const dataKey = new kms.Key(stack, 'DataKey', { enableKeyRotation: true });
  const jobKey = new kms.Key(stack, 'JobKey', { enableKeyRotation: true });
  const rawBucket = new s3.Bucket(stack, 'Raw', { encryptionKey: dataKey });
  const artifactsBucket = new s3.Bucket(stack, 'Artifacts', { encryptionKey: jobKey });
  const topic = new sns.Topic(stack, 'Alerts', { masterKey: jobKey });
  const parameter = new CfnParameter(stack, 'ApprovedModelPackageArn', { type: 'String', default: 'none' });
  const condition = new CfnCondition(stack, 'VersionApproved', {
    expression: Fn.conditionNot(Fn.conditionEquals(parameter, 'none')),
  });
  // imported by name, as the platform does: the serving endpoint exists only once a version is approved
  const endpoint = ModelEndpoint.fromEndpointName(stack, 'Endpoint', 'mlops-prod-churn');
  const base: ModelMonitorProps = {
    endpoint,
    condition,
    imageUri: '468650794304.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-model-monitor-analyzer',
    namePrefix: 'mlops-prod-churn',
    dataQuality: { baseline: BASELINE, schedule: 'cron(0 * ? * * *)', features: ['tenure_months', 'contract'] },
    modelQuality: {
      baseline: BASELINE,
      problemType: 'BinaryClassification',
      groundTruthBucket: rawBucket,
      groundTruthPrefix: 'ground-truth/churn/',
      groundTruthDelayHours: 24,
      windowHours: 24,
      schedule: 'cron(0 0 ? * * *)',
      metric: 'auc',
      minimum: 0.75,
    },
    capture: { bucket: rawBucket, prefix: 'data-capture/churn', key: dataKey },
    artifactsBucket,
    reportPrefix: 'monitoring/churn',
    baselinePrefixes: ['pipelines/churn/*'],
    jobKey,
    readKeys: [dataKey],
    vpc,
    subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroups: [securityGroup],
    alarmTopic: topic,
    deadLetterKey: jobKey,
  };
  const monitor = new ModelMonitor(stack, 'Monitor', { ...base, ...overrides(base) });
  return { app, stack, endpoint, monitor, template: () => Template.fromStack(stack) };
}

describe('ModelMonitor', () => {
  describe('GIVEN an instance endpoint with two monitored features and model quality', () => {
    test('THEN every resource carries the approved-version condition', () => {
      // WHEN
      const { template } = givenAMonitoringStack();

      // THEN
      const resources = Object.entries(template().toJSON().Resources as Record<string, { Condition?: string }>);
      const ownResources = resources.filter(([id]) => id.startsWith('Monitor'));
      expect(ownResources.length).toBeGreaterThan(8);
      for (const [id, resource] of ownResources)
        expect({ id, condition: resource.Condition }).toEqual({ id, condition: 'VersionApproved' });
    });

    test('THEN the role reads only the capture, baseline and label prefixes and writes only the reports', () => {
      // WHEN
      const { template } = givenAMonitoringStack();

      // THEN
      const policies = JSON.stringify(template().findResources('AWS::IAM::ManagedPolicy'));
      for (const prefix of [
        '/data-capture/churn/*',
        '/pipelines/churn/*',
        '/ground-truth/churn/*',
        '/monitoring/churn/*',
      ]) {
        expect(policies).toContain(prefix);
      }
      template().hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: Match.objectLike({
          Statement: [Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' } })],
        }),
      });
    });

    test('THEN regression monitoring reads the prediction as the inference attribute', () => {
      // WHEN
      const { template } = givenAMonitoringStack((base) => ({
        modelQuality: {
          ...(base.modelQuality as NonNullable<ModelMonitorProps['modelQuality']>),
          problemType: 'Regression',
          metric: 'rmse',
        },
      }));

      // THEN
      template().hasResourceProperties('AWS::SageMaker::ModelQualityJobDefinition', {
        ModelQualityJobInput: {
          EndpointInput: Match.objectLike({ InferenceAttribute: '0', ProbabilityAttribute: Match.absent() }),
          GroundTruthS3Input: Match.anyValue(),
        },
      });
    });

    test('THEN the jobs read the endpoint by its name and may not invoke it', () => {
      // WHEN
      const { endpoint, monitor, template } = givenAMonitoringStack();

      // THEN
      expect(monitor.endpoint).toBe(endpoint);
      template().allResourcesProperties('AWS::SageMaker::MonitoringSchedule', { EndpointName: 'mlops-prod-churn' });
      template().hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
        DataQualityJobInput: { EndpointInput: Match.objectLike({ EndpointName: 'mlops-prod-churn' }) },
      });
      expect(JSON.stringify(template().findResources('AWS::IAM::ManagedPolicy'))).not.toContain(
        'sagemaker:InvokeEndpoint',
      );
      expect(monitor.metricFeatureDrift('tenure_months').dimensions).toEqual({
        Endpoint: 'mlops-prod-churn',
        MonitoringSchedule: 'mlops-prod-churn-data-quality',
      });
    });

    test('THEN cdk-nag finds nothing in the monitoring', () => {
      // GIVEN
      const { app, monitor } = givenAMonitoringStack();

      // WHEN
      app.synth();

      // THEN
      const violations = [new AwsSolutionsChecks(), new NIST80053R5Checks(), new ServerlessChecks()].flatMap((pack) =>
        pack.validateScope(monitor).violations.map((v) => v.ruleName),
      );
      expect(violations).toEqual([]);
    });
  });

  describe('GIVEN bias and explainability monitoring', () => {
    const clarify = (base: ModelMonitorProps): Partial<ModelMonitorProps> => ({
      bias: {
        baseline: {
          configUri: 's3://artifacts/b/bias/analysis_config.json',
          constraintsUri: 's3://artifacts/b/bias/c.json',
        },
        schedule: 'cron(0 1 ? * * *)',
      },
      explainability: {
        baseline: {
          configUri: 's3://artifacts/b/shap/analysis_config.json',
          constraintsUri: 's3://artifacts/b/shap/c.json',
        },
        schedule: 'cron(0 2 ? * * *)',
      },
      clarifyImageUri: '131013547314.dkr.ecr.eu-west-1.amazonaws.com/sagemaker-clarify-processing:1.0',
      dataQuality: base.dataQuality,
    });

    test('THEN both run the Clarify image with the registered analysis config and constraints', () => {
      // WHEN
      const { template } = givenAMonitoringStack(clarify);

      // THEN
      template().hasResourceProperties('AWS::SageMaker::ModelBiasJobDefinition', {
        ModelBiasAppSpecification: Match.objectLike({
          ImageUri: Match.stringLikeRegexp('sagemaker-clarify-processing:1.0$'),
          ConfigUri: 's3://artifacts/b/bias/analysis_config.json',
        }),
        ModelBiasBaselineConfig: { ConstraintsResource: { S3Uri: 's3://artifacts/b/bias/c.json' } },
        // bias compares predictions with the labels that model quality also reads
        ModelBiasJobInput: {
          EndpointInput: Match.objectLike({ ProbabilityAttribute: '0' }),
          GroundTruthS3Input: Match.anyValue(),
        },
        NetworkConfig: Match.objectLike({ EnableNetworkIsolation: true, EnableInterContainerTrafficEncryption: true }),
      });
      template().hasResourceProperties('AWS::SageMaker::ModelExplainabilityJobDefinition', {
        ModelExplainabilityAppSpecification: Match.objectLike({
          ConfigUri: 's3://artifacts/b/shap/analysis_config.json',
        }),
        // SHAP calls the endpoint, so the job keeps network access inside the VPC
        NetworkConfig: Match.objectLike({ EnableNetworkIsolation: false, EnableInterContainerTrafficEncryption: true }),
        JobResources: { ClusterConfig: Match.objectLike({ VolumeKmsKeyId: Match.anyValue() }) },
      });
      const schedules = template().findResources('AWS::SageMaker::MonitoringSchedule');
      expect(Object.values(schedules).map((r) => r.Properties.MonitoringScheduleName)).toEqual([
        'mlops-prod-churn-data-quality',
        'mlops-prod-churn-model-quality',
        'mlops-prod-churn-model-bias',
        'mlops-prod-churn-explainability',
      ]);
    });

    test('THEN explainability may invoke the endpoint through its grant, and failed jobs of all four schedules raise the alarm', () => {
      // WHEN
      const { template } = givenAMonitoringStack(clarify);

      // THEN
      template().hasResourceProperties('AWS::IAM::ManagedPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 'sagemaker:InvokeEndpoint',
              Resource: Match.stringLikeRegexp(':endpoint/mlops-prod-churn$'),
            }),
          ]),
        },
      });
      const [rule] = Object.values(template().findResources('AWS::Events::Rule'));
      expect(rule.Properties.EventPattern.detail.MonitoringScheduleArn).toHaveLength(4);
    });

    test('THEN bias without model quality or without the Clarify image is refused', () => {
      expect(() => givenAMonitoringStack((base) => ({ ...clarify(base), modelQuality: undefined }))).toThrow(
        /^invalid model monitor 'Monitoring\/Monitor':\n- modelQuality must be set for bias monitoring, which joins predictions with labels/,
      );
      expect(() => givenAMonitoringStack((base) => ({ ...clarify(base), clarifyImageUri: undefined }))).toThrow(
        /clarifyImageUri must be set for bias and explainability monitoring, got none/,
      );
    });
  });

  describe('GIVEN twelve monitored features', () => {
    test('THEN the drift alarms split them into groups of at most ten metrics, each with an action', () => {
      // WHEN
      const features = Array.from({ length: 12 }, (_, i) => `feature_${i}`);
      const { template } = givenAMonitoringStack((base) => ({ dataQuality: { ...base.dataQuality, features } }));

      // THEN
      const alarms = Object.values(
        template().findResources('AWS::CloudWatch::Alarm', {
          Properties: { AlarmName: Match.stringLikeRegexp('feature-drift') },
        }),
      ) as Array<{ Properties: { AlarmName: string; Metrics: unknown[]; AlarmActions: unknown[] } }>;
      expect(alarms.map((a) => a.Properties.AlarmName).sort()).toEqual([
        'mlops-prod-churn-feature-drift-1',
        'mlops-prod-churn-feature-drift-2',
      ]);
      // ten metrics and the MAX expression, then two metrics and the expression
      expect(alarms.map((a) => a.Properties.Metrics.length).sort()).toEqual([11, 3]);
      for (const alarm of alarms) expect(alarm.Properties.AlarmActions).toHaveLength(1);
    });
  });

  describe('GIVEN the names of the alarms', () => {
    test('THEN the alarms take them, and drift alarms over more than ten features are numbered', () => {
      // GIVEN
      const alarmNames = {
        featureDrift: 'churn-drift',
        modelQuality: 'churn-quality',
        monitoringFailures: 'churn-monitoring-failed',
      };
      const features = Array.from({ length: 12 }, (_, i) => `feature_${i}`);

      // WHEN
      const { monitor } = givenAMonitoringStack((base) => ({
        alarmNames,
        dataQuality: { ...base.dataQuality, features },
      }));

      // THEN
      expect(monitor.alarmNames).toEqual([
        'churn-drift-1',
        'churn-drift-2',
        'churn-quality',
        'churn-monitoring-failed',
      ]);
    });

    test('WHEN none are given THEN they are the name prefix and the kind of alarm', () => {
      const { monitor } = givenAMonitoringStack(() => ({}));
      expect(monitor.alarmNames).toEqual([
        'mlops-prod-churn-feature-drift',
        'mlops-prod-churn-model-quality',
        'mlops-prod-churn-monitoring-failures',
      ]);
    });
  });

  describe('GIVEN no monitored feature', () => {
    test('THEN it refuses to build, naming the prop', () => {
      expect(() => givenAMonitoringStack((base) => ({ dataQuality: { ...base.dataQuality, features: [] } }))).toThrow(
        /^invalid model monitor '.*':\n- dataQuality\.features must name at least one feature, got none$/,
      );
    });
  });

  describe('GIVEN only data-quality monitoring', () => {
    test('THEN there is one schedule, no model-quality alarm, and the quality metric is refused', () => {
      // WHEN
      const { monitor, template } = givenAMonitoringStack(() => ({ modelQuality: undefined }));

      // THEN
      template().resourceCountIs('AWS::SageMaker::MonitoringSchedule', 1);
      template().resourceCountIs('AWS::SageMaker::ModelQualityJobDefinition', 0);
      expect(monitor.alarmNames).toEqual(['mlops-prod-churn-feature-drift', 'mlops-prod-churn-monitoring-failures']);
      expect(() => monitor.metricModelQuality('auc')).toThrow(/no model-quality monitoring/);
    });
  });
});

describe('ModelDashboard', () => {
  test('GIVEN an endpoint THEN it graphs traffic, latency and errors from the metrics of that endpoint and variant', () => {
    // GIVEN
    const app = testApp();
    const stack = new Stack(app, 'Dashboards', { env: { account: '123456789012', region: 'eu-west-1' } });
    const endpoint = ModelEndpoint.fromEndpointAttributes(stack, 'Endpoint', {
      endpointName: 'mlops-prod-churn',
      variantName: 'Blue',
    });

    // WHEN
    new ModelDashboard(stack, 'Dashboard', { dashboardName: 'mlops-prod-churn', modelName: 'churn', endpoint });

    // THEN
    const body = JSON.stringify(Template.fromStack(stack).toJSON());
    for (const metric of [
      'Invocations',
      'ModelLatency',
      'OverheadLatency',
      'Invocation4XXErrors',
      'Invocation5XXErrors',
    ]) {
      expect(body).toContain(
        `\\"AWS/SageMaker\\",\\"${metric}\\",\\"EndpointName\\",\\"mlops-prod-churn\\",\\"VariantName\\",\\"Blue\\"`,
      );
    }
    expect(body).not.toContain('AllTraffic');
  });

  test('GIVEN a batch-only model THEN it shows the pipeline and alarms but no endpoint or drift widgets', () => {
    // GIVEN
    const app = testApp();
    const stack = new Stack(app, 'Dashboards', { env: { account: '123456789012', region: 'eu-west-1' } });

    // WHEN
    new ModelDashboard(stack, 'Dashboard', {
      dashboardName: 'mlops-prod-scores',
      modelName: 'scores',
      pipelineName: 'mlops-prod-scores-training',
      alarmNames: ['mlops-prod-scores-training-failures'],
    });

    // THEN
    const body = JSON.stringify(Template.fromStack(stack).toJSON());
    expect(body).toContain('ExecutionFailed');
    expect(body).toContain('alarm:mlops-prod-scores-training-failures');
    expect(body).not.toContain('ModelLatency');
    expect(body).not.toContain('feature_baseline_drift_');
  });
});
