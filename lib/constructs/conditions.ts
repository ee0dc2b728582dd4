import { AspectPriority, Aspects, type CfnCondition, CfnResource, type IAspect } from 'aws-cdk-lib';
import type { IConstruct } from 'constructs';

/**
 * Puts every CloudFormation resource under a scope, including those that L2 constructs add late (such as an
 * API Gateway deployment), under one condition. Used for everything that may exist only once a model
 * version is approved: the templates still contain the resources for review and tests.
 */
export function applyConditionToScope(scope: IConstruct, condition: CfnCondition): void {
  Aspects.of(scope).add(new ApplyCondition(condition), { priority: AspectPriority.MUTATING });
}

class ApplyCondition implements IAspect {
  constructor(private readonly condition: CfnCondition) {}

  visit(node: IConstruct): void {
    if (CfnResource.isCfnResource(node) && node.cfnOptions.condition === undefined) {
      node.cfnOptions.condition = this.condition;
    }
  }
}
