#!/usr/bin/env node
import { readdirSync, rmSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { App } from 'aws-cdk-lib';
import { APP_CONTEXT, buildPlatform } from '../lib/app';
import { failedValidations, findingLine, validationFindings } from '../lib/compliance/report';
import { ConfigError, loadConfig } from '../lib/config/loader';
import { summarizeEnvironment, synthSummary } from '../lib/synth-summary';

/** A path relative to the working directory when it lies inside it, else absolute. */
function displayPath(dir: string): string {
  const relative = path.relative(process.cwd(), dir);
  return relative === '' || relative.startsWith('..') ? dir : relative;
}

/**
 * Removes the nested assemblies this run wrote before a config error stopped it. CDK Pipelines synthesizes each
 * environment's Stage while the delivery stack is built, before the delivery plan can refuse the config, and a
 * refusal must leave no template behind.
 */
function removeAssembliesWrittenSince(outdir: string, startedMs: number): void {
  let entries: string[];
  try {
    entries = readdirSync(outdir);
  } catch {
    return;
  }
  for (const entry of entries) {
    const dir = path.join(outdir, entry);
    if (entry.startsWith('assembly-') && statSync(dir).mtimeMs >= startedMs) {
      rmSync(dir, { recursive: true, force: true });
    }
  }
}

/** Context the CDK CLI sets to false: it reports the validation findings itself. */
const CLI_REPORTS_VALIDATION = '@aws-cdk/core:failSynthOnValidationErrors';

const startedMs = Date.now();
// No tree.json: nothing that deploys reads it, and at 100 models writing it took seconds.
const app = new App({ treeMetadata: false, context: { ...APP_CONTEXT } });
try {
  // The app reads config only here (and the operations commands): -c config, -c maturity, -c environments.
  const config = loadConfig({
    config: app.node.tryGetContext('config'),
    maturity: app.node.tryGetContext('maturity'),
    environments: app.node.tryGetContext('environments'),
  });
  for (const warning of config.warnings) process.stderr.write(`[WARNING] ${warning}\n`);
  const { environments, delivery } = buildPlatform(app, config);
  const assembly = app.synth();
  const failures = failedValidations(assembly.directory);
  if (failures.length > 0) {
    process.stderr.write(
      `${failures.length} unacknowledged compliance findings:\n${failures.map((f) => `  - ${f}`).join('\n')}\n`,
    );
    process.exitCode = 1;
  } else {
    // Under the CDK CLI the app leaves the report to the CLI, which shows only the stacks named on its command line:
    // none for a plain `cdk synth` of an app made of Stages. The warnings would go unseen, so the app names them.
    if (app.node.tryGetContext(CLI_REPORTS_VALIDATION) === false) {
      for (const finding of validationFindings(assembly.directory)) {
        process.stderr.write(`[WARNING] template validation: ${findingLine(finding)}\n`);
      }
    }
    const summary = synthSummary(
      config,
      environments.map((stage, i) => summarizeEnvironment(stage, config.environments[i])),
      {
        outdir: displayPath(app.outdir),
        deliveryStackNames: delivery.map((stack) => stack.stackName),
      },
    );
    process.stderr.write(`${summary.join('\n')}\n`);
  }
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`${error.message}\n`);
  removeAssembliesWrittenSince(app.outdir, startedMs);
  // exit now: under the CDK CLI the App would otherwise synthesize the half-built app when the process ends
  process.exit(1);
}
