import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { parseApproveArgs } from '../../../tools/approve/cli';
import { threeEnvironmentConfig } from '../../support/fixtures';
import { expectNoAwsCalls, REPO_ROOT, resetApproveMocks, usageErrorOf, VERSION_3 } from './support';

// The command line and the command itself (tools/approve/cli.ts).

beforeEach(resetApproveMocks);

describe('the command line', () => {
  test('accepts the required flags, both value styles and the switches', () => {
    // WHEN
    const args = parseApproveArgs([
      '--model',
      'churn',
      '--env=test',
      '--package-arn',
      VERSION_3,
      '--dry-run',
      '--no-wait',
      '--force',
      '--config',
      'other.json',
      '--timeout-minutes',
      '90',
    ]);

    // THEN
    expect(args).toEqual({
      help: false,
      model: 'churn',
      environment: 'test',
      packageArn: VERSION_3,
      dryRun: true,
      wait: false,
      force: true,
      timeoutMinutes: 90,
      config: 'other.json',
    });
  });

  test('defaults to a real run that waits, with the default config', () => {
    expect(parseApproveArgs(['--model', 'churn', '--env', 'test', '--package-arn', VERSION_3])).toEqual({
      help: false,
      model: 'churn',
      environment: 'test',
      packageArn: VERSION_3,
      dryRun: false,
      wait: true,
      force: false,
      timeoutMinutes: undefined,
      config: undefined,
    });
  });

  test('--help asks for the help text whatever else is given', () => {
    expect(parseApproveArgs(['--bogus', '--help'])).toEqual({ help: true });
  });

  test.each([
    [['--model', 'churn', '--env', 'test', '--package-arn', 'x', '--bypass'], 'unknown flag --bypass'],
    [['--model', 'churn', '--package-arn', 'x'], 'missing required flag --env'],
    [[], 'missing required flags --model, --env, --package-arn'],
    [['--model', '--env', 'test', '--package-arn', 'x'], '--model needs a value'],
    [['--model', 'churn', '--env', 'test', '--package-arn'], '--package-arn needs a value'],
    [['--model=', '--env', 'test', '--package-arn', 'x'], '--model needs a value'],
    [
      ['--model', 'churn', '--model', 'fraud', '--env', 'test', '--package-arn', 'x'],
      '--model is given more than once',
    ],
    [['churn', '--env', 'test'], 'unexpected argument "churn"; every value follows its flag'],
    [['--dry-run=yes'], '--dry-run takes no value, got "--dry-run=yes"'],
    [
      ['--model', 'churn', '--env', 'test', '--package-arn', 'x', '--timeout-minutes', '0'],
      '--timeout-minutes needs a whole number of minutes from 1 to 1440, got "0"',
    ],
  ])('%j is a usage error: %s', (argv, problem) => {
    // WHEN
    const error = usageErrorOf(argv);

    // THEN
    expect(error.kind).toBe('usage');
    expect(error.exitCode).toBe(2);
    expect(error.message.split('\n')).toEqual([
      problem,
      expect.stringMatching(/^usage: npm run approve -- --model <name> --env <environment> --package-arn /),
    ]);
    expectNoAwsCalls();
  });
});

describe('the command', () => {
  // a fixture config of its own: the command's default, config/platform.json, is the fork's to edit
  const dir = mkdtempSync(path.join(os.tmpdir(), 'approve-cli-'));
  const config = path.join(dir, 'platform.json');
  writeFileSync(config, JSON.stringify(threeEnvironmentConfig()));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const run = (...argv: string[]) =>
    spawnSync(
      path.join(REPO_ROOT, 'node_modules', '.bin', 'tsx'),
      ['tools/approve/cli.ts', ...argv, '--config', config],
      {
        cwd: REPO_ROOT,
        encoding: 'utf8',
      },
    );

  test('exits 2 on a usage error, with the message and the usage line and no stack trace', () => {
    // WHEN
    const result = run('--model', 'churn', '--bogus');

    // THEN
    expect(result.status).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual(['error: unknown flag --bogus', expect.stringMatching(/^usage: /), '']);
  });

  test('exits 1 on an unknown model of the config, without a stack trace', () => {
    // WHEN
    const result = run('--model', 'no-such-model', '--env', 'test', '--package-arn', VERSION_3);

    // THEN
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/^error: unknown model "no-such-model"/);
    expect(result.stderr).not.toMatch(/\n\s+at /);
  });
});
