import type { App } from 'aws-cdk-lib';
import { enforceCompliance } from './compliance/nag-packs';
import type { ResolvedPlatformConfig } from './config/loader';
import { PlatformEnvironment } from './environment';

/** Adds the whole platform to an app: one Stage per environment, with compliance enforced at synth. */
export function buildPlatform(app: App, config: ResolvedPlatformConfig): PlatformEnvironment[] {
  // dev environments publish models into every environment's registry until training pipelines take over
  const publisherAccounts = config.allEnvironments
    .filter((e) => e.kind === 'dev')
    .map((e) => ({ account: e.account, environment: e.name }));
  // the registries they publish into: every environment whose stage has one and that has models
  const publishTargets = config.allEnvironments
    .filter((e) => e.maturity.capabilities.has('modelRegistry') && e.models.length > 0)
    .map((e) => ({ account: e.account, environment: e.name }));
  const environments = config.environments.map(
    (environment) =>
      new PlatformEnvironment(app, environment.stageId, {
        project: config.project,
        environment,
        tags: config.tags,
        publisherAccounts,
        publishTargets,
      }),
  );
  enforceCompliance(app);
  return environments;
}
