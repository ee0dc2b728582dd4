import { CfnCondition, CfnParameter, CfnResource, Fn, Stack, Token } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import * as kms from 'aws-cdk-lib/aws-kms';
import * as s3 from 'aws-cdk-lib/aws-s3';
import * as sns from 'aws-cdk-lib/aws-sns';
import { AwsSolutionsChecks, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import {
  type InstanceServing,
  ModelEndpoint,
  type ModelEndpointProps,
  type ServerlessServing,
  VARIANT_NAME,
} from '../../lib/constructs/model-endpoint';
import { testApp } from '../support/platform';

const SERVERLESS: ServerlessServing = { kind: 'serverless', memorySizeInMb: 2048, maxConcurrency: 5 };
const INSTANCES: InstanceServing = {
  kind: 'instances',
  instanceType: 'ml.m5.large',
  minInstances: 2,
  maxInstances: 4,
  targetInvocationsPerInstance: 100,
};

/** SageMaker's XGBoost repository of us-east-1, the one repository the execution role may pull from here. */
const XGBOOST_REPOSITORY = (scope: Stack) =>
  scope.formatArn({
    service: 'ecr',
    account: '683313688378',
    region: 'us-east-1',
    resource: 'repository',
    resourceName: 'sagemaker-xgboost',
  });

/**
 * A serving stack holding only the approved-version parameter, its condition and the endpoint, as the platform's
 * serving stacks do; the network, key, buckets and topic come from a shared stack.
 */
function givenAServingStack() {
  const app = testApp();
  const shared = new Stack(app, 'Shared');
  const vpc = new ec2.Vpc(shared, 'Vpc', {
    availabilityZones: ['us-east-1a', 'us-east-1b'],
    natGateways: 0,
    restrictDefaultSecurityGroup: false,
    subnetConfiguration: [{ name: 'workload', subnetType: ec2.SubnetType.PRIVATE_ISOLATED }],
  });
  const securityGroup = new ec2.SecurityGroup(shared, 'EndpointSecurityGroup', { vpc });
  const key = new kms.Key(shared, 'Key', { enableKeyRotation: true });
  const captureKey = new kms.Key(shared, 'CaptureKey', { enableKeyRotation: true });
  const captureBucket = new s3.Bucket(shared, 'CaptureBucket', { encryptionKey: captureKey });
  const artifactsBucket = new s3.Bucket(shared, 'ArtifactsBucket', { encryptionKey: key });
  const topic = new sns.Topic(shared, 'Alerts');

  const stack = new Stack(app, 'Serving');
  const param = new CfnParameter(stack, 'ApprovedModelPackageArn', {
    type: 'AWS::SSM::Parameter::Value<String>',
    default: '/x/approved',
  });
  const condition = new CfnCondition(stack, 'VersionApproved', {
    expression: Fn.conditionNot(Fn.conditionEquals(param, 'none')),
  });
  const props = (overrides: Partial<ModelEndpointProps> = {}): ModelEndpointProps => ({
    modelPackageArn: param.valueAsString,
    condition,
    endpointName: 'churn-dev',
    vpc,
    subnets: { subnetType: ec2.SubnetType.PRIVATE_ISOLATED },
    securityGroups: [securityGroup],
    encryptionKey: key,
    dataCapture: {
      bucket: captureBucket,
      prefix: 'data-capture/churn',
      encryptionKey: captureKey,
      samplingPercentage: 20,
    },
    serving: SERVERLESS,
    alarmTopic: topic,
    imageRepositoryArns: [XGBOOST_REPOSITORY(shared)],
    artifactsBucket,
    ...overrides,
  });
  return { app, shared, stack, props, key, captureKey };
}

function givenAnEndpoint(overrides: Partial<ModelEndpointProps> = {}) {
  const given = givenAServingStack();
  const endpoint = new ModelEndpoint(given.stack, 'Churn', given.props(overrides));
  return {
    ...given,
    endpoint,
    /** Synthesizes on first use, so a test can still add to the stack before it asks. */
    get template() {
      return Template.fromStack(given.stack);
    },
  };
}

const canaryInstances = () => givenAnEndpoint({ serving: INSTANCES, deployment: { trafficRouting: 'CANARY' } });

function resourcesOf(template: Template): Record<string, { Type: string; Condition?: string }> {
  return template.toJSON().Resources;
}

describe('ModelEndpoint', () => {
  describe('GIVEN a serverless endpoint', () => {
    test('THEN its variant has ServerlessConfig, the config is KMS-encrypted and the endpoint has no DeploymentConfig', () => {
      // WHEN
      const { template } = givenAnEndpoint({ serving: SERVERLESS });

      // THEN
      template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
        KmsKeyId: Match.anyValue(),
        ProductionVariants: [
          {
            VariantName: 'AllTraffic',
            ModelName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChurnModel'), 'ModelName'] },
            InitialVariantWeight: 1,
            ServerlessConfig: { MemorySizeInMB: 2048, MaxConcurrency: 5 },
          },
        ],
      });
      template.hasResourceProperties('AWS::SageMaker::Endpoint', {
        EndpointName: 'churn-dev',
        DeploymentConfig: Match.absent(),
      });
      template.resourceCountIs('AWS::ApplicationAutoScaling::ScalableTarget', 0);
    });

    test('THEN it sets no VPC, network isolation or data capture, which Serverless Inference does not support', () => {
      // WHEN
      const { template } = givenAnEndpoint({ serving: SERVERLESS });

      // THEN
      template.hasResourceProperties('AWS::SageMaker::Model', {
        VpcConfig: Match.absent(),
        EnableNetworkIsolation: Match.absent(),
      });
      template.hasResourceProperties('AWS::SageMaker::EndpointConfig', { DataCaptureConfig: Match.absent() });
    });

    test('THEN the zero-invocations alarm treats missing data as not breaching, because it scales to zero', () => {
      // WHEN
      const { template } = givenAnEndpoint({ serving: SERVERLESS });

      // THEN
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'churn-dev-zero-invocations',
        TreatMissingData: 'notBreaching',
      });
    });
  });

  describe('GIVEN an instances endpoint with a canary deployment', () => {
    test('THEN its variant starts with minInstances of the instance type', () => {
      // WHEN
      const { template } = canaryInstances();

      // THEN
      template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
        ProductionVariants: [
          Match.objectLike({
            VariantName: 'AllTraffic',
            InstanceType: 'ml.m5.large',
            InitialInstanceCount: 2,
            ServerlessConfig: Match.absent(),
          }),
        ],
      });
    });

    test('THEN a scalable target on the variant, after the endpoint, scales between min and max instances', () => {
      // WHEN
      const { template } = canaryInstances();

      // THEN
      template.hasResource('AWS::ApplicationAutoScaling::ScalableTarget', {
        Properties: Match.objectLike({
          ServiceNamespace: 'sagemaker',
          ResourceId: 'endpoint/churn-dev/variant/AllTraffic',
          ScalableDimension: 'sagemaker:variant:DesiredInstanceCount',
          MinCapacity: 2,
          MaxCapacity: 4,
        }),
        DependsOn: Match.arrayWith([Match.stringLikeRegexp('^ChurnEndpoint')]),
      });
    });

    test('THEN a target-tracking policy keeps the invocations per instance at the target', () => {
      // WHEN
      const { template } = canaryInstances();

      // THEN
      template.hasResourceProperties('AWS::ApplicationAutoScaling::ScalingPolicy', {
        PolicyType: 'TargetTrackingScaling',
        ScalingTargetId: { Ref: Match.stringLikeRegexp('^ChurnScalableTarget') },
        TargetTrackingScalingPolicyConfiguration: Match.objectLike({
          PredefinedMetricSpecification: { PredefinedMetricType: 'SageMakerVariantInvocationsPerInstance' },
          TargetValue: 100,
        }),
      });
    });

    test('THEN a blue/green CANARY update rolls back on the 5xx and p99 latency alarms it defines', () => {
      // WHEN
      const { template } = canaryInstances();

      // THEN
      template.hasResource('AWS::SageMaker::Endpoint', {
        Properties: {
          EndpointName: 'churn-dev',
          EndpointConfigName: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChurnEndpointConfig'), 'EndpointConfigName'] },
          DeploymentConfig: {
            BlueGreenUpdatePolicy: {
              TrafficRoutingConfiguration: {
                Type: 'CANARY',
                CanarySize: { Type: 'CAPACITY_PERCENT', Value: 10 },
                WaitIntervalInSeconds: 600,
              },
              TerminationWaitInSeconds: 600,
              MaximumExecutionTimeoutInSeconds: Match.anyValue(),
            },
            AutoRollbackConfiguration: {
              Alarms: [{ AlarmName: 'churn-dev-5xx' }, { AlarmName: 'churn-dev-p99-latency' }],
            },
          },
        },
        DependsOn: Match.arrayWith([
          Match.stringLikeRegexp('^ChurnErrors5xxAlarm'),
          Match.stringLikeRegexp('^ChurnLatencyP99Alarm'),
        ]),
      });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'churn-dev-5xx' });
      template.hasResourceProperties('AWS::CloudWatch::Alarm', { AlarmName: 'churn-dev-p99-latency' });
    });

    test('THEN the execution role may describe exactly the two rollback alarms', () => {
      // WHEN
      const { template } = canaryInstances();

      // THEN
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 'cloudwatch:DescribeAlarms',
              Resource: [
                { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChurnErrors5xxAlarm'), 'Arn'] },
                { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChurnLatencyP99Alarm'), 'Arn'] },
              ],
            }),
          ]),
        },
      });
    });

    test('THEN the endpoint config and its data capture are KMS-encrypted and capture JSON and CSV in and out', () => {
      // WHEN
      const { template, shared, key, captureKey } = canaryInstances();

      // THEN
      const keyArn = (k: kms.Key) => shared.resolve(k.keyArn)['Fn::GetAtt'][0];
      expect(keyArn(key)).not.toEqual(keyArn(captureKey));
      template.hasResourceProperties('AWS::SageMaker::EndpointConfig', {
        KmsKeyId: { 'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp(keyArn(key)) }) },
        DataCaptureConfig: {
          EnableCapture: true,
          InitialSamplingPercentage: 20,
          KmsKeyId: {
            'Fn::GetStackOutput': Match.objectLike({ OutputName: Match.stringLikeRegexp(keyArn(captureKey)) }),
          },
          DestinationS3Uri: { 'Fn::Join': ['', ['s3://', Match.anyValue(), '/data-capture/churn']] },
          CaptureOptions: [{ CaptureMode: 'Input' }, { CaptureMode: 'Output' }],
          CaptureContentTypeHeader: { JsonContentTypes: ['application/json'], CsvContentTypes: ['text/csv'] },
        },
      });
    });

    test('THEN the model serves the approved package network-isolated in the VPC under its execution role', () => {
      // WHEN
      const { template } = canaryInstances();

      // THEN
      template.hasResource('AWS::SageMaker::Model', {
        Properties: {
          PrimaryContainer: { ModelPackageName: { Ref: 'ApprovedModelPackageArn' } },
          EnableNetworkIsolation: true,
          VpcConfig: {
            Subnets: [Match.anyValue(), Match.anyValue()],
            SecurityGroupIds: [Match.anyValue()],
          },
          ExecutionRoleArn: { 'Fn::GetAtt': [Match.stringLikeRegexp('^ChurnExecutionRole'), 'Arn'] },
        },
        DependsOn: [Match.stringLikeRegexp('^ChurnExecutionRolePolicy')],
      });
      template.hasResourceProperties('AWS::IAM::Role', {
        AssumeRolePolicyDocument: {
          Statement: [Match.objectLike({ Principal: { Service: 'sagemaker.amazonaws.com' } })],
        },
      });
    });

    test('THEN the execution role describes the approved package, pulls images and writes data capture', () => {
      // WHEN
      const { template } = canaryInstances();

      // THEN
      template.hasResourceProperties('AWS::IAM::ManagedPolicy', {
        PolicyDocument: {
          Statement: Match.arrayWith([
            Match.objectLike({
              Action: 'sagemaker:DescribeModelPackage',
              Resource: { Ref: 'ApprovedModelPackageArn' },
            }),
            Match.objectLike({ Action: 'ecr:GetAuthorizationToken', Resource: '*' }),
            Match.objectLike({
              Action: Match.arrayWith(['ecr:BatchGetImage', 'ecr:GetDownloadUrlForLayer']),
              // only the repositories it is given, never repository/* of any account
              Resource: {
                'Fn::Join': ['', Match.arrayWith([':ecr:us-east-1:683313688378:repository/sagemaker-xgboost'])],
              },
            }),
            Match.objectLike({ Action: Match.arrayWith(['ec2:CreateNetworkInterface']) }),
            Match.objectLike({
              Action: Match.arrayWith(['s3:PutObject']),
              Resource: { 'Fn::Join': ['', [Match.anyValue(), '/data-capture/churn/*']] },
            }),
          ]),
        },
      });
    });

    test('THEN the zero-invocations alarm treats missing data as breaching, because idle instances cost money', () => {
      // WHEN
      const { template } = canaryInstances();

      // THEN
      template.hasResourceProperties('AWS::CloudWatch::Alarm', {
        AlarmName: 'churn-dev-zero-invocations',
        MetricName: 'Invocations',
        ComparisonOperator: 'LessThanThreshold',
        Threshold: 1,
        EvaluationPeriods: 12,
        TreatMissingData: 'breaching',
      });
    });
  });

  test('GIVEN a LINEAR deployment THEN traffic moves in steps of the given percent', () => {
    // WHEN
    const { template } = givenAnEndpoint({
      serving: INSTANCES,
      deployment: { trafficRouting: 'LINEAR', stepPercent: 25, waitIntervalInSeconds: 300, bakingPeriodInSeconds: 900 },
    });

    // THEN
    template.hasResourceProperties('AWS::SageMaker::Endpoint', {
      DeploymentConfig: Match.objectLike({
        BlueGreenUpdatePolicy: {
          TrafficRoutingConfiguration: {
            Type: 'LINEAR',
            LinearStepSize: { Type: 'CAPACITY_PERCENT', Value: 25 },
            WaitIntervalInSeconds: 300,
          },
          TerminationWaitInSeconds: 900,
          // 4 steps of 300 s, 900 s of baking and 1800 s to provision the new fleet
          MaximumExecutionTimeoutInSeconds: 3900,
        },
      }),
    });
  });

  test('GIVEN an instances endpoint without a deployment THEN SageMaker default updates apply', () => {
    // WHEN
    const { template } = givenAnEndpoint({ serving: INSTANCES });

    // THEN
    template.hasResourceProperties('AWS::SageMaker::Endpoint', { DeploymentConfig: Match.absent() });
  });

  test.each([
    ['a serverless', SERVERLESS],
    ['an instances', INSTANCES],
  ])(
    'GIVEN %s endpoint THEN neither the model nor the endpoint config has a name, so both can be replaced',
    (_, serving) => {
      // WHEN
      const { template } = givenAnEndpoint({ serving });

      // THEN
      template.hasResourceProperties('AWS::SageMaker::Model', { ModelName: Match.absent() });
      template.hasResourceProperties('AWS::SageMaker::EndpointConfig', { EndpointConfigName: Match.absent() });
      template.resourceCountIs('AWS::SageMaker::Model', 1);
      template.resourceCountIs('AWS::SageMaker::EndpointConfig', 1);
    },
  );

  test.each([
    ['a serverless', SERVERLESS],
    ['an instances', INSTANCES],
  ])('GIVEN %s endpoint THEN every resource carries the version-approved condition', (_, serving) => {
    // WHEN
    const { template } = givenAnEndpoint({
      serving,
      deployment: serving.kind === 'instances' ? { trafficRouting: 'CANARY' } : undefined,
    });

    // THEN
    const resources = Object.entries(resourcesOf(template));
    expect(resources.length).toBeGreaterThanOrEqual(serving.kind === 'instances' ? 10 : 8);
    for (const [logicalId, resource] of resources) {
      expect({ logicalId, condition: resource.Condition }).toEqual({ logicalId, condition: 'VersionApproved' });
    }
    expect(template.toJSON().Parameters.ApprovedModelPackageArn).not.toHaveProperty('Condition');
  });

  test('GIVEN a resource added to the endpoint later THEN it carries the condition too', () => {
    // GIVEN
    const { stack, endpoint } = givenAnEndpoint({ serving: INSTANCES });

    // WHEN
    endpoint.metricInvocations().createAlarm(endpoint, 'ExtraAlarm', { threshold: 1000, evaluationPeriods: 1 });

    // THEN
    Template.fromStack(stack).hasResource('AWS::CloudWatch::Alarm', {
      Properties: Match.objectLike({ Threshold: 1000 }),
      Condition: 'VersionApproved',
    });
  });

  test('GIVEN custom thresholds THEN every alarm notifies the topic and p99 latency is compared in microseconds', () => {
    // WHEN
    const { template } = givenAnEndpoint({
      serving: INSTANCES,
      alarms: { latencyP99Millis: 250, errors5xx: 3, zeroInvocationsPeriods: 6 },
    });

    // THEN
    const alarms = template.findResources('AWS::CloudWatch::Alarm');
    expect(Object.keys(alarms)).toHaveLength(3);
    for (const alarm of Object.values(alarms)) {
      expect(alarm.Properties.AlarmActions).toEqual([
        { 'Fn::GetStackOutput': expect.objectContaining({ OutputName: expect.stringMatching(/Alerts/) }) },
      ]);
      expect(alarm.Properties.AlarmDescription).toEqual(expect.any(String));
    }
    const dimensions = [
      { Name: 'EndpointName', Value: 'churn-dev' },
      { Name: 'VariantName', Value: 'AllTraffic' },
    ];
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SageMaker',
      MetricName: 'ModelLatency',
      Dimensions: dimensions,
      ExtendedStatistic: 'p99',
      Threshold: 250_000,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SageMaker',
      MetricName: 'Invocation5XXErrors',
      Dimensions: dimensions,
      Statistic: 'Sum',
      Threshold: 3,
      ComparisonOperator: 'GreaterThanThreshold',
    });
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      AlarmName: 'churn-dev-zero-invocations',
      EvaluationPeriods: 6,
    });
  });

  test('GIVEN grantInvoke THEN the grantee may call sagemaker:InvokeEndpoint on the endpoint ARN only', () => {
    // GIVEN
    const { stack, endpoint } = givenAnEndpoint({ endpointName: 'Churn-Prod' });
    const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });

    // WHEN
    endpoint.grantInvoke(caller);

    // THEN
    Template.fromStack(stack).hasResourceProperties('AWS::IAM::Policy', {
      Roles: [{ Ref: Match.stringLikeRegexp('^Caller') }],
      PolicyDocument: {
        Statement: [
          {
            Effect: 'Allow',
            Action: 'sagemaker:InvokeEndpoint',
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':sagemaker:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  // SageMaker spells endpoint names in lower case in their ARNs
                  ':endpoint/churn-prod',
                ],
              ],
            },
          },
        ],
      },
    });
  });

  test('GIVEN metric props THEN they override the documented defaults', () => {
    // GIVEN
    const { endpoint } = givenAnEndpoint();

    // WHEN
    const latency = endpoint.metricModelLatency();
    const invocations = endpoint.metricInvocations({ statistic: 'Average' });

    // THEN
    expect(latency.statistic).toBe('p99');
    expect(latency.period.toMinutes()).toBe(5);
    expect(latency.dimensions).toEqual({ EndpointName: 'churn-dev', VariantName: 'AllTraffic' });
    expect(invocations.statistic).toBe('Average');
    expect(endpoint.metricInvocation5XXErrors().statistic).toBe('Sum');
    expect(endpoint.metricInvocation4XXErrors().statistic).toBe('Sum');
    expect(endpoint.metric('OverheadLatency').statistic).toBe('Average');
  });

  describe('GIVEN an endpoint defined elsewhere', () => {
    /** A stack that uses an endpoint it does not define, as monitoring uses the serving endpoint. */
    const givenAUsingStack = () => new Stack(testApp(), 'Monitoring');

    test('WHEN it is imported by name THEN it has its name, lower-case ARN and the AllTraffic variant, and no resources', () => {
      // GIVEN
      const stack = givenAUsingStack();

      // WHEN
      const endpoint = ModelEndpoint.fromEndpointName(stack, 'Endpoint', 'Churn-Prod');

      // THEN
      expect(endpoint.endpointName).toBe('Churn-Prod');
      expect(endpoint.variantName).toBe(VARIANT_NAME);
      expect(stack.resolve(endpoint.endpointArn)).toEqual({
        'Fn::Join': [
          '',
          [
            'arn:',
            { Ref: 'AWS::Partition' },
            ':sagemaker:',
            { Ref: 'AWS::Region' },
            ':',
            { Ref: 'AWS::AccountId' },
            ':endpoint/churn-prod',
          ],
        ],
      });
      expect(endpoint.metricInvocations().dimensions).toEqual({
        EndpointName: 'Churn-Prod',
        VariantName: 'AllTraffic',
      });
      expect(stack.node.findAll().filter(CfnResource.isCfnResource)).toEqual([]);
    });

    test('WHEN it is imported by the name of an endpoint made elsewhere THEN ARN and metrics are the same', () => {
      // GIVEN
      const { stack, endpoint: made } = givenAnEndpoint();

      // WHEN
      const imported = ModelEndpoint.fromEndpointName(stack, 'Imported', made.endpointName);

      // THEN
      expect(stack.resolve(imported.endpointArn)).toEqual(stack.resolve(made.endpointArn));
      for (const metric of [
        'metricInvocations',
        'metricInvocation4XXErrors',
        'metricInvocation5XXErrors',
        'metricModelLatency',
      ] as const) {
        expect(imported[metric]().toMetricConfig()).toEqual(made[metric]().toMetricConfig());
      }
    });

    test('WHEN it is imported with a variant THEN its metrics use that variant', () => {
      // WHEN
      const endpoint = ModelEndpoint.fromEndpointAttributes(givenAUsingStack(), 'Endpoint', {
        endpointName: 'churn-prod',
        variantName: 'Blue',
      });

      // THEN
      expect(endpoint.metricModelLatency().dimensions).toEqual({ EndpointName: 'churn-prod', VariantName: 'Blue' });
    });

    test('WHEN an imported endpoint grants invoke THEN the grantee may call sagemaker:InvokeEndpoint on that endpoint ARN only', () => {
      // GIVEN
      const stack = givenAUsingStack();
      const endpoint = ModelEndpoint.fromEndpointName(stack, 'Endpoint', 'churn-prod');
      const caller = new iam.Role(stack, 'Caller', { assumedBy: new iam.AccountRootPrincipal() });

      // WHEN
      endpoint.grantInvoke(caller);

      // THEN
      const policies = Template.fromStack(stack).findResources('AWS::IAM::Policy');
      expect(Object.values(policies).map((p) => p.Properties.PolicyDocument.Statement)).toEqual([
        [
          {
            Effect: 'Allow',
            Action: 'sagemaker:InvokeEndpoint',
            Resource: {
              'Fn::Join': [
                '',
                [
                  'arn:',
                  { Ref: 'AWS::Partition' },
                  ':sagemaker:',
                  { Ref: 'AWS::Region' },
                  ':',
                  { Ref: 'AWS::AccountId' },
                  ':endpoint/churn-prod',
                ],
              ],
            },
          },
        ],
      ]);
    });

    test('WHEN the name is invalid THEN it throws naming the bad value, and a token is left to deploy time', () => {
      expect(() => ModelEndpoint.fromEndpointName(givenAUsingStack(), 'Endpoint', 'churn_prod')).toThrow(
        /^invalid model endpoint 'Monitoring\/Endpoint':\n- endpointName must be 1-63 letters, digits and hyphens.*got 'churn_prod'$/,
      );
      expect(() =>
        ModelEndpoint.fromEndpointAttributes(givenAUsingStack(), 'Endpoint', {
          endpointName: 'churn-prod',
          variantName: ' ',
        }),
      ).toThrow(/variantName must not be empty, got ' '/);
      expect(() =>
        ModelEndpoint.fromEndpointName(givenAUsingStack(), 'Endpoint', Token.asString({ Ref: 'EndpointName' })),
      ).not.toThrow();
    });
  });

  describe('GIVEN invalid props', () => {
    type Overrides = (base: ModelEndpointProps) => Partial<ModelEndpointProps>;
    const invalid = (overrides: Overrides) => () => {
      const { stack, props } = givenAServingStack();
      new ModelEndpoint(stack, 'Churn', props(overrides(props())));
    };
    const sampling =
      (samplingPercentage: number): Overrides =>
      (base) => ({
        dataCapture: { ...base.dataCapture, samplingPercentage },
      });

    test.each<[string, Overrides, RegExp]>([
      [
        'minInstances below 1',
        () => ({ serving: { ...INSTANCES, minInstances: 0, maxInstances: 1 } }),
        /serving\.minInstances must be a whole number of at least 1, got 0/,
      ],
      [
        'maxInstances below minInstances',
        () => ({ serving: { ...INSTANCES, minInstances: 3, maxInstances: 2 } }),
        /serving\.maxInstances must be at least minInstances \(3\), got 2/,
      ],
      [
        'samplingPercentage above 100',
        sampling(101),
        /dataCapture\.samplingPercentage must be a whole number from 0 to 100, got 101/,
      ],
      [
        'samplingPercentage below 0',
        sampling(-1),
        /dataCapture\.samplingPercentage must be a whole number from 0 to 100, got -1/,
      ],
      [
        'serverless memory off the 1024 MB steps',
        () => ({ serving: { ...SERVERLESS, memorySizeInMb: 1500 } }),
        /serving\.memorySizeInMb must be one of 1024, 2048, 3072, 4096, 5120, 6144, got 1500/,
      ],
      [
        'serverless memory above 6144 MB',
        () => ({ serving: { ...SERVERLESS, memorySizeInMb: 7168 } }),
        /serving\.memorySizeInMb must be one of .*, got 7168/,
      ],
      [
        'a deployment with serverless serving',
        () => ({ serving: SERVERLESS, deployment: { trafficRouting: 'CANARY' } }),
        /deployment guardrails need serving\.kind 'instances', got deployment 'CANARY' with serving\.kind 'serverless'/,
      ],
      [
        'a canary step above 50 percent',
        () => ({ serving: INSTANCES, deployment: { trafficRouting: 'CANARY', stepPercent: 60 } }),
        /deployment\.stepPercent of CANARY must be a whole number from 1 to 50, got 60/,
      ],
      [
        'no image repositories',
        () => ({ imageRepositoryArns: [] }),
        /repositoryArns must name at least one ECR repository, got none/,
      ],
      [
        'an image repository of any account',
        () => ({ imageRepositoryArns: [['arn', 'aws', 'ecr', 'us-east-1', '*', 'repository/*'].join(':')] }),
        /repositoryArns must be ECR repository ARNs of one account, without wildcards, got '.*:ecr:us-east-1:\*:repository\/\*'/,
      ],
      [
        'an endpoint name with underscores',
        () => ({ endpointName: 'churn_dev' }),
        /endpointName must be 1-63 letters, digits and hyphens.*got 'churn_dev'/,
      ],
    ])('WHEN %s THEN it throws naming the bad value', (_, overrides, message) => {
      expect(invalid(overrides)).toThrow(message);
    });

    test('WHEN several props are bad THEN one error lists every problem', () => {
      expect(
        invalid((base) => ({
          serving: { ...INSTANCES, minInstances: 0, maxInstances: -1 },
          dataCapture: { ...base.dataCapture, samplingPercentage: 150 },
        })),
      ).toThrow(
        /^invalid model endpoint 'Serving\/Churn':\n- serving\.minInstances .*got 0\n- serving\.maxInstances .*got -1\n- dataCapture\.samplingPercentage .*got 150$/,
      );
    });

    test('WHEN values are tokens THEN they are left to deploy time', () => {
      expect(
        invalid((base) => ({
          serving: {
            ...INSTANCES,
            minInstances: Token.asNumber({ Ref: 'Min' }),
            maxInstances: Token.asNumber({ Ref: 'Max' }),
          },
          dataCapture: { ...base.dataCapture, samplingPercentage: Token.asNumber({ Ref: 'Pct' }) },
        })),
      ).not.toThrow();
    });
  });

  test.each([
    ['a serverless', SERVERLESS],
    ['an instances', INSTANCES],
  ])('GIVEN %s endpoint THEN cdk-nag finds nothing in the serving stack', (_, serving) => {
    // GIVEN
    const { app, stack } = givenAnEndpoint({
      serving,
      deployment: serving.kind === 'instances' ? { trafficRouting: 'LINEAR' } : undefined,
    });

    // WHEN
    app.synth();

    // THEN
    const violations = [new AwsSolutionsChecks(), new NIST80053R5Checks(), new ServerlessChecks()].flatMap((pack) =>
      pack.validateScope(stack).violations.map((v) => v.ruleName),
    );
    expect(violations).toEqual([]);
  });
});
