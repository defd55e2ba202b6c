#!/usr/bin/env node
// SPDX-License-Identifier: AGPL-3.0-only
//
// Headless Chromium writes in a forum like a person, with page JavaScript off:
// log in, open a forum from the forums list, start a thread (Preview, then
// Post), answer it (Reply, Preview, then Reply), and see the answer indented
// under the thread. Every page on the way is audited (labelled fields, one <h1>), the
// moderator's forms included when the user moderates the forum.
//
//   node tests/browser/forum.mjs --portal http://127.0.0.1:PA --username mo \
//     --password-file F --forum "FORUM NAME" --screenshot OUT.png [--timeout 60000]
//
// Prints one line of JSON, {"ok", "step", "error", "violations", "thread"},
// and exits 0 on success, 1 on failure.

import { parseArgs } from 'node:util';
import { pathToFileURL } from 'node:url';
import { Walk, auditPage, launchChromium } from './follow.mjs';

const TITLE = 'Rotas that work';
const TEXT = 'We rotate the **dull** jobs every week.';
const ANSWER = 'So do we, with a *board* in the hall.';

class ForumWalk extends Walk {
  async startThread() {
    this.step = 'forum';
    await this.open('/forums');
    await auditPage(this.page, this.violations, { wantOneH1: true });
    await this.submit(this.page.getByRole('link', { name: this.options.forum, exact: true }), 'opening the forum');
    await auditPage(this.page, this.violations, { wantOneH1: true });
    this.step = 'preview';
    await this.page.getByLabel('Title', { exact: true }).fill(TITLE, { timeout: this.remaining() });
    await this.page.getByLabel('Your post', { exact: true }).fill(TEXT, { timeout: this.remaining() });
    await this.submit(this.page.getByRole('button', { name: 'Preview', exact: true }), 'previewing');
    if (!(await this.page.locator('.preview strong', { hasText: 'dull' }).count())) {
      throw new Error('the preview does not show the Markdown rendered');
    }
    if ((await this.page.getByLabel('Your post', { exact: true }).inputValue()) !== TEXT) {
      throw new Error('the preview did not keep the text to edit');
    }
    this.step = 'post';
    await this.submit(this.page.getByRole('button', { name: 'Post', exact: true }), 'posting');
    if (!(await this.page.getByRole('heading', { name: TITLE, level: 1 }).count())) {
      throw new Error(`posting did not lead to the thread (now at ${this.page.url()})`);
    }
    await auditPage(this.page, this.violations, { wantOneH1: true });
    this.thread = new URL(this.page.url()).searchParams.get('id');
  }

  async answer() {
    this.step = 'reply';
    const form = this.page.locator('form[action="/forums/replies"]').first();
    await this.page.locator('details > summary', { hasText: 'Reply' }).first().click({ timeout: this.remaining() });
    await form.getByLabel('Your reply (Markdown)').fill(ANSWER, { timeout: this.remaining() });
    await this.submit(form.getByRole('button', { name: 'Preview', exact: true }), 'previewing the reply');
    if (!(await this.page.locator('.preview em', { hasText: 'board' }).count())) {
      throw new Error('the reply preview does not show the Markdown rendered');
    }
    await auditPage(this.page, this.violations, { wantOneH1: true });
    const again = this.page.locator('form[action="/forums/replies"]').first();
    await this.submit(again.getByRole('button', { name: 'Reply', exact: true }), 'replying');
    const answer = this.page.locator('article.post', { hasText: 'So do we' });
    if (!(await answer.count())) throw new Error('the answer is not shown in the thread');
    const indent = await answer.first().evaluate((node) => getComputedStyle(node).marginLeft);
    if (indent === '0px') throw new Error('the answer is not indented under the thread');
    if (!(await answer.locator('em', { hasText: 'board' }).count())) throw new Error('the answer is not rendered');
  }

  async run() {
    const browser = await launchChromium();
    let error = null;
    try {
      const context = await browser.newContext({ viewport: { width: 390, height: 844 }, javaScriptEnabled: false });
      this.page = await context.newPage();
      await this.logIn();
      await this.startThread();
      await this.answer();
      this.step = 'done';
    } catch (problem) {
      error = String(problem?.message ?? problem).split('\n')[0];
    } finally {
      if (this.page) await this.page.screenshot({ path: this.options.screenshot, fullPage: true }).catch(() => {});
      await browser.close();
    }
    if (!error && this.violations.length) {
      this.step = 'audit';
      error = `${this.violations.length} accessibility violation(s)`;
    }
    return { ok: !error, step: this.step, error, violations: this.violations, thread: this.thread ?? null };
  }
}

async function main() {
  const { values } = parseArgs({
    options: {
      portal: { type: 'string' },
      username: { type: 'string' },
      'password-file': { type: 'string' },
      forum: { type: 'string' },
      screenshot: { type: 'string' },
      timeout: { type: 'string', default: '60000' },
    },
  });
  const missing = ['portal', 'username', 'password-file', 'forum', 'screenshot'].filter((name) => !values[name]);
  if (missing.length) {
    console.log(JSON.stringify({ ok: false, step: 'arguments', error: `missing ${missing.join(', ')}`, violations: [] }));
    return 1;
  }
  const options = { ...values, portal: values.portal.replace(/\/+$/, ''), timeout: Number(values.timeout) };
  const result = await new ForumWalk(options).run();
  console.log(JSON.stringify(result));
  return result.ok ? 0 : 1;
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  main().then((code) => process.exit(code), (problem) => {
    console.log(JSON.stringify({ ok: false, step: 'crash', error: String(problem), violations: [] }));
    process.exit(1);
  });
}
