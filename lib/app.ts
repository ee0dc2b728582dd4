import type { App } from 'aws-cdk-lib';
import { enforceCompliance } from './compliance/nag-packs';
import type { ResolvedPlatformConfig } from './config/loader';
import { PlatformEnvironment } from './environment';

/** Adds the whole platform to an app: one Stage per environment, with compliance enforced at synth. */
export function buildPlatform(app: App, config: ResolvedPlatformConfig): PlatformEnvironment[] {
  const environments = config.environments.map(
    (environment) =>
      new PlatformEnvironment(app, environment.stageId, { project: config.project, environment, tags: config.tags }),
  );
  enforceCompliance(app);
  return environments;
}
