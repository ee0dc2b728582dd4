import { CfnCondition, CfnParameter, Fn } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { APPROVED_MODEL_STACK_PARAMETER, approvedModelParameterName, NO_APPROVED_MODEL } from '../naming';

/** The approved version of a model as one stack sees it. */
export interface ApprovedVersion {
  /** ARN of the approved model package, resolved by CloudFormation from SSM at every deploy. */
  readonly modelPackageArn: string;
  /** True once a version is approved; everything that needs a version carries it. */
  readonly condition: CfnCondition;
}

/**
 * Declares, in a stack, the parameter that CloudFormation resolves from the approved-version SSM parameter and
 * the `VersionApproved` condition. No synth-time lookup (ADR 0004); the first deploy, before any approval,
 * creates nothing that needs a version.
 */
export function declareApprovedVersion(
  stack: Construct,
  project: string,
  environment: string,
  model: string,
): ApprovedVersion {
  const parameter = new CfnParameter(stack, APPROVED_MODEL_STACK_PARAMETER, {
    type: 'AWS::SSM::Parameter::Value<String>',
    default: approvedModelParameterName(project, environment, model),
    description: `SSM parameter holding the approved model package ARN of ${model}; set by the approve command`,
  });
  const condition = new CfnCondition(stack, 'VersionApproved', {
    expression: Fn.conditionNot(Fn.conditionEquals(parameter.valueAsString, NO_APPROVED_MODEL)),
  });
  return { modelPackageArn: parameter.valueAsString, condition };
}
