import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import type { Construct } from 'constructs';
import type { ResolvedModel } from '../config/models';
import { RetrainingTriggers } from '../constructs/retraining-triggers';
import { trainingPipelineName } from '../naming';
import { PlatformStack, type PlatformStackProps } from './platform-stack';
import { TRAINING_DATA_PREFIX } from './training-stack';

export interface RetrainingStackProps extends PlatformStackProps {
  readonly model: ResolvedModel;
  readonly rawDataBucket: s3.IBucket;
  readonly dataKey: kms.IKey;
  readonly logsKey: kms.IKey;
  readonly alertsTopic: sns.ITopic;
}

/**
 * Stage 4 retraining of one model: a schedule that starts its training pipeline directly, and a policy-driven
 * trigger on new training data (minimum new data, cooldown, daily cap, time window).
 */
export class RetrainingStack extends PlatformStack {
  readonly triggers: RetrainingTriggers;

  constructor(scope: Construct, id: string, props: RetrainingStackProps) {
    super(scope, id, props);
    const { model } = props;
    const pipelineName = trainingPipelineName(this.project, this.envConfig.name, model.name);
    const { schedule, allowedWindow, ...policy } = model.retraining;
    this.triggers = new RetrainingTriggers(this, 'Triggers', {
      modelName: model.name,
      pipelineName,
      pipelineArn: this.formatArn({ service: 'sagemaker', resource: 'pipeline', resourceName: pipelineName }),
      rawDataBucket: props.rawDataBucket,
      prefix: `${TRAINING_DATA_PREFIX}/${model.name}/`,
      policy: { ...policy, allowedWindow },
      schedule,
      stateKey: props.dataKey,
      logsKey: props.logsKey,
      alarmTopic: props.alertsTopic,
      logRetention: this.envConfig.settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: this.statefulRemovalPolicy,
    });
  }
}
