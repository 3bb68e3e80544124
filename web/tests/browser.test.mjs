// The web app in Chromium against the local stack (the Cognito emulator and the functions
// behind the local gateway): run by scripts/browser-tests.sh, which sets
//   WEB_URL         the app, served by the local gateway on its own origin
//   API_URL         the local API (…/prod)
//   COGNITO_URL     the local Cognito
//   GATEWAY_LOG     the gateway's request log, one "local-gateway: METHOD PATH -> STATUS" per line
//   CHROMIUM        the browser executable
//   SCREENSHOT      where to save the final screen
//   USER_POOL_ID, USER_POOL_CLIENT_ID
//   BUCKET_NAME     the stack's bucket (private/<IdentityId>/ folders, tagged by object-owner)
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { chromium } from 'playwright-core';

const env = (name) => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is not set: run the browser tests with scripts/browser-tests.sh`);
  return value;
};
const WEB_URL = env('WEB_URL');
const COGNITO_URL = env('COGNITO_URL');
const POOL_ID = env('USER_POOL_ID');
const CLIENT_ID = env('USER_POOL_CLIENT_ID');
const PASSWORD = 'Browser-Passw0rd!-local';
const run = Date.now().toString(36);

/** How many times the gateway answered `METHOD /prod<path>`, by status. */
function gatewayCalls(method, path) {
  const lines = readFileSync(env('GATEWAY_LOG'), 'utf8').split('\n');
  const prefix = `local-gateway: ${method} ${new URL(env('API_URL')).pathname}${path} -> `;
  return lines.filter((line) => line.startsWith(prefix)).map((line) => line.slice(prefix.length));
}

/** One call to the local Cognito as an admin (it accepts any SigV4 credentials). */
async function cognito(operation, body) {
  const date = new Date().toISOString().replace(/[-:]/g, '').slice(0, 8);
  const response = await fetch(COGNITO_URL, {
    method: 'POST',
    headers: {
      'content-type': 'application/x-amz-json-1.1',
      'x-amz-target': `AWSCognitoIdentityProviderService.${operation}`,
      authorization: `AWS4-HMAC-SHA256 Credential=testing/${date}/us-east-1/cognito-idp/aws4_request, SignedHeaders=host, Signature=00`,
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  assert.equal(response.status, 200, `${operation}: ${text}`);
  return text ? JSON.parse(text) : {};
}

async function signToken(claims) {
  const response = await fetch(`${COGNITO_URL}/_emulator/sign`, { method: 'POST', body: JSON.stringify({ claims }) });
  return (await response.json()).token;
}

/** The emulator's fault control (tests/emulator/README.md): arm, read or clear faults. */
async function faults(method, body) {
  const response = await fetch(`${COGNITO_URL}/_emulator/faults`, { method, body: body && JSON.stringify(body) });
  const answer = await response.json();
  assert.equal(response.status, 200, JSON.stringify(answer));
  return answer.faults;
}

/** The stack's identity pool, from the app's own settings. */
async function identityPoolId() {
  const response = await fetch(new URL('config.json', WEB_URL));
  return (await response.json()).IdentityPoolId;
}

// Every GetId of the link function is up to 3 SDK attempts (SdkDeadlines::API_HANDLER),
// each meeting one fault, before /link answers 503 or 429.
const SDK_ATTEMPTS_PER_GETID = 3;

/**
 * When the page first POSTs /link, arms `count` GetId faults of `kind` in the stack's
 * identity pool, then lets the request go to the gateway unchanged. Arming any earlier
 * would fail the page's own GetId (Amplify's, for the credentials that sign /link).
 * Returns the times at which the page sent each POST /link.
 */
async function faultsFromFirstLink(page, kind, count) {
  const pool = await identityPoolId();
  const link = `${env('API_URL')}/link`;
  const isLink = (request) => request.method() === 'POST' && request.url() === link;
  const sent = [];
  page.on('request', (request) => isLink(request) && sent.push(Date.now()));
  let armed = false;
  await page.route((url) => url.href === link, async (route) => {
    if (isLink(route.request()) && !armed) {
      armed = true;
      await faults('POST', { operation: 'GetId', kind, count, pool });
    }
    await route.continue();
  });
  return sent;
}

async function signUpConfirmed(page, username) {
  await signUp(page, username);
  await cognito('AdminConfirmSignUp', { UserPoolId: POOL_ID, Username: username });
}

const claimsOf = (token) => JSON.parse(Buffer.from(token.split('.')[1], 'base64url').toString('utf8'));

let browser;
const pageErrors = [];
// What the browser refused or could not reach, and console errors: shown when a step fails.
const browserLog = [];

before(async () => {
  // Playwright gives each launch a fresh --user-data-dir of its own (and refuses one in
  // args); every test below also gets its own context: empty storage, no cookies.
  browser = await chromium.launch({
    executablePath: env('CHROMIUM'),
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-background-networking',
      '--disable-component-update',
      '--no-first-run',
      '--disable-sync',
      '--disable-gpu',
      '--disable-quic',
    ],
  });
});

after(async () => {
  await browser?.close();
});

async function newPage() {
  const context = await browser.newContext({ viewport: { width: 900, height: 760 } });
  const page = await context.newPage();
  page.on('pageerror', (error) => pageErrors.push(String(error)));
  page.on('console', (m) => m.type() === 'error' && browserLog.push(`console: ${m.text()}`));
  page.on('requestfailed', (r) => browserLog.push(`request failed: ${r.method()} ${r.url()} (${r.failure()?.errorText})`));
  await page.goto(WEB_URL);
  await page.locator('#auth').waitFor({ state: 'visible' });
  return page;
}

async function signUp(page, username) {
  await page.fill('#username', username);
  await page.fill('#email', `${username}@example.com`);
  await page.fill('#password', PASSWORD);
  await page.click('#sign-up');
  await page.locator('#confirm').waitFor({ state: 'visible' });
  assert.match(await page.textContent('#message'), /enter the confirmation code/);
}

async function signIn(page, username) {
  await page.fill('#username', username);
  await page.fill('#password', PASSWORD);
  await page.click('#sign-in');
  try {
    await page.locator('#session').waitFor({ state: 'visible', timeout: 30_000 });
  } catch (error) {
    const shown = await page.textContent('#message').catch(() => '');
    throw new Error(`no signed-in screen for ${username}; the page says: ${shown || '(nothing)'}`, { cause: error });
  }
  return {
    sub: await page.textContent('#sub'),
    identityId: await page.textContent('#identity-id'),
    tokenIdentityId: await page.textContent('#token-identity-id'),
    linkState: await page.textContent('#link-state'),
    whoami: JSON.parse(await page.textContent('#whoami')),
  };
}

/** Uploads a file through the screen and waits until object-owner has tagged it. */
async function uploadFile(page, name, text) {
  await page.setInputFiles('#file', { name, mimeType: 'text/plain', buffer: Buffer.from(text, 'utf8') });
  await page.click('#upload');
  const status = page.locator('#upload-status');
  try {
    await status.filter({ hasText: /tagged it|Upload:/ }).waitFor({ timeout: 45_000 });
  } catch (error) {
    throw new Error(`no answer to the upload of ${name}; the page says: ${await status.textContent()}`, { cause: error });
  }
  const said = await status.textContent();
  assert.ok(!said.startsWith('Upload:'), `the upload failed: ${said}\n${browserLog.slice(-10).join('\n')}`);
  return {
    key: await page.textContent('#object-key'),
    tags: await page.textContent('#owner-tags'),
    usage: await page.textContent('#usage'),
  };
}

/** Reads a key of the bucket through the screen, with the signed-in user's credentials. */
async function readKey(page, key) {
  await page.fill('#read-key', key);
  await page.click('#read');
  const result = page.locator('#read-result');
  await result.filter({ hasText: key }).waitFor({ timeout: 15_000 });
  return { ok: (await result.getAttribute('class')) !== 'error', text: await result.textContent() };
}

async function signOut(page) {
  await page.click('#sign-out');
  await page.locator('#auth').waitFor({ state: 'visible' });
}

/** Amplify's token storage (localStorage) of the signed-in user: key suffix -> key. */
async function storedTokenKeys(page) {
  return page.evaluate((clientId) => {
    const prefix = `CognitoIdentityServiceProvider.${clientId}.`;
    const user = localStorage.getItem(`${prefix}LastAuthUser`);
    return { idToken: `${prefix}${user}.idToken`, accessToken: `${prefix}${user}.accessToken`, refreshToken: `${prefix}${user}.refreshToken` };
  }, CLIENT_ID);
}

const first = { username: `ada-${run}` };

describe('the web app on Amplify JS v6, in Chromium, against the local stack', () => {
  test('a new user signs up, signs in with SRP, links once, sees both ids, and uploads into their private folder (owner tags, usage)', async () => {
    const page = await newPage();
    await signUp(page, first.username);
    // Locally the test confirms the user as an admin, as the email code would.
    await cognito('AdminConfirmSignUp', { UserPoolId: POOL_ID, Username: first.username });

    const shown = await signIn(page, first.username);
    assert.match(shown.sub, /^[0-9a-f-]{36}$/);
    assert.match(shown.identityId, /^us-east-1:[0-9a-f-]{36}$/);
    assert.equal(shown.tokenIdentityId, shown.identityId, 'the refreshed id token carries custom:identity_id');
    assert.equal(shown.linkState, 'linked now (POST /link, then refreshed tokens)');
    assert.equal(shown.whoami.sub, shown.sub);
    assert.equal(shown.whoami.identityId, shown.identityId);
    assert.equal(shown.whoami.username, first.username);
    assert.equal(await page.textContent('#status'), `Signed in as ${first.username}`);
    Object.assign(first, shown);

    // The browser preflighted the signed POST, and Amplify signed it: the gateway's
    // AWS_IAM check (SigV4 against the identity's credentials) answered 200.
    assert.deepEqual(gatewayCalls('POST', '/link'), ['200']);
    assert.ok(gatewayCalls('OPTIONS', '/link').includes('200'), 'a CORS preflight of /link');

    await signOut(page);
    const again = await signIn(page, first.username);
    assert.equal(again.linkState, 'already linked');
    assert.equal(again.sub, first.sub);
    assert.equal(again.identityId, first.identityId);
    assert.deepEqual(gatewayCalls('POST', '/link'), ['200'], '/link exactly once across two sign-ins');

    // The private folder: the upload lands in private/<IdentityId>/, object-owner (S3 ->
    // queue -> function) tags it with its owner, and the directory counts it.
    assert.equal(await page.textContent('#folder'), `private/${first.identityId}/`);
    assert.equal(await page.textContent('#usage'), '0 objects, 0 bytes');
    const body = `notes of ${first.username}, from the browser\n`;
    const uploaded = await uploadFile(page, 'notes.txt', body);
    assert.equal(uploaded.key, `private/${first.identityId}/notes.txt`);
    assert.equal(uploaded.tags, `owner-sub=${first.sub}, owner-username=${first.username}`);
    assert.equal(uploaded.usage, `1 object, ${Buffer.byteLength(body)} bytes`);
    const read = await readKey(page, uploaded.key);
    assert.ok(read.ok, read.text);
    assert.equal(read.text, `${uploaded.key}: ${Buffer.byteLength(body)} bytes\n${body}`);
    Object.assign(first, { key: uploaded.key, body });

    mkdirSync(dirname(env('SCREENSHOT')), { recursive: true });
    await page.screenshot({ path: env('SCREENSHOT'), fullPage: true });
    await page.context().close();
  });

  test('a wrong password is refused on the screen', async () => {
    const page = await newPage();
    await page.fill('#username', first.username);
    await page.fill('#password', 'Not-The-Passw0rd!');
    await page.click('#sign-in');
    await page.locator('#message').filter({ hasText: 'Sign-in failed' }).waitFor();
    assert.match(await page.textContent('#message'), /Incorrect username or password/);
    assert.equal(await page.locator('#session').isVisible(), false);
    await page.context().close();
  });

  test("a second user sees only their own ids and cannot read the first user's object", async () => {
    const page = await newPage();
    const username = `bea-${run}`;
    await signUp(page, username);
    await page.fill('#code', '123456');
    await page.click('#confirm-button');
    await page.locator('#message').filter({ hasText: `Confirmed ${username}` }).waitFor();

    const shown = await signIn(page, username);
    assert.notEqual(shown.sub, first.sub);
    assert.notEqual(shown.identityId, first.identityId);
    assert.equal(shown.whoami.sub, shown.sub);
    assert.equal(shown.whoami.identityId, shown.identityId);
    assert.equal(shown.whoami.username, username);
    assert.equal(await page.textContent('#folder'), `private/${shown.identityId}/`);
    assert.equal(await page.textContent('#usage'), '0 objects, 0 bytes', 'their own usage item, not the first user\'s');
    const text = await page.textContent('main');
    assert.ok(!text.includes(first.sub) && !text.includes(first.identityId), 'nothing of the first user on screen');
    assert.deepEqual(gatewayCalls('POST', '/link'), ['200', '200'], 'one link per user');

    // Their own object: tagged with them, counted for them, readable by them.
    const own = await uploadFile(page, 'notes.txt', `notes of ${username}\n`);
    assert.equal(own.key, `private/${shown.identityId}/notes.txt`);
    assert.equal(own.tags, `owner-sub=${shown.sub}, owner-username=${username}`);
    assert.match(own.usage, /^1 object, \d+ bytes$/);
    assert.ok((await readKey(page, own.key)).ok);

    // The first user's object, with this user's credentials: S3 refuses (the emulator
    // scopes each user's credentials by the template's AuthenticatedRole).
    assert.ok(first.key, 'the first test uploaded an object');
    const theirs = await readKey(page, first.key);
    assert.equal(theirs.ok, false, `read the first user's object: ${theirs.text}`);
    assert.match(theirs.text, /AccessDenied/);
    assert.match(theirs.text, /not authorized to perform: s3:GetObject/);
    assert.ok(!theirs.text.includes(first.body.trim()), 'none of its content');
    await page.context().close();
  });

  test("the gateway's own 401 and 403 are readable by the page (CORS on gateway responses)", async () => {
    const page = await newPage();
    const answers = await page.evaluate(async (api) => {
      const read = async (response) => ({ status: response.status, body: await response.json() });
      return {
        forged: await read(await fetch(`${api}/whoami`, { headers: { Authorization: 'Bearer eyJhbGciOiJub25lIn0.e30.' } })),
        missing: await read(await fetch(`${api}/whoami`)),
        unsigned: await read(await fetch(`${api}/link`, { method: 'POST', body: '{}', headers: { 'content-type': 'application/json' } })),
        unknown: await read(await fetch(`${api}/nowhere`)),
      };
    }, env('API_URL'));
    assert.equal(answers.forged.status, 401);
    assert.equal(answers.missing.status, 401);
    assert.equal(answers.unsigned.status, 403);
    assert.equal(answers.unknown.status, 403);
    assert.equal(answers.unknown.body.message, 'Missing Authentication Token');
    await page.context().close();
  });

  test('a forged id token in storage gives a clear message, not a blank page', async () => {
    const page = await newPage();
    const shown = await signIn(page, first.username);
    const keys = await storedTokenKeys(page);
    await page.evaluate(({ key }) => {
      const [header, payload] = localStorage.getItem(key).split('.');
      localStorage.setItem(key, `${header}.${payload}.${'A'.repeat(342)}`);
    }, { key: keys.idToken });
    await page.reload();
    await page.locator('#message').filter({ hasText: 'no longer valid' }).waitFor({ timeout: 30_000 });
    assert.match(await page.textContent('#message'), /Please sign in again/);
    assert.equal(await page.locator('#auth').isVisible(), true, 'the sign-in form is back');
    assert.equal(await page.locator('#session').isVisible(), false);
    assert.ok(shown.sub);
    await page.context().close();
  });

  test('an expired session that cannot be refreshed gives a clear message', async () => {
    const page = await newPage();
    await signIn(page, first.username);
    const keys = await storedTokenKeys(page);
    const stored = await page.evaluate((k) => localStorage.getItem(k.idToken), keys);
    const past = Math.floor(Date.now() / 1000) - 3600;
    const expiredId = await signToken({ ...claimsOf(stored), iat: past - 3600, auth_time: past - 3600, exp: past });
    const expiredAccess = await signToken({ sub: first.sub, token_use: 'access', client_id: CLIENT_ID, iat: past - 3600, exp: past });
    await page.evaluate(({ keys, expiredId, expiredAccess }) => {
      localStorage.setItem(keys.idToken, expiredId);
      localStorage.setItem(keys.accessToken, expiredAccess);
      localStorage.setItem(keys.refreshToken, 'revoked-refresh-token');
    }, { keys, expiredId, expiredAccess });
    await page.reload();
    await page.locator('#message').filter({ hasText: 'no longer valid' }).waitFor({ timeout: 30_000 });
    assert.equal(await page.locator('#auth').isVisible(), true);
    await page.context().close();
  });

  test('a first link that meets Cognito unavailable twice is tried again after Retry-After, and links', async () => {
    const page = await newPage();
    const username = `cy-${run}`;
    await signUpConfirmed(page, username);
    const before = gatewayCalls('POST', '/link').length;
    const sent = await faultsFromFirstLink(page, 'unavailable', 2 * SDK_ATTEMPTS_PER_GETID);
    try {
      const shown = await signIn(page, username);
      // The real chain: GetId unavailable after the SDK's retries -> link's 503, twice.
      assert.deepEqual(gatewayCalls('POST', '/link').slice(before), ['503', '503', '200']);
      assert.equal(sent.length, 3);
      // Retry-After: 5 (link's answer to an unavailable Cognito), honoured before each try.
      for (let i = 1; i < sent.length; i++) {
        assert.ok(sent[i] - sent[i - 1] >= 4_900, `try ${i + 1} came ${sent[i] - sent[i - 1]} ms after try ${i}, before Retry-After`);
      }
      const [fault] = await faults('GET');
      assert.equal(fault.answered, 2 * SDK_ATTEMPTS_PER_GETID, 'every fault met by one of the link function\'s GetId attempts');
      assert.equal(shown.linkState, 'linked now (POST /link, then refreshed tokens)');
      assert.equal(shown.tokenIdentityId, shown.identityId);
      assert.equal(shown.whoami.identityId, shown.identityId);
      assert.equal(await page.locator('#message').isVisible(), false, `no error on the page: ${await page.textContent('#message')}`);
    } finally {
      await faults('DELETE');
      await page.context().close();
    }
  });

  test('a link still throttled at its last try says so on the page, and tries no more', async () => {
    const page = await newPage();
    const username = `dee-${run}`;
    await signUpConfirmed(page, username);
    const before = gatewayCalls('POST', '/link').length;
    // More faults than the page's tries can meet.
    await faultsFromFirstLink(page, 'throttled', 100);
    try {
      await page.fill('#username', username);
      await page.fill('#password', PASSWORD);
      await page.click('#sign-in');
      const message = page.locator('#message');
      await message.filter({ hasText: 'could not be linked' }).waitFor({ timeout: 45_000 });
      const said = await message.textContent();
      assert.match(said, /Cognito is throttling requests; retry later \(HTTP 429/);
      assert.match(said, /safe to try again later/);
      assert.equal(await page.locator('#auth').isVisible(), true, 'the sign-in form is back');
      assert.equal(await page.locator('#session').isVisible(), false);
      assert.deepEqual(gatewayCalls('POST', '/link').slice(before), ['429', '429', '429', '429'], 'four tries');
      // And no fifth, however long the page stays open.
      await new Promise((resolve) => setTimeout(resolve, 3_000));
      assert.equal(gatewayCalls('POST', '/link').length - before, 4);
      const [fault] = await faults('GET');
      assert.equal(fault.answered, 4 * SDK_ATTEMPTS_PER_GETID);
    } finally {
      await faults('DELETE');
      await page.context().close();
    }
  });

  test('no uncaught errors on any page', () => {
    assert.deepEqual(pageErrors, []);
  });
});
