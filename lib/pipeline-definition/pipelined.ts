import type {
  CreateHyperParameterTuningJobRequest,
  CreateModelInput,
  CreateModelPackageInput,
  CreateProcessingJobRequest,
  CreateTrainingJobRequest,
  CreateTransformJobRequest,
} from '@aws-sdk/client-sagemaker';
import type { PipelineValue } from './values';

/**
 * A request shape of `@aws-sdk/client-sagemaker` in which every leaf (string, number, boolean, date) may also be a
 * pipeline value (parameter, execution variable, step property, `Join`, `JsonGet`). Objects and arrays keep their
 * shape, so a misspelled field is still a compile error. CDK token strings and numbers are strings and numbers, so
 * they fit every leaf of their type.
 */
export type Pipelined<T> = T extends string | number | boolean | Date
  ? T | PipelineValue
  : T extends readonly (infer E)[]
    ? readonly Pipelined<E>[]
    : T extends object
      ? { [K in keyof T]: Pipelined<T[K]> }
      : T;

/** `CreateProcessingJob` without the job name, which SageMaker Pipelines fills in. */
export type ProcessingArguments = Pipelined<Omit<CreateProcessingJobRequest, 'ProcessingJobName'>>;

/** `CreateTrainingJob` without the job name, which SageMaker Pipelines fills in. */
export type TrainingArguments = Pipelined<Omit<CreateTrainingJobRequest, 'TrainingJobName'>>;

/** `CreateHyperParameterTuningJob` without the job name, which SageMaker Pipelines fills in. */
export type TuningArguments = Pipelined<Omit<CreateHyperParameterTuningJobRequest, 'HyperParameterTuningJobName'>>;

/** `CreateTransformJob` without the job name, which SageMaker Pipelines fills in. */
export type TransformArguments = Pipelined<Omit<CreateTransformJobRequest, 'TransformJobName'>>;

/** `CreateModel` without the model name, which SageMaker Pipelines fills in. */
export type CreateModelArguments = Pipelined<Omit<CreateModelInput, 'ModelName'>>;

/**
 * `CreateModelPackage` for a versioned package: without the package name (a version in a group has none), the
 * idempotency token (the pipeline sets it) and `CertifyForMarketplace`, which SageMaker Pipelines rejects.
 */
export type RegisterModelArguments = Pipelined<
  Omit<CreateModelPackageInput, 'ModelPackageName' | 'ClientToken' | 'CertifyForMarketplace'>
>;
