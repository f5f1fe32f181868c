// Drive rocketlite's Swagger UI in headless Chromium as a person would: authorize with the two
// apiKey schemes, try POST /api/v1/users.setActiveStatus on a plain user, read the response;
// reload and find the authorization kept; then, with it cleared, try out login with its
// example body edited to the admin's password, and find both headers authorized by it.
//
// Run by tests/e2e/swagger_ui.sh. Env: BASE_URL, USER_ID, AUTH_TOKEN (an admin's),
// ADMIN_USER, ADMIN_PASS, TARGET_USER_ID (the user to deactivate), SCREENSHOT (default
// /tmp/swagger-ui.png), CHROMIUM (default /usr/bin/chromium).
import { chromium } from 'playwright-core';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const env = (name, fallback) => {
  const v = process.env[name] ?? fallback;
  if (v === undefined || v === '') throw new Error(`set ${name}`);
  return v;
};
const BASE_URL = env('BASE_URL').replace(/\/$/, '');
const USER_ID = env('USER_ID');
const AUTH_TOKEN = env('AUTH_TOKEN');
const TARGET_USER_ID = env('TARGET_USER_ID');
const ADMIN_USER = env('ADMIN_USER');
const ADMIN_PASS = env('ADMIN_PASS');
const SCREENSHOT = env('SCREENSHOT', '/tmp/swagger-ui.png');
const CHROMIUM = env('CHROMIUM', '/usr/bin/chromium');
const TIMEOUT = 20_000;

let n = 0;
const step = (text) => console.log(`[${String(++n).padStart(2, '0')}] ${text}`);

const profile = mkdtempSync(join(tmpdir(), 'rl-swagger-chromium-'));
let context;
let page;
let failed = false;
try {
  step(`launch ${CHROMIUM}`);
  // launchPersistentContext is Playwright's way to give Chromium a --user-data-dir; the
  // directory is fresh for every run.
  context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
    ],
    viewport: { width: 1280, height: 1600 },
  });
  context.setDefaultTimeout(TIMEOUT);
  page = context.pages()[0] ?? (await context.newPage());
  page.on('pageerror', (e) => console.log(`  page error: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error') console.log(`  console error: ${m.text()}`);
  });
  page.on('response', (r) => {
    if (r.status() >= 400) console.log(`  ${r.status()} for ${r.request().method()} ${r.url()}`);
  });

  step(`open ${BASE_URL}/docs/`);
  await page.goto(`${BASE_URL}/docs/`, { waitUntil: 'load' });
  await page.locator('.swagger-ui .information-container .title').waitFor();
  console.log(`  title: ${(await page.locator('.swagger-ui .information-container .title').innerText()).trim()}`);

  step('click Authorize and fill UserId and AuthToken');
  await page.locator('.scheme-container button.authorize').click();
  const modal = page.locator('.modal-ux');
  await modal.waitFor();
  // Swagger UI gives each apiKey scheme its own form with its own Authorize button.
  for (const [scheme, value] of [['UserId', USER_ID], ['AuthToken', AUTH_TOKEN]]) {
    const form = modal.locator('form').filter({ has: page.locator('h4', { hasText: `${scheme} (apiKey)` }) });
    await form.locator('input').fill(value);
    await form.locator('button.authorize').click();
    await form.locator('button', { hasText: 'Logout' }).waitFor();
    console.log(`  ${scheme}: filled, Authorize clicked, now shown as authorized`);
  }
  await modal.locator('.auth-btn-wrapper button.btn-done').first().click();
  await modal.waitFor({ state: 'detached' });

  step('expand POST /api/v1/users.setActiveStatus');
  const op = page.locator('#operations-Users-usersSetActiveStatus');
  await op.locator('.opblock-summary').first().click();
  await op.locator('.opblock-body').waitFor();

  step('Try it out');
  await op.locator('button.try-out__btn').click();
  const body = JSON.stringify({ userId: TARGET_USER_ID, activeStatus: false }, null, 2);
  const textarea = op.locator('textarea.body-param__text');
  await textarea.fill(body);
  console.log(`  body: ${JSON.stringify(JSON.parse(body))}`);

  step('Execute');
  const responsePromise = page.waitForResponse((r) => r.url().endsWith('/api/v1/users.setActiveStatus'));
  await op.locator('button.execute').click();
  const wire = await responsePromise;
  const sent = wire.request().headers();
  console.log(`  request sent X-User-Id=${sent['x-user-id'] === USER_ID ? 'ok' : 'MISSING'} X-Auth-Token=${sent['x-auth-token'] === AUTH_TOKEN ? 'ok' : 'MISSING'}`);

  step('read the response from the page');
  const live = op.locator('.live-responses-table');
  await live.waitFor();
  const status = (await live.locator('tbody .response-col_status').first().innerText()).trim();
  const shown = (await live.locator('tbody .response-col_description pre').first().innerText()).trim();
  console.log(`  status on page: ${status}`);
  console.log(`  body on page: ${shown.replace(/\s+/g, ' ')}`);
  await op.scrollIntoViewIfNeeded();
  await page.screenshot({ path: SCREENSHOT, fullPage: false });
  console.log(`  screenshot: ${SCREENSHOT}`);

  const problems = [];
  if (status !== '200') problems.push(`status ${status}, expected 200`);
  if (!shown.includes('"success": true')) problems.push('body lacks "success": true');
  if (!shown.includes('"active": false')) problems.push('body lacks "active": false');
  if (!shown.includes(TARGET_USER_ID)) problems.push('body lacks the user id');
  if (problems.length) throw new Error(problems.join('; '));

  // Sends users.setActiveStatus for the target from the page; returns the status shown and
  // the headers sent.
  const setActive = async (active) => {
    const op = page.locator('#operations-Users-usersSetActiveStatus');
    if (!(await op.locator('.opblock-body').isVisible())) await op.locator('.opblock-summary').first().click();
    const tryOut = op.locator('button.try-out__btn');
    if ((await tryOut.innerText()).trim() === 'Try it out') await tryOut.click();
    await op.locator('textarea.body-param__text').fill(JSON.stringify({ userId: TARGET_USER_ID, activeStatus: active }));
    const answer = page.waitForResponse((r) => r.url().endsWith('/api/v1/users.setActiveStatus'));
    await op.locator('button.execute').click();
    const wire = await answer;
    return { status: wire.status(), sent: wire.request().headers() };
  };

  step('reload: the authorization is kept');
  await page.reload({ waitUntil: 'load' });
  await page.locator('.swagger-ui .information-container .title').waitFor();
  let outcome = await setActive(true);
  console.log(`  after the reload: ${outcome.status}, X-Auth-Token ${outcome.sent['x-auth-token'] === AUTH_TOKEN ? 'sent' : 'MISSING'}`);
  if (outcome.status !== 200 || outcome.sent['x-auth-token'] !== AUTH_TOKEN) throw new Error('the authorization did not survive a reload');

  step('forget the authorization; try out login with its example');
  await page.evaluate(() => window.localStorage.clear());
  await page.reload({ waitUntil: 'load' });
  await page.locator('.swagger-ui .information-container .title').waitFor();
  const login = page.locator('#operations-Authentication-login');
  await login.locator('.opblock-summary').first().click();
  await login.locator('button.try-out__btn').click();
  const loginBody = login.locator('textarea.body-param__text');
  const shownExample = JSON.parse(await loginBody.inputValue());
  console.log(`  the example: ${JSON.stringify(shownExample)}`);
  if (typeof shownExample.password !== 'string' || typeof shownExample.user !== 'string') {
    throw new Error(`login's example is not a user and a password: ${JSON.stringify(shownExample)}`);
  }
  await loginBody.fill(JSON.stringify({ ...shownExample, user: ADMIN_USER, password: ADMIN_PASS }));
  const loggedIn = page.waitForResponse((r) => r.url().endsWith('/api/v1/login'));
  await login.locator('button.execute').click();
  console.log(`  login: ${(await loggedIn).status()}`);

  step('one login authorized both headers');
  outcome = await setActive(false);
  const both = outcome.sent['x-user-id'] === USER_ID && typeof outcome.sent['x-auth-token'] === 'string';
  console.log(`  users.setActiveStatus: ${outcome.status}, X-User-Id ${outcome.sent['x-user-id'] === USER_ID ? 'sent' : 'MISSING'}, X-Auth-Token ${outcome.sent['x-auth-token'] ? 'sent' : 'MISSING'}`);
  if (outcome.status !== 200 || !both) throw new Error('the login did not authorize both headers');

  step('reload: what the login authorized is kept too');
  await page.reload({ waitUntil: 'load' });
  await page.locator('.swagger-ui .information-container .title').waitFor();
  outcome = await setActive(false);
  console.log(`  after the reload: ${outcome.status}, X-User-Id ${outcome.sent['x-user-id'] === USER_ID ? 'sent' : 'MISSING'}`);
  if (outcome.status !== 200 || outcome.sent['x-user-id'] !== USER_ID) throw new Error("the login's authorization did not survive a reload");
  console.log('swagger_ui: all steps passed');
} catch (e) {
  failed = true;
  console.log(`  FAIL: ${e.message}`);
  if (page) {
    await page.screenshot({ path: SCREENSHOT, fullPage: true }).catch(() => {});
    console.log(`  screenshot of the failure: ${SCREENSHOT}`);
  }
} finally {
  if (context) await context.close().catch(() => {});
  rmSync(profile, { recursive: true, force: true });
}
process.exit(failed ? 1 : 0);
