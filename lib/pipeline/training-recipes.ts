import type { PipelineValue, TrainingArguments } from '../pipeline-definition';

/**
 * How the model-building pipeline trains and serves a model, per framework of `models[].container`. Everything
 * else of the pipeline (preprocess, evaluate, quality baselines, gate, registration) is the same for each.
 */

/** The frameworks of `models[].container.framework`. */
export type TrainingFramework = 'xgboost' | 'sklearn';

/** A channel of the training job. */
type TrainingChannel = NonNullable<TrainingArguments['InputDataConfig']>[number];

/** The container that serves the trained model: in the test-set scoring model and the registered pipeline model. */
export interface ModelContainer {
  readonly Image: string;
  /** @default - none: the built-in algorithm serves its own artifacts */
  readonly Environment?: Readonly<Record<string, string>>;
}

/** What differs between frameworks in the Train step and the model of its artifacts. */
export interface TrainingRecipe {
  /** `AlgorithmSpecification` and, for a built-in algorithm, its `HyperParameters`. */
  readonly algorithm: Pick<TrainingArguments, 'AlgorithmSpecification' | 'HyperParameters'>;
  /** Channels after `train` and `validation`. */
  readonly extraChannels: readonly TrainingChannel[];
  /** Serves the training job's model artifacts (`ModelDataUrl` is added by the pipeline). */
  readonly modelContainer: ModelContainer;
  /** Entrypoint and arguments of the training container, for the 256-character check; empty for a built-in one. */
  readonly containerStrings: readonly string[];
}

export interface TrainingRecipeProps {
  /** The training and serving image of the model. */
  readonly image: string;
  /** Python package of the model in the code archive, such as `upsell`. */
  readonly codePackage: string;
  /** S3 URI of the zipped model code (the CDK asset). */
  readonly codeUri: string | PipelineValue;
}

/** Where the scikit-learn training job receives the code archive, and where it unpacks it. */
export const TRAINING_CODE_CHANNEL = 'code';
const TRAINING_CODE_DIR = `/opt/ml/input/data/${TRAINING_CODE_CHANNEL}`;
const TRAINING_SOURCE_DIR = '/opt/ml/code-src';
/** SageMaker's limit on each element of `ContainerEntrypoint` and `ContainerArguments`. */
export const MAX_CONTAINER_ARGUMENT_LENGTH = 256;

/**
 * The built-in XGBoost algorithm on the `train` and `validation` CSV channels, label first; it serves its own
 * artifacts. A custom `imageUri` container is trained the same way (the image must accept these hyperparameters).
 */
export function builtInAlgorithmRecipe(props: Pick<TrainingRecipeProps, 'image'>): TrainingRecipe {
  return {
    algorithm: {
      AlgorithmSpecification: { TrainingImage: props.image, TrainingInputMode: 'File' },
      HyperParameters: {
        objective: 'binary:logistic',
        eval_metric: 'auc',
        num_round: '200',
        max_depth: '5',
        eta: '0.2',
      },
    },
    extraChannels: [],
    modelContainer: { Image: props.image },
    containerStrings: [],
  };
}

/**
 * The SageMaker scikit-learn image running the model's own `<package>/train.py` (ml/README.md): the code archive
 * arrives as the `code` channel and is unpacked before the script runs, so training uses the very code the
 * processing jobs run. The trained `model.tar.gz` carries `code/<package>_predictor.py`, which the same image serves.
 */
export function sklearnRecipe(props: TrainingRecipeProps): TrainingRecipe {
  const entrypoint = [
    'bash',
    '-c',
    `set -e; python3 -m zipfile -e ${TRAINING_CODE_DIR}/*.zip ${TRAINING_SOURCE_DIR} && exec python3 ${TRAINING_SOURCE_DIR}/${props.codePackage}/train.py "$@"`,
    'train.py',
  ];
  const containerArguments = [
    ...['--train', '/opt/ml/input/data/train', '--validation', '/opt/ml/input/data/validation'],
    ...['--model-dir', '/opt/ml/model'],
  ];
  return {
    algorithm: {
      AlgorithmSpecification: {
        TrainingImage: props.image,
        TrainingInputMode: 'File',
        ContainerEntrypoint: entrypoint,
        ContainerArguments: containerArguments,
      },
    },
    extraChannels: [
      {
        ChannelName: TRAINING_CODE_CHANNEL,
        DataSource: {
          S3DataSource: {
            S3DataType: 'S3Prefix',
            S3Uri: props.codeUri,
            S3DataDistributionType: 'FullyReplicated',
          },
        },
      },
    ],
    modelContainer: {
      Image: props.image,
      Environment: {
        SAGEMAKER_PROGRAM: `${props.codePackage}_predictor.py`,
        SAGEMAKER_SUBMIT_DIRECTORY: '/opt/ml/model/code',
        SAGEMAKER_CONTAINER_LOG_LEVEL: '20',
      },
    },
    containerStrings: [...entrypoint, ...containerArguments],
  };
}

/** The recipe of a model's container: a framework by name, or (`undefined`) a custom image trained as XGBoost. */
export function trainingRecipe(framework: TrainingFramework | undefined, props: TrainingRecipeProps): TrainingRecipe {
  switch (framework) {
    case 'sklearn':
      return sklearnRecipe(props);
    case 'xgboost':
    case undefined:
      return builtInAlgorithmRecipe(props);
    default: {
      const unknown: never = framework;
      throw new Error(`no training recipe for framework "${unknown}"; expected xgboost or sklearn`);
    }
  }
}
