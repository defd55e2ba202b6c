#!/usr/bin/env node
// SPDX-License-Identifier: AGPL-3.0-only
//
// Headless Chromium walks the Coopnet portal like a person: log in, search for a
// remote co-op, follow it as one of the user's co-ops, and wait for a post to
// reach the home feed. Only the portal's forms are used, with page JavaScript
// off by default, since the portal is server-rendered HTML usable without it.
//
//   node tests/browser/follow.mjs --portal http://127.0.0.1:PA --username alice \
//     --password-file F --as HANDLE_A --target @HANDLE_B@127.0.0.1:PB \
//     --expect-text "TEXT" --screenshot OUT.png [--timeout 60000]
//   node tests/browser/follow.mjs --smoke [--screenshot OUT.png]
//
// Prints one line of JSON, {"ok", "step", "error", "violations"}, and exits 0
// on success, 1 on failure. See README.md beside this file.

import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import { chromium } from 'playwright-core';

const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = [
  '--headless', '--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run',
  '--disable-background-networking', '--disable-component-update', '--disable-sync',
];
const POLL_MS = 1000;

function parseArguments() {
  const { values } = parseArgs({
    options: {
      portal: { type: 'string' },
      username: { type: 'string' },
      'password-file': { type: 'string' },
      as: { type: 'string' },
      target: { type: 'string' },
      'expect-text': { type: 'string' },
      'expect-name': { type: 'string' },
      screenshot: { type: 'string' },
      timeout: { type: 'string', default: '60000' },
      'with-js': { type: 'boolean', default: false },
      smoke: { type: 'boolean', default: false },
    },
  });
  const required = ['portal', 'username', 'password-file', 'as', 'target', 'expect-text', 'screenshot'];
  const missing = values.smoke ? [] : required.filter((name) => values[name] === undefined);
  if (missing.length) {
    throw new Error(`missing ${missing.map((name) => `--${name}`).join(', ')}`);
  }
  return { ...values, portal: values.portal?.replace(/\/+$/, ''), timeout: Number(values.timeout) };
}

export async function launchChromium() {
  return chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
}

// Runs inside the page: the number of <h1> and every form field without a label.
// A field counts as labelled by a non-empty <label> tied to it (for= or wrapping)
// or by aria-labelledby; hidden inputs and buttons need none.
function auditInPage() {
  const unlabelled = [];
  for (const field of document.querySelectorAll('input, select, textarea')) {
    const type = (field.getAttribute('type') || '').toLowerCase();
    if (field.tagName === 'INPUT' && ['hidden', 'submit', 'button', 'reset', 'image'].includes(type)) continue;
    const labels = [...(field.labels || [])].filter((label) => label.textContent.trim());
    const labelledBy = (field.getAttribute('aria-labelledby') || '').split(/\s+/).filter(Boolean)
      .map((id) => document.getElementById(id)).filter((node) => node && node.textContent.trim());
    if (labels.length === 0 && labelledBy.length === 0) {
      const name = field.getAttribute('name');
      unlabelled.push(`<${field.tagName.toLowerCase()}${name ? ` name="${name}"` : ''}${type ? ` type="${type}"` : ''}>`);
    }
  }
  return { h1: document.querySelectorAll('h1').length, unlabelled };
}

// Adds to violations what the page at hand breaks; wantOneH1 for the home page.
export async function auditPage(page, violations, { wantOneH1 = false } = {}) {
  const where = new URL(page.url()).pathname || page.url();
  const { h1, unlabelled } = await page.evaluate(auditInPage);
  if (wantOneH1 && h1 !== 1) violations.push({ page: where, rule: 'one-h1', detail: `found ${h1} <h1> elements` });
  for (const field of unlabelled) {
    violations.push({ page: where, rule: 'input-label', detail: `${field} has no associated label` });
  }
}

function firstLine(error) {
  return String(error?.message ?? error).split('\n')[0];
}

export class Walk {
  constructor(options) {
    this.options = options;
    this.deadline = Date.now() + options.timeout;
    this.step = 'start';
    this.violations = [];
  }

  remaining() {
    const left = this.deadline - Date.now();
    if (left <= 0) throw new Error(`timed out after ${this.options.timeout} ms`);
    return left;
  }

  async open(path) {
    const url = `${this.options.portal}${path}`;
    const response = await this.page.goto(url, { timeout: this.remaining() });
    this.expectOk(response, `GET ${path}`);
  }

  expectOk(response, what) {
    if (response && response.status() >= 400) throw new Error(`${what} answered ${response.status()}`);
  }

  // Click a submit button and wait for the page the form leads to.
  async submit(button, what) {
    const [response] = await Promise.all([
      this.page.waitForNavigation({ timeout: this.remaining() }),
      button.click({ timeout: this.remaining() }),
    ]);
    this.expectOk(response, what);
  }

  async logIn() {
    this.step = 'login';
    const password = (await readFile(this.options['password-file'], 'utf8')).replace(/\r?\n$/, '');
    await this.open('/login');
    await auditPage(this.page, this.violations);
    await this.page.getByLabel('Username', { exact: true }).fill(this.options.username, { timeout: this.remaining() });
    await this.page.getByLabel('Password', { exact: true }).fill(password, { timeout: this.remaining() });
    await this.submit(this.page.getByRole('button', { name: 'Log in', exact: true }), 'logging in');
    const logOut = this.page.getByRole('button', { name: 'Log out', exact: true });
    try {
      await logOut.waitFor({ state: 'visible', timeout: Math.min(5000, this.remaining()) });
    } catch {
      throw new Error(`no "Log out" button after logging in (now at ${this.page.url()})`);
    }
  }

  async searchForTarget() {
    this.step = 'search';
    await this.open('/search');
    await auditPage(this.page, this.violations);
    const query = this.page.getByLabel('Find a co-op', { exact: true });
    const name = await query.getAttribute('name', { timeout: this.remaining() });
    if (name !== 'q') throw new Error(`the "Find a co-op" input is named ${JSON.stringify(name)}, not "q"`);
    await query.fill(this.options.target, { timeout: this.remaining() });
    await this.submit(this.page.getByRole('button', { name: 'Search', exact: true }), 'searching');
    await auditPage(this.page, this.violations);
    const expectedName = this.options['expect-name'];
    if (expectedName && !(await this.page.getByText(expectedName).count())) {
      throw new Error(`the search result does not show ${JSON.stringify(expectedName)}`);
    }
  }

  async followTarget() {
    this.step = 'follow';
    const followAs = this.page.getByLabel('Follow as', { exact: true });
    await followAs.waitFor({ timeout: Math.min(5000, this.remaining()) }).catch(() => {
      throw new Error(`no "Follow as" select on the search result page (${this.page.url()})`);
    });
    const options = await followAs.locator('option').evaluateAll((nodes) =>
      nodes.map((node) => ({ value: node.value, text: node.textContent.trim() })));
    const bare = (handle) => handle.replace(/^@/, '').split('@')[0];
    const wanted = this.options.as;
    const choice = options.find((option) => option.value === wanted || option.text === wanted)
      ?? options.find((option) => bare(option.value) === bare(wanted) || bare(option.text) === bare(wanted));
    if (!choice) throw new Error(`"Follow as" has no option ${JSON.stringify(wanted)}; it offers ${JSON.stringify(options)}`);
    await followAs.selectOption(choice.value, { timeout: this.remaining() });
    await this.submit(this.page.getByRole('button', { name: 'Follow', exact: true }), 'following');
  }

  async waitForPost() {
    this.step = 'feed';
    const text = this.options['expect-text'];
    let audited = false;
    for (;;) {
      await this.open('/');
      if (!audited) {
        await auditPage(this.page, this.violations, { wantOneH1: true });
        audited = true;
      }
      if (await this.page.locator('article.post', { hasText: text }).count()) return;
      if (this.deadline - Date.now() < POLL_MS) {
        throw new Error(`no <article class="post"> containing ${JSON.stringify(text)} on the home feed within ${this.options.timeout} ms`);
      }
      await this.page.waitForTimeout(POLL_MS);
    }
  }

  async run() {
    const browser = await launchChromium();
    let error = null;
    try {
      const context = await browser.newContext({
        viewport: { width: 1280, height: 900 },
        javaScriptEnabled: this.options['with-js'],
      });
      this.page = await context.newPage();
      await this.logIn();
      await this.searchForTarget();
      await this.followTarget();
      await this.waitForPost();
      this.step = 'done';
    } catch (problem) {
      error = firstLine(problem);
    } finally {
      if (this.page) {
        await this.page.screenshot({ path: this.options.screenshot, fullPage: true }).catch((problem) => {
          error = error ?? `screenshot failed: ${firstLine(problem)}`;
        });
      }
      await browser.close();
    }
    if (!error && this.violations.length) {
      this.step = 'audit';
      error = `${this.violations.length} accessibility violation(s)`;
    }
    return { ok: !error, step: this.step, error, violations: this.violations };
  }
}

// Without a portal: Chromium starts, renders a data: URL to a screenshot, and the
// page audit finds what it should in a good page and a bad one.
async function smoke(screenshot) {
  const good = '<!doctype html><title>ok</title><h1>Coopnet smoke</h1><form>'
    + '<label for="q">Find a co-op</label><input id="q" name="q">'
    + '<label>Follow as <select name="as"><option>bakery</option></select></label>'
    + '<input type="hidden" name="csrf" value="x"><button>Search</button></form>';
  const bad = '<!doctype html><title>bad</title><h1>One</h1><h1>Two</h1><input name="q"><label>Empty <textarea></textarea></label>';
  const browser = await launchChromium();
  const checks = [];
  try {
    const page = await (await browser.newContext({ javaScriptEnabled: false })).newPage();
    await page.goto(`data:text/html,${encodeURIComponent(good)}`);
    const goodViolations = [];
    await auditPage(page, goodViolations, { wantOneH1: true });
    checks.push(['a well-formed page has no violations', goodViolations.length, 0]);
    checks.push(['getByLabel finds the search input', await page.getByLabel('Find a co-op', { exact: true }).getAttribute('name'), 'q']);
    if (screenshot) {
      await page.screenshot({ path: screenshot, fullPage: true });
      checks.push(['screenshot written', (await readFile(screenshot)).subarray(1, 4).toString(), 'PNG']);
    }
    await page.goto(`data:text/html,${encodeURIComponent(bad)}`);
    const badViolations = [];
    await auditPage(page, badViolations, { wantOneH1: true });
    checks.push(['a bad page breaks one-h1 and input-label', badViolations.map((v) => v.rule).sort().join(','), 'input-label,one-h1']);
  } finally {
    await browser.close();
  }
  let failed = 0;
  for (const [name, got, wanted] of checks) {
    const ok = got === wanted;
    if (!ok) failed += 1;
    console.log(`${ok ? 'ok' : 'FAIL'}: ${name}${ok ? '' : ` (got ${JSON.stringify(got)}, wanted ${JSON.stringify(wanted)})`}`);
  }
  console.log(`smoke: ${checks.length - failed} passed, ${failed} failed`);
  return failed ? 1 : 0;
}

async function main() {
  let options;
  try {
    options = parseArguments();
  } catch (problem) {
    console.log(JSON.stringify({ ok: false, step: 'arguments', error: firstLine(problem), violations: [] }));
    return 1;
  }
  if (options.smoke) return smoke(options.screenshot);
  const result = await new Walk(options).run();
  console.log(JSON.stringify(result));
  return result.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then((code) => process.exit(code), (problem) => {
    console.log(JSON.stringify({ ok: false, step: 'crash', error: firstLine(problem), violations: [] }));
    process.exit(1);
  });
}
