import { Match } from 'aws-cdk-lib/assertions';
import { ConfigError, resolveConfig } from '../../lib/config/loader';
import type { PlatformConfigInput } from '../../lib/config/schema';
import { threeEnvironmentConfig } from '../support/fixtures';
import {
  type CloudFormationResource,
  modelPart,
  REPO_ROOT,
  resourcesOfType,
  synthAtStage,
  synthPlatform,
} from '../support/platform';

const platform = () => synthAtStage(4);
const PARTITION = 'aws';
const MONITOR_TYPES = [
  'AWS::SageMaker::DataQualityJobDefinition',
  'AWS::SageMaker::ModelQualityJobDefinition',
  'AWS::SageMaker::MonitoringSchedule',
  'Custom::ModelPackageBaselines',
];
const CHURN_FEATURES = [
  'tenure_months',
  'monthly_charges',
  'total_charges',
  'contract',
  'payment_method',
  'internet_service',
  'support_calls',
];

const monitoring = (env: string) => modelPart(platform().templateJson(`${env}/Model-churn`), 'Monitoring');
const ofType = (env: string, type: string) => Object.values(resourcesOfType(monitoring(env), type));

describe('stage 4 model monitoring', () => {
  test("every environment monitors each model in the model's stack", () => {
    for (const env of ['Dev', 'Test', 'Prod']) {
      expect(platform().stackPaths).toContain(`${env}/Model-churn`);
    }
  });

  test('every instance endpoint gets data- and model-quality job definitions and schedules', () => {
    // GIVEN the reference fixture: every environment serves churn from instances that capture data
    for (const env of ['Dev', 'Test', 'Prod']) {
      expect(ofType(env, 'AWS::SageMaker::DataQualityJobDefinition')).toHaveLength(1);
      expect(ofType(env, 'AWS::SageMaker::ModelQualityJobDefinition')).toHaveLength(1);
      const schedules = ofType(env, 'AWS::SageMaker::MonitoringSchedule').map((s) => s.Properties);
      const name = `mlops-${env.toLowerCase()}-churn`;
      expect(schedules).toEqual([
        expect.objectContaining({
          MonitoringScheduleName: `${name}-data-quality`,
          EndpointName: name,
          MonitoringScheduleConfig: expect.objectContaining({ MonitoringType: 'DataQuality' }),
        }),
        expect.objectContaining({
          MonitoringScheduleName: `${name}-model-quality`,
          MonitoringScheduleConfig: expect.objectContaining({ MonitoringType: 'ModelQuality' }),
        }),
      ]);
    }
  });

  test('with monitoring.modelMonitor false only the dashboard is left', () => {
    // GIVEN an account that cannot use Model Monitor
    const input = threeEnvironmentConfig();
    const [churn] = input.models ?? [];
    const config: PlatformConfigInput = {
      ...input,
      maturity: 4,
      models: [{ ...churn, monitoring: { ...churn?.monitoring, modelMonitor: false } }],
    };

    // WHEN
    const monitoringTemplate = synthPlatform({ config, environments: 'test' }).templateJson('Test/Model-churn');

    // THEN
    for (const type of MONITOR_TYPES) expect(Object.keys(resourcesOfType(monitoringTemplate, type))).toEqual([]);
    expect(Object.keys(resourcesOfType(monitoringTemplate, 'AWS::CloudWatch::Dashboard'))).toHaveLength(1);
  });

  test('every Model Monitor resource waits for an approved version; the dashboard does not', () => {
    const resources = Object.values(monitoring('Prod').Resources);
    const monitorResources = resources.filter((r) => MONITOR_TYPES.includes(r.Type));
    // the baselines resource, two job definitions and two schedules
    expect(monitorResources).toHaveLength(5);
    for (const resource of monitorResources) expect(resource.Condition).toBe('VersionApproved');
    for (const alarm of resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm')) {
      expect(alarm.Condition).toBe('VersionApproved');
    }
    expect(ofType('Prod', 'AWS::CloudWatch::Dashboard')[0].Condition).toBeUndefined();
  });

  test('the jobs run isolated in the VPC, encrypt volume and output with KMS, and have no fixed names', () => {
    for (const type of ['AWS::SageMaker::DataQualityJobDefinition', 'AWS::SageMaker::ModelQualityJobDefinition']) {
      platform()
        .template('Prod/Model-churn')
        .hasResourceProperties(type, {
          JobDefinitionName: Match.absent(),
          NetworkConfig: {
            EnableNetworkIsolation: true,
            EnableInterContainerTrafficEncryption: true,
            VpcConfig: { SecurityGroupIds: Match.anyValue(), Subnets: Match.anyValue() },
          },
          JobResources: { ClusterConfig: Match.objectLike({ VolumeKmsKeyId: Match.anyValue() }) },
          RoleArn: Match.anyValue(),
        });
      const [job] = ofType('Prod', type);
      const outputConfig = Object.entries(job.Properties ?? {}).find(([key]) => key.endsWith('OutputConfig'));
      expect(outputConfig?.[1]).toEqual(expect.objectContaining({ KmsKeyId: expect.anything() }));
    }
  });

  test('the baselines are the ones registered on the approved model package', () => {
    const template = platform().template('Prod/Model-churn');
    template.hasResourceProperties('Custom::ModelPackageBaselines', {
      ModelPackageArn: { Ref: 'ApprovedModelPackageArn' },
    });
    const fromPackage = (attribute: string) => ({
      'Fn::GetAtt': [Match.stringLikeRegexp('^MonitoringBaselines'), attribute],
    });
    template.hasResourceProperties('AWS::SageMaker::DataQualityJobDefinition', {
      DataQualityBaselineConfig: {
        ConstraintsResource: { S3Uri: fromPackage('DataQualityConstraintsUri') },
        StatisticsResource: { S3Uri: fromPackage('DataQualityStatisticsUri') },
      },
    });
    template.hasResourceProperties('AWS::SageMaker::ModelQualityJobDefinition', {
      ModelQualityBaselineConfig: { ConstraintsResource: { S3Uri: fromPackage('ModelQualityConstraintsUri') } },
      ModelQualityAppSpecification: Match.objectLike({ ProblemType: 'BinaryClassification' }),
    });
  });

  test('model quality merges the ground truth from config with requests old enough to be labelled', () => {
    platform()
      .template('Prod/Model-churn')
      .hasResourceProperties('AWS::SageMaker::ModelQualityJobDefinition', {
        ModelQualityJobInput: {
          EndpointInput: Match.objectLike({ StartTimeOffset: '-PT48H', EndTimeOffset: '-PT24H' }),
          GroundTruthS3Input: { S3Uri: { 'Fn::Join': ['', Match.arrayWith(['/ground-truth/churn/'])] } },
        },
      });
  });

  test('alarms on drift of every configured feature, on live model quality and on failed monitoring jobs', () => {
    const template = platform().template('Prod/Model-churn');
    const drift = Object.values(resourcesOfType(monitoring('Prod'), 'AWS::CloudWatch::Alarm')).find(
      (a) => a.Properties?.AlarmName === 'mlops-prod-churn-feature-drift',
    ) as CloudFormationResource;
    const metrics = drift.Properties?.Metrics as Array<{ MetricStat?: { Metric: { MetricName: string } } }>;
    expect(metrics.flatMap((m) => (m.MetricStat ? [m.MetricStat.Metric.MetricName] : []))).toEqual(
      CHURN_FEATURES.map((f) => `feature_baseline_drift_${f}`),
    );
    expect(drift.Properties).toEqual(expect.objectContaining({ Threshold: 0.1 }));
    // the training gate (auc >= 0.75) is the default minimum of the live metric
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'mlops-prod-churn-model-quality',
      Namespace: '/aws/sagemaker/Endpoints/model-metrics',
      MetricName: 'auc',
      Threshold: 0.75,
      ComparisonOperator: 'LessThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'mlops-prod-churn-monitoring-failures',
      Namespace: 'AWS/Events',
      MetricName: 'TriggeredRules',
      Threshold: 1,
    });
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker Processing Job State Change'],
        detail: { ProcessingJobStatus: ['Failed'], MonitoringScheduleArn: [Match.anyValue(), Match.anyValue()] },
      },
    });
  });

  test('a failed training pipeline run raises an alarm', () => {
    platform()
      .template('Test/Model-churn')
      .hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'mlops-test-churn-training-failures',
        Namespace: 'AWS/Events',
        MetricName: 'TriggeredRules',
        AlarmActions: [Match.anyValue()],
      });
  });

  test('the dashboard shows traffic, latency, errors, drift per feature, pipeline runs, retraining and alarms', () => {
    const [dashboard] = ofType('Prod', 'AWS::CloudWatch::Dashboard');
    expect(dashboard.Properties?.DashboardName).toBe('mlops-prod-churn');
    const body = JSON.stringify(dashboard.Properties?.DashboardBody);
    for (const expected of [
      'Invocations',
      'ModelLatency',
      'Invocation5XXErrors',
      ...CHURN_FEATURES.map((f) => `feature_baseline_drift_${f}`),
      'ExecutionFailed',
      'RetrainingDecision',
      'mlops-prod-churn-5xx',
      'mlops-prod-churn-p99-latency',
      'mlops-prod-churn-zero-invocations',
      'mlops-prod-churn-feature-drift',
      'mlops-prod-churn-training-failures',
    ]) {
      expect(body).toContain(expected);
    }
  });

  test("the stage 3 parts of the model's stack are unchanged apart from added alarms and grants", () => {
    // GIVEN the same environment at stage 3 and stage 4
    const before = synthAtStage(3).templateJson('Prod/Model-churn');
    const after = platform().templateJson('Prod/Model-churn');
    // THEN serving and batch scoring gain nothing and lose nothing
    for (const part of ['Serving', 'Batch']) {
      expect(Object.keys(modelPart(after, part).Resources)).toEqual(Object.keys(modelPart(before, part).Resources));
    }
    // AND training keeps everything, gaining only its failure alarm and the feature store policy (the fixture's
    // model trains from its feature group from stage 4)
    const training = Object.keys(modelPart(before, 'Training').Resources);
    const added = Object.entries(modelPart(after, 'Training').Resources).filter(([id]) => !training.includes(id));
    expect(added.map(([, r]) => r.Type).sort()).toEqual(['AWS::CloudWatch::Alarm', 'AWS::IAM::ManagedPolicy']);
    expect(Object.keys(modelPart(after, 'Training').Resources)).toEqual(expect.arrayContaining(training));
  });
});

describe("the registry stack's own stage 4 contents", () => {
  test('GIVEN a delivery pipeline THEN the test registry holds the baselines function and the runner role, with their logical ids', () => {
    // GIVEN the reference fixture with a source connection, so the delivery pipeline trains on sample data in test
    const input = threeEnvironmentConfig();
    const config: PlatformConfigInput = {
      ...input,
      maturity: 4,
      tooling: {
        account: '444444444444',
        region: 'eu-west-1',
        connection: {
          connectionArn: `arn:${PARTITION}:codeconnections:eu-west-1:444444444444:connection/00000000-0000-0000-0000-000000000000`,
          repository: 'acme/mlops-platform',
          branch: 'main',
        },
      },
    };

    // WHEN
    const synthesized = synthPlatform({ config, environments: 'test' });

    // THEN the registry stack creates both, at the paths (and so the logical ids) they have always had
    const registry = synthesized.environments[0]?.registry;
    expect(registry?.baselinesFunction?.node.path).toBe('Test/Registry/ModelPackageBaselines');
    expect(registry?.pipelineRunner?.node.path).toBe('Test/Registry/PipelineRunner');
    const template = synthesized.templateJson('Test/Registry');
    const idOf = (type: string, property: string, value: string) =>
      Object.entries(resourcesOfType(template, type)).find(([, r]) => r.Properties?.[property] === value)?.[0];
    expect(idOf('AWS::Lambda::Function', 'FunctionName', 'mlops-test-model-package-baselines')).toBe(
      'ModelPackageBaselinesHandlerCD1C5C48',
    );
    expect(idOf('AWS::IAM::Role', 'RoleName', 'mlops-test-pipeline-runner')).toBe('PipelineRunnerRole257F667A');
  });

  test('GIVEN no delivery pipeline THEN every registry holds the baselines function and no runner role', () => {
    for (const environment of platform().environments) {
      expect(environment.registry?.baselinesFunction?.functionName).toBe(
        `mlops-${environment.stageName.toLowerCase()}-model-package-baselines`,
      );
      expect(environment.registry?.pipelineRunner).toBeUndefined();
    }
  });
});

describe('every alarm in every template', () => {
  test.each([1, 2, 3, 4, 5])('at stage %i notifies through an alarm action', (stage) => {
    const synthesized = synthAtStage(stage);
    const silent: string[] = [];
    for (const stackPath of synthesized.stackPaths) {
      for (const [id, alarm] of Object.entries(
        resourcesOfType(synthesized.templateJson(stackPath), 'AWS::CloudWatch::Alarm'),
      )) {
        const alarmActions = alarm.Properties?.AlarmActions as unknown[] | undefined;
        if (!alarmActions || alarmActions.length === 0) silent.push(`${stackPath}/${id}`);
      }
    }
    expect(silent).toEqual([]);
  });
});

describe('monitoring config', () => {
  const withModel = (patch: Record<string, unknown>, maturity = 4): (() => unknown) => {
    const input = threeEnvironmentConfig();
    const config: PlatformConfigInput = {
      ...input,
      maturity,
      models: [{ ...(input.models ?? [])[0], ...patch } as NonNullable<PlatformConfigInput['models']>[number]],
    };
    // resolving is enough: the checks run before any stack is built
    return () => resolveConfig(config, {}, 'test', REPO_ROOT);
  };

  test('a real-time model without monitored features fails at stage 4 naming the field', () => {
    expect(withModel({ monitoring: {} })).toThrow(/models\[0\]\.monitoring\.features: model monitoring/);
  });

  test('the same model is fine at stage 3, where nothing is monitored', () => {
    expect(withModel({ monitoring: {} }, 3)).not.toThrow();
  });

  test('a model name that makes schedule names longer than SageMaker accepts fails', () => {
    // GIVEN the longest names the schema allows: a 16-character project, a 12-character environment name and a
    // 24-character model name
    const input = threeEnvironmentConfig();
    const config: PlatformConfigInput = {
      ...input,
      project: 'platform-project',
      maturity: 4,
      environments: [{ name: 'production12', kind: 'prod', account: '333333333333', region: 'eu-west-1' }],
      users: [],
      models: [
        { ...(input.models ?? [])[0], name: 'a-very-long-model-name-x' } as NonNullable<
          PlatformConfigInput['models']
        >[number],
      ],
    };
    // THEN "platform-project-production12-a-very-long-model-name-x-model-quality" (68 characters) is refused
    const resolve = () => resolveConfig(config, {}, 'test', REPO_ROOT);
    expect(resolve).toThrow(ConfigError);
    expect(resolve).toThrow(/models\[0\]\.name: .*monitoring schedule names too long .*\(68 of 63 characters\)/);
  });
});

describe('stage 4 feature store', () => {
  test('every environment creates the configured groups with KMS on both stores, kept outside dev', () => {
    for (const env of ['Dev', 'Test', 'Prod']) {
      const groups = Object.values(
        resourcesOfType(platform().templateJson(`${env}/FeatureStore`), 'AWS::SageMaker::FeatureGroup'),
      );
      expect(groups).toHaveLength(1);
      const [group] = groups;
      expect(group.Properties).toEqual(
        expect.objectContaining({
          FeatureGroupName: `mlops-${env.toLowerCase()}-churn-customers`,
          // PascalCase keys: the store configs are untyped in aws-cdk-lib and passed through as written
          OnlineStoreConfig: expect.objectContaining({ SecurityConfig: { KmsKeyId: expect.anything() } }),
          OfflineStoreConfig: expect.objectContaining({
            S3StorageConfig: expect.objectContaining({ KmsKeyId: expect.anything() }),
            TableFormat: 'Iceberg',
          }),
        }),
      );
      expect(group.DeletionPolicy).toBe(env === 'Dev' ? 'Delete' : 'Retain');
    }
  });

  test('the training pipeline of a model with a feature group ingests into it and trains on its offline store', () => {
    const definition = JSON.stringify(
      Object.values(resourcesOfType(platform().templateJson('Test/Model-churn'), 'AWS::SageMaker::Pipeline'))[0]
        .Properties?.PipelineDefinition,
    );
    expect(definition).toContain('IngestFeatures');
    expect(definition).toContain('ReadOfflineStore');
    expect(definition).toContain('mlops-test-churn-customers');
    expect(platform().stackPaths).toContain('Test/FeatureStore');
  });
});
