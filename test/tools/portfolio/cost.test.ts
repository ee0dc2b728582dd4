import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
import { AwsCallError } from '../../../lambda/shared/aws-call';
import { costExplorerClient, costPeriod, readCosts, withCosts } from '../../../tools/portfolio/cost';
import { renderHtml } from '../../../tools/portfolio/html';
import { loadFixture } from '../../../tools/portfolio/inventory';
import { renderTable } from '../../../tools/portfolio/table';

// Issue 15: spend per model from Cost Explorer, with recorded GetCostAndUsage answers (no AWS).

const FIXTURE = path.join(__dirname, '..', '..', 'fixtures', 'portfolio.json');
const NOW = new Date('2026-12-10T09:00:00Z');
const ENVIRONMENTS = [
  { name: 'dev', account: '111111111111' },
  { name: 'test', account: '222222222222' },
  { name: 'prod', account: '333333333333' },
];

const group = (account: string, tag: string, amount: string) => ({
  Keys: [account, tag],
  Metrics: { UnblendedCost: { Amount: amount, Unit: 'USD' } },
});
const month = (start: string, groups: unknown[]) => ({
  TimePeriod: { Start: start },
  Groups: groups,
  Estimated: false,
});

/** A fake Cost Explorer: the pages to answer in turn, and every request it was sent. */
function fakeCostExplorer(pages: Record<string, unknown>[]) {
  const calls: { operation: string; input: Record<string, unknown> }[] = [];
  const call = async (operation: string, input: Record<string, unknown>) => {
    calls.push({ operation, input });
    const page = pages[calls.length - 1];
    if (!page) throw new Error('no more pages');
    return page;
  };
  return { call, calls };
}

describe('portfolio spend from Cost Explorer', () => {
  test('GIVEN a day in December WHEN the window is computed THEN it spans six whole months, the current one to its end', () => {
    expect(costPeriod(NOW)).toEqual({ start: '2026-07-01', end: '2027-01-01' });
    expect(costPeriod(new Date('2027-01-01T00:00:00Z'), 2)).toEqual({ start: '2026-12-01', end: '2027-02-01' });
  });

  test('GIVEN monthly spend grouped by account and model tag, over two pages WHEN read THEN each model and environment has month to date and its months', async () => {
    // GIVEN
    const { call, calls } = fakeCostExplorer([
      {
        ResultsByTime: [
          month('2026-11-01', [
            group('111111111111', 'model$churn', '30.504'),
            group('333333333333', 'model$churn', '300'),
            group('333333333333', 'model$', '999'),
          ]),
        ],
        NextPageToken: 'page-2',
      },
      {
        ResultsByTime: [
          month('2026-12-01', [group('333333333333', 'model$churn', '95.391'), group('999999999999', 'model$x', '5')]),
        ],
      },
    ]);

    // WHEN
    const reading = await readCosts(call, ENVIRONMENTS, NOW);

    // THEN one request per page, monthly unblended cost of the environments' accounts by account and model tag
    expect(calls).toHaveLength(2);
    expect(calls[0]).toEqual({
      operation: 'GetCostAndUsage',
      input: {
        TimePeriod: { Start: '2026-07-01', End: '2027-01-01' },
        Granularity: 'MONTHLY',
        Metrics: ['UnblendedCost'],
        Filter: { Dimensions: { Key: 'LINKED_ACCOUNT', Values: ['111111111111', '222222222222', '333333333333'] } },
        GroupBy: [
          { Type: 'DIMENSION', Key: 'LINKED_ACCOUNT' },
          { Type: 'TAG', Key: 'model' },
        ],
      },
    });
    expect(calls[1]?.input.NextPageToken).toBe('page-2');
    // untagged spend and accounts of no environment are left out
    expect([...reading.costs.keys()].sort()).toEqual(['churn|dev', 'churn|prod']);
    expect(reading.costs.get('churn|prod')).toEqual({
      monthToDate: 95.39,
      currency: 'USD',
      months: [
        { at: '2026-11-01T00:00:00.000Z', value: 300 },
        { at: '2026-12-01T00:00:00.000Z', value: 95.39 },
      ],
    });
    expect(reading.costs.get('churn|dev')?.monthToDate).toBe(0);
    expect(reading.note).toBeUndefined();
  });

  test('GIVEN the tag is not active WHEN read THEN the reading says no cost data and how to activate the tag', async () => {
    const { call } = fakeCostExplorer([
      { ResultsByTime: [month('2026-12-01', [group('111111111111', 'model$', '12.5')])] },
    ]);
    const reading = await readCosts(call, ENVIRONMENTS, NOW);
    expect(reading.costs.size).toBe(0);
    expect(reading.note).toMatch(
      /^no cost data: Cost Explorer has no spend tagged "model" .* activate the cost-allocation tag "model"/,
    );
  });

  test.each([
    ['AccessDeniedException', /ce:GetCostAndUsage/],
    ['DataUnavailableException', /enable it in the Billing console/],
    ['TimeoutError', /Cost Explorer did not answer/],
  ])(
    'GIVEN Cost Explorer fails with %s WHEN read THEN the reading says no cost data and why, without throwing',
    async (name, why) => {
      const call = async () => {
        throw new AwsCallError(name, 'refused', 400);
      };
      const reading = await readCosts(call, ENVIRONMENTS, NOW);
      expect(reading.costs.size).toBe(0);
      expect(reading.note).toMatch(/^no cost data: /);
      expect(reading.note).toMatch(why);
      expect(reading.note).toContain(`${name}: refused`);
    },
  );

  test('GIVEN two environments in one account WHEN read THEN their spend is left out, and the note says why', async () => {
    const { call } = fakeCostExplorer([
      { ResultsByTime: [month('2026-12-01', [group('111111111111', 'model$churn', '4')])] },
    ]);
    const reading = await readCosts(
      call,
      [
        { name: 'dev', account: '111111111111' },
        { name: 'test', account: '111111111111' },
      ],
      NOW,
    );
    expect(reading.costs.size).toBe(0);
    expect(reading.note).toContain('spend of 111111111111 (dev, test) is left out');
  });

  test('GIVEN a reading WHEN joined to the records THEN month to date is their cost and the months their trend; the rest say no cost data', async () => {
    // GIVEN
    const fixture = loadFixture(FIXTURE);
    const { call } = fakeCostExplorer([
      {
        ResultsByTime: [
          month('2026-11-01', [group('333333333333', 'model$churn', '300')]),
          month('2026-12-01', [group('333333333333', 'model$churn', '95.39')]),
        ],
      },
    ]);
    const reading = await readCosts(call, ENVIRONMENTS, NOW);

    // WHEN
    const records = withCosts(fixture.records, reading, NOW.toISOString());
    const portfolio = { ...fixture, records };

    // THEN
    const prod = records.find((r) => r.model === 'churn' && r.environment === 'prod');
    expect(prod?.cost).toEqual({
      stamp: '2026-12-10T09:00:00.000Z#cost-explorer',
      value: { amount: 95.39, currency: 'USD' },
    });
    expect(prod?.trends.cost).toHaveLength(2);
    expect(records.filter((r) => r.cost)).toHaveLength(1);
    const table = renderTable(portfolio);
    expect(table).toMatch(/churn +prod .* \$95\.39 +Nov 300\.00 Dec 95\.39\n/);
    expect(table).toMatch(/upsell +dev .* no cost data +-\n/);
    const html = renderHtml(portfolio);
    expect(html).toContain('cost: $95.39 month to date');
    expect(html).toContain('cost month to date: $95.39 (1 of 3 environments)');
  });

  test('GIVEN no cost data at all WHEN the report is drawn THEN the table and the page say so, and why', () => {
    const fixture = loadFixture(FIXTURE);
    const note = 'no cost data: your credentials need ce:GetCostAndUsage';
    const portfolio = {
      ...fixture,
      costNote: note,
      records: withCosts(fixture.records, { costs: new Map(), period: costPeriod(NOW), note }, NOW.toISOString()),
    };
    expect(renderTable(portfolio)).toContain(`\n${note}\n`);
    const html = renderHtml(portfolio);
    expect(html).toContain(`<div class="meta cost-note" id="cost-note">${note}</div>`);
    expect(html).toContain('cost month to date: no cost data');
    expect(html).not.toContain('month to date</'.concat('td>'));
  });

  test('GIVEN the signed client WHEN it calls a local Cost Explorer THEN it posts a SigV4-signed JSON 1.1 GetCostAndUsage for us-east-1', async () => {
    // GIVEN a local endpoint in place of ce.us-east-1.amazonaws.com, and static credentials
    let seen: { headers: IncomingHttpHeaders; body: string } | undefined;
    const server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => {
        body += chunk;
      });
      req.on('end', () => {
        seen = { headers: req.headers, body };
        res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ ResultsByTime: [] }));
      });
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    // the default credential chain reads the process's environment
    const saved = { ...process.env };
    Object.assign(process.env, { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret' });
    delete process.env.AWS_PROFILE;
    delete process.env.AWS_SESSION_TOKEN;
    try {
      const call = costExplorerClient('eu-west-1', {
        AWS_ENDPOINT_URL_COST_EXPLORER: `http://127.0.0.1:${port}`,
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE',
        AWS_SECRET_ACCESS_KEY: 'secret',
      });

      // WHEN
      const reading = await readCosts(call, ENVIRONMENTS, NOW);

      // THEN
      expect(seen?.headers['x-amz-target']).toBe('AWSInsightsIndexService.GetCostAndUsage');
      expect(seen?.headers['content-type']).toBe('application/x-amz-json-1.1');
      expect(seen?.headers.authorization).toMatch(
        /^AWS4-HMAC-SHA256 Credential=\w+\/\d{8}\/us-east-1\/ce\/aws4_request/,
      );
      expect(JSON.parse(seen?.body ?? '{}').Granularity).toBe('MONTHLY');
      expect(reading.note).toMatch(/^no cost data: Cost Explorer has no spend tagged "model"/);
    } finally {
      process.env = saved;
      server.close();
    }
  });
});
