import type { DescribeModelPackageCommandOutput } from '@aws-sdk/client-sagemaker';

/**
 * The pure core of the model-package-baselines custom resource: which model package a request names, and the
 * drift baselines of an approved package as the attributes CloudFormation reads with `Fn::GetAtt`. No I/O.
 */

/** The CloudFormation type of the custom resource. */
export const RESOURCE_TYPE = 'Custom::ModelPackageBaselines';

/** The resource property that names the model package version. */
export const MODEL_PACKAGE_ARN_PROPERTY = 'ModelPackageArn';

/** The resource property that lists the optional baselines a deployment needs (bias, explainability monitoring). */
export const REQUIRED_BASELINES_PROPERTY = 'RequiredBaselines';

/** Optional drift baselines that monitoring can require of a version. */
export const OPTIONAL_BASELINES = ['Bias', 'Explainability'] as const;
export type OptionalBaseline = (typeof OPTIONAL_BASELINES)[number];

/** The optional baselines a request requires; anything else in the property is reported, not ignored. */
export function parseRequiredBaselines(value: unknown): Checked<readonly OptionalBaseline[]> {
  if (value === undefined || value === '') return { ok: true, value: [] };
  const list = Array.isArray(value) ? value : [value];
  const unknown = list.filter((v) => !(OPTIONAL_BASELINES as readonly unknown[]).includes(v));
  if (unknown.length > 0) {
    return {
      ok: false,
      reason: `${REQUIRED_BASELINES_PROPERTY} may list ${OPTIONAL_BASELINES.join(' and ')}, got ${quote(unknown)}`,
    };
  }
  return { ok: true, value: list as OptionalBaseline[] };
}

/**
 * The attributes of the custom resource, one per `Fn::GetAtt` name. Optional baselines the package does not
 * record are empty strings, so a `Fn::GetAtt` on them never fails the deployment.
 */
export interface BaselineAttributes {
  readonly ModelPackageGroupName: string;
  /** The version number, as text: CloudFormation attributes are used in strings. */
  readonly ModelPackageVersion: string;
  readonly DataQualityStatisticsUri: string;
  readonly DataQualityConstraintsUri: string;
  readonly ModelQualityStatisticsUri: string;
  readonly ModelQualityConstraintsUri: string;
  /** The analysis config of the bias baseline, or empty. */
  readonly BiasConfigUri: string;
  /** Model Monitor checks bias after training only, so the pre-training constraints are not an attribute. */
  readonly BiasPostTrainingConstraintsUri: string;
  readonly ExplainabilityConfigUri: string;
  readonly ExplainabilityConstraintsUri: string;
}

export type BaselineAttributeName = keyof BaselineAttributes;

/** The parts of a versioned model package ARN. */
export interface ModelPackageArn {
  readonly arn: string;
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  readonly groupName: string;
  readonly version: number;
}

export type Checked<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly reason: string };

/** The fields of DescribeModelPackage that the baselines come from. */
export type DescribedModelPackage = Pick<
  DescribeModelPackageCommandOutput,
  'ModelPackageArn' | 'ModelPackageGroupName' | 'ModelPackageVersion' | 'ModelApprovalStatus' | 'DriftCheckBaselines'
>;

const MODEL_PACKAGE_ARN =
  /^arn:(aws[a-z-]*):sagemaker:([a-z]{2}(?:-[a-z]+)+-\d):(\d{12}):model-package\/([a-zA-Z0-9](?:-*[a-zA-Z0-9]){0,62})\/([1-9]\d{0,9})$/;
const S3_URI = /^s3:\/\/[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]\/\S+$/;
const EXAMPLE = 'arn:<partition>:sagemaker:<region>:<12-digit account>:model-package/<group>/<version>';

/** What a platform version needs: Model Monitor's data-quality and model-quality schedules depend on them. */
const FIX =
  "register versions through the platform's training pipeline of the model, whose quality-check steps record the drift baselines, approve such a version and deploy again";

/** Checks that `value` is the ARN of one version of a model package group, and splits it. */
export function parseModelPackageArn(value: unknown): Checked<ModelPackageArn> {
  if (typeof value !== 'string' || value.trim() === '') {
    return {
      ok: false,
      reason: `ModelPackageArn must be a model package version ARN (${EXAMPLE}), got ${quote(value)}`,
    };
  }
  if (value === 'none') {
    return {
      ok: false,
      reason:
        "ModelPackageArn is 'none': no version is approved yet; create this resource only under the stack's VersionApproved condition",
    };
  }
  const match = MODEL_PACKAGE_ARN.exec(value);
  if (!match) {
    const what = /:model-package-group\//.test(value)
      ? 'is the ARN of a model package group, not of one version'
      : 'is not a model package version ARN';
    return { ok: false, reason: `ModelPackageArn ${quote(value)} ${what}; expected ${EXAMPLE}` };
  }
  const [, partition, region, account, groupName, version] = match;
  return { ok: true, value: { arn: value, partition, region, account, groupName, version: Number(version) } };
}

/**
 * The attributes of an approved version, or why it cannot be served: not Approved, or without the data-quality
 * or model-quality drift baselines, or with a baseline that is not an S3 URI. Every problem is named at once.
 */
export function baselinesOf(
  requested: ModelPackageArn,
  described: DescribedModelPackage,
  required: readonly OptionalBaseline[] = [],
): Checked<BaselineAttributes> {
  const arn = described.ModelPackageArn ?? requested.arn;
  if (described.ModelApprovalStatus !== 'Approved') {
    return {
      ok: false,
      reason: `model package ${arn} is ${described.ModelApprovalStatus ?? 'without an approval status'}, not Approved: only an Approved version may be served or monitored; approve it in the registry, or serve an Approved version, and deploy again`,
    };
  }
  const baselines = described.DriftCheckBaselines;
  const problems: string[] = [];
  const uri = (path: string, value: string | undefined, required: boolean): string => {
    if (value === undefined || value === '') {
      if (required) problems.push(`${path} is missing`);
      return '';
    }
    if (!S3_URI.test(value)) problems.push(`${path} is not an S3 URI: ${quote(value)}`);
    return value;
  };
  const prefix = 'DriftCheckBaselines';
  const bias = required.includes('Bias');
  const explainability = required.includes('Explainability');
  const attributes: BaselineAttributes = {
    ModelPackageGroupName: described.ModelPackageGroupName ?? requested.groupName,
    ModelPackageVersion: String(described.ModelPackageVersion ?? requested.version),
    DataQualityStatisticsUri: uri(
      `${prefix}.ModelDataQuality.Statistics`,
      baselines?.ModelDataQuality?.Statistics?.S3Uri,
      true,
    ),
    DataQualityConstraintsUri: uri(
      `${prefix}.ModelDataQuality.Constraints`,
      baselines?.ModelDataQuality?.Constraints?.S3Uri,
      true,
    ),
    ModelQualityStatisticsUri: uri(
      `${prefix}.ModelQuality.Statistics`,
      baselines?.ModelQuality?.Statistics?.S3Uri,
      true,
    ),
    ModelQualityConstraintsUri: uri(
      `${prefix}.ModelQuality.Constraints`,
      baselines?.ModelQuality?.Constraints?.S3Uri,
      true,
    ),
    BiasConfigUri: uri(`${prefix}.Bias.ConfigFile`, baselines?.Bias?.ConfigFile?.S3Uri, bias),
    BiasPostTrainingConstraintsUri: uri(
      `${prefix}.Bias.PostTrainingConstraints`,
      baselines?.Bias?.PostTrainingConstraints?.S3Uri,
      bias,
    ),
    ExplainabilityConfigUri: uri(
      `${prefix}.Explainability.ConfigFile`,
      baselines?.Explainability?.ConfigFile?.S3Uri,
      explainability,
    ),
    ExplainabilityConstraintsUri: uri(
      `${prefix}.Explainability.Constraints`,
      baselines?.Explainability?.Constraints?.S3Uri,
      explainability,
    ),
  };
  if (problems.length > 0) {
    return {
      ok: false,
      reason: `model package ${arn} cannot be monitored: ${problems.join('; ')}. The platform needs its drift baselines: ${bias || explainability ? `${FIX}; bias and explainability baselines come from the ClarifyCheck steps of the pipeline (monitoring.bias, monitoring.explainability)` : FIX}`,
    };
  }
  return { ok: true, value: attributes };
}

/** A value for a message: quoted, and cut short. */
export function quote(value: unknown): string {
  if (value === undefined) return 'nothing';
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 120 ? `${text.slice(0, 117)}...` : text;
}
