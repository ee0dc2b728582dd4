import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { pathToFileURL } from 'node:url';
import puppeteer, { type Browser } from 'puppeteer-core';
import { RETIRED_COLOUR, renderHtml, STATUS_COLOURS } from '../../tools/portfolio/html';
import { loadFixture } from '../../tools/portfolio/inventory';
import { countColour, decodePng } from './png';

/*
 * The portfolio report in a real browser: Debian's Chromium, driven by puppeteer-core. `npm run test:browser`
 * (jest.browser.config.js); `bash .ci/run` installs Chromium with apt-get and runs it. UPDATE_SCREENSHOT=1 also
 * copies the screenshot to docs/images/portfolio.png for the docs.
 */

const REPO = path.resolve(__dirname, '..', '..');
const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
const BACKGROUND = '#fafafa';

describe('portfolio report in Chromium', () => {
  let browser: Browser;
  let dir: string;

  beforeAll(async () => {
    if (!existsSync(CHROMIUM)) {
      throw new Error(`no Chromium at ${CHROMIUM}: apt-get install chromium, or set CHROMIUM_PATH`);
    }
    dir = mkdtempSync(path.join(tmpdir(), 'portfolio-browser-'));
    browser = await puppeteer.launch({
      executablePath: CHROMIUM,
      headless: true,
      // Chromium refuses its sandbox as root (CI containers); the page is our own file and loads nothing else
      args: process.getuid?.() === 0 ? ['--no-sandbox'] : [],
    });
  });

  afterAll(async () => {
    await browser?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  test('GIVEN the report of the recorded inventory WHEN Chromium loads it THEN the grid shows with its colours and nothing errs', async () => {
    // GIVEN
    const file = path.join(dir, 'portfolio.html');
    const fixture = loadFixture(path.join(REPO, 'test', 'fixtures', 'portfolio.json'));
    writeFileSync(file, renderHtml({ ...fixture, source: 'test/fixtures/portfolio.json' }));
    const page = await browser.newPage();
    const problems: string[] = [];
    page.on('console', (message) => {
      if (message.type() === 'error' || message.type() === 'warn')
        problems.push(`console ${message.type()}: ${message.text()}`);
    });
    page.on('pageerror', (error) => problems.push(`page error: ${String(error)}`));
    page.on('requestfailed', (request) => problems.push(`request failed: ${request.url()}`));
    page.on('request', (request) => {
      if (!request.url().startsWith('file:')) problems.push(`request outside the page: ${request.url()}`);
    });
    await page.setViewport({ width: 1440, height: 900, deviceScaleFactor: 1 });

    // WHEN
    await page.goto(pathToFileURL(file).href, { waitUntil: 'load' });
    const grid = await page.$('#portfolio-grid');
    const box = await grid?.boundingBox();
    const cells = await page.$$eval('#portfolio-grid td.cell', (tds) =>
      tds.map((td) => td.getAttribute('data-status')),
    );
    const charts = await page.$$eval('svg.chart', (svgs) => svgs.map((svg) => svg.getBoundingClientRect().width));
    const screenshot = Buffer.from(await page.screenshot({ type: 'png', fullPage: true }));
    const gridShot = decodePng(Buffer.from(await (grid as NonNullable<typeof grid>).screenshot({ type: 'png' })));

    // THEN nothing erred, and nothing was loaded from elsewhere
    expect(problems).toEqual([]);
    // the grid is laid out: four models by three environments, eight records
    expect(box?.width).toBeGreaterThan(600);
    expect(box?.height).toBeGreaterThan(200);
    expect(cells.filter((s) => s !== null).sort()).toEqual([
      'alarm',
      'alarm',
      'attention',
      'ok',
      'ok',
      'ok',
      'ok',
      'ok',
    ]);
    // its cells are painted in their status colours, and most of it is not background
    expect(countColour(gridShot, STATUS_COLOURS.alarm)).toBeGreaterThan(5_000);
    expect(countColour(gridShot, STATUS_COLOURS.attention)).toBeGreaterThan(2_000);
    expect(countColour(gridShot, STATUS_COLOURS.ok)).toBeGreaterThan(10_000);
    // the retired model's cell is greyed
    expect(countColour(gridShot, RETIRED_COLOUR)).toBeGreaterThan(2_000);
    expect(countColour(gridShot, BACKGROUND, 2)).toBeLessThan(gridShot.width * gridShot.height * 0.6);
    // every model's three charts are drawn
    expect(charts).toHaveLength(12);
    expect(charts.every((w) => w > 200)).toBe(true);
    const whole = decodePng(screenshot);
    expect(whole.height).toBeGreaterThan(900);

    const shot = path.join(dir, 'portfolio.png');
    writeFileSync(shot, screenshot);
    if (process.env.UPDATE_SCREENSHOT === '1') copyFileSync(shot, path.join(REPO, 'docs', 'images', 'portfolio.png'));
    await page.close();
  });
});
