import { existsSync } from 'node:fs';
import * as path from 'node:path';
import { CloudAssembly } from 'aws-cdk-lib/cx-api';
import { BootstrapPolicyError } from './errors';
import type { DeployedStack } from './stacks';

/**
 * Every stack of a synthesized cloud assembly, the environments' nested assemblies (`assembly-Dev`, ...) and the
 * delivery pipelines' stacks included, with the account and region CloudFormation deploys it to.
 * `shown` is the directory as the messages name it.
 */
export function readAssembly(directory: string, shown: string = directory): DeployedStack[] {
  if (!existsSync(path.join(directory, 'manifest.json'))) {
    throw new BootstrapPolicyError([
      `--assembly: no cloud assembly in ${shown} (it has no manifest.json); run npx cdk synth first, with the -c options you deploy with (for example -c maturity=4), or pass the directory it wrote with --assembly DIR`,
    ]);
  }
  let assembly: CloudAssembly;
  try {
    assembly = new CloudAssembly(directory);
  } catch (error) {
    throw new BootstrapPolicyError([
      `--assembly: cannot read the cloud assembly in ${shown} (${(error as Error).message}); synthesize it again with this repository's CDK: npx cdk synth`,
    ]);
  }
  return assembly.stacksRecursively.map((stack) => ({
    path: stack.hierarchicalId,
    stackName: stack.stackName,
    account: stack.environment.account,
    region: stack.environment.region,
    template: stack.template,
  }));
}
