import { Tags } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';
import { MODEL_TAG_KEY } from './vocabulary';

/**
 * Resource types whose Tags are create-only, in every region or in some (the Domain's are in a few regions):
 * changing a tag replaces them (for a domain or user profile, with the users' home directories). They get only
 * tags whose values never change.
 */
export const FROZEN_TAG_RESOURCE_TYPES = [
  'AWS::SageMaker::Domain',
  'AWS::SageMaker::UserProfile',
  'AWS::SageMaker::FeatureGroup',
  'AWS::SageMaker::DataQualityJobDefinition',
  'AWS::SageMaker::ModelQualityJobDefinition',
  'AWS::SageMaker::ModelBiasJobDefinition',
  'AWS::SageMaker::ModelExplainabilityJobDefinition',
  // not create-only, but any update writes the template value back: it would reset an approved model to none
  'AWS::SSM::Parameter',
] as const;

/**
 * Types that CDK would tag but whose Tags the resource schemas that cfn-lint checks against do not accept in
 * every region yet.
 */
const UNTAGGABLE_RESOURCE_TYPES = ['AWS::ApplicationAutoScaling::ScalableTarget', 'AWS::CloudWatch::Dashboard'];

export interface PlatformTagsProps {
  readonly project: string;
  readonly environment: string;
  /** Extra cost-allocation tags from config; kept off the types in {@link FROZEN_TAG_RESOURCE_TYPES}. */
  readonly extraTags?: Readonly<Record<string, string>>;
}

/**
 * Cost-allocation tags on everything that takes tags. Project and environment never change for a deployed
 * environment, so they are safe on every type; extra tags from config can change, so they skip the frozen types.
 * No tag ever depends on the maturity stage.
 */
export function applyPlatformTags(scope: IConstruct, props: PlatformTagsProps): void {
  Tags.of(scope).add('project', props.project, { excludeResourceTypes: UNTAGGABLE_RESOURCE_TYPES });
  Tags.of(scope).add('environment', props.environment, { excludeResourceTypes: UNTAGGABLE_RESOURCE_TYPES });
  for (const [key, value] of Object.entries(props.extraTags ?? {})) {
    Tags.of(scope).add(key, value, {
      excludeResourceTypes: [...FROZEN_TAG_RESOURCE_TYPES, ...UNTAGGABLE_RESOURCE_TYPES],
    });
  }
}

export { MODEL_TAG_KEY };

/**
 * Tags every resource of a model's stack with `model=<name>` (stage independent: it is there from the first stage
 * that has the stack, so no stage adds it). The frozen types are left out: adding a tag would replace them.
 */
export function applyModelTag(scope: IConstruct, model: string): void {
  Tags.of(scope).add(MODEL_TAG_KEY, model, {
    excludeResourceTypes: [...FROZEN_TAG_RESOURCE_TYPES, ...UNTAGGABLE_RESOURCE_TYPES],
  });
}
