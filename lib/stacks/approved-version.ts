import { CfnCondition, CfnParameter, Fn, Stack } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { APPROVED_MODEL_STACK_PARAMETER, approvedModelParameterName, NO_APPROVED_MODEL } from '../naming';

/** The approved version of a model as one stack sees it. */
export interface ApprovedVersion {
  /** ARN of the approved model package, resolved by CloudFormation from SSM at every deploy. */
  readonly modelPackageArn: string;
  /** True once a version is approved; everything that needs a version carries it. */
  readonly condition: CfnCondition;
}

/** Id, and so logical id, of the condition "a version is approved" in a model's stack. */
export const VERSION_APPROVED_CONDITION = 'VersionApproved';

/**
 * Declares, once in the stack of `scope`, the parameter that CloudFormation resolves from the approved-version SSM
 * parameter and the `VersionApproved` condition; a later call for the same stack (serving, then monitoring) finds
 * and returns them. No synth-time lookup (ADR 0004); the first deploy, before any approval, creates nothing that
 * needs a version.
 */
export function declareApprovedVersion(
  scope: Construct,
  project: string,
  environment: string,
  model: string,
): ApprovedVersion {
  const stack = Stack.of(scope);
  const parameterName = approvedModelParameterName(project, environment, model);
  const found = stack.node.tryFindChild(APPROVED_MODEL_STACK_PARAMETER);
  const parameter =
    found instanceof CfnParameter
      ? found
      : new CfnParameter(stack, APPROVED_MODEL_STACK_PARAMETER, {
          type: 'AWS::SSM::Parameter::Value<String>',
          default: parameterName,
          description: `SSM parameter holding the approved model package ARN of ${model}; set by the approve command`,
        });
  if (parameter.default !== parameterName) {
    throw new Error(
      `stack ${stack.node.path} already reads ${APPROVED_MODEL_STACK_PARAMETER} from "${parameter.default}", not "${parameterName}": one model per stack`,
    );
  }
  const existing = stack.node.tryFindChild(VERSION_APPROVED_CONDITION);
  const condition =
    existing instanceof CfnCondition
      ? existing
      : new CfnCondition(stack, VERSION_APPROVED_CONDITION, {
          expression: Fn.conditionNot(Fn.conditionEquals(parameter.valueAsString, NO_APPROVED_MODEL)),
        });
  return { modelPackageArn: parameter.valueAsString, condition };
}
