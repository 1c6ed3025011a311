/**
 * The report page in headless Chromium (Debian's chromium, driven by playwright-core), opened from file:// as a
 * user opens it: the search box filters, the filters and sorting work, a block opens with its code and
 * example, repository text runs nothing, and the page loads nothing from the network. A screenshot is kept
 * under the test's temporary folder (its path is printed). Skipped where no Chromium is installed (.ci/run
 * installs it).
 */
import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { chromium, type Browser, type Page } from 'playwright-core';
import { reportPage } from '../../src/report/page.js';
import { REPORT_LOCK, reportDomain, reportLibrary } from '../helpers/report-library.js';

const executable = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome'].find((p) => existsSync(p));

describe('the report page in Chromium', { skip: executable ? false : 'no Chromium installed (apt-get install chromium)' }, () => {
  let browser: Browser;
  let page: Page;
  const problems: string[] = [];
  const requests: string[] = [];
  let dir: string;

  before(async () => {
    // Kept after the run on purpose: the screenshot is the test's artifact.
    dir = await mkdtemp(path.join(os.tmpdir(), 'cd-report-browser-'));
    const file = path.join(dir, 'demo-lib-report.html');
    await writeFile(file, reportPage({ library: reportLibrary(), lock: REPORT_LOCK, generator: 'test', generatedAt: new Date(0), domains: [reportDomain()] }));
    // Chromium's own sandbox needs user namespaces the test machine may not give; the page is ours.
    browser = await chromium.launch({ executablePath: executable, args: ['--no-sandbox'] });
    page = await browser.newPage({ viewport: { width: 1280, height: 1400 } });
    page.on('pageerror', (e) => problems.push(`page error: ${String(e)}`));
    page.on('console', (m) => {
      if (m.type() === 'error') problems.push(`console: ${m.text()}`);
    });
    page.on('dialog', (d) => {
      problems.push(`dialog: ${d.message()}`);
      void d.dismiss();
    });
    page.on('request', (r) => {
      if (!r.url().startsWith('file://')) requests.push(r.url());
    });
    await page.goto(`file://${file}`);
  });

  after(async () => {
    await browser?.close();
  });

  const shownNames = () => page.locator('#rows tr td.name').allTextContents();

  it('renders every block, ordered by rank, and nothing of the repository ran', async () => {
    assert.equal(await page.locator('#rows tr').count(), 6);
    assert.equal(await page.locator('#shown').textContent(), '6 of 6 blocks');
    assert.equal((await shownNames())[0], 'demolib.core.pressure_drop');
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined);
    assert.deepEqual(problems, []);
    assert.deepEqual(requests, []);
    assert.equal(await page.locator('svg.chart').count() >= 2, true);
  });

  it('the search box filters the table as one types', async () => {
    await page.locator('#search').pressSequentially('reynolds');
    assert.deepEqual(await shownNames(), ['demolib.core.reynolds_number']);
    assert.equal(await page.locator('#shown').textContent(), '1 of 6 blocks');
    await page.locator('#search').fill('packed');
    assert.deepEqual((await shownNames()).sort(), ['demolib.core.Bed', 'demolib.core.pressure_drop']);
    await page.locator('#search').fill('no such words');
    assert.equal(await page.locator('#rows tr').count(), 0);
    await page.locator('#search').fill('');
    assert.equal(await page.locator('#rows tr').count(), 6);
  });

  it('filters by level and by kind', async () => {
    await page.selectOption('#level', 'ran');
    assert.deepEqual((await shownNames()).sort(), ['demolib.core.Bed', 'demolib.core.reynolds_number']);
    await page.selectOption('#kind', 'class');
    assert.deepEqual(await shownNames(), ['demolib.core.Bed']);
    await page.selectOption('#level', '');
    await page.selectOption('#kind', '');
    assert.equal(await page.locator('#rows tr').count(), 6);
  });

  it('sorts by a column, and the other way on a second click', async () => {
    await page.click('th[data-key="name"]');
    const up = await shownNames();
    assert.deepEqual(up, [...up].sort((a, b) => a.localeCompare(b)));
    assert.equal(await page.getAttribute('th[data-key="name"]', 'aria-sort'), 'ascending');
    await page.click('th[data-key="name"]');
    assert.deepEqual(await shownNames(), [...up].reverse());
    await page.click('th[data-key="levelOrder"]');
    assert.equal((await shownNames())[0], 'demolib.core.pressure_drop', 'checked first');
  });

  it('shows the Domain section: repositories with their state, licences, the most used patterns; hostile text stays text', async () => {
    const domain = page.locator('section.domain');
    assert.equal(await domain.count(), 1);
    assert.equal(await domain.locator('h2').textContent(), 'Domain: fluids');
    assert.equal(await domain.locator('table.domain-repos tbody tr').count(), 2);
    assert.deepEqual(await domain.locator('tr.this td').allTextContents(), ['example/demolib', 'MIT', '6', '50%', 'done']);
    assert.match((await domain.locator('.domain-query').textContent()) ?? '', /<script>window\.__pwned = 1<\/script>/);
    assert.deepEqual(await domain.locator('table.domain-patterns tbody td code').allTextContents(), [
      'fluids-patterns:fluids_patterns.numpy.fft.rfft',
      'fluids-patterns:fluids_patterns.scipy.optimize.curve_fit',
    ]);
    assert.equal(await domain.locator('.domain-licences li').count(), 2);
    assert.ok(await domain.isVisible());
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined);
    assert.deepEqual(problems, []);
  });

  it('a block opens with its code and example; hostile code is shown as text', async () => {
    await page.locator('#search').fill('drag');
    await page.locator('#rows tr').first().click();
    assert.equal(await page.locator('#block').evaluate((d) => (d as unknown as { open: boolean }).open), true);
    assert.match((await page.locator('#d-code').textContent()) ?? '', /<\/script><script>window.__pwned = 3<\/script>/);
    assert.equal(await page.locator('#d-link').isHidden(), true, 'a javascript: source link is not offered');
    await page.click('#d-close');
    await page.locator('#search').fill('pressure');
    await page.locator('#rows tr').first().click();
    assert.match((await page.locator('#d-example').textContent()) ?? '', /from demolib\.core import pressure_drop/);
    assert.match((await page.locator('#d-example-meta').textContent()) ?? '', /doctest from tests\/test_core\.py:3; checked/);
    assert.equal(await page.locator('#d-output').textContent(), '42\n');
    const shot = path.join(dir, 'report-block.png');
    await page.screenshot({ path: shot, fullPage: true });
    console.log(`# screenshot: ${shot}`);
    await page.click('#d-close');
    assert.equal(await page.evaluate(() => (globalThis as unknown as { __pwned?: number }).__pwned), undefined);
    assert.deepEqual(problems, []);
  });
});
