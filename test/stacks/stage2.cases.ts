import { Match } from 'aws-cdk-lib/assertions';
import { personaRoleName } from '../../lib/naming';
import { PERSONAS } from '../../lib/vocabulary';
import { threeEnvironmentConfig } from '../support/fixtures';
import {
  type CloudFormationResource,
  modelPart,
  resourcesOfType,
  synthAtStage,
  synthPlatform,
} from '../support/platform';

const ENVIRONMENTS = ['Dev', 'Test', 'Prod'] as const;
const platform = () => synthAtStage(2);
const only = (resources: Record<string, CloudFormationResource>): CloudFormationResource => {
  const values = Object.values(resources);
  expect(values).toHaveLength(1);
  return values[0] as CloudFormationResource;
};

describe('stage 2 stacks', () => {
  test('every environment has the registry and, for churn, serving and batch stacks', () => {
    for (const env of ENVIRONMENTS) {
      expect(platform().stackPaths).toEqual(
        expect.arrayContaining([`${env}/Registry`, `${env}/Model-churn`, `${env}/Model-churn`]),
      );
    }
  });

  test('has no unacknowledged cdk-nag finding', () => {
    expect(platform().violations).toEqual([]);
  });
});

describe('registry', () => {
  const registry = (env: string) => platform().template(`${env}/Registry`);

  test('has a model package group with a stable, environment-scoped name and an approved-version parameter set to none', () => {
    registry('Test').hasResourceProperties('AWS::SageMaker::ModelPackageGroup', {
      ModelPackageGroupName: 'mlops-test-churn',
    });
    registry('Test').hasResourceProperties('AWS::SSM::Parameter', {
      Name: '/mlops/test/models/churn/approved-model-package-arn',
      Value: 'none',
      Type: 'String',
    });
  });

  test('the approved-version parameter never gets a tag that could change, so no update resets it to none', () => {
    const parameter = only(resourcesOfType(platform().templateJson('Prod/Registry'), 'AWS::SSM::Parameter'));
    expect(parameter.Properties?.Tags).toEqual({ environment: 'prod', project: 'mlops' });
  });

  test('notifies every model package state change of its groups through SNS, with retries and a DLQ', () => {
    registry('Prod').hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        source: ['aws.sagemaker'],
        'detail-type': ['SageMaker Model Package State Change'],
        detail: { ModelPackageGroupName: [{ prefix: 'mlops-prod-' }] },
      },
      Targets: [
        Match.objectLike({
          DeadLetterConfig: { Arn: Match.anyValue() },
          RetryPolicy: { MaximumRetryAttempts: 8, MaximumEventAgeInSeconds: 21600 },
        }),
      ],
    });
  });

  test('the publisher role is assumable only by the dev persona roles and registers versions pending approval only', () => {
    const template = platform().templateJson('Prod/Registry');
    const roles = resourcesOfType(template, 'AWS::IAM::Role');
    const publisher = Object.values(roles).find((r) => r.Properties?.RoleName === 'mlops-prod-model-publisher');
    const trust = JSON.stringify(publisher?.Properties?.AssumeRolePolicyDocument);
    expect(trust).toContain(':iam::111111111111:root');
    expect(trust).toContain('role/mlops-dev-data-scientist');
    expect(trust).not.toContain('333333333333');
    const policy = JSON.stringify(resourcesOfType(template, 'AWS::IAM::ManagedPolicy'));
    expect(policy).toContain('"sagemaker:ModelApprovalStatus":"PendingManualApproval"');
    expect(policy).not.toContain('sagemaker:UpdateModelPackage');
    expect(policy).not.toContain('s3:Delete');
  });

  test("the workbench's persona roles carry the names that the publisher role and the approve command compute", () => {
    // GIVEN the persona roles of dev
    const roles = Object.values(resourcesOfType(platform().templateJson('Dev/Workbench'), 'AWS::IAM::Role'));

    // THEN each persona's role has its name from lib/naming.ts
    const names = roles.map((r) => r.Properties?.RoleName);
    for (const persona of PERSONAS) expect(names).toContain(personaRoleName('mlops', 'dev', persona));
  });

  test('without a dev environment there is no publisher role, and nothing else changes', () => {
    // GIVEN a platform of test and prod only
    const config = { ...threeEnvironmentConfig(), maturity: 2, users: [] };
    config.environments = config.environments.filter((e) => e.name !== 'dev');
    config.models = config.models?.map((m) => ({ ...m, environments: {} }));

    // WHEN
    const platform = synthPlatform({ config });

    // THEN
    const roles = Object.values(resourcesOfType(platform.templateJson('Prod/Registry'), 'AWS::IAM::Role'));
    expect(roles.map((r) => r.Properties?.RoleName)).not.toContain('mlops-prod-model-publisher');
    expect(platform.violations).toEqual([]);
  });
});

describe('serving', () => {
  const serving = (env: string) => platform().templateJson(`${env}/Model-churn`);

  test('the sample serves dev from one instance, without deployment guardrails', () => {
    const config = only(resourcesOfType(serving('Dev'), 'AWS::SageMaker::EndpointConfig'));
    expect(config.Properties?.ProductionVariants).toEqual([
      expect.objectContaining({ InstanceType: 'ml.m5.large', InitialInstanceCount: 1 }),
    ]);
    const endpoint = only(resourcesOfType(serving('Dev'), 'AWS::SageMaker::Endpoint'));
    expect(endpoint.Properties?.DeploymentConfig).toBeUndefined();
  });

  test('prod runs at least two instances, scales from a minimum of 2, and rolls back on its own alarms', () => {
    const template = serving('Prod');
    const config = only(resourcesOfType(template, 'AWS::SageMaker::EndpointConfig'));
    const variants = (config.Properties?.ProductionVariants ?? []) as Array<Record<string, number>>;
    expect(variants.length).toBeGreaterThan(0);
    for (const variant of variants) expect(variant.InitialInstanceCount).toBeGreaterThanOrEqual(2);
    const target = only(resourcesOfType(template, 'AWS::ApplicationAutoScaling::ScalableTarget'));
    expect(target.Properties?.MinCapacity).toBeGreaterThanOrEqual(2);
    only(resourcesOfType(template, 'AWS::ApplicationAutoScaling::ScalingPolicy'));
    const endpoint = only(resourcesOfType(template, 'AWS::SageMaker::Endpoint'));
    const deployment = endpoint.Properties?.DeploymentConfig as Record<string, Record<string, unknown>>;
    expect(deployment.BlueGreenUpdatePolicy).toMatchObject({
      TrafficRoutingConfiguration: { Type: 'CANARY' },
    });
    const alarms = (deployment.AutoRollbackConfiguration as { Alarms: Array<{ AlarmName: string }> }).Alarms;
    const alarmNames = Object.values(resourcesOfType(template, 'AWS::CloudWatch::Alarm')).map(
      (a) => a.Properties?.AlarmName,
    );
    expect(alarms.map((a) => a.AlarmName).sort()).toEqual(['mlops-prod-churn-5xx', 'mlops-prod-churn-p99-latency']);
    for (const alarm of alarms) expect(alarmNames).toContain(alarm.AlarmName);
  });

  test.each(['Test', 'Prod'])(
    '%s encrypts the endpoint config and data capture, and isolates the model in the VPC',
    (env) => {
      const config = only(resourcesOfType(serving(env), 'AWS::SageMaker::EndpointConfig'));
      expect(config.Properties).toMatchObject({
        KmsKeyId: expect.anything(),
        DataCaptureConfig: expect.objectContaining({ KmsKeyId: expect.anything() }),
      });
      const model = only(resourcesOfType(serving(env), 'AWS::SageMaker::Model'));
      expect(model.Properties).toMatchObject({
        EnableNetworkIsolation: true,
        VpcConfig: { SecurityGroupIds: expect.any(Array), Subnets: expect.any(Array) },
      });
    },
  );

  test.each(ENVIRONMENTS)(
    '%s: every serving resource waits for an approved version, and only the endpoint is named',
    (env) => {
      const template = modelPart(serving(env), 'Serving');
      expect(serving(env).Conditions).toHaveProperty('VersionApproved');
      for (const [id, resource] of Object.entries(template.Resources)) {
        if (resource.Type === 'AWS::CDK::Metadata') continue;
        expect({ id, condition: resource.Condition }).toEqual({ id, condition: 'VersionApproved' });
      }
      for (const type of ['AWS::SageMaker::Model', 'AWS::SageMaker::EndpointConfig']) {
        const resource = only(resourcesOfType(template, type));
        expect(resource.Properties).not.toHaveProperty('ModelName');
        expect(resource.Properties).not.toHaveProperty('EndpointConfigName');
      }
      expect(only(resourcesOfType(template, 'AWS::SageMaker::Endpoint')).Properties?.EndpointName).toBe(
        `mlops-${env.toLowerCase()}-churn`,
      );
    },
  );

  test('the approved version comes from the SSM parameter at deploy time, not from a synth-time lookup', () => {
    expect(serving('Test').Parameters).toMatchObject({
      ApprovedModelPackageArn: {
        Type: 'AWS::SSM::Parameter::Value<String>',
        Default: '/mlops/test/models/churn/approved-model-package-arn',
      },
    });
  });

  test('the API is IAM-authorized and integrates SageMaker runtime directly, with no Lambda', () => {
    const template = serving('Prod');
    const method = only(resourcesOfType(template, 'AWS::ApiGateway::Method'));
    expect(method.Properties).toMatchObject({ HttpMethod: 'POST', AuthorizationType: 'AWS_IAM' });
    expect(JSON.stringify(method.Properties?.Integration)).toContain(
      'runtime.sagemaker:path/endpoints/mlops-prod-churn/invocations',
    );
    expect(Object.keys(resourcesOfType(template, 'AWS::Lambda::Function'))).toEqual([]);
    const stage = only(resourcesOfType(template, 'AWS::ApiGateway::Stage'));
    expect(stage.Properties).toMatchObject({ TracingEnabled: true, AccessLogSetting: expect.anything() });
  });
});

describe('batch scoring', () => {
  test('a schedule with retries and a DLQ starts the state machine that runs a .sync transform job', () => {
    const template = platform().template('Prod/Model-churn');
    template.hasResourceProperties('AWS::Scheduler::Schedule', {
      ScheduleExpression: 'cron(0 3 * * ? *)',
      Target: Match.objectLike({
        RetryPolicy: Match.objectLike({ MaximumRetryAttempts: Match.anyValue() }),
        DeadLetterConfig: { Arn: Match.anyValue() },
      }),
    });
    const machine = only(
      resourcesOfType(platform().templateJson('Prod/Model-churn'), 'AWS::StepFunctions::StateMachine'),
    );
    expect(JSON.stringify(machine.Properties?.DefinitionString)).toContain('sagemaker:createTransformJob.sync');
  });

  test('scores land in a run_date-partitioned Glue table of the environment', () => {
    const template = platform().template('Test/Model-churn');
    template.hasResourceProperties('AWS::Glue::Database', { DatabaseInput: { Name: 'mlops_test_churn' } });
    template.hasResourceProperties('AWS::Glue::Table', {
      DatabaseName: 'mlops_test_churn',
      TableInput: Match.objectLike({ PartitionKeys: [{ Name: 'run_date', Type: 'string' }] }),
    });
  });
});

describe('operational guarantees of every template at stage 2', () => {
  const allResources = () =>
    platform().stackPaths.flatMap((stackPath) =>
      Object.entries(platform().templateJson(stackPath).Resources).map(([id, r]) => ({ stackPath, id, r })),
    );

  test('every EventBridge rule target and every schedule has a DLQ and a retry policy', () => {
    for (const { stackPath, id, r } of allResources()) {
      const targets =
        r.Type === 'AWS::Events::Rule'
          ? ((r.Properties?.Targets as Array<Record<string, unknown>>) ?? [])
          : r.Type === 'AWS::Scheduler::Schedule'
            ? [r.Properties?.Target as Record<string, unknown>]
            : [];
      for (const target of targets) {
        expect({ where: `${stackPath}/${id}`, dlq: !!target.DeadLetterConfig, retry: !!target.RetryPolicy }).toEqual({
          where: `${stackPath}/${id}`,
          dlq: true,
          retry: true,
        });
      }
    }
  });
});
