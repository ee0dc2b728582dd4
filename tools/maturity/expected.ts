import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import { platformEnvironmentFactory } from '../../lib/app';
import type { ResolvedEnvironment, ResolvedPlatformConfig } from '../../lib/config/loader';
import type { ExpectedStack } from './deployed';

// What the config says each environment deploys: the stacks of its CDK Stage, built (not synthesized) exactly as
// `cdk deploy` builds them, with cdk.json's feature flags, so their names come from lib/naming.ts and their
// descriptions from the stacks.

/** The context of the repository's cdk.json: the feature flags the stacks are built with. */
function cdkJsonContext(): Record<string, unknown> {
  const file = path.resolve(__dirname, '..', '..', 'cdk.json');
  return (JSON.parse(readFileSync(file, 'utf8')) as { context?: Record<string, unknown> }).context ?? {};
}

/** The stacks of one environment, by CloudFormation name, with their descriptions. */
export function expectedStacks(config: ResolvedPlatformConfig, environment: ResolvedEnvironment): ExpectedStack[] {
  // building only: no synthesis, no bundling, no template validation
  const app = new App({
    context: { ...cdkJsonContext(), 'aws:cdk:bundling-stacks': [] },
    builtinCloudFormationValidation: false,
  });
  const stage = platformEnvironmentFactory(config)(app, environment);
  return stage.node.children.filter(Stack.isStack).map((stack) => ({
    name: stack.stackName,
    description: stack.templateOptions.description,
  }));
}
