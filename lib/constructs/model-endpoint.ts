import { type CfnCondition, Duration, type IResource, Resource, Stack, Token } from 'aws-cdk-lib';
import * as appscaling from 'aws-cdk-lib/aws-applicationautoscaling';
import * as cloudwatch from 'aws-cdk-lib/aws-cloudwatch';
import * as actions from 'aws-cdk-lib/aws-cloudwatch-actions';
import type * as ec2 from 'aws-cdk-lib/aws-ec2';
import * as iam from 'aws-cdk-lib/aws-iam';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import * as sagemaker from 'aws-cdk-lib/aws-sagemaker';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import { applyConditionToScope } from './conditions';
import { PlatformRole } from './platform-role';
import { grantImagePull, grantSageMakerLogsAndMetrics, grantSageMakerVpcAccess } from './sagemaker-grants';
import { known, quoted, throwIfInvalid } from './validation';

/** The one production variant of every endpoint. Fixed, because blue/green updates need the same variant name. */
export const VARIANT_NAME = 'AllTraffic';

/** Memory sizes SageMaker Serverless Inference accepts, in MB. */
export const SERVERLESS_MEMORY_SIZES: readonly number[] = [1024, 2048, 3072, 4096, 5120, 6144];

/** Serverless Inference: scales to zero, billed per request. For dev and low, spiky traffic. */
export interface ServerlessServing {
  readonly kind: 'serverless';
  /** Memory of each serverless worker: 1024 to 6144 MB in steps of 1024. */
  readonly memorySizeInMb: number;
  /** Concurrent invocations the endpoint accepts before it throttles (1-200). */
  readonly maxConcurrency: number;
}

/** Real-time instances behind target-tracking auto scaling. */
export interface InstanceServing {
  readonly kind: 'instances';
  /**
   * ML instance type, for example `ml.m5.large`. Types with local NVMe storage (such as `ml.m5d.*` or
   * `ml.g4dn.*`) cannot take the endpoint config KMS key and are refused by SageMaker.
   */
  readonly instanceType: string;
  /** Instances the endpoint starts with and never scales below (at least 1; use 2 or more in prod). */
  readonly minInstances: number;
  /** Instances the endpoint never scales above. */
  readonly maxInstances: number;
  /** Invocations per instance per minute that target tracking keeps the variant at. */
  readonly targetInvocationsPerInstance: number;
}

/** How the endpoint serves: serverless, or instances with auto scaling. */
export type ModelEndpointServing = ServerlessServing | InstanceServing;

/** Blue/green deployment guardrails of an instances endpoint, used when the approved model changes. */
export interface ModelEndpointDeployment {
  /** How traffic moves from the old fleet to the new one. */
  readonly trafficRouting: 'CANARY' | 'LINEAR' | 'ALL_AT_ONCE';
  /**
   * Percent of the fleet's capacity that takes traffic first (CANARY, 1-50) or in each step (LINEAR, 10-50).
   * @default 10 for CANARY, 20 for LINEAR
   */
  readonly stepPercent?: number;
  /**
   * Seconds SageMaker watches the rollback alarms after each traffic shift before the next one (0-3600).
   * @default 600
   */
  readonly waitIntervalInSeconds?: number;
  /**
   * Seconds the old fleet is kept, with the rollback alarms watched, after all traffic has moved (0-3600).
   * @default 600
   */
  readonly bakingPeriodInSeconds?: number;
}

/** Where and how much inference traffic is captured, for model monitoring. */
export interface ModelEndpointDataCapture {
  /** Bucket that receives the captured requests and responses. */
  readonly bucket: s3.IBucket;
  /** Key prefix in the bucket, without leading or trailing slash (for example `data-capture/churn`). */
  readonly prefix: string;
  /** Key that encrypts the captured data. */
  readonly encryptionKey: kms.IKey;
  /** Percent of requests captured (0-100). */
  readonly samplingPercentage: number;
}

/** Thresholds of the endpoint's alarms. */
export interface ModelEndpointAlarmThresholds {
  /**
   * Alarm when the p99 model latency exceeds this many milliseconds in 2 of 3 one-minute periods.
   * @default 1000
   */
  readonly latencyP99Millis?: number;
  /**
   * Alarm when more than this many 5xx errors occur per minute in 2 of 3 one-minute periods.
   * @default 0 - any 5xx error
   */
  readonly errors5xx?: number;
  /**
   * Alarm when the endpoint is not invoked for this many consecutive five-minute periods (1-288).
   * @default 12 - one hour
   */
  readonly zeroInvocationsPeriods?: number;
}

export interface ModelEndpointProps {
  /** ARN of the approved model package, usually a token from a CloudFormation parameter of SSM type. */
  readonly modelPackageArn: string;
  /**
   * Condition that every resource of the endpoint carries ("a model version is approved"), so a first
   * deploy without an approved version creates nothing. Must belong to the same stack.
   */
  readonly condition: CfnCondition;
  /** Stable name of the endpoint; the model and endpoint config get generated names so they can be replaced. */
  readonly endpointName: string;
  /** VPC the instances endpoint's model containers run in. */
  readonly vpc: ec2.IVpc;
  /** Subnets of `vpc` for the model containers. */
  readonly subnets: ec2.SubnetSelection;
  /** Security groups of the model containers (1-5). */
  readonly securityGroups: ec2.ISecurityGroup[];
  /** Key of the endpoint config: encrypts the ML storage volume (instances) or the container image (serverless). */
  readonly encryptionKey: kms.IKey;
  /** Capture of inference requests and responses. */
  readonly dataCapture: ModelEndpointDataCapture;
  /** Serverless, or instances with auto scaling. */
  readonly serving: ModelEndpointServing;
  /**
   * Blue/green guardrails with automatic rollback on the 5xx and p99 latency alarms. Only for `instances`.
   * @default - SageMaker's default: blue/green, all traffic at once, no alarm-based rollback
   */
  readonly deployment?: ModelEndpointDeployment;
  /** Topic that every alarm of the endpoint notifies. */
  readonly alarmTopic: sns.ITopic;
  /**
   * Alarm thresholds.
   * @default - the defaults of each threshold
   */
  readonly alarms?: ModelEndpointAlarmThresholds;
  /**
   * Bucket holding the model artifacts of the approved model packages, read by the execution role.
   * @default - the execution role gets no S3 read access
   */
  readonly artifactsBucket?: s3.IBucket;
  /**
   * ECR repositories the images of the approved model package may come from; the execution role pulls from
   * these only, so a package naming an image of any other repository fails to deploy.
   */
  readonly imageRepositoryArns: readonly string[];
}

/** The alarms of an endpoint. */
export interface ModelEndpointAlarms {
  /** Invocation 5xx errors; rolls a deployment back. */
  readonly errors5xx: cloudwatch.Alarm;
  /** p99 model latency; rolls a deployment back. */
  readonly latencyP99: cloudwatch.Alarm;
  /** No invocations for a while. */
  readonly zeroInvocations: cloudwatch.Alarm;
}

const DEFAULT_LATENCY_P99_MILLIS = 1000;
const DEFAULT_ERRORS_5XX = 0;
const DEFAULT_ZERO_INVOCATIONS_PERIODS = 12;
const DEFAULT_STEP_PERCENT = { CANARY: 10, LINEAR: 20 } as const;
const STEP_PERCENT_RANGE = { CANARY: [1, 50], LINEAR: [10, 50] } as const;
const DEFAULT_WAIT_SECONDS = 600;
const DEFAULT_BAKING_SECONDS = 600;
/** Range of MaximumExecutionTimeoutInSeconds of a blue/green update policy. */
const MIN_EXECUTION_SECONDS = 600;
const MAX_EXECUTION_SECONDS = 28800;
/** Time allowed on top of the waits, for SageMaker to provision the new fleet. */
const PROVISIONING_SECONDS = 1800;
const ENDPOINT_NAME = /^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$/;
const SAGEMAKER_SCALING_ROLE =
  'aws-service-role/sagemaker.application-autoscaling.amazonaws.com/AWSServiceRoleForApplicationAutoScaling_SageMakerEndpoint';

/**
 * A SageMaker real-time endpoint as other constructs use it: to invoke it, graph it and alarm on it. aws-cdk-lib has
 * only the L1 of SageMaker, so this is the platform's own `IEndpoint`. Made by {@link ModelEndpoint}, or imported
 * by name with {@link ModelEndpoint.fromEndpointName} where the endpoint is defined elsewhere or exists only under
 * a condition.
 */
export interface IModelEndpoint extends IResource {
  /**
   * The stable name of the endpoint.
   * @attribute
   */
  readonly endpointName: string;
  /**
   * ARN of the endpoint, built from its name.
   * @attribute
   */
  readonly endpointArn: string;
  /** The production variant that serves the traffic, the `VariantName` dimension of its metrics. */
  readonly variantName: string;

  /** Allows `grantee` to invoke the endpoint (`sagemaker:InvokeEndpoint` on its ARN). */
  grantInvoke(grantee: iam.IGrantable): iam.Grant;

  /**
   * A metric of the endpoint's variant in the `AWS/SageMaker` namespace.
   * @default - Average over 5 minutes; `props` override it
   */
  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /**
   * Number of requests sent to the endpoint.
   * @default - Sum over 5 minutes
   */
  metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /**
   * Number of requests for which the model returned a 4xx error.
   * @default - Sum over 5 minutes
   */
  metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /**
   * Number of requests for which the model returned a 5xx error.
   * @default - Sum over 5 minutes
   */
  metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric;

  /**
   * Time the model takes to respond, in microseconds.
   * @default - p99 over 5 minutes
   */
  metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric;
}

/** An endpoint defined elsewhere, as {@link ModelEndpoint.fromEndpointAttributes} imports it. */
export interface ModelEndpointAttributes {
  /** The name of the endpoint. */
  readonly endpointName: string;
  /**
   * The production variant that serves the traffic.
   * @default VARIANT_NAME
   */
  readonly variantName?: string;
}

/** The grant and metrics every endpoint has, made or imported. */
abstract class ModelEndpointBase extends Resource implements IModelEndpoint {
  abstract readonly endpointName: string;
  abstract readonly endpointArn: string;
  abstract readonly variantName: string;

  grantInvoke(grantee: iam.IGrantable): iam.Grant {
    return iam.Grant.addToPrincipal({
      grantee,
      actions: ['sagemaker:InvokeEndpoint'],
      resourceArns: [this.endpointArn],
    });
  }

  metric(metricName: string, props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return new cloudwatch.Metric({
      namespace: 'AWS/SageMaker',
      metricName,
      dimensionsMap: { EndpointName: this.endpointName, VariantName: this.variantName },
      statistic: cloudwatch.Stats.AVERAGE,
      period: Duration.minutes(5),
      ...props,
    });
  }

  metricInvocations(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocations', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  metricInvocation4XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation4XXErrors', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  metricInvocation5XXErrors(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('Invocation5XXErrors', { statistic: cloudwatch.Stats.SUM, ...props });
  }

  metricModelLatency(props?: cloudwatch.MetricOptions): cloudwatch.Metric {
    return this.metric('ModelLatency', { statistic: cloudwatch.Stats.p(99), ...props });
  }
}

/**
 * A SageMaker real-time endpoint (serverless, or instances with auto scaling) that serves an approved model
 * package. The model and endpoint config have generated names so CloudFormation can replace them when a new
 * version is approved; the endpoint keeps its stable name and, for instances, moves traffic through blue/green
 * guardrails that roll back on its own 5xx and p99 latency alarms. Every resource carries `condition`.
 *
 * SageMaker Serverless Inference supports neither VPC configuration, network isolation nor data capture, so a
 * serverless endpoint ignores `vpc`, `subnets`, `securityGroups` and `dataCapture`; an instances endpoint runs
 * network-isolated in the VPC and captures data.
 */
export class ModelEndpoint extends ModelEndpointBase {
  /**
   * An endpoint defined elsewhere, by its stable name. Its name and ARN are plain strings, not references, so it
   * is safe to use where the endpoint exists only under a condition that the user does not carry.
   */
  static fromEndpointName(scope: Construct, id: string, endpointName: string): IModelEndpoint {
    return ModelEndpoint.fromEndpointAttributes(scope, id, { endpointName });
  }

  /** An endpoint defined elsewhere, by its name and variant. */
  static fromEndpointAttributes(scope: Construct, id: string, attrs: ModelEndpointAttributes): IModelEndpoint {
    return new ImportedModelEndpoint(scope, id, attrs);
  }

  /** The stable name of the endpoint. */
  readonly endpointName: string;
  /** ARN of the endpoint, built from its name. */
  readonly endpointArn: string;
  /** Always {@link VARIANT_NAME}. */
  readonly variantName: string = VARIANT_NAME;
  /** The execution role SageMaker hosts the model with. */
  readonly role: PlatformRole;
  readonly endpoint: sagemaker.CfnEndpoint;
  readonly alarms: ModelEndpointAlarms;

  constructor(scope: Construct, id: string, props: ModelEndpointProps) {
    super(scope, id, { physicalName: props.endpointName });
    validate(this, props);
    const { serving } = props;
    const instances = serving.kind === 'instances' ? serving : undefined;

    this.endpointName = props.endpointName;
    this.endpointArn = endpointArnOf(this, props.endpointName);

    this.role = new PlatformRole(this, 'ExecutionRole', {
      assumedBy: new iam.ServicePrincipal('sagemaker.amazonaws.com'),
      description: 'SageMaker hosts an approved model package behind a model endpoint',
    });

    this.alarms = this.createAlarms(props);
    const rollbackAlarms = [this.alarms.errors5xx, this.alarms.latencyP99];

    const model = new sagemaker.CfnModel(this, 'Model', {
      executionRoleArn: this.role.roleArn,
      primaryContainer: { modelPackageName: props.modelPackageArn },
      ...(instances
        ? {
            enableNetworkIsolation: true,
            vpcConfig: {
              subnets: props.vpc.selectSubnets(props.subnets).subnetIds,
              securityGroupIds: props.securityGroups.map((sg) => sg.securityGroupId),
            },
          }
        : {}),
    });
    // SageMaker checks the role's access to the model package and image when it creates the model.
    model.node.addDependency(this.role.policy);

    const dataCapturePrefix = trimSlashes(props.dataCapture.prefix);
    const config = new sagemaker.CfnEndpointConfig(this, 'EndpointConfig', {
      kmsKeyId: props.encryptionKey.keyArn,
      productionVariants: [
        {
          variantName: VARIANT_NAME,
          modelName: model.attrModelName,
          initialVariantWeight: 1,
          ...(serving.kind === 'instances'
            ? { instanceType: serving.instanceType, initialInstanceCount: serving.minInstances }
            : {
                serverlessConfig: { memorySizeInMb: serving.memorySizeInMb, maxConcurrency: serving.maxConcurrency },
              }),
        },
      ],
      dataCaptureConfig: instances
        ? {
            enableCapture: true,
            initialSamplingPercentage: props.dataCapture.samplingPercentage,
            destinationS3Uri: props.dataCapture.bucket.s3UrlForObject(dataCapturePrefix),
            kmsKeyId: props.dataCapture.encryptionKey.keyArn,
            captureOptions: [{ captureMode: 'Input' }, { captureMode: 'Output' }],
            captureContentTypeHeader: { jsonContentTypes: ['application/json'], csvContentTypes: ['text/csv'] },
          }
        : undefined,
    });

    this.endpoint = new sagemaker.CfnEndpoint(this, 'Endpoint', {
      endpointName: props.endpointName,
      endpointConfigName: config.attrEndpointConfigName,
      deploymentConfig:
        instances && props.deployment
          ? {
              blueGreenUpdatePolicy: blueGreenUpdatePolicy(props.deployment),
              autoRollbackConfiguration: {
                alarms: rollbackAlarmNames(props.endpointName).map((alarmName) => ({ alarmName })),
              },
            }
          : undefined,
    });
    if (instances && props.deployment) {
      // the rollback alarms must exist before SageMaker watches them
      this.endpoint.node.addDependency(...rollbackAlarms);
    }

    this.grantHosting(props, dataCapturePrefix);
    if (instances) this.autoScale(instances);

    // Everything under this construct, including what is added to it later, exists only with the condition.
    applyConditionToScope(this, props.condition);
  }

  private createAlarms(props: ModelEndpointProps): ModelEndpointAlarms {
    const thresholds = props.alarms ?? {};
    const name = props.endpointName;
    const latencyMillis = thresholds.latencyP99Millis ?? DEFAULT_LATENCY_P99_MILLIS;
    const errors = thresholds.errors5xx ?? DEFAULT_ERRORS_5XX;
    const idlePeriods = thresholds.zeroInvocationsPeriods ?? DEFAULT_ZERO_INVOCATIONS_PERIODS;
    const minute = Duration.minutes(1);
    const alarm = (alarmId: string, metric: cloudwatch.Metric, options: cloudwatch.CreateAlarmOptions) => {
      const created = metric.createAlarm(this, alarmId, options);
      created.addAlarmAction(new actions.SnsAction(props.alarmTopic));
      return created;
    };
    return {
      errors5xx: alarm('Errors5xxAlarm', this.metricInvocation5XXErrors({ period: minute }), {
        alarmName: rollbackAlarmNames(name)[0],
        alarmDescription: `Endpoint ${name} returns more than ${errors} 5xx errors a minute; rolls a deployment back`,
        threshold: errors,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      latencyP99: alarm('LatencyP99Alarm', this.metricModelLatency({ period: minute }), {
        alarmName: rollbackAlarmNames(name)[1],
        alarmDescription: `Endpoint ${name} p99 model latency is above ${latencyMillis} ms; rolls a deployment back`,
        // ModelLatency is reported in microseconds
        threshold: latencyMillis * 1000,
        comparisonOperator: cloudwatch.ComparisonOperator.GREATER_THAN_THRESHOLD,
        evaluationPeriods: 3,
        datapointsToAlarm: 2,
        treatMissingData: cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
      zeroInvocations: alarm('ZeroInvocationsAlarm', this.metricInvocations(), {
        alarmName: endpointAlarmNames(name).zeroInvocations,
        alarmDescription: `Endpoint ${name} has not been invoked for ${idlePeriods} five-minute periods`,
        threshold: 1,
        comparisonOperator: cloudwatch.ComparisonOperator.LESS_THAN_THRESHOLD,
        evaluationPeriods: idlePeriods,
        // Instances cost money while idle; a serverless endpoint without traffic reports nothing and costs nothing.
        treatMissingData:
          props.serving.kind === 'instances'
            ? cloudwatch.TreatMissingData.BREACHING
            : cloudwatch.TreatMissingData.NOT_BREACHING,
      }),
    };
  }

  private grantHosting(props: ModelEndpointProps, dataCapturePrefix: string): void {
    const role = this.role;
    const instances = props.serving.kind === 'instances';

    role.addToPrincipalPolicy(
      new iam.PolicyStatement({
        sid: 'DescribeTheApprovedModelPackage',
        actions: ['sagemaker:DescribeModelPackage'],
        resources: [props.modelPackageArn],
      }),
    );
    grantImagePull(role, props.imageRepositoryArns);
    grantSageMakerLogsAndMetrics(role, `/aws/sagemaker/Endpoints/${props.endpointName}`, '/aws/sagemaker/Endpoints');

    if (props.artifactsBucket) {
      role.justifyGrant(
        props.artifactsBucket.grantRead(role),
        'read-only, and what it reads under pipelines/ and published/ is write-once (ADR 0020), so the endpoint serves exactly the artifacts that were approved',
      );
    }

    if (!instances) return;

    grantSageMakerVpcAccess(role, props.vpc);
    role.justifyGrant(
      props.dataCapture.bucket.grantPut(role, `${dataCapturePrefix}/*`),
      'SageMaker writes captured requests under generated object keys below the data capture prefix only',
    );
    props.dataCapture.encryptionKey.grantEncrypt(role);
    role.justifyActions(
      ['kms:GenerateDataKey*', 'kms:ReEncrypt*'],
      'encrypting captured data needs every data-key and re-encrypt variant of the data capture and bucket keys only',
    );
    if (props.deployment) {
      role.addToPrincipalPolicy(
        new iam.PolicyStatement({
          sid: 'WatchTheRollbackAlarms',
          actions: ['cloudwatch:DescribeAlarms'],
          resources: [this.alarms.errors5xx.alarmArn, this.alarms.latencyP99.alarmArn],
        }),
      );
    }
  }

  private autoScale(serving: InstanceServing): void {
    const stack = Stack.of(this);
    const target = new appscaling.ScalableTarget(this, 'ScalableTarget', {
      serviceNamespace: appscaling.ServiceNamespace.SAGEMAKER,
      resourceId: `endpoint/${this.endpointName}/variant/${VARIANT_NAME}`,
      scalableDimension: 'sagemaker:variant:DesiredInstanceCount',
      minCapacity: serving.minInstances,
      maxCapacity: serving.maxInstances,
      // Application Auto Scaling's own service-linked role, which it creates on first use.
      role: iam.Role.fromRoleArn(
        this,
        'ScalingRole',
        stack.formatArn({ service: 'iam', region: '', resource: 'role', resourceName: SAGEMAKER_SCALING_ROLE }),
        { mutable: false },
      ),
    });
    target.node.addDependency(this.endpoint);
    target.scaleToTrackMetric('InvocationsPerInstance', {
      predefinedMetric: appscaling.PredefinedMetric.SAGEMAKER_VARIANT_INVOCATIONS_PER_INSTANCE,
      targetValue: serving.targetInvocationsPerInstance,
      scaleOutCooldown: Duration.minutes(1),
      scaleInCooldown: Duration.minutes(5),
    });
  }
}

/** An endpoint defined elsewhere: no resources, only its name, ARN, grant and metrics. */
class ImportedModelEndpoint extends ModelEndpointBase {
  readonly endpointName: string;
  readonly endpointArn: string;
  readonly variantName: string;

  constructor(scope: Construct, id: string, attrs: ModelEndpointAttributes) {
    super(scope, id, { physicalName: attrs.endpointName });
    const problems = endpointNameProblems(attrs.endpointName);
    if (known(attrs.variantName) && attrs.variantName.trim() === '') {
      problems.push(`variantName must not be empty, got ${quoted(attrs.variantName)}`);
    }
    throwIfInvalid(this, 'model endpoint', problems);
    this.endpointName = attrs.endpointName;
    this.endpointArn = endpointArnOf(this, attrs.endpointName);
    this.variantName = attrs.variantName ?? VARIANT_NAME;
  }
}

/** The ARN of the endpoint named `name` in the stack of `scope`. */
function endpointArnOf(scope: Construct, name: string): string {
  return Stack.of(scope).formatArn({
    service: 'sagemaker',
    resource: 'endpoint',
    // SageMaker spells the name in lower case in the endpoint ARN
    resourceName: Token.isUnresolved(name) ? name : name.toLowerCase(),
  });
}

/** What is wrong with an endpoint name, if it is known and SageMaker would refuse it. */
function endpointNameProblems(name: string): string[] {
  return known(name) && !ENDPOINT_NAME.test(name)
    ? [
        `endpointName must be 1-63 letters, digits and hyphens, starting and ending with a letter or digit, got ${quoted(name)}`,
      ]
    : [];
}

function blueGreenUpdatePolicy(
  deployment: ModelEndpointDeployment,
): sagemaker.CfnEndpoint.BlueGreenUpdatePolicyProperty {
  const wait = deployment.waitIntervalInSeconds ?? DEFAULT_WAIT_SECONDS;
  const baking = deployment.bakingPeriodInSeconds ?? DEFAULT_BAKING_SECONDS;
  const routing = deployment.trafficRouting;
  const step =
    routing === 'ALL_AT_ONCE' ? undefined : { type: 'CAPACITY_PERCENT', value: stepPercentOf(deployment, routing) };
  return {
    trafficRoutingConfiguration: {
      type: routing,
      waitIntervalInSeconds: wait,
      ...(routing === 'CANARY' ? { canarySize: step } : {}),
      ...(routing === 'LINEAR' ? { linearStepSize: step } : {}),
    },
    terminationWaitInSeconds: baking,
    maximumExecutionTimeoutInSeconds: maximumExecutionSeconds(deployment),
  };
}

function stepPercentOf(deployment: ModelEndpointDeployment, routing: 'CANARY' | 'LINEAR'): number {
  return deployment.stepPercent ?? DEFAULT_STEP_PERCENT[routing];
}

/** Seconds the deployment waits in total: after each traffic shift, then the baking period. */
function totalWaitSeconds(deployment: ModelEndpointDeployment): number {
  const wait = deployment.waitIntervalInSeconds ?? DEFAULT_WAIT_SECONDS;
  const baking = deployment.bakingPeriodInSeconds ?? DEFAULT_BAKING_SECONDS;
  const routing = deployment.trafficRouting;
  const shifts = routing === 'LINEAR' ? Math.ceil(100 / stepPercentOf(deployment, routing)) : 1;
  return shifts * wait + baking;
}

function maximumExecutionSeconds(deployment: ModelEndpointDeployment): number {
  const wanted = totalWaitSeconds(deployment) + PROVISIONING_SECONDS;
  return Math.min(MAX_EXECUTION_SECONDS, Math.max(MIN_EXECUTION_SECONDS, wanted));
}

/** Names of the endpoint's alarms, unique per endpoint: its auto-rollback, dashboards and runbooks find them by name. */
export function endpointAlarmNames(endpointName: string) {
  return {
    errors5xx: `${endpointName}-5xx`,
    latencyP99: `${endpointName}-p99-latency`,
    zeroInvocations: `${endpointName}-zero-invocations`,
  } as const;
}

/** The alarms that roll a blue/green deployment back. */
function rollbackAlarmNames(endpointName: string): [string, string] {
  const names = endpointAlarmNames(endpointName);
  return [names.errors5xx, names.latencyP99];
}

function trimSlashes(prefix: string): string {
  return prefix.replace(/^\/+|\/+$/g, '');
}

/** Checks the props, collecting every problem, and throws once. Values that are tokens are not checked. */
function validate(scope: Construct, props: ModelEndpointProps): void {
  const problems: string[] = [];
  const wholeIn = (value: number | undefined, min: number, max: number) =>
    !known(value) || (Number.isInteger(value) && (value as number) >= min && (value as number) <= max);

  problems.push(...endpointNameProblems(props.endpointName));
  if (Stack.of(props.condition) !== Stack.of(scope)) {
    problems.push(`condition '${props.condition.node.path}' must belong to the stack of the endpoint`);
  }

  const { serving } = props;
  if (serving.kind === 'serverless') {
    if (known(serving.memorySizeInMb) && !SERVERLESS_MEMORY_SIZES.includes(serving.memorySizeInMb)) {
      problems.push(
        `serving.memorySizeInMb must be one of ${SERVERLESS_MEMORY_SIZES.join(', ')}, got ${serving.memorySizeInMb}`,
      );
    }
    if (!wholeIn(serving.maxConcurrency, 1, 200)) {
      problems.push(`serving.maxConcurrency must be a whole number from 1 to 200, got ${serving.maxConcurrency}`);
    }
    if (props.deployment) {
      problems.push(
        `deployment guardrails need serving.kind 'instances', got deployment '${props.deployment.trafficRouting}' with serving.kind 'serverless'`,
      );
    }
  } else {
    if (known(serving.minInstances) && !(Number.isInteger(serving.minInstances) && serving.minInstances >= 1)) {
      problems.push(`serving.minInstances must be a whole number of at least 1, got ${serving.minInstances}`);
    }
    if (known(serving.minInstances) && known(serving.maxInstances) && serving.maxInstances < serving.minInstances) {
      problems.push(
        `serving.maxInstances must be at least minInstances (${serving.minInstances}), got ${serving.maxInstances}`,
      );
    }
    if (known(serving.targetInvocationsPerInstance) && !(serving.targetInvocationsPerInstance > 0)) {
      problems.push(
        `serving.targetInvocationsPerInstance must be greater than 0, got ${serving.targetInvocationsPerInstance}`,
      );
    }
    const groups = props.securityGroups.length;
    if (groups < 1 || groups > 5) problems.push(`securityGroups must hold 1 to 5 security groups, got ${groups}`);
  }

  const sampling = props.dataCapture.samplingPercentage;
  if (!wholeIn(sampling, 0, 100)) {
    problems.push(`dataCapture.samplingPercentage must be a whole number from 0 to 100, got ${sampling}`);
  }
  if (known(props.dataCapture.prefix) && trimSlashes(props.dataCapture.prefix) === '') {
    problems.push(`dataCapture.prefix must name a key prefix, got '${props.dataCapture.prefix}'`);
  }

  const deployment = props.deployment;
  if (deployment && serving.kind === 'instances') {
    const routing = deployment.trafficRouting;
    if (routing === 'ALL_AT_ONCE') {
      if (deployment.stepPercent !== undefined) {
        problems.push(`deployment.stepPercent applies only to CANARY and LINEAR, got ${deployment.stepPercent}`);
      }
    } else {
      const [min, max] = STEP_PERCENT_RANGE[routing];
      if (!wholeIn(deployment.stepPercent, min, max)) {
        problems.push(
          `deployment.stepPercent of ${routing} must be a whole number from ${min} to ${max}, got ${deployment.stepPercent}`,
        );
      }
    }
    if (!wholeIn(deployment.waitIntervalInSeconds, 0, 3600)) {
      problems.push(
        `deployment.waitIntervalInSeconds must be a whole number from 0 to 3600, got ${deployment.waitIntervalInSeconds}`,
      );
    }
    if (!wholeIn(deployment.bakingPeriodInSeconds, 0, 3600)) {
      problems.push(
        `deployment.bakingPeriodInSeconds must be a whole number from 0 to 3600, got ${deployment.bakingPeriodInSeconds}`,
      );
    }
    const timings = [deployment.stepPercent, deployment.waitIntervalInSeconds, deployment.bakingPeriodInSeconds];
    const total = timings.some((t) => t !== undefined && Token.isUnresolved(t)) ? 0 : totalWaitSeconds(deployment);
    if (total + MIN_EXECUTION_SECONDS > MAX_EXECUTION_SECONDS) {
      problems.push(
        `deployment waits ${total} seconds in total, which leaves less than ${MIN_EXECUTION_SECONDS} seconds of the ${MAX_EXECUTION_SECONDS}-second maximum to provision the new fleet`,
      );
    }
  }

  const alarms = props.alarms ?? {};
  if (known(alarms.latencyP99Millis) && !((alarms.latencyP99Millis as number) > 0)) {
    problems.push(`alarms.latencyP99Millis must be greater than 0, got ${alarms.latencyP99Millis}`);
  }
  if (known(alarms.errors5xx) && !((alarms.errors5xx as number) >= 0)) {
    problems.push(`alarms.errors5xx must be 0 or more, got ${alarms.errors5xx}`);
  }
  if (!wholeIn(alarms.zeroInvocationsPeriods, 1, 288)) {
    problems.push(
      `alarms.zeroInvocationsPeriods must be a whole number from 1 to 288 (one day), got ${alarms.zeroInvocationsPeriods}`,
    );
  }

  throwIfInvalid(scope, 'model endpoint', problems);
}
