import { Stack } from 'aws-cdk-lib';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type * as logs from 'aws-cdk-lib/aws-logs';
import type * as sns from 'aws-cdk-lib/aws-sns';
import { Construct } from 'constructs';
import { ModelRollout } from '../../constructs/model-rollout';
import {
  approvedModelParameterName,
  endpointName,
  modelPackageGroupName,
  rolloutFunctionName,
  rolloutMismatchAlarmName,
  rolloutRoleName,
  rolloutStateMachineName,
} from '../../naming';
import type { ModelPartProps } from './part';

export interface ModelRolloutPartProps extends ModelPartProps {
  readonly logsKey: kms.IKey;
  readonly alertsTopic: sns.ITopic;
  /** The model is served in real time here: the rollout updates this stack and verifies the endpoint. */
  readonly servedInRealTime: boolean;
  /** Model Monitor watches the endpoint (stage 4): versions must carry drift baselines. */
  readonly monitored: boolean;
}

/**
 * Stage 5 continuous deployment of one model in one environment (ADR 0023): the approval rule, with retries and a
 * dead-letter queue, and the rollout state machine that binds the approved version to this stack and verifies the
 * endpoint serves it. Part of the model's stack.
 */
export class ModelRolloutPart extends Construct {
  readonly rollout: ModelRollout;

  constructor(scope: Construct, id: string, props: ModelRolloutPartProps) {
    super(scope, id);
    const { project, envConfig, model } = props;
    const env = envConfig.name;
    this.rollout = new ModelRollout(this, 'Rollout', {
      project,
      environment: env,
      modelName: model.name,
      stateMachineName: rolloutStateMachineName(project, env, model.name),
      functionName: rolloutFunctionName(project, env, model.name),
      roleName: rolloutRoleName(project, env, model.name),
      approvedModelParameterName: approvedModelParameterName(project, env, model.name),
      modelPackageGroupName: modelPackageGroupName(project, env, model.name),
      stackName: Stack.of(this).stackName,
      endpointName: endpointName(project, env, model.name),
      realtime: props.servedInRealTime,
      // with mode "dryRun" or "off" the gate does not act, and a ModelApprover's approval is the decision
      requireVerdict: model.promotion.mode === 'enabled',
      requireBaselines: props.monitored && props.servedInRealTime && model.monitoring.modelMonitor,
      // a prod rollout needs an approved model card (stage 5, ADR 0029)
      requireApprovedCard: envConfig.kind === 'prod' && envConfig.maturity.capabilities.has('modelPortfolio'),
      alertsTopic: props.alertsTopic,
      logsKey: props.logsKey,
      logRetention: envConfig.settings.logRetentionDays as logs.RetentionDays,
      failedAlarmName: rolloutMismatchAlarmName(project, env, model.name),
      removalPolicy: props.removalPolicy,
    });
  }
}
