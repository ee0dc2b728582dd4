import { Duration, Stack } from 'aws-cdk-lib';
import * as iam from 'aws-cdk-lib/aws-iam';
import { Construct } from 'constructs';
import { PlatformRole } from '../constructs/platform-role';
import { pipelineRunnerRoleName, sampleTrainingRoleName, trainingPipelineName } from '../naming';

/** A SageMaker pipeline the post-deploy check may run, such as a `TrainingPipeline` (lib/constructs/training-pipeline.ts). */
export interface IRunnablePipeline {
  readonly pipelineName: string;
  readonly pipelineArn: string;
  /** Lets a principal start executions of the pipeline. */
  grantStartExecution(grantee: iam.IGrantable): iam.Grant;
}

/** Lets the delivery pipeline's post-deploy check run this environment's training pipelines. */
export interface PipelineRunnerRoleProps {
  readonly project: string;
  /** Name of the environment the role is in. */
  readonly environment: string;
  /** The tooling account, where the delivery pipeline and its check run. */
  readonly toolingAccount: string;
}

/**
 * The role the delivery pipeline's `TrainOnSampleData` check assumes in an environment account. Only the check's
 * own role in the tooling account may assume it, and it may only start, watch and stop the training pipelines
 * granted with {@link allowRunning}. Add it to the environment that `sampleTraining` names.
 */
export class PipelineRunnerRole extends Construct {
  readonly role: PlatformRole;

  constructor(scope: Construct, id: string, props: PipelineRunnerRoleProps) {
    super(scope, id);
    const stack = Stack.of(this);
    const callerArn = stack.formatArn({
      service: 'iam',
      region: '',
      account: props.toolingAccount,
      resource: 'role',
      resourceName: sampleTrainingRoleName(props.project),
    });
    this.role = new PlatformRole(this, 'Role', {
      roleName: pipelineRunnerRoleName(props.project, props.environment),
      description: `Lets the ${props.project} delivery pipeline run the training pipelines of ${props.environment}`,
      // the account principal with the caller's ARN as a condition: valid even before the caller role exists
      assumedBy: new iam.AccountPrincipal(props.toolingAccount).withConditions({
        ArnEquals: { 'aws:PrincipalArn': callerArn },
      }),
      maxSessionDuration: Duration.hours(1),
    });
  }

  /**
   * Lets the delivery pipeline run every training pipeline of the environment, by their shared name pattern,
   * so the policy stays the same size however many models there are.
   */
  allowRunningTrainingPipelines(project: string, environment: string): void {
    const pipelines = Stack.of(this).formatArn({
      service: 'sagemaker',
      resource: 'pipeline',
      resourceName: trainingPipelineName(project, environment, '*'),
    });
    const reason = `training pipelines of ${environment} are named ${trainingPipelineName(project, environment, '<model>')}, and execution ids are generated at start`;
    this.role.addWildcardStatement(
      new iam.PolicyStatement({ actions: ['sagemaker:StartPipelineExecution'], resources: [pipelines] }),
      reason,
    );
    this.role.addWildcardStatement(
      new iam.PolicyStatement({
        actions: [
          'sagemaker:DescribePipelineExecution',
          'sagemaker:ListPipelineExecutionSteps',
          'sagemaker:StopPipelineExecution',
        ],
        resources: [`${pipelines}/execution/*`],
      }),
      reason,
    );
  }

  /** Lets the delivery pipeline start a training pipeline and watch, and on timeout stop, its executions. */
  allowRunning(pipeline: IRunnablePipeline): void {
    pipeline.grantStartExecution(this.role);
    this.role.addWildcardStatement(
      new iam.PolicyStatement({
        actions: [
          'sagemaker:DescribePipelineExecution',
          'sagemaker:ListPipelineExecutionSteps',
          'sagemaker:StopPipelineExecution',
        ],
        resources: [`${pipeline.pipelineArn}/execution/*`],
      }),
      `the execution id is generated when the delivery check starts the ${pipeline.pipelineName} pipeline; the wildcard covers only executions of that one pipeline`,
    );
  }
}
