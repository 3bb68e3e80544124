// The one screen: sign up, sign in (SRP), link once, both ids and /whoami, the private
// folder (upload, owner tags, usage), sign out. The Amplify calls that matter live in
// bridge-client.ts, the private folder's in private-folder.ts; this file is the page.
import { Hub } from 'aws-amplify/utils';
import { confirmSignUp, fetchAuthSession, getCurrentUser, signIn, signOut, signUp } from 'aws-amplify/auth';
import { configureBridge, ensureLinked, LinkUnavailableError, whoami, type LinkRetry } from './bridge-client';
import {
  privateFolder,
  readObject,
  upload,
  usage,
  waitForOwnerTags,
  waitForUsage,
  type PrivateFolderOutputs,
  type Usage,
} from './private-folder';

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const input = (id: string) => element<HTMLInputElement>(id).value.trim();
const status = element('status');
const message = element('message');
let outputs: PrivateFolderOutputs;

function show(text: string, kind: 'info' | 'error' = 'info'): void {
  message.textContent = text;
  message.className = kind;
  message.hidden = !text;
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.name && error.name !== 'Error' ? `${error.name}: ${error.message}` : error.message;
  return String(error);
}

function view(...shown: Array<'auth' | 'confirm' | 'session'>): void {
  for (const id of ['auth', 'confirm', 'session'] as const) element(id).hidden = !shown.includes(id);
}

function signedOutView(): void {
  status.textContent = 'Signed out';
  view('auth');
}

/** Tokens Amplify could not refresh (expired, revoked or forged): say so, never a blank page. */
async function sessionUnusable(reason: string): Promise<void> {
  await signOut().catch(() => undefined);
  signedOutView();
  show(`Your session is no longer valid (${reason}). Please sign in again.`, 'error');
}

Hub.listen('auth', ({ payload }) => {
  if (payload.event === 'tokenRefresh_failure') {
    void sessionUnusable('the tokens could not be refreshed');
  }
});

const describeUsage = ({ objects, bytes }: Usage) => `${objects} ${objects === 1 ? 'object' : 'objects'}, ${bytes} bytes`;

function note(id: string, text: string, kind: 'info' | 'error' = 'info'): void {
  const target = element(id);
  target.textContent = text;
  target.className = kind;
}

/** The private folder's part of the screen, for the signed-in user. */
async function showFolder(): Promise<void> {
  const folder = await privateFolder(outputs);
  element('folder').textContent = folder;
  element<HTMLInputElement>('read-key').value = folder;
  element('object-key').textContent = '(nothing uploaded yet)';
  element('owner-tags').textContent = '-';
  element('read-result').hidden = true;
  note('upload-status', '');
  try {
    element('usage').textContent = describeUsage(await usage(outputs));
  } catch (error) {
    element('usage').textContent = `cannot read the directory: ${describe(error)}`;
  }
}

/** While /link is throttled or unavailable: what happened, and when the next try is. */
function linkRetrying({ status: code, message, waitSeconds, nextTry, tries }: LinkRetry): void {
  status.textContent = `Linking: ${message} (HTTP ${code}); trying again in ${Math.ceil(waitSeconds)} s (try ${nextTry} of ${tries})…`;
}

/** /link still throttled or unavailable at its last try: signed out, with what happened
 * and that signing in again later is safe (a link is idempotent). */
async function linkUnavailable(error: LinkUnavailableError): Promise<void> {
  await signOut().catch(() => undefined);
  signedOutView();
  show(
    `Your account could not be linked yet: ${error.message} (HTTP ${error.status}, after several tries). ` +
      'Nothing is lost and it is safe to try again later: sign in again in a few minutes.',
    'error',
  );
}

async function showSession(): Promise<void> {
  status.textContent = 'Signing in…';
  try {
    const { linkedNow } = await ensureLinked(linkRetrying);
    const session = await fetchAuthSession();
    const claims = session.tokens?.idToken?.payload;
    if (!claims) throw new Error('no id token');
    const answer = await whoami();
    element('sub').textContent = String(claims.sub);
    element('identity-id').textContent = session.identityId ?? '(none)';
    element('token-identity-id').textContent = String(claims['custom:identity_id'] ?? '(not linked)');
    element('link-state').textContent = linkedNow ? 'linked now (POST /link, then refreshed tokens)' : 'already linked';
    element('whoami').textContent = JSON.stringify(answer, null, 2);
    await showFolder();
    status.textContent = `Signed in as ${String(claims['cognito:username'] ?? '')}`;
    view('session');
  } catch (error) {
    if (error instanceof LinkUnavailableError) await linkUnavailable(error);
    else await sessionUnusable(describe(error));
  }
}

element('upload-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const file = element<HTMLInputElement>('file').files?.[0];
  if (!file) return;
  const button = element<HTMLButtonElement>('upload');
  button.disabled = true;
  try {
    note('upload-status', `Uploading ${file.name}…`);
    const before = await usage(outputs).catch(() => ({ objects: 0, bytes: 0 }));
    const key = await upload(outputs, file);
    element('object-key').textContent = key;
    element('owner-tags').textContent = '-';
    note('upload-status', `Uploaded ${key} (${file.size} bytes); waiting for object-owner to tag it…`);
    const tags = await waitForOwnerTags(outputs, key);
    element('owner-tags').textContent = Object.entries(tags).map(([k, v]) => `${k}=${v}`).join(', ');
    element('usage').textContent = describeUsage(await waitForUsage(outputs, before));
    note('upload-status', `Uploaded ${key}: object-owner tagged it with its owner and counted it.`);
  } catch (error) {
    note('upload-status', `Upload: ${describe(error)}`, 'error');
  } finally {
    button.disabled = false;
  }
});

element('read-form').addEventListener('submit', async (event) => {
  event.preventDefault();
  const key = element<HTMLInputElement>('read-key').value.trim();
  const result = element('read-result');
  result.hidden = false;
  try {
    const { bytes, text } = await readObject(outputs, key);
    result.className = 'info';
    result.textContent = `${key}: ${bytes} bytes\n${text}`;
  } catch (error) {
    result.className = 'error';
    result.textContent = `${key}: ${describe(error)}`;
  }
});

element('auth').addEventListener('submit', async (event) => {
  event.preventDefault();
  show('');
  try {
    const { nextStep } = await signIn({ username: input('username'), password: element<HTMLInputElement>('password').value });
    if (nextStep.signInStep !== 'DONE') {
      show(`Sign-in needs another step: ${nextStep.signInStep}`, 'error');
      return;
    }
    await showSession();
  } catch (error) {
    show(`Sign-in failed: ${describe(error)}`, 'error');
  }
});

element('sign-up').addEventListener('click', async () => {
  show('');
  try {
    const { nextStep } = await signUp({
      username: input('username'),
      password: element<HTMLInputElement>('password').value,
      options: { userAttributes: { email: input('email') } },
    });
    if (nextStep.signUpStep === 'CONFIRM_SIGN_UP') {
      view('auth', 'confirm');
      show(`Signed up ${input('username')}: enter the confirmation code sent by email.`);
    } else {
      show(`Signed up ${input('username')}: sign in.`);
    }
  } catch (error) {
    show(`Sign-up failed: ${describe(error)}`, 'error');
  }
});

element('confirm').addEventListener('submit', async (event) => {
  event.preventDefault();
  try {
    await confirmSignUp({ username: input('username'), confirmationCode: input('code') });
    view('auth');
    show(`Confirmed ${input('username')}: sign in.`);
  } catch (error) {
    show(`Confirmation failed: ${describe(error)}`, 'error');
  }
});

element('sign-out').addEventListener('click', async () => {
  await signOut();
  element<HTMLInputElement>('password').value = '';
  signedOutView();
  show('Signed out.');
});

async function start(): Promise<void> {
  try {
    const response = await fetch('./config.json', { cache: 'no-store' });
    if (!response.ok) throw new Error(`config.json: HTTP ${response.status}`);
    outputs = (await response.json()) as PrivateFolderOutputs;
    configureBridge(outputs);
  } catch (error) {
    status.textContent = 'Not configured';
    show(`Cannot load the stack's settings (${describe(error)}).`, 'error');
    return;
  }
  try {
    await getCurrentUser();
  } catch {
    signedOutView();
    return;
  }
  await showSession();
}

void start();
