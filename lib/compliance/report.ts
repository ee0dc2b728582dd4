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

/** One finding of a validation plugin on one construct. */
export interface ValidationFinding {
  readonly plugin: string;
  readonly rule: string;
  /** `error`, `fatal`, `warning` or `info`; cdk-nag's packs give none, and theirs fail synth. */
  readonly severity?: string;
  readonly constructPath?: string;
  /** Whether it fails synth: an error (or a finding without severity) of a plugin that concluded in failure. */
  readonly failing: boolean;
}

/**
 * Every unacknowledged finding of the validation plugins in a synthesized cloud assembly, whatever its severity.
 * Acknowledged findings are not in the report's violations.
 */
export function validationFindings(assemblyDir: string): ValidationFinding[] {
  const file = path.join(assemblyDir, 'validation-report.json');
  if (!existsSync(file)) return [];
  const report = JSON.parse(readFileSync(file, 'utf8')) as ValidationReport;
  return report.pluginReports.flatMap((plugin) =>
    plugin.violations.flatMap((violation) =>
      violation.violatingConstructs.map((construct) => ({
        plugin: plugin.pluginName,
        rule: violation.ruleName,
        severity: violation.severity,
        constructPath: construct.constructPath,
        failing:
          plugin.conclusion === 'failure' &&
          (violation.severity === undefined || ['error', 'fatal'].includes(violation.severity)),
      })),
    ),
  );
}

/** A finding as one line, after the plugin that reported it: `CloudFormation Validate: W3010 (warning) at ...`. */
export function findingLine(finding: ValidationFinding): string {
  return `${finding.plugin}: ${formatFinding(finding)}`;
}

/** A finding as one line: `W3010 (warning) at Dev/Network/Vpc/PrivateSubnet1/Subnet`. */
export function formatFinding(finding: ValidationFinding): string {
  const severity = finding.severity === undefined ? '' : ` (${finding.severity})`;
  return `${finding.rule}${severity} at ${finding.constructPath ?? '(unknown construct)'}`;
}

/**
 * Failing findings of the validation plugins in a synthesized cloud assembly, one line each. The CDK CLI
 * filters the report to the stacks selected on its command line, and a plain `cdk synth` of an app made of
 * Stages selects none, so the app checks the report itself to make `cdk synth` fail on any finding.
 */
export function failedValidations(assemblyDir: string): string[] {
  return validationFindings(assemblyDir)
    .filter((f) => f.failing)
    .map((f) => `${f.rule} at ${f.constructPath ?? '(unknown construct)'}`);
}
