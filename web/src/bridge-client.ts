// The Cognito Bridge client on Amplify JS v6: configure, link once, call the API.
// README's "Client (Amplify JS v6)" section quotes this file; the browser tests run it.
import { Amplify } from 'aws-amplify';
import { fetchAuthSession } from 'aws-amplify/auth';
import { get, post } from 'aws-amplify/api';

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
export async function ensureLinked(): Promise<{ linkedNow: boolean }> {
  const { tokens } = await fetchAuthSession();
  if (!tokens?.idToken) throw new Error('not signed in');
  if (tokens.idToken.payload['custom:identity_id']) return { linkedNow: false };
  await post({
    apiName: 'bridge',
    path: '/link',
    options: { body: { idToken: tokens.idToken.toString() } },
  }).response;
  // A new id token that carries custom:identity_id.
  await fetchAuthSession({ forceRefresh: true });
  return { linkedNow: true };
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
