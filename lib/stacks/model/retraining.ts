import { Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as s3 from 'aws-cdk-lib/aws-s3';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { type RetrainingLoopProps, RetrainingTriggers } from '../../constructs/retraining-triggers';
import { trainingPipelineName } from '../../naming';
import type { ModelPartProps } from './part';
import { TRAINING_DATA_PREFIX } from './training';

export interface ModelRetrainingProps extends ModelPartProps {
  readonly rawDataBucket: s3.IBucket;
  readonly dataKey: kms.IKey;
  readonly logsKey: kms.IKey;
  readonly alertsTopic: sns.ITopic;
  /**
   * The closed loop (stage 5, capability `driftRetraining`): drift and quality alarms retrain the model.
   * @default - new data and the schedule only
   */
  readonly loop?: RetrainingLoopProps;
}

/**
 * Stage 4 retraining of one model: a schedule that starts its training pipeline directly, and a policy-driven
 * trigger on new training data (minimum new data, cooldown, daily cap, time window). Part of the model's stack.
 */
export class ModelRetraining extends Construct {
  readonly triggers: RetrainingTriggers;

  constructor(scope: Construct, id: string, props: ModelRetrainingProps) {
    super(scope, id);
    const { model } = props;
    const pipelineName = trainingPipelineName(props.project, props.envConfig.name, model.name);
    const { schedule, allowedWindow, ...policy } = model.retraining;
    this.triggers = new RetrainingTriggers(this, 'Triggers', {
      modelName: model.name,
      pipelineName,
      pipelineArn: Stack.of(this).formatArn({ service: 'sagemaker', resource: 'pipeline', resourceName: pipelineName }),
      rawDataBucket: props.rawDataBucket,
      prefix: `${TRAINING_DATA_PREFIX}/${model.name}/`,
      policy: { ...policy, allowedWindow },
      schedule,
      stateKey: props.dataKey,
      logsKey: props.logsKey,
      alarmTopic: props.alertsTopic,
      logRetention: props.envConfig.settings.logRetentionDays as logs.RetentionDays,
      removalPolicy: props.removalPolicy,
      loop: props.loop,
    });
  }
}
