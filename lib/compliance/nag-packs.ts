import { Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks, type NagPack, NIST80053R5Checks, ServerlessChecks } from 'cdk-nag';
import type { IConstruct } from 'constructs';

/** The rule packs every template is held to. */
export function nagPacks(scope?: IConstruct): NagPack[] {
  return [new AwsSolutionsChecks(scope), new NIST80053R5Checks(scope), new ServerlessChecks(scope)];
}

/** Registers the rule packs so that `cdk synth` fails on an unacknowledged finding. */
export function enforceCompliance(scope: IConstruct): void {
  Validations.of(scope).addPlugins(...nagPacks(scope));
}
