// The one screen: sign up, sign in (SRP), link once, both ids and /whoami, sign out.
// The Amplify calls that matter live in bridge-client.ts; this file is the page.
import { Hub } from 'aws-amplify/utils';
import { confirmSignUp, fetchAuthSession, getCurrentUser, signIn, signOut, signUp } from 'aws-amplify/auth';
import { configureBridge, ensureLinked, whoami, type StackOutputs } from './bridge-client';

const element = <T extends HTMLElement>(id: string) => document.getElementById(id) as T;
const input = (id: string) => element<HTMLInputElement>(id).value.trim();
const status = element('status');
const message = element('message');

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

async function showSession(): Promise<void> {
  status.textContent = 'Signing in…';
  try {
    const { linkedNow } = await ensureLinked();
    const session = await fetchAuthSession();
    const claims = session.tokens?.idToken?.payload;
    if (!claims) throw new Error('no id token');
    const answer = await whoami();
    element('sub').textContent = String(claims.sub);
    element('identity-id').textContent = session.identityId ?? '(none)';
    element('token-identity-id').textContent = String(claims['custom:identity_id'] ?? '(not linked)');
    element('link-state').textContent = linkedNow ? 'linked now (POST /link, then refreshed tokens)' : 'already linked';
    element('whoami').textContent = JSON.stringify(answer, null, 2);
    status.textContent = `Signed in as ${String(claims['cognito:username'] ?? '')}`;
    view('session');
  } catch (error) {
    await sessionUnusable(describe(error));
  }
}

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
    configureBridge((await response.json()) as StackOutputs);
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
