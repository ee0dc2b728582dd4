/**
 * Registries of SageMaker's prebuilt images, by region. SageMaker publishes each image family from one account
 * per region; the table keeps synth offline (no SDK lookup). A region missing here fails synth with a clear
 * message; add it from the SageMaker "Docker registry paths" documentation.
 */

/** Accounts of the XGBoost, scikit-learn and other first-party framework images. */
const FRAMEWORK_ACCOUNTS: Readonly<Record<string, string>> = {
  'us-east-1': '683313688378',
  'us-east-2': '257758044811',
  'us-west-1': '746614075791',
  'us-west-2': '246618743249',
  'af-south-1': '510948584623',
  'ap-east-1': '651117190479',
  'ap-northeast-1': '354813040037',
  'ap-northeast-2': '366743142698',
  'ap-south-1': '720646828776',
  'ap-southeast-1': '121021644041',
  'ap-southeast-2': '783357654285',
  'ca-central-1': '341280168497',
  'eu-central-1': '492215442770',
  'eu-north-1': '662702820516',
  'eu-south-1': '978288397137',
  'eu-west-1': '141502667606',
  'eu-west-2': '764974769150',
  'eu-west-3': '659782779980',
  'me-south-1': '801668240914',
  'sa-east-1': '737474898029',
};

/** Accounts of the Model Monitor analyzer image, used by the QualityCheck steps and monitoring schedules. */
const MODEL_MONITOR_ACCOUNTS: Readonly<Record<string, string>> = {
  'us-east-1': '156813124566',
  'us-east-2': '777275614652',
  'us-west-1': '890145073186',
  'us-west-2': '159807026194',
  'af-south-1': '875698925577',
  'ap-east-1': '001633400207',
  'ap-northeast-1': '574779866223',
  'ap-northeast-2': '709848358524',
  'ap-south-1': '126357580389',
  'ap-southeast-1': '245545462676',
  'ap-southeast-2': '563025443158',
  'ca-central-1': '536280801234',
  'eu-central-1': '048819808253',
  'eu-north-1': '895015795356',
  'eu-south-1': '933208885752',
  'eu-west-1': '468650794304',
  'eu-west-2': '749857270468',
  'eu-west-3': '680080141114',
  'me-south-1': '607024016150',
  'sa-east-1': '539772159869',
};

/** Accounts of the SageMaker Clarify processing image, used by bias and explainability monitoring. */
const CLARIFY_ACCOUNTS: Readonly<Record<string, string>> = {
  'us-east-1': '205585389593',
  'us-east-2': '211330385671',
  'us-west-1': '740489534195',
  'us-west-2': '306415355426',
  'af-south-1': '811711786498',
  'ap-east-1': '098760798382',
  'ap-northeast-1': '377024640650',
  'ap-northeast-2': '263625296855',
  'ap-northeast-3': '912233562940',
  'ap-south-1': '452307495513',
  'ap-southeast-1': '834264404009',
  'ap-southeast-2': '007051062584',
  'ca-central-1': '675030665977',
  'eu-central-1': '017069133835',
  'eu-north-1': '763603941244',
  'eu-south-1': '638885417683',
  'eu-west-1': '131013547314',
  'eu-west-2': '440796970383',
  'eu-west-3': '341593696636',
  'me-south-1': '835444307964',
  'sa-east-1': '520018980103',
};

/** Version of the scikit-learn image that runs the platform's processing and inference-transform code. */
export const SKLEARN_IMAGE_TAG = '1.2-1-cpu-py3';

/** Repositories of the framework images, by framework. */
const FRAMEWORK_REPOSITORIES = { xgboost: 'sagemaker-xgboost', sklearn: 'sagemaker-scikit-learn' } as const;

/** An AWS-owned ECR repository of a prebuilt image in one region. */
export interface BuiltInImageRepository {
  readonly account: string;
  readonly region: string;
  readonly repositoryName: string;
}

/**
 * The repositories of the XGBoost and scikit-learn images in a region: what an endpoint or a batch transform may
 * pull besides the platform's own repositories. Empty for a region missing from the table, where only stage 2
 * runs (the config refuses training there), so such a region serves only the platform's own images.
 */
export function frameworkImageRepositories(region: string): BuiltInImageRepository[] {
  const account = FRAMEWORK_ACCOUNTS[region];
  if (!account) return [];
  return Object.values(FRAMEWORK_REPOSITORIES).map((repositoryName) => ({ account, region, repositoryName }));
}

function registry(table: Readonly<Record<string, string>>, family: string, region: string): string {
  const account = table[region];
  if (!account) {
    throw new Error(
      `no ${family} image registry is known for region "${region}"; add its account to lib/pipeline/images.ts from the SageMaker "Docker registry paths" page`,
    );
  }
  const domain = region.startsWith('cn-') ? 'amazonaws.com.cn' : 'amazonaws.com';
  return `${account}.dkr.ecr.${region}.${domain}`;
}

/** The built-in image of a framework: `xgboost` or `sklearn`, with SageMaker's version tag such as `1.7-1`. */
export function frameworkImageUri(framework: 'xgboost' | 'sklearn', version: string, region: string): string {
  const repository = FRAMEWORK_REPOSITORIES[framework];
  const tag = framework === 'sklearn' && !version.includes('-cpu-') ? `${version}-cpu-py3` : version;
  return `${registry(FRAMEWORK_ACCOUNTS, framework, region)}/${repository}:${tag}`;
}

/** The Model Monitor analyzer image. */
export function modelMonitorImageUri(region: string): string {
  return `${registry(MODEL_MONITOR_ACCOUNTS, 'Model Monitor', region)}/sagemaker-model-monitor-analyzer`;
}

/** The SageMaker Clarify processing image, which bias and explainability monitoring run. */
export function clarifyImageUri(region: string): string {
  return `${registry(CLARIFY_ACCOUNTS, 'SageMaker Clarify', region)}/sagemaker-clarify-processing:1.0`;
}

/**
 * Regions that have every image above (framework, Model Monitor and Clarify): where the training pipeline and
 * model monitoring can run. The config checks environment regions against it at synth.
 */
export function regionsWithEveryImage(): readonly string[] {
  return Object.keys(FRAMEWORK_ACCOUNTS).filter((region) => MODEL_MONITOR_ACCOUNTS[region] && CLARIFY_ACCOUNTS[region]);
}
