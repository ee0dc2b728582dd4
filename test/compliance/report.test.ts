import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { failedValidations, formatFinding, validationFindings } from '../../lib/compliance/report';

/** A cloud assembly directory holding only a validation report with these plugin reports. */
function assemblyWith(pluginReports: unknown[]): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'validation-report-'));
  writeFileSync(path.join(dir, 'validation-report.json'), JSON.stringify({ version: '1', pluginReports }));
  return dir;
}

const nagFailure = {
  pluginName: 'AwsSolutions',
  conclusion: 'failure',
  violations: [{ ruleName: 'AwsSolutions-SQS3', violatingConstructs: [{ constructPath: 'Dev/Foundation/Queue' }] }],
};
const templateWarning = {
  pluginName: 'CloudFormation Validate',
  conclusion: 'success',
  violations: [
    {
      ruleName: 'W3010',
      severity: 'warning',
      violatingConstructs: [{ constructPath: 'Dev/Network/Vpc/PrivateSubnet1/Subnet' }, {}],
    },
  ],
};

describe('the validation report of a cloud assembly', () => {
  const dirs: string[] = [];
  const assembly = (reports: unknown[]) => {
    const dir = assemblyWith(reports);
    dirs.push(dir);
    return dir;
  };
  afterAll(() => {
    for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  });

  test('GIVEN a compliance failure and a template warning WHEN read THEN every finding is listed, the failure as failing', () => {
    const findings = validationFindings(assembly([nagFailure, templateWarning]));

    expect(findings.map(formatFinding)).toEqual([
      'AwsSolutions-SQS3 at Dev/Foundation/Queue',
      'W3010 (warning) at Dev/Network/Vpc/PrivateSubnet1/Subnet',
      'W3010 (warning) at (unknown construct)',
    ]);
    expect(findings.map((f) => f.failing)).toEqual([true, false, false]);
  });

  test('GIVEN the same report WHEN synth asks what fails THEN only the compliance failure does', () => {
    expect(failedValidations(assembly([nagFailure, templateWarning]))).toEqual([
      'AwsSolutions-SQS3 at Dev/Foundation/Queue',
    ]);
  });

  test('GIVEN an error of a plugin that concluded in success WHEN synth asks what fails THEN nothing does', () => {
    const downgraded = { ...templateWarning, violations: [{ ...templateWarning.violations[0], severity: 'error' }] };
    expect(failedValidations(assembly([downgraded]))).toEqual([]);
  });

  test('GIVEN an assembly without a report WHEN read THEN it has no findings', () => {
    expect(validationFindings(assembly([]))).toEqual([]);
    const empty = mkdtempSync(path.join(os.tmpdir(), 'no-report-'));
    dirs.push(empty);
    expect(validationFindings(empty)).toEqual([]);
  });
});
