#!/usr/bin/env node
// SPDX-License-Identifier: AGPL-3.0-only
//
// Checks follow.mjs end to end against a stand-in for the portal: a few plain
// HTML pages written to the portal contract (forms only, no JavaScript). It is
// a check of follow.mjs, not of the portal: the Rust tests speak for that.
//
//   node tests/browser/stand_in_portal.mjs

import { execFile } from 'node:child_process';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = fileURLToPath(new URL('.', import.meta.url));
const PASSWORD = 'correct horse';
const POST_TEXT = 'Fresh rye today';

const state = { session: null, followedAs: null, followedAt: 0 };

function page(title, body, loggedIn) {
  const logout = loggedIn ? '<form method="post" action="/logout"><button>Log out</button></form>' : '';
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${title}</title></head>`
    + `<body><header>${logout}</header><main>${body}</main></body></html>`;
}

async function formBody(request) {
  let text = '';
  for await (const chunk of request) text += chunk;
  return new URLSearchParams(text);
}

async function handle(request, response) {
  const url = new URL(request.url, 'http://portal');
  const loggedIn = state.session && (request.headers.cookie || '').includes(`session=${state.session}`);
  const send = (html, status = 200) => {
    response.writeHead(status, { 'content-type': 'text/html; charset=utf-8' });
    response.end(html);
  };
  const redirect = (to, cookie) => {
    response.writeHead(303, { location: to, ...(cookie ? { 'set-cookie': cookie } : {}) });
    response.end();
  };
  if (url.pathname === '/login' && request.method === 'GET') {
    return send(page('Log in', '<h1>Log in</h1><form method="post" action="/login">'
      + '<label for="u">Username</label><input id="u" name="username">'
      + '<label for="p">Password</label><input id="p" name="password" type="password">'
      + '<button type="submit">Log in</button></form>', false));
  }
  if (url.pathname === '/login' && request.method === 'POST') {
    const form = await formBody(request);
    if (form.get('username') !== 'alice' || form.get('password') !== PASSWORD) {
      return send(page('Log in', '<h1>Log in</h1><p>Wrong username or password.</p>', false), 401);
    }
    state.session = String(Math.random()).slice(2);
    return redirect('/', `session=${state.session}; HttpOnly; Path=/`);
  }
  if (!loggedIn) return redirect('/login');
  if (url.pathname === '/') {
    const showPost = state.followedAs && Date.now() - state.followedAt > 1500;
    const posts = showPost ? `<article class="post"><h2>Bakery Co-op</h2><p>${POST_TEXT}</p></article>` : '';
    return send(page('Home', `<h1>Home</h1>${posts}<article class="post"><p>Welcome</p></article>`, true));
  }
  if (url.pathname === '/search') {
    const q = url.searchParams.get('q');
    const found = q === '@bakery@127.0.0.1:9'
      ? '<section><h2>Bakery Co-op</h2><form method="post" action="/follow">'
        + `<input type="hidden" name="target" value="${q}">`
        + '<label for="as">Follow as</label><select id="as" name="as">'
        + '<option value="farm">@farm</option><option value="mill">@mill</option></select>'
        + '<button>Follow</button></form></section>'
      : '';
    return send(page('Search', '<h1>Search</h1><form method="get" action="/search">'
      + '<label for="q">Find a co-op</label><input id="q" name="q"><button>Search</button></form>'
      + found, true));
  }
  if (url.pathname === '/follow' && request.method === 'POST') {
    state.followedAs = (await formBody(request)).get('as');
    state.followedAt = Date.now();
    return redirect('/');
  }
  return send(page('Not found', '<h1>Not found</h1>', true), 404);
}

function runFollow(args) {
  return new Promise((resolve) => {
    execFile(process.execPath, [join(HERE, 'follow.mjs'), ...args], (error, stdout) => {
      resolve({ code: error ? error.code : 0, result: JSON.parse(stdout.trim().split('\n').pop()) });
    });
  });
}

const server = createServer((request, response) => {
  handle(request, response).catch((error) => { response.writeHead(500); response.end(String(error)); });
});
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const portal = `http://127.0.0.1:${server.address().port}`;
const folder = await mkdtemp(join(tmpdir(), 'portal-check-'));
await writeFile(join(folder, 'password'), `${PASSWORD}\n`);
const common = ['--portal', portal, '--username', 'alice', '--password-file', join(folder, 'password'),
  '--target', '@bakery@127.0.0.1:9', '--expect-text', POST_TEXT, '--timeout', '20000'];

const good = await runFollow([...common, '--as', 'mill', '--expect-name', 'Bakery Co-op',
  '--screenshot', join(folder, 'good.png')]);
const followedAs = state.followedAs;
state.followedAs = null;
const wrongAs = await runFollow([...common, '--as', 'nowhere', '--screenshot', join(folder, 'wrong.png')]);
await writeFile(join(folder, 'password'), 'wrong\n');
const wrongPassword = await runFollow([...common, '--as', 'mill', '--screenshot', join(folder, 'nologin.png')]);
server.close();

const checks = [
  ['the walk succeeds', JSON.stringify(good.result), JSON.stringify({ ok: true, step: 'done', error: null, violations: [] })],
  ['it exits 0', good.code, 0],
  ['it followed as the chosen co-op', followedAs, 'mill'],
  ['it wrote a PNG screenshot', (await readFile(join(folder, 'good.png'))).subarray(1, 4).toString(), 'PNG'],
  ['an unknown --as fails at the follow step', `${wrongAs.code} ${wrongAs.result.step}`, '1 follow'],
  ['a wrong password fails at the login step', `${wrongPassword.code} ${wrongPassword.result.step}`, '1 login'],
  ['a failed walk still leaves a screenshot', (await readFile(join(folder, 'nologin.png'))).length > 0, true],
];
let failed = 0;
for (const [name, got, wanted] of checks) {
  const ok = got === wanted;
  if (!ok) failed += 1;
  console.log(`${ok ? 'ok' : 'FAIL'}: ${name}${ok ? '' : ` (got ${JSON.stringify(got)}, wanted ${JSON.stringify(wanted)})`}`);
}
console.log(`stand_in_portal: ${checks.length - failed} passed, ${failed} failed (screenshots in ${folder})`);
process.exit(failed ? 1 : 0);
