import * as path from 'node:path';
import { lineChart } from '../../../tools/portfolio/charts';
import { RETIRED_COLOUR, renderHtml, STATUS_COLOURS } from '../../../tools/portfolio/html';
import { loadFixture, type Portfolio, PortfolioError, parseRecords } from '../../../tools/portfolio/inventory';
import { statusOf } from '../../../tools/portfolio/status';
import { renderTable } from '../../../tools/portfolio/table';

const FIXTURE = path.join(__dirname, '..', '..', 'fixtures', 'portfolio.json');

describe('portfolio report rendering', () => {
  const portfolio = loadFixture(FIXTURE);

  test('GIVEN the recorded inventory WHEN loaded THEN its records come by model, environments in recorded order', () => {
    expect(portfolio.records.map((r) => `${r.model}/${r.environment}`)).toEqual([
      'churn/dev',
      'churn/test',
      'churn/prod',
      'churn-legacy/prod',
      'fraud-score/dev',
      'upsell/dev',
      'upsell/test',
      'upsell/prod',
    ]);
  });

  test('GIVEN the records WHEN their status is judged THEN drift, failed runs, pending rollouts and missing owners show', () => {
    const find = (model: string, env: string) =>
      portfolio.records.find((r) => r.model === model && r.environment === env) as Portfolio['records'][number];
    expect(statusOf(find('churn', 'prod'))).toEqual({ status: 'alarm', reasons: ['drift or quality alarm'] });
    expect(statusOf(find('fraud-score', 'dev'))).toEqual({
      status: 'alarm',
      reasons: ['last training run failed', 'no owner'],
    });
    expect(statusOf(find('upsell', 'prod'))).toEqual({ status: 'attention', reasons: ['v3 approved, v2 served'] });
    expect(statusOf(find('churn', 'dev'))).toEqual({ status: 'ok', reasons: [] });
  });

  test('GIVEN the portfolio WHEN printed as a table THEN each record is one aligned row with served, approved and trigger', () => {
    const lines = renderTable(portfolio).split('\n');
    expect(lines[0]).toMatch(
      /^MODEL\s+ENV\s+STATUS\s+SERVED\s+APPROVED\s+REGISTERED\s+VERDICT\s+LAST TRAINING \(TRIGGER\)/,
    );
    expect(lines.find((l) => l.startsWith('upsell ') && l.includes(' prod '))).toMatch(/attention\s+v2\s+v3\s+v3/);
    expect(lines.find((l) => l.startsWith('churn ') && l.includes(' prod '))).toContain('Executing (drift)');
    // every column starts where its header does
    const served = (lines[0] as string).indexOf('SERVED');
    expect(lines.slice(1, 9).map((l) => l.slice(served, served + 2))).toEqual([
      'v5',
      'v5',
      'v5',
      '- ',
      '- ',
      'v3',
      'v3',
      'v2',
    ]);
  });

  test('GIVEN no records WHEN printed THEN the table says the inventory is still empty', () => {
    expect(renderTable({ source: 't', readAt: 'now', records: [] })).toContain('No records in t yet');
  });

  test('GIVEN the portfolio WHEN rendered as HTML THEN it is one page that loads nothing from elsewhere', () => {
    const html = renderHtml(portfolio);
    expect(html.startsWith('<!DOCTYPE html>')).toBe(true);
    expect(html).not.toMatch(/<script|<link|@import|url\(|src=|https?:\/\/(?!www\.w3\.org\/2000\/svg)/);
    expect(html).toContain('Content-Security-Policy" content="default-src \'none\'');
  });

  test('GIVEN the portfolio WHEN rendered as HTML THEN the grid has a coloured cell per model and environment', () => {
    const html = renderHtml(portfolio);
    const grid = html.slice(html.indexOf('id="portfolio-grid"'), html.indexOf('</table>'));
    expect(grid.match(/<tr><th><a href="#model-/g)).toHaveLength(4);
    expect(grid.match(/<td class="cell status-/g)).toHaveLength(8);
    // fraud-score has no record in test and prod, the retired churn-legacy none in dev and test
    expect(grid.match(/not in this environment/g)).toHaveLength(4);
    expect(grid).toContain(`data-status="alarm" style="background:${STATUS_COLOURS.alarm}"`);
    expect(grid).toContain(`data-status="attention" style="background:${STATUS_COLOURS.attention}"`);
  });

  test('GIVEN a model without owner and a retired one WHEN rendered as HTML THEN the first is flagged and the second greyed', () => {
    const html = renderHtml(portfolio);
    const grid = html.slice(html.indexOf('id="portfolio-grid"'), html.indexOf('</table>'));
    const row = (model: string) =>
      grid.slice(grid.indexOf(`href="#model-${model}"`), grid.indexOf('</tr>', grid.indexOf(`href="#model-${model}"`)));
    expect(row('fraud-score')).toContain('<span class="flag no-owner">no owner</span>');
    expect(row('churn')).not.toContain('no owner');
    expect(row('churn-legacy')).toContain('<span class="tag">retired</span>');
    expect(row('churn-legacy')).toContain(`style="background:${RETIRED_COLOUR}" data-lifecycle="retired"`);
    expect(row('churn').match(/data-lifecycle="active"/g)).toHaveLength(3);
    expect(html).toContain('<section class="model retired" id="model-churn-legacy">');
    expect(html).toContain('owner: <strong class="flag no-owner">no owner</strong>');
    expect(renderTable(portfolio)).toMatch(/fraud-score +dev .* NO OWNER +active/);
  });

  test('GIVEN the portfolio WHEN rendered as HTML THEN each model has its metric, drift and cost charts as inline SVG', () => {
    const html = renderHtml(portfolio);
    for (const model of ['churn', 'upsell', 'fraud-score']) {
      const start = html.indexOf(`<section class="model" id="model-${model}">`);
      const section = html.slice(start, html.indexOf('</section>', start));
      expect(section.match(/<svg /g)).toHaveLength(3);
    }
    const churn = html.slice(
      html.indexOf('id="model-churn"'),
      html.indexOf('</section>', html.indexOf('id="model-churn"')),
    );
    expect(churn.match(/<polyline /g)).toHaveLength(9);
    expect(churn).toContain('cost month to date: $127.00');
    expect(churn).toContain('spend per month (USD)');
  });

  test('GIVEN a record with markup in its fields WHEN rendered THEN the markup is escaped', () => {
    const [record] = parseRecords([{ model: 'x', environment: 'dev', owner: '<img src=x onerror=alert(1)>' }], 'test');
    const html = renderHtml({ source: '<b>', readAt: 'now', records: [record as Portfolio['records'][number]] });
    expect(html).not.toContain('<img');
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;');
    expect(html).toContain('from &lt;b&gt;');
  });

  test('GIVEN a chart without points WHEN drawn THEN it says there is no data instead of empty axes', () => {
    const svg = lineChart({ title: 'drift', series: [{ name: 'dev', color: '#000', points: [] }] });
    expect(svg).toContain('no data yet');
    expect(svg).not.toContain('<polyline');
  });

  test('GIVEN one point WHEN drawn THEN the chart still has a range and one marker', () => {
    const svg = lineChart({
      title: 'auc',
      series: [{ name: 'prod', color: '#111', points: [{ at: '2026-11-01T00:00:00Z', value: 0.8 }] }],
    });
    expect(svg.match(/<circle /g)).toHaveLength(1);
    expect(svg).not.toContain('NaN');
  });

  test('GIVEN bad records WHEN parsed THEN every problem is named', () => {
    expect(() =>
      parseRecords([{ model: 'x' }, { model: 'y', environment: 'dev', trends: { drift: [1] } }], 'inv'),
    ).toThrow(
      new PortfolioError(
        'inv: records[0]: expected an object with "model" and "environment"; records[1].trends.drift: expected a list of { at, value }',
      ),
    );
  });
});
