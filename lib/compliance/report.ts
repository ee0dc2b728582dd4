import { existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';

interface ValidationReport {
  readonly pluginReports: ReadonlyArray<{
    readonly pluginName: string;
    readonly conclusion: string;
    readonly violations: ReadonlyArray<{
      readonly ruleName: string;
      readonly severity?: string;
      readonly violatingConstructs: ReadonlyArray<{ readonly constructPath?: string }>;
    }>;
  }>;
}

/**
 * Failing findings of the validation plugins in a synthesized cloud assembly, one line each. The CDK CLI
 * filters the report to the stacks selected on its command line, and a plain `cdk synth` of an app made of
 * Stages selects none, so the app checks the report itself to make `cdk synth` fail on any finding.
 */
export function failedValidations(assemblyDir: string): string[] {
  const file = path.join(assemblyDir, 'validation-report.json');
  if (!existsSync(file)) return [];
  const report = JSON.parse(readFileSync(file, 'utf8')) as ValidationReport;
  const lines: string[] = [];
  for (const plugin of report.pluginReports) {
    if (plugin.conclusion !== 'failure') continue;
    for (const violation of plugin.violations) {
      if (violation.severity !== undefined && !['error', 'fatal'].includes(violation.severity)) continue;
      for (const construct of violation.violatingConstructs) {
        lines.push(`${violation.ruleName} at ${construct.constructPath ?? '(unknown construct)'}`);
      }
    }
  }
  return lines;
}
