import { Duration } from 'aws-cdk-lib';
import * as ecr from 'aws-cdk-lib/aws-ecr';
import type * as kms from 'aws-cdk-lib/aws-kms';
import type { Construct } from 'constructs';
import { imageRepositoryName } from '../naming';
import { PlatformStack, type PlatformStackProps } from './platform-stack';

export interface ContainerRegistryStackProps extends PlatformStackProps {
  /** Encrypts the images (create-only on a repository). */
  readonly artifactsKey: kms.IKey;
}

/** The repositories of each environment, by purpose. */
export const IMAGE_PURPOSES = ['training', 'inference'] as const;

/** How many tagged images a repository keeps; older ones expire. */
export const KEPT_TAGGED_IMAGES = 30;

/**
 * Stage 3 container registry of one environment: a repository for custom training images and one for
 * inference images, scanned on push, with immutable tags and lifecycle rules.
 */
export class ContainerRegistryStack extends PlatformStack {
  readonly repositories = new Map<(typeof IMAGE_PURPOSES)[number], ecr.Repository>();

  constructor(scope: Construct, id: string, props: ContainerRegistryStackProps) {
    super(scope, id, props);
    for (const purpose of IMAGE_PURPOSES) {
      const repository = new ecr.Repository(this, `${purpose.charAt(0).toUpperCase()}${purpose.slice(1)}Images`, {
        repositoryName: imageRepositoryName(this.project, this.envConfig.name, purpose),
        imageScanOnPush: true,
        imageTagMutability: ecr.TagMutability.IMMUTABLE,
        encryption: ecr.RepositoryEncryption.KMS,
        encryptionKey: props.artifactsKey,
        removalPolicy: this.statefulRemovalPolicy,
        lifecycleRules: [
          {
            description: 'drop untagged layers of failed or replaced pushes',
            tagStatus: ecr.TagStatus.UNTAGGED,
            maxImageAge: Duration.days(7),
            rulePriority: 1,
          },
          {
            description: `keep the last ${KEPT_TAGGED_IMAGES} images`,
            tagStatus: ecr.TagStatus.ANY,
            maxImageCount: KEPT_TAGGED_IMAGES,
            rulePriority: 2,
          },
        ],
      });
      this.repositories.set(purpose, repository);
    }
  }
}
