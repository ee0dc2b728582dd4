import { readdirSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { App, Stack } from 'aws-cdk-lib';
import * as sqs from 'aws-cdk-lib/aws-sqs';
import { acknowledge } from '../../lib/compliance/acknowledge';
import { REPO_ROOT } from '../support/platform';

describe('acknowledge()', () => {
  const queue = () => new sqs.Queue(new Stack(new App(), 'S'), 'Q');

  test('refuses a bare wildcard rule that would hide every finding of the rule', () => {
    expect(() => acknowledge(queue(), 'AwsSolutions-IAM5', 'a reason that is long enough')).toThrow(
      /must name one finding, e.g. 'AwsSolutions-IAM5\[Resource::...\]'/,
    );
  });

  test('refuses a reason shorter than 20 characters', () => {
    expect(() => acknowledge(queue(), 'AwsSolutions-SQS3', 'because')).toThrow(/at least 20 characters/);
  });

  test('refuses a stack-wide acknowledgement', () => {
    const stack = new Stack(new App(), 'S');
    expect(() => acknowledge(stack, 'AwsSolutions-SQS3', 'a reason that is long enough')).toThrow(/too broad/);
  });

  test('records one finding on the construct', () => {
    const q = queue();
    acknowledge(q, 'AwsSolutions-IAM5[Action::s3:*]', 'a reason that is long enough');
    expect(JSON.stringify(q.node.metadata)).toContain('AwsSolutions-IAM5[Action::s3:*]');
  });
});

describe('the source tree', () => {
  function sources(dir: string): string[] {
    return readdirSync(dir).flatMap((name) => {
      const full = path.join(dir, name);
      if (statSync(full).isDirectory()) return name === 'node_modules' ? [] : sources(full);
      return full.endsWith('.ts') ? [full] : [];
    });
  }

  test('never hard-codes the aws partition in an ARN (the lint rule lint/no-literal-partition.grit does too)', () => {
    const offenders = ['bin', 'lib', 'lambda']
      .flatMap((dir) => sources(path.join(REPO_ROOT, dir)))
      .filter((file) => /arn:aws:/.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(REPO_ROOT, file));
    expect(offenders).toEqual([]);
  });

  test('acknowledges findings only through lib/compliance/acknowledge.ts', () => {
    const offenders = ['bin', 'lib', 'lambda']
      .flatMap((dir) => sources(path.join(REPO_ROOT, dir)))
      .filter((file) => !file.endsWith(path.join('compliance', 'acknowledge.ts')))
      .filter((file) => /Validations\.of\([^)]*\)\.acknowledge/.test(readFileSync(file, 'utf8')))
      .map((file) => path.relative(REPO_ROOT, file));
    expect(offenders).toEqual([]);
  });
});
