// The web page as a user drives it, in Debian's headless chromium through playwright-core.
// Usage: node web.mjs http://127.0.0.1:PORT SCREENSHOT_DIR [http://127.0.0.1:PORT2]
// Run by crates/portdex/tests/web.rs, which starts `portdex serve --expose-local` (the
// first address) and a plain `portdex serve` (the second).
// Exits 1 with the failed step on stderr; screenshots are saved for review either way.
// Ends with an axe-core accessibility check of four states of the page.
import { chromium } from 'playwright-core';
import { mkdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';

const axePath = createRequire(import.meta.url).resolve('axe-core/axe.min.js');

const [base, shots, plainBase] = process.argv.slice(2);
if (!base || !shots) {
  console.error('usage: node web.mjs BASE_URL SCREENSHOT_DIR');
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const origin = new URL(base).origin;
const servePort = new URL(base).port;

const browser = await chromium.launch({
  executablePath: process.env.PORTDEX_CHROMIUM || '/usr/bin/chromium',
  headless: true,
  // Chromium's own background traffic is refused by a closed network; keep it quiet.
  args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
    '--disable-background-networking', '--disable-component-update', '--disable-sync'],
});

const problems = [];
let step = 'start';

/** A page that records every request leaving the server's origin and every error. */
async function open(options, server = origin) {
  const context = await browser.newContext(options);
  const page = await context.newPage();
  page.on('request', r => {
    const u = r.url();
    if (!u.startsWith(server) && !u.startsWith('data:')) problems.push(`${step}: request to another origin: ${u}`);
  });
  page.on('console', m => {
    // The API's 4xx answers are expected here (a bad port, an unassigned one); chromium
    // logs each; anything else (a CSP violation, a script error) is a failure.
    if (m.type() === 'error' && !/^Failed to load resource: the server responded with a status of 4\d\d/.test(m.text())) {
      problems.push(`${step}: console error: ${m.text()}`);
    }
  });
  page.on('pageerror', e => problems.push(`${step}: page error: ${e.message}`));
  page.setDefaultTimeout(20_000); // generous: CI machines run other tests beside it
  return { context, page };
}

function check(cond, what) {
  if (!cond) throw new Error(`${step}: ${what}`);
}

async function shot(page, name) {
  await page.screenshot({ path: `${shots}/${name}.png`, fullPage: true });
}

let failed = false;
try {
  // ---- a desktop browser in English ----------------------------------------------------
  step = 'home page';
  let { context, page } = await open({ locale: 'en-US', viewport: { width: 1280, height: 900 } });
  await page.goto(base);
  await page.locator('.map-grid button').nth(383).waitFor();
  check(await page.locator('.map-grid button').count() === 64 + 256 + 64, 'the map has 384 cells');
  check(await page.getAttribute('html', 'lang') === 'en', 'English for an English browser');
  await shot(page, '1-home');

  step = 'search as you type';
  await page.keyboard.press('/');
  check(await page.evaluate(() => document.activeElement.id) === 'q', '"/" focuses the search box');
  await page.keyboard.type('redis', { delay: 40 });
  // On a loaded machine a pause between keys may search "red" first: wait for "redis".
  await page.waitForURL(u => new URL(u).search === '?q=redis');
  await page.locator('#status', { hasText: '“redis”' }).waitFor();
  const redis = page.locator('li.card[data-port="6379"]').first();
  await redis.waitFor();
  check((await redis.innerText()).includes('6379'), 'the redis card shows 6379');
  await shot(page, '2-search-redis');

  step = 'open the port page';
  await redis.locator('h3 a').click();
  await page.waitForURL(`${origin}/port/6379`);
  // The home view's heading stays until the port's answer arrives: wait for the new one.
  await page.locator('h1', { hasText: 'Port 6379' }).waitFor();
  check(await page.locator('h1').count() === 1, 'one level-one heading');
  await page.getByText('When exposed').first().waitFor();
  check(await page.locator('.map-grid button[aria-current="true"]').count() === 1, 'the map marks the port');
  await shot(page, '3-port-6379');

  step = 'switch to Japanese';
  await page.locator('#lang').click();
  await page.locator('h1', { hasText: 'ポート 6379' }).waitFor();
  check(await page.getAttribute('html', 'lang') === 'ja', 'html lang becomes ja');
  await page.getByText('登録済みポート').first().waitFor();
  await page.getByText('公開した場合').first().waitFor();
  await shot(page, '4-port-6379-ja');

  step = 'the choice of language is kept';
  await page.reload();
  await page.locator('h1', { hasText: 'ポート 6379' }).waitFor();

  step = 'a port page opened by its address, and the way back';
  await page.goto(`${base}/port/443`);
  await page.locator('h1', { hasText: 'ポート 443' }).waitFor();
  await page.getByText('https').first().waitFor();
  await page.goBack();
  await page.locator('h1', { hasText: 'ポート 6379' }).waitFor();

  step = 'an unassigned dynamic port';
  await page.goto(`${base}/port/60001`);
  await page.locator('.card', { hasText: '動的/プライベートポート' }).waitFor();

  step = 'a bad port';
  const res = await page.goto(`${base}/port/70000`);
  check(res.status() === 404, `/port/70000 answers 404 (${res.status()})`);
  await page.locator('#status.error', { hasText: '70000' }).waitFor();
  await page.locator('#lang').click(); // back to English for the rest
  await page.locator('#status.error', { hasText: '70000' }).waitFor();

  step = 'the map by keyboard';
  await page.goto(base);
  const first = page.locator('.band-well-known button[tabindex="0"]');
  await first.focus();
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('ArrowRight');
  const lo = await page.evaluate(() => document.activeElement.dataset.lo);
  check(lo === '32', `two steps right lands on 32-47 (${lo})`);
  await page.keyboard.press('Enter');
  await page.locator('h2', { hasText: 'Ports 32–47' }).waitFor();
  await page.locator('#view a[href="/port/37"]').waitFor();
  await page.keyboard.press('ArrowDown'); // no wrap past the end: the band has one row here
  check(await page.evaluate(() => document.activeElement.closest('.map-grid') !== null), 'focus stays in the map');
  await shot(page, '5-map-range');

  step = 'a range typed';
  await page.locator('#q').fill('8000-8100');
  await page.locator('h2', { hasText: 'Ports 8000–8100' }).waitFor();
  await page.locator('#view a[href="/port/8080"]').waitFor();

  step = 'words';
  await page.locator('#q').fill('directory ldap');
  await page.locator('li.card[data-port="636"]').first().waitFor();

  step = 'this machine (--expose-local)';
  await page.locator('#local').waitFor();
  await page.locator(`#listeners td`, { hasText: `127.0.0.1:${servePort}` }).first().waitFor();
  await shot(page, '6-this-machine');

  step = 'the guide, linked from the home page';
  await page.goto(base);
  await page.locator('#guide-link').click();
  await page.waitForURL(`${origin}/guide`);
  await page.locator('h1', { hasText: 'Port numbers: a guide for beginners' }).waitFor();
  check(await page.locator('h1').count() === 1, 'one level-one heading');
  await page.locator('#guide-ports tbody tr').nth(19).waitFor();
  check(await page.locator('#guide-ports tbody tr').count() === 20, 'twenty ports');
  await page.locator('#guide-ports a[href="/port/443"]').waitFor();
  check(await page.locator('#map-section').isHidden(), 'the map is the home page\'s');
  // This machine's ephemeral range, as the kernel says.
  const [ephLo, ephHi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/);
  await page.locator('#ephemeral', { hasText: `${ephLo}–${ephHi}` }).waitFor();
  // --expose-local: the audit's cleartext services (or that there are none) are shown.
  const now = await page.locator('#cleartext-now').innerText();
  check(/Cleartext services|no cleartext service/.test(now), `the audit's cleartext services: ${now}`);
  await page.locator('pre code', { hasText: 'portdex ls --exposed' }).waitFor();
  await shot(page, '6-guide');

  step = 'the guide in Japanese';
  await page.locator('#lang').click();
  await page.locator('h1', { hasText: 'ポート番号入門' }).waitFor();
  check(new URL(page.url()).pathname === '/guide', `still the guide: ${page.url()}`);
  await page.locator('#guide-ports td', { hasText: '平文' }).first().waitFor();
  await page.locator('#ephemeral', { hasText: 'エフェメラルポート' }).waitFor();
  await page.locator('#cleartext-now', { hasText: '平文のサービス' }).waitFor();
  await shot(page, '6-guide-ja');
  await page.locator('#lang').click(); // back to English
  await context.close();

  // ---- the language in the address: ?lang= wins over the browser and the saved choice ---
  step = '?lang=ja on a port page, in an English browser';
  ({ context, page } = await open({ locale: 'en-US' }));
  await page.goto(`${base}/port/443?lang=ja`);
  await page.locator('h1', { hasText: 'ポート 443' }).waitFor();
  check(await page.getAttribute('html', 'lang') === 'ja', 'html lang is ja');
  await page.locator('#view td', { hasText: '割り当て済み' }).first().waitFor();
  // The registry's source column in words, never its identifiers (iana, history).
  const sourceCells = page.locator('#view table').first().locator('tbody td:nth-child(5)');
  const sources = await sourceCells.allInnerTexts();
  check(sources.length > 0, 'the registry table has rows');
  check(sources.every(s => !/^(iana|history)$/.test(s) && /レジストリ/.test(s)), `sources in Japanese words: ${sources.join(' | ')}`);
  await shot(page, '9-port-443-lang-ja');

  step = 'the next port keeps ?lang=ja';
  await page.locator('nav.pager a[rel="next"]').click();
  await page.waitForURL(u => new URL(u).pathname === '/port/444');
  check(new URL(page.url()).searchParams.get('lang') === 'ja', `the address keeps lang=ja: ${page.url()}`);
  await page.locator('h1', { hasText: 'ポート 444' }).waitFor();
  check(await page.getAttribute('html', 'lang') === 'ja', 'still Japanese');

  step = 'a search from a Japanese address keeps ?lang=ja';
  await page.locator('#q').fill('ssh');
  await page.waitForURL(u => new URL(u).searchParams.get('q') === 'ssh');
  check(new URL(page.url()).searchParams.get('lang') === 'ja', `the address keeps lang=ja: ${page.url()}`);
  await page.locator('#status', { hasText: '検索結果' }).waitFor();
  await context.close();

  step = '?lang=en in a Japanese browser';
  ({ context, page } = await open({ locale: 'ja-JP' }));
  await page.goto(`${base}/port/443?lang=en`);
  await page.locator('h1', { hasText: 'Port 443' }).waitFor();
  check(await page.getAttribute('html', 'lang') === 'en', 'html lang is en');
  await page.locator('#view td', { hasText: 'assigned' }).first().waitFor();
  const enSources = await page.locator('#view table').first().locator('tbody td:nth-child(5)').allInnerTexts();
  check(enSources.every(s => !/both|iana-/.test(s) && /registry/.test(s)), `sources in English words: ${enSources.join(' | ')}`);

  step = 'the language button writes ?lang=';
  await page.locator('#lang').click();
  await page.locator('h1', { hasText: 'ポート 443' }).waitFor();
  check(new URL(page.url()).searchParams.get('lang') === 'ja', `the button sets lang=ja: ${page.url()}`);
  check(new URL(page.url()).pathname === '/port/443', 'on the same page');
  await page.locator('nav.pager a[rel="prev"][href="/port/442?lang=ja"]').waitFor();
  await context.close();

  // ---- a phone whose browser prefers Japanese -------------------------------------------
  step = 'phone in Japanese';
  ({ context, page } = await open({
    locale: 'ja-JP', viewport: { width: 390, height: 844 }, isMobile: true, hasTouch: true, deviceScaleFactor: 2,
  }));
  await page.goto(base);
  check(await page.getAttribute('html', 'lang') === 'ja', 'Japanese for a Japanese browser');
  await page.locator('#q').tap();
  await page.keyboard.type('443');
  await page.locator('li.card[data-port="443"]').waitFor();
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  check(overflow <= 0, `nothing wider than the phone's screen (${overflow}px too wide)`);
  await shot(page, '7-phone-ja');
  await page.locator('li.card[data-port="443"] h3 a').tap();
  await page.waitForURL(`${origin}/port/443`);
  await shot(page, '8-phone-port-443');
  await context.close();

  // ---- a server without --expose-local: nothing about this machine, not even asked ----
  if (plainBase) {
    step = 'without --expose-local';
    ({ context, page } = await open({ locale: 'en-US' }, new URL(plainBase).origin));
    const asked = [];
    page.on('request', r => asked.push(new URL(r.url()).pathname));
    const errors = [];
    page.on('console', m => { if (m.type() === 'error') errors.push(m.text()); });
    await page.goto(plainBase);
    await page.locator('.map-grid button').nth(383).waitFor();
    await page.locator('#q').fill('ssh');
    await page.locator('li.card[data-port="22"]').first().waitFor();
    check(await page.locator('#local').isHidden(), 'the "this machine" section stays hidden');
    check(!asked.some(p => p === '/api/v1/listeners' || p.startsWith('/api/v1/audit')),
      `the page asked for this machine's data: ${asked.join(' ')}`);
    check(errors.length === 0, `console errors: ${errors.join(' | ')}`);

    step = 'the guide without --expose-local';
    await page.goto(`${plainBase}/guide`);
    await page.locator('#guide-ports tbody tr').nth(19).waitFor();
    await page.locator('#cleartext-now', { hasText: '--expose-local' }).waitFor();
    check(!asked.some(p => p === '/api/v1/listeners' || p.startsWith('/api/v1/audit')),
      `the guide asked for this machine's data: ${asked.join(' ')}`);
    await context.close();
  }

  // ---- accessibility: axe-core (WCAG 2.1 A and AA, and best practices) ------------------
  // axe is injected as a script, which the page's CSP forbids: these contexts bypass
  // the CSP, and only they do (every step above ran under it).
  for (const [name, options, path, typed] of [
    ['search results, English, light', { locale: 'en-US' }, '/', 'redis'],
    ['a port page, Japanese, dark', { locale: 'ja-JP', colorScheme: 'dark' }, '/port/6379', null],
    ['a range, English, dark', { locale: 'en-US', colorScheme: 'dark' }, '/?q=8000-8100', null],
    ['a phone, Japanese', { locale: 'ja-JP', viewport: { width: 390, height: 844 }, isMobile: true }, '/', '443'],
    ['the guide, Japanese, dark', { locale: 'ja-JP', colorScheme: 'dark' }, '/guide', null],
    ['the guide on a phone, English', { locale: 'en-US', viewport: { width: 390, height: 844 }, isMobile: true }, '/guide', null],
  ]) {
    step = `accessibility: ${name}`;
    ({ context, page } = await open({ ...options, bypassCSP: true }));
    await page.goto(base + path);
    if (path === '/guide') {
      await page.locator('#guide-ports tbody tr').nth(19).waitFor();
      await page.locator('#cleartext-now').waitFor();
    } else {
      await page.locator('.map-grid button').nth(383).waitFor();
    }
    if (typed) {
      await page.locator('#q').fill(typed);
      await page.locator('li.card').first().waitFor();
    }
    await page.locator('#local:not([hidden]) #listeners table').waitFor();
    await page.addScriptTag({ path: axePath });
    const result = await page.evaluate(() => window.axe.run(document, {
      runOnly: ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'best-practice'],
    }));
    for (const v of result.violations) {
      const where = v.nodes.slice(0, 3).map(n => n.target.join(' ')).join(' | ');
      problems.push(`${step}: ${v.impact} ${v.id} (${v.help}) at ${where}`);
    }
    check(result.passes.length > 20, `axe ran its checks (${result.passes.length} passed)`);
    await context.close();
  }
} catch (e) {
  failed = true;
  console.error(`FAILED at ${e.message}`);
}
await browser.close();
if (problems.length) {
  failed = true;
  console.error(problems.join('\n'));
}
if (failed) process.exit(1);
console.log(`browser test passed; screenshots in ${shots}`);
