import { type CfnCondition, CfnOutput } from 'aws-cdk-lib';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { AdoptedLogGroup } from '../../constructs/adopted-log-group';
import { ModelApi } from '../../constructs/model-api';
import { ModelEndpoint } from '../../constructs/model-endpoint';
import { endpointLogGroupName, endpointName, logGroupsFunctionName } from '../../naming';
import { declareApprovedVersion } from '../approved-version';
import { servingImageRepositoryArns } from './image-repositories';
import type { ModelWorkloadProps } from './part';

export interface ModelServingProps extends ModelWorkloadProps {
  readonly dataBucket: s3.IBucket;
  readonly artifactsBucket: s3.IBucket;
  readonly alertsTopic: sns.ITopic;
}

/** Prefix of the raw data bucket under which an endpoint's captured requests and responses land. */
export const DATA_CAPTURE_PREFIX = 'data-capture';

/**
 * Stage 2 real-time serving of one model: the approved version behind a guarded endpoint and an
 * IAM-authorized API, as part of the model's stack. Everything sits under the condition "a version is approved",
 * so the first deploy (parameter still `none`) creates nothing, and approving a version updates the model's stack.
 */
export class ModelServing extends Construct {
  readonly versionApproved: CfnCondition;
  readonly endpoint: ModelEndpoint;
  readonly api: ModelApi;
  /** The endpoint's log group, which SageMaker would otherwise create without a key or retention. */
  readonly endpointLogs: AdoptedLogGroup;

  constructor(scope: Construct, id: string, props: ModelServingProps) {
    super(scope, id);
    const { project, envConfig, model } = props;

    const approved = declareApprovedVersion(this, project, envConfig.name, model.name);
    this.versionApproved = approved.condition;

    const name = endpointName(project, envConfig.name, model.name);
    this.endpoint = new ModelEndpoint(this, 'Endpoint', {
      modelPackageArn: approved.modelPackageArn,
      condition: this.versionApproved,
      endpointName: name,
      vpc: props.vpc,
      subnets: props.workloadSubnets,
      securityGroups: [props.workloadSecurityGroup],
      encryptionKey: props.artifactsKey,
      artifactsBucket: props.artifactsBucket,
      imageRepositoryArns: servingImageRepositoryArns(this, props),
      dataCapture: {
        bucket: props.dataBucket,
        prefix: `${DATA_CAPTURE_PREFIX}/${model.name}`,
        encryptionKey: props.dataKey,
        samplingPercentage: model.dataCapturePercent,
      },
      serving: model.serving,
      deployment: model.deployment,
      alarmTopic: props.alertsTopic,
      alarms: model.alarms,
    });

    this.endpointLogs = new AdoptedLogGroup(this, 'EndpointLogs', {
      logGroupName: endpointLogGroupName(project, envConfig.name, model.name),
      encryptionKey: props.logsKey,
      retention: envConfig.settings.logRetentionDays as logs.RetentionDays,
      functionName: logGroupsFunctionName(project, envConfig.name),
      condition: this.versionApproved,
    });
    // the group has its key before the endpoint's first event
    this.endpoint.endpoint.node.addDependency(this.endpointLogs.resource);

    this.api = new ModelApi(this, 'Api', {
      apiName: name,
      // the API carries the endpoint's condition, so it may use the endpoint itself
      endpoint: this.endpoint,
      contentTypes: [...model.contentTypes],
      logsKey: props.logsKey,
      logRetention: envConfig.settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
      condition: this.versionApproved,
    });

    const outputs = [
      new CfnOutput(this, 'EndpointName', { value: name, description: 'SageMaker endpoint of the approved version' }),
      new CfnOutput(this, 'InvocationUrl', { value: this.api.url, description: 'POST here, signed with SigV4' }),
    ];
    for (const output of outputs) {
      output.condition = this.versionApproved;
      // one serving per stack: the outputs keep the names that runbooks and scripts read
      output.overrideLogicalId(output.node.id);
    }
  }
}
