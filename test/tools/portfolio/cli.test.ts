import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { main, parseArgs, readPortfolio } from '../../../tools/portfolio/cli';
import { scanInventory } from '../../../tools/portfolio/inventory';
import { renderTable } from '../../../tools/portfolio/table';
import { churnModel, threeEnvironmentConfig, upsellModel } from '../../support/fixtures';

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

  test('GIVEN --no-cost WHEN parsed THEN Cost Explorer is skipped; with --fixture it is refused', () => {
    expect(parseArgs(['--no-cost'])).toEqual({ help: false, noCost: true });
    expect(() => parseArgs(['--fixture', 'f.json', '--no-cost'])).toThrow(
      /--fixture reads no AWS account: leave out --no-cost/,
    );
    expect(() => parseArgs(['--no-cost', '--no-cost'])).toThrow(/--no-cost given twice/);
  });

  describe('GIVEN a stage 5 config, its inventory and Cost Explorer answers', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'portfolio-live-'));
    const config = path.join(dir, 'platform.json');
    writeFileSync(
      config,
      JSON.stringify({
        ...threeEnvironmentConfig(),
        maturity: 5,
        models: [
          { ...churnModel(), card: { owner: 'new-owner@example.com' } },
          { ...upsellModel(), lifecycle: 'retired' },
        ],
      }),
    );
    const mock = mockClient(DynamoDBDocumentClient);
    const requests: Record<string, unknown>[] = [];
    const costExplorer = (region: string) => async (_operation: string, input: Record<string, unknown>) => {
      requests.push({ region, ...input });
      return {
        ResultsByTime: [
          {
            TimePeriod: { Start: '2026-12-01' },
            Groups: [
              { Keys: ['333333333333', 'model$churn'], Metrics: { UnblendedCost: { Amount: '42.5', Unit: 'USD' } } },
            ],
          },
        ],
      };
    };
    beforeEach(() => {
      requests.length = 0;
      mock.reset();
      mock.on(ScanCommand).resolves({
        Items: [
          { model: 'churn', environment: 'prod', owner: 'old-owner@example.com', lifecycle: 'active' },
          { model: 'upsell', environment: 'prod', owner: 'growth-team@example.com', lifecycle: 'active' },
        ],
      });
    });
    afterAll(() => {
      mock.restore();
      rmSync(dir, { recursive: true, force: true });
    });

    test('WHEN read THEN owner and lifecycle come from the config, and spend from Cost Explorer', async () => {
      // WHEN
      const portfolio = await readPortfolio({ config }, () => new Date('2026-12-10T09:00:00Z'), costExplorer);

      // THEN Cost Explorer is asked once for the three environments' accounts
      expect(requests).toHaveLength(1);
      expect(requests[0]).toMatchObject({
        region: 'eu-west-1',
        TimePeriod: { Start: '2026-07-01', End: '2027-01-01' },
        Filter: { Dimensions: { Key: 'LINKED_ACCOUNT', Values: ['111111111111', '222222222222', '333333333333'] } },
      });
      const [churn, upsell] = portfolio.records;
      expect(churn).toMatchObject({ owner: 'new-owner@example.com', lifecycle: 'active' });
      expect(churn?.cost?.value).toEqual({ amount: 42.5, currency: 'USD' });
      expect(upsell).toMatchObject({ owner: 'growth-team@example.com', lifecycle: 'retired' });
      expect(upsell?.cost).toBeUndefined();
      expect(portfolio.costNote).toBeUndefined();
      expect(renderTable(portfolio)).toMatch(/upsell +prod .* retired +no cost data/);
    });

    test('WHEN read with --no-cost THEN Cost Explorer is not asked and the report says so', async () => {
      const portfolio = await readPortfolio(
        { config, noCost: true },
        () => new Date('2026-12-10T09:00:00Z'),
        costExplorer,
      );
      expect(requests).toHaveLength(0);
      expect(portfolio.costNote).toMatch(/^no cost data: Cost Explorer not asked \(--no-cost\)/);
    });
  });
});
