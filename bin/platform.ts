#!/usr/bin/env node
import { App } from 'aws-cdk-lib';
import { buildPlatform } from '../lib/app';
import { failedValidations } from '../lib/compliance/report';
import { ConfigError, loadConfig } from '../lib/config/loader';

const app = new App();
try {
  // The app reads config only here (and the approve command in scripts/): -c config, -c maturity, -c environments.
  const config = loadConfig({
    config: app.node.tryGetContext('config'),
    maturity: app.node.tryGetContext('maturity'),
    environments: app.node.tryGetContext('environments'),
  });
  for (const warning of config.warnings) process.stderr.write(`[WARNING] ${warning}\n`);
  buildPlatform(app, config);
  const failures = failedValidations(app.synth().directory);
  if (failures.length > 0) {
    process.stderr.write(
      `${failures.length} unacknowledged compliance findings:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`,
    );
    process.exitCode = 1;
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  process.exitCode = 1;
}
