// The Cognito Bridge client on Amplify JS v6: configure, link once, call the API.
// README's "Client (Amplify JS v6)" section quotes this file; the browser tests run it.
import { Amplify } from 'aws-amplify';
import { fetchAuthSession } from 'aws-amplify/auth';
import { ApiError, get, post } from 'aws-amplify/api';

/** The stack's Outputs (`sam list stack-outputs`), plus local endpoints when not on AWS. */
export interface StackOutputs {
  ApiUrl: string;
  UserPoolId: string;
  UserPoolClientId: string;
  IdentityPoolId: string;
  Region: string;
  /** Local only: the Cognito emulator, for both the user pool and the identity pool. */
  CognitoEndpoint?: string;
}

export function configureBridge(outputs: StackOutputs): void {
  Amplify.configure({
    Auth: {
      Cognito: {
        userPoolId: outputs.UserPoolId,
        userPoolClientId: outputs.UserPoolClientId,
        identityPoolId: outputs.IdentityPoolId,
        // Only set to reach a local Cognito; on AWS, leave both out.
        ...(outputs.CognitoEndpoint && {
          userPoolEndpoint: outputs.CognitoEndpoint,
          identityPoolEndpoint: outputs.CognitoEndpoint,
        }),
      },
    },
    // region and service let Amplify SigV4-sign for a host that is not *.execute-api.
    API: { REST: { bridge: { endpoint: outputs.ApiUrl, region: outputs.Region, service: 'execute-api' } } },
  });
}

// After sign-in, link once: while the id token has no custom:identity_id, call /link
// and refresh the tokens. Without an Authorization header Amplify signs the request with
// SigV4, using the identity pool credentials of the signed-in user (AWS_IAM on the route).
export async function ensureLinked(onRetry?: (retry: LinkRetry) => void): Promise<{ linkedNow: boolean }> {
  const { tokens } = await fetchAuthSession();
  if (!tokens?.idToken) throw new Error('not signed in');
  if (tokens.idToken.payload['custom:identity_id']) return { linkedNow: false };
  await postLink(tokens.idToken.toString(), onRetry);
  // A new id token that carries custom:identity_id.
  await fetchAuthSession({ forceRefresh: true });
  return { linkedNow: true };
}

// /link answers 429 (throttled) or 503 (unavailable) with Retry-After when Cognito or the
// directory is busy, as in a first-sign-in wave. Those two are tried again, up to
// LINK_TRIES tries: after Retry-After seconds, or a jittered exponential backoff when it
// is absent, never more than MAX_WAIT_SECONDS. Any other answer is final.
const LINK_TRIES = 4;
const MAX_WAIT_SECONDS = 10;

export interface LinkRetry { status: number; message: string; waitSeconds: number; nextTry: number; tries: number }

/** /link was still throttled or unavailable at its last try. A link is idempotent: it is safe to try again later. */
export class LinkUnavailableError extends Error {
  constructor(readonly status: number, message: string) {
    super(message);
    this.name = 'LinkUnavailableError';
  }
}

async function postLink(idToken: string, onRetry?: (retry: LinkRetry) => void): Promise<void> {
  for (let tried = 1; ; tried++) {
    try {
      // Amplify's own retries ignore Retry-After: this loop does them instead.
      const options = { body: { idToken }, retryStrategy: { strategy: 'no-retry' as const } };
      await post({ apiName: 'bridge', path: '/link', options }).response;
      return;
    } catch (error) {
      const answer = error instanceof ApiError ? error.response : undefined;
      if (!answer || (answer.statusCode !== 429 && answer.statusCode !== 503)) throw error;
      const message = errorMessage(answer.body) ?? `HTTP ${answer.statusCode}`;
      if (tried === LINK_TRIES) throw new LinkUnavailableError(answer.statusCode, message);
      const waitSeconds = secondsBeforeRetry(answer.headers['retry-after'], tried);
      onRetry?.({ status: answer.statusCode, message, waitSeconds, nextTry: tried + 1, tries: LINK_TRIES });
      await new Promise((resolve) => setTimeout(resolve, waitSeconds * 1000));
    }
  }
}

/** Retry-After in seconds (a page can read it because /link lists it in Access-Control-Expose-Headers), else 1, 2, 4 s ±50 %. */
function secondsBeforeRetry(retryAfter: string | undefined, tried: number): number {
  const asked = retryAfter ? Number(retryAfter) : NaN;
  const wait = asked >= 0 ? asked : 2 ** (tried - 1) * (0.5 + Math.random());
  return Math.min(wait, MAX_WAIT_SECONDS);
}

/** The `message` of the link function's `{"error", "message"}` body, if it is one. */
function errorMessage(body: string | undefined): string | undefined {
  try {
    const message = JSON.parse(body ?? '').message;
    return typeof message === 'string' ? message : undefined;
  } catch {
    return undefined;
  }
}

// Every other route is behind the Lambda authorizer: send the id token (bare or as
// `Bearer <token>`) in Authorization; with that header set, Amplify does not sign.
export async function whoami(): Promise<Record<string, unknown>> {
  const { tokens } = await fetchAuthSession();
  if (!tokens?.idToken) throw new Error('not signed in');
  const { body } = await get({
    apiName: 'bridge',
    path: '/whoami',
    options: { headers: { Authorization: tokens.idToken.toString() } },
  }).response;
  return (await body.json()) as Record<string, unknown>; // { sub, username, identityId, ... }
}
