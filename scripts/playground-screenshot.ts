/**
 * Takes the README's picture of the playground: asks a running service one question in headless Chromium and
 * saves the page.
 *   npx tsx scripts/playground-screenshot.ts http://127.0.0.1:8080 "What does FTP stand for?" docs/images/playground.png
 */
import { chromium } from 'playwright-core';

const [url = 'http://127.0.0.1:8080', question = 'What does FTP stand for?', out = 'docs/images/playground.png'] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox'] });
try {
  const page = await browser.newPage({ viewport: { width: 1200, height: 900 }, deviceScaleFactor: 1 });
  await page.goto(url);
  await page.fill('#query', question);
  await page.press('#query', 'Enter');
  await page.locator('#result').waitFor({ state: 'visible', timeout: 120_000 });
  await page.locator('.token').first().hover().catch(() => {}); // shows one token's numbers
  await page.screenshot({ path: out, fullPage: true });
  console.log(`saved ${out}: "${await page.getAttribute('#answer', 'data-text')}"`);
} finally {
  await browser.close();
}
