import {
  FailStep,
  PipelineDefinition,
  type PipelineValue,
  type ProcessingArguments,
  ProcessingStep,
  type Step,
  type TrainingArguments,
} from '../../lib/pipeline-definition';
import { FIXTURE, SKLEARN_IMAGE, XGBOOST_IMAGE } from './sample-pipeline';

/** A rendered step. */
export type StepJson = Record<string, unknown> & { Name: string; Type: string; Arguments: Record<string, unknown> };

/** The smallest processing arguments, with the given outputs. */
export function processingArguments(...outputNames: string[]): ProcessingArguments {
  return {
    AppSpecification: { ImageUri: SKLEARN_IMAGE },
    ProcessingResources: { ClusterConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 30 } },
    ProcessingOutputConfig: {
      Outputs: outputNames.map((name) => ({
        OutputName: name,
        S3Output: { S3Uri: `s3://bucket/${name}`, LocalPath: `/opt/ml/processing/${name}`, S3UploadMode: 'EndOfJob' },
      })),
    },
    RoleArn: FIXTURE.roleArn,
  };
}

/** The smallest training arguments. */
export function trainingArguments(): TrainingArguments {
  return {
    AlgorithmSpecification: { TrainingImage: XGBOOST_IMAGE, TrainingInputMode: 'File' },
    OutputDataConfig: { S3OutputPath: 's3://bucket/models' },
    ResourceConfig: { InstanceCount: 1, InstanceType: 'ml.m5.large', VolumeSizeInGB: 30 },
    RoleArn: FIXTURE.roleArn,
    StoppingCondition: { MaxRuntimeInSeconds: 3600 },
  };
}

/** A processing step with the given outputs. */
export function processingStep(name: string, ...outputNames: string[]): ProcessingStep {
  return new ProcessingStep(name, { arguments: processingArguments(...outputNames) });
}

/** Renders a definition of `steps` and parses it. */
export function renderSteps(...steps: Step[]): { Steps: StepJson[]; [key: string]: unknown } {
  const definition = new PipelineDefinition();
  definition.addSteps(...steps);
  return JSON.parse(definition.render());
}

/** The rendered step named `name`, from the top level or a condition branch. */
export function findStep(definition: { Steps: StepJson[] }, name: string): StepJson {
  const all = (steps: StepJson[]): StepJson[] =>
    steps.flatMap((step) => [
      step,
      ...all([...((step.Arguments.IfSteps as StepJson[]) ?? []), ...((step.Arguments.ElseSteps as StepJson[]) ?? [])]),
    ]);
  const found = all(definition.Steps).find((step) => step.Name === name);
  if (!found) throw new Error(`no step ${name}`);
  return found;
}

/** How `value` renders, as the error message of a fail step added after `steps`. */
export function renderValue(value: PipelineValue, ...steps: Step[]): unknown {
  const probe = new FailStep('Probe', { errorMessage: value });
  return findStep(renderSteps(...steps, probe), 'Probe').Arguments.ErrorMessage;
}
