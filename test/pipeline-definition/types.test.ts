/**
 * Compile-time checks of the step argument types: every `@ts-expect-error` below must be an error, which
 * `tsc --noEmit` (npm run typecheck) verifies; jest only runs the code.
 */
import { Token } from 'aws-cdk-lib';
import {
  CreateModelStep,
  ExecutionVariables,
  Join,
  Parameters,
  PipelineDefinition,
  type Pipelined,
  type ProcessingArguments,
  type RetryPolicy,
  type TrainingArguments,
  TrainingStep,
} from '../../lib/pipeline-definition';
import { processingArguments, trainingArguments } from './fixtures';
import { FIXTURE, XGBOOST_IMAGE } from './sample-pipeline';

describe('step argument types', () => {
  test('GIVEN pipeline values and tokens at leaves of every type THEN the arguments compile and render', () => {
    // GIVEN
    const definition = new PipelineDefinition();
    const instanceCount = definition.addParameter(Parameters.integer('InstanceCount', 1));
    const spot = definition.addParameter(Parameters.boolean('UseSpot', false));
    const args: TrainingArguments = {
      ...trainingArguments(),
      EnableManagedSpotTraining: spot,
      ResourceConfig: { InstanceCount: instanceCount, InstanceType: 'ml.m5.large', VolumeSizeInGB: Token.asNumber(30) },
      OutputDataConfig: { S3OutputPath: Join.on('/', ['s3://bucket', ExecutionVariables.PIPELINE_EXECUTION_ID]) },
      Tags: [{ Key: 'execution', Value: ExecutionVariables.PIPELINE_EXECUTION_ARN }],
    };
    definition.addStep(new TrainingStep('Train', { arguments: args }));

    // WHEN
    const rendered = JSON.parse(definition.render()).Steps[0].Arguments;

    // THEN
    expect(rendered.EnableManagedSpotTraining).toEqual({ Get: 'Parameters.UseSpot' });
    expect(rendered.ResourceConfig).toEqual({
      InstanceCount: { Get: 'Parameters.InstanceCount' },
      InstanceType: 'ml.m5.large',
      VolumeSizeInGB: 30,
    });
    expect(rendered.Tags).toEqual([{ Key: 'execution', Value: { Get: 'Execution.PipelineExecutionArn' } }]);
  });

  test('GIVEN a misspelled field at any depth THEN it does not compile', () => {
    const nested: TrainingArguments = {
      ...trainingArguments(),
      AlgorithmSpecification: {
        TrainingInputMode: 'File',
        // @ts-expect-error misspelled TrainingImage
        TraningImage: XGBOOST_IMAGE,
      },
    };
    const topLevel: ProcessingArguments = {
      ...processingArguments(),
      // @ts-expect-error misspelled Environment
      Enviroment: { A: '1' },
    };
    expect([nested, topLevel]).toHaveLength(2);
  });

  test('GIVEN a field SageMaker Pipelines fills in, a wrong leaf type or enum value THEN it does not compile', () => {
    const withJobName: TrainingArguments = {
      ...trainingArguments(),
      // @ts-expect-error the pipeline names the job
      TrainingJobName: 'train',
    };
    const wrongLeaf: TrainingArguments = {
      ...trainingArguments(),
      // @ts-expect-error a number, not a string
      StoppingCondition: { MaxRuntimeInSeconds: '3600' },
    };
    const wrongEnum: TrainingArguments = {
      ...trainingArguments(),
      // @ts-expect-error not an input mode
      AlgorithmSpecification: { TrainingImage: XGBOOST_IMAGE, TrainingInputMode: 'Files' },
    };
    const rawGet: TrainingArguments = {
      ...trainingArguments(),
      // @ts-expect-error raw functions are not pipeline values: use Parameters, properties, Join or jsonGet
      RoleArn: { Get: 'Parameters.RoleArn' },
    };
    expect([withJobName, wrongLeaf, wrongEnum, rawGet]).toHaveLength(4);
  });

  test('GIVEN Date leaves THEN they accept dates and pipeline values but not strings', () => {
    const dates: Pipelined<{ readonly StartTime?: Date }>[] = [
      { StartTime: new Date(0) },
      { StartTime: ExecutionVariables.START_DATETIME },
      // @ts-expect-error a string is not a Date
      { StartTime: '2025-01-01' },
    ];
    expect(dates).toHaveLength(3);
  });

  test('GIVEN step options a step type does not have or an unknown retry exception THEN they do not compile', () => {
    const retry: RetryPolicy = {
      // @ts-expect-error not an exception type
      exceptionTypes: ['Step.TIMEOUT'],
      maxAttempts: 1,
    };
    const model = new CreateModelStep('CreateModel', {
      arguments: { ExecutionRoleArn: FIXTURE.roleArn },
      // @ts-expect-error model steps are not cached
      cache: { enabled: true },
    });
    expect([retry, model]).toHaveLength(2);
  });
});
