import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { main, parseArgs } from '../../../tools/portfolio/cli';
import { scanInventory } from '../../../tools/portfolio/inventory';

const FIXTURE = path.join(__dirname, '..', '..', 'fixtures', 'portfolio.json');

describe('npm run portfolio', () => {
  test('GIVEN --fixture and --html WHEN run THEN it prints the table and writes the report, with no AWS account', async () => {
    // GIVEN
    const dir = mkdtempSync(path.join(tmpdir(), 'portfolio-'));
    const out: string[] = [];
    const err: string[] = [];

    // WHEN
    const code = await main(
      ['--fixture', FIXTURE, '--html', path.join(dir, 'report', 'out.html')],
      (t) => out.push(t),
      (t) => err.push(t),
    );

    // THEN
    expect({ code, err }).toEqual({ code: 0, err: [] });
    expect(out.join('')).toContain('8 records from');
    expect(readFileSync(path.join(dir, 'report', 'out.html'), 'utf8')).toContain('id="portfolio-grid"');
    rmSync(dir, { recursive: true, force: true });
  });

  test.each([
    [['--fixture'], '--fixture needs a value'],
    [['--nope', 'x'], 'unknown argument "--nope"'],
    [['--fixture', 'a', '--table', 't'], '--fixture reads no AWS account'],
  ])('GIVEN %j WHEN parsed THEN it is a usage error saying %s', async (argv, message) => {
    expect(() => parseArgs(argv)).toThrow(message);
    const err: string[] = [];
    expect(
      await main(
        argv,
        () => undefined,
        (t) => err.push(t),
      ),
    ).toBe(2);
    expect(err.join('')).toContain('usage: npm run portfolio');
  });

  test('GIVEN a fixture that does not exist WHEN run THEN it fails with exit code 1 and says why', async () => {
    const err: string[] = [];
    expect(
      await main(
        ['--fixture', '/nonexistent.json'],
        () => undefined,
        (t) => err.push(t),
      ),
    ).toBe(1);
    expect(err.join('')).toContain('cannot read the fixture /nonexistent.json');
  });

  test('GIVEN an inventory of two pages WHEN scanned THEN every record is read, consistently', async () => {
    // GIVEN
    const mock = mockClient(DynamoDBDocumentClient);
    mock
      .on(ScanCommand)
      .resolvesOnce({
        Items: [{ model: 'churn', environment: 'dev', revision: 3 }],
        LastEvaluatedKey: { model: 'churn', environment: 'dev' },
      })
      .resolvesOnce({ Items: [{ model: 'churn', environment: 'prod' }] });

    // WHEN
    const records = await scanInventory(
      DynamoDBDocumentClient.from(new DynamoDBClient({ region: 'eu-west-1' })),
      'mlops-portfolio-inventory',
    );

    // THEN
    expect(records.map((r) => r.environment)).toEqual(['dev', 'prod']);
    expect(mock.commandCalls(ScanCommand)[1]?.args[0].input).toEqual({
      TableName: 'mlops-portfolio-inventory',
      ConsistentRead: true,
      ExclusiveStartKey: { model: 'churn', environment: 'dev' },
    });
    mock.restore();
  });
});
