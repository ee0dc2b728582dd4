import { z } from 'zod';
import { formatIssues, resolveConfig } from '../../lib/config/loader';
import type { PlatformConfigInput } from '../../lib/config/schema';
import { problemsOf } from '../support/config';
import { threeEnvironmentConfig } from '../support/fixtures';

/** Phrases of zod's own messages, which must never reach the user. */
const RAW_ZOD =
  /Invalid input|Invalid string|Invalid number|Invalid key|Invalid element|Too big|Too small|expected number to be|Unrecognized key|received /;

type Change = (config: PlatformConfigInput & Record<string, unknown>) => void;

const env = (config: PlatformConfigInput, i = 0) => config.environments[i] as Record<string, unknown>;
const model = (config: PlatformConfigInput, i = 0) => (config.models ?? [])[i] as Record<string, unknown>;

/** A bad value per field type, each with the exact problem it gives. */
const CASES: ReadonlyArray<[string, Change, string]> = [
  [
    'a union of literals (log retention)',
    (c) => Object.assign(env(c), { settings: { logRetentionDays: 2 } }),
    'environments[0].settings.logRetentionDays: expected one of the retention periods CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 days), got 2',
  ],
  [
    'a union of literals (serverless memory)',
    (c) => Object.assign(model(c), { environments: { test: { serverless: true, serverlessMemoryMb: 1000 } } }),
    'models[0].environments.test.serverlessMemoryMb: expected the memory of a serverless endpoint in MB: one of 1024, 2048, 3072, 4096, 5120, 6144, got 1000',
  ],
  [
    'a number above its maximum',
    (c) => Object.assign(model(c), { dataCapturePercent: 101 }),
    'models[0].dataCapturePercent: expected at most 100, got 101',
  ],
  [
    'a number below its minimum',
    (c) => Object.assign(model(c), { retraining: { minNewObjects: 0 } }),
    'models[0].retraining.minNewObjects: expected at least 1, got 0',
  ],
  [
    'a positive number given zero',
    (c) => Object.assign(model(c), { alarms: { featureDrift: 0 } }),
    'models[0].alarms.featureDrift: expected more than 0, got 0',
  ],
  [
    'a whole number given a fraction',
    (c) => Object.assign(model(c), { monitoring: { features: ['tenure_months'], groundTruthDelayHours: 1.5 } }),
    'models[0].monitoring.groundTruthDelayHours: expected a whole number, got number 1.5',
  ],
  [
    'a number given a string',
    (c) => Object.assign(model(c), { training: { threshold: 'high' } }),
    'models[0].training.threshold: expected a number, got string "high"',
  ],
  [
    'a boolean given a string',
    (c) => Object.assign(env(c), { settings: { terminationProtection: 'yes' } }),
    'environments[0].settings.terminationProtection: expected true or false, got string "yes"',
  ],
  [
    'an enum',
    (c) => Object.assign(env(c), { settings: { mlflowServerSize: 'Huge' } }),
    'environments[0].settings.mlflowServerSize: expected one of "Small", "Medium", "Large", got string "Huge"',
  ],
  [
    'a string too long',
    (c) => Object.assign(model(c), { description: 'x'.repeat(257) }),
    `models[0].description: expected at most 256 characters, got 257 characters ("${'x'.repeat(257)}")`,
  ],
  [
    'an empty string',
    (c) => {
      c.tooling = {
        account: '444444444444',
        region: 'eu-west-1',
        connection: {
          connectionArn: `arn:${'aws'}:codeconnections:eu-west-1:444444444444:connection/0123abcd-0123-4567-89ab-0123456789ab`,
          repository: 'acme/platform',
          branch: '',
        },
      };
    },
    'tooling.connection.branch: expected a non-empty string, got ""; fill it in or remove the key',
  ],
  [
    'an empty array',
    (c) => Object.assign(model(c), { contentTypes: [] }),
    'models[0].contentTypes: expected at least 1 item, got none',
  ],
  [
    'an array too short',
    (c) => Object.assign(env(c), { network: { availabilityZones: ['eu-west-1a'] } }),
    'environments[0].network.availabilityZones: expected at least 2 items, got 1 item',
  ],
  ['an array given a string', (c) => Object.assign(c, { users: 'ana' }), 'users: expected an array, got string "ana"'],
  [
    'an object given a number',
    (c) => Object.assign(model(c), { batch: 3 }),
    'models[0].batch: expected an object, got number 3',
  ],
  [
    'a union of objects matching neither',
    (c) => Object.assign(model(c), { container: { imageUri: 'latest' } }),
    'models[0].container.imageUri: expected an ECR image URI with a tag or digest, got "latest"',
  ],
  [
    'a union of objects given an unknown framework',
    (c) => Object.assign(model(c), { container: { framework: 'xgb', version: '1.7-1' } }),
    'models[0].container.framework: expected one of "xgboost", "sklearn", got string "xgb"',
  ],
  [
    'a record key',
    (c) => Object.assign(c, { tags: { 'aws:team': 'x' } }),
    'tags.aws:team: the key "aws:team" is not allowed: expected a tag key of 1 to 128 letters, digits, spaces and _ . : / = + - @, not starting with "aws:", got "aws:team"',
  ],
  [
    'a capability that does not exist',
    (c) => Object.assign(c, { capabilities: { teleport: true } }),
    'capabilities.teleport: unknown key; remove it or check its spelling',
  ],
  [
    'a regular expression without its own message',
    (c) =>
      Object.assign(model(c), { batch: { schedule: 'cron(0 3 * * ? *)', inputPrefix: 'in/', instanceType: 'big' } }),
    'models[0].batch.instanceType: expected a SageMaker instance type such as "ml.m5.large", got "big"',
  ],
  [
    'a string given a number',
    (c) => Object.assign(env(c), { region: 1 }),
    'environments[0].region: expected a string, got number 1',
  ],
  [
    'too few environments',
    (c) => Object.assign(c, { environments: [] }),
    'environments: expected at least one environment',
  ],
];

describe('every zod issue in house style', () => {
  test.each(CASES)(
    'GIVEN %s WHEN resolved THEN the problem names the field, the value and what is allowed',
    (_, change, expected) => {
      // GIVEN
      const config = threeEnvironmentConfig() as PlatformConfigInput & Record<string, unknown>;
      change(config);

      // WHEN
      const problems = problemsOf(() => resolveConfig(config));

      // THEN
      expect(problems).toContain(expected);
      for (const problem of problems) expect(problem).not.toMatch(RAW_ZOD);
    },
  );

  test('GIVEN issue codes the config schema does not use today WHEN formatted THEN they are in house style too', () => {
    // GIVEN a schema with every other check zod has
    const schema = z.object({
      step: z.number().multipleOf(5),
      email: z.email(),
      set: z.set(z.number()),
      negative: z.number().lt(0),
      few: z.array(z.string()).max(1),
      custom: z.string().refine((v) => v === 'ok'),
      discriminated: z.discriminatedUnion('kind', [
        z.object({ kind: z.literal('a') }),
        z.object({ kind: z.literal('b') }),
      ]),
    });

    // WHEN
    const parsed = schema.safeParse(
      {
        step: 7,
        email: 'nope',
        set: new Set(['x']),
        negative: 0,
        few: ['a', 'b'],
        custom: 'no',
        discriminated: { kind: 'c' },
      },
      { reportInput: true },
    );
    const lines = formatIssues(parsed.error?.issues ?? []);

    // THEN
    expect(lines).toEqual([
      'step: expected a multiple of 5, got number 7',
      'email: string "nope" does not have the email format',
      'set: expected a number, got string "x"',
      'negative: expected less than 0, got 0',
      'few: expected at most 1 item, got 2 items',
      'custom: string "no" is not allowed here; see docs/configuration.md',
      'discriminated.kind: expected one of "a", "b", got string "c"',
    ]);
    for (const line of lines) expect(line).not.toMatch(RAW_ZOD);
  });
});
