import { findLogGroup, parseProperties, releasesKey } from '../../../lambda/adopted-log-group/log-group';
import { KEY_ARN, LOG_GROUP, OTHER_KEY_ARN, properties } from './fixtures';

describe('parseProperties', () => {
  test('GIVEN the properties as CloudFormation passes them WHEN read THEN the retention is a number of days', () => {
    expect(parseProperties(properties())).toEqual({
      ok: true,
      value: { logGroupName: LOG_GROUP, kmsKeyArn: KEY_ARN, retentionInDays: 90 },
    });
  });

  test('GIVEN every property wrong WHEN read THEN each problem is named, quoting the value', () => {
    const parsed = parseProperties(
      properties({ LogGroupName: 'a b', KmsKeyArn: 'alias/logs', RetentionInDays: '9999' }),
    );

    expect(parsed).toEqual({
      ok: false,
      reason: [
        'LogGroupName must be a log group name, got "a b"',
        'KmsKeyArn must be the ARN of a KMS key, got "alias/logs"',
        'RetentionInDays must be one of 1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653 days, got "9999"',
      ].join('; '),
    });
  });

  test('GIVEN nothing WHEN read THEN the missing properties are named', () => {
    const parsed = parseProperties({});

    expect(parsed.ok).toBe(false);
    expect(parsed.ok ? '' : parsed.reason).toMatch(/^LogGroupName .*got nothing; KmsKeyArn .*got nothing; Retention/);
  });
});

describe('findLogGroup', () => {
  test('GIVEN groups listed for the prefix WHEN searched THEN only the exact name matches', () => {
    const listed = [{ logGroupName: `${LOG_GROUP}-2` }, { logGroupName: LOG_GROUP, kmsKeyId: KEY_ARN }];

    expect(findLogGroup(listed, LOG_GROUP)).toEqual({ logGroupName: LOG_GROUP, kmsKeyId: KEY_ARN });
    expect(findLogGroup([{ logGroupName: `${LOG_GROUP}-2` }], LOG_GROUP)).toBeUndefined();
    expect(findLogGroup(undefined, LOG_GROUP)).toBeUndefined();
  });
});

describe('releasesKey', () => {
  const desired = { logGroupName: LOG_GROUP, kmsKeyArn: KEY_ARN, retentionInDays: 90 };

  test.each([
    ['still encrypted with the key of this resource', true, { logGroupName: LOG_GROUP, kmsKeyId: KEY_ARN }],
    ['encrypted with the key of a later owner', false, { logGroupName: LOG_GROUP, kmsKeyId: OTHER_KEY_ARN }],
    ['without a key', false, { logGroupName: LOG_GROUP }],
    ['gone', false, undefined],
  ])('GIVEN a group %s WHEN the resource is deleted THEN taking its key off is %s', (_, expected, current) => {
    expect(releasesKey(current, desired)).toBe(expected);
  });
});
