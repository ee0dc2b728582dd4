import { Stack } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { imageRepositoryArn } from '../../constructs/sagemaker-grants';
import { imageRepositoryName } from '../../naming';
import { frameworkImageRepositories } from '../../pipeline/images';
import { IMAGE_PURPOSES } from '../container-registry-stack';
import type { ModelWorkloadProps } from './part';

/**
 * Which ECR repositories a model's workloads may pull from (issue 12, finding 2): the platform's own container
 * registries and the AWS-owned repositories of the images it runs, never `repository/*` of any account.
 */

/** An ECR repository by account, region and name. */
interface Repository {
  readonly account: string;
  readonly region: string;
  readonly repositoryName: string;
}

/** The part's project, environment and the platform's environments. */
type ImageSourceProps = Pick<ModelWorkloadProps, 'project' | 'envConfig' | 'imageSources'>;

/** The container registry repositories of the platform's environments in `scope`'s region. */
function platformRepositories(scope: IConstruct, props: ImageSourceProps): Repository[] {
  const { region } = Stack.of(scope);
  const { project, envConfig } = props;
  const sources = props.imageSources ?? [
    { environment: envConfig.name, account: envConfig.account, region: envConfig.region },
  ];
  // SageMaker pulls an image only from its own region
  return sources
    .filter((source) => source.region === region)
    .flatMap((source) =>
      IMAGE_PURPOSES.map((purpose) => ({
        account: source.account,
        region,
        repositoryName: imageRepositoryName(project, source.environment, purpose),
      })),
    );
}

function arnOf(scope: IConstruct, { account, region, repositoryName }: Repository): string {
  return Stack.of(scope).formatArn({
    service: 'ecr',
    account,
    region,
    resource: 'repository',
    resourceName: repositoryName,
  });
}

/**
 * What an approved model package may name as its images, for the endpoint and batch scoring roles: the platform's
 * container registries in this region, and SageMaker's XGBoost and scikit-learn repositories. The package is only
 * known at deploy time (stage 2 publishes it from dev), so the set cannot be narrower.
 */
export function servingImageRepositoryArns(scope: IConstruct, props: ImageSourceProps): string[] {
  const repositories = [...platformRepositories(scope, props), ...frameworkImageRepositories(Stack.of(scope).region)];
  return repositories.map((repository) => arnOf(scope, repository));
}

/**
 * The repository of each image the training pipeline runs. A custom `container.imageUri` must be in one of the
 * platform's container registries of this region: the pipeline's role may pull from nothing else.
 */
export function trainingImageRepositoryArns(
  scope: IConstruct,
  props: ImageSourceProps,
  images: { readonly model: string; readonly runs: readonly string[]; readonly custom?: string },
): string[] {
  if (images.custom) {
    const platform = platformRepositories(scope, props);
    const custom = imageRepositoryArn(scope, images.custom);
    if (!custom || !platform.some((repository) => arnOf(scope, repository) === custom)) {
      const { region } = Stack.of(scope);
      const repositories = platform.map((r) => `${r.account}.dkr.ecr.${r.region}.amazonaws.com/${r.repositoryName}`);
      throw new Error(
        `model "${images.model}": container.imageUri "${images.custom}" is in no container registry of the platform in ${region}; push the image to ${repositories.join(' or ') || 'a platform repository (stage 3)'} and name it there, as the workloads pull from no other repository`,
      );
    }
  }
  const arns = images.runs.map((uri) => imageRepositoryArn(scope, uri)).filter((arn): arn is string => !!arn);
  return [...new Set(arns)];
}
