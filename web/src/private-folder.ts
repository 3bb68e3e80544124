// The signed-in user's private folder, private/<IdentityId>/ in the stack's bucket, with
// the identity pool credentials Amplify holds: upload a file, read the owner tags the
// object-owner function writes on it, and read the usage the identity directory counts.
//
// The AWS SDK for JavaScript v3, not Amplify Storage: Amplify Storage has no call for an
// object's tags, and (aws-amplify 6.22.1) cannot reach a local, plain-http S3 on any
// port: `dangerouslyConnectToHttpEndpointForTesting` is hard-wired to
// http://localhost:20005 and then refused as an invalid custom endpoint.
import { fetchAuthSession } from 'aws-amplify/auth';
import type { StackOutputs } from './bridge-client';

/** The stack's Outputs this part needs, beside those of the sign-in. */
export interface PrivateFolderOutputs extends StackOutputs {
  BucketName: string;
  DirectoryTableName: string;
  /** Local only: the S3 and DynamoDB endpoint (path-style, http); on AWS, leave it out. */
  AwsEndpoint?: string;
  /**
   * The stack's FolderLayout output: `identity-id` (the default when absent) puts files
   * under `private/<IdentityId>/`; `sub` and `both` under `users/<sub>/`, which the role
   * grants through the session's principal tag `sub` (docs/principal-tags.md).
   */
  FolderLayout?: FolderLayout;
}

export type FolderLayout = 'identity-id' | 'sub' | 'both';

/** The layout of a config, checked: absent is `identity-id`, anything unknown an error. */
export function folderLayout(outputs: Pick<PrivateFolderOutputs, 'FolderLayout'>): FolderLayout {
  const layout = outputs.FolderLayout ?? 'identity-id';
  if (layout !== 'identity-id' && layout !== 'sub' && layout !== 'both') {
    throw new Error(`config.json: FolderLayout "${String(layout)}" is not identity-id, sub or both`);
  }
  return layout;
}

/** The `users/<sub>/` folder of a user-pool sub (a UUID, as Cognito makes every sub). */
export function subFolder(sub: string): string {
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(sub)) {
    throw new Error('the id token\'s sub cannot name a folder');
  }
  return `users/${sub}/`;
}

/** The tags object-owner writes: owner-sub and owner-username, or owner-identity-id. */
export const OWNER_TAGS = ['owner-sub', 'owner-username', 'owner-identity-id'] as const;

export interface Usage {
  objects: number;
  bytes: number;
}

/** The session's credentials, for the SDK; Amplify refreshes them when they expire. */
async function credentials() {
  const { credentials } = await fetchAuthSession();
  if (!credentials) throw new Error('no identity pool credentials: not signed in');
  return credentials;
}

async function identityId(): Promise<string> {
  const { identityId } = await fetchAuthSession();
  if (!identityId) throw new Error('no IdentityId: not signed in');
  return identityId;
}

// The SDK is loaded on first use, after sign-in, not with the page.
async function s3(outputs: PrivateFolderOutputs) {
  const sdk = await import('@aws-sdk/client-s3');
  const client = new sdk.S3Client({
    region: outputs.Region,
    credentials,
    ...(outputs.AwsEndpoint && { endpoint: outputs.AwsEndpoint, forcePathStyle: true }),
  });
  return { sdk, client };
}

/** The user's folder: `private/<IdentityId>/`, or `users/<sub>/` in the sub and both layouts. */
export async function privateFolder(outputs?: Pick<PrivateFolderOutputs, 'FolderLayout'>): Promise<string> {
  if (outputs && folderLayout(outputs) !== 'identity-id') {
    const { tokens } = await fetchAuthSession();
    const sub = tokens?.idToken?.payload.sub;
    if (typeof sub !== 'string') throw new Error('no id token: not signed in');
    return subFolder(sub);
  }
  return `private/${await identityId()}/`;
}

/** A file name as a key of the folder: one path segment, printable. */
export function objectName(name: string): string {
  const trimmed = name.trim();
  if (!trimmed || trimmed === '.' || trimmed === '..' || /[\u0000-\u001f\u007f/\\]/.test(trimmed)) {
    throw new Error(`"${name}" cannot name an object of the folder`);
  }
  return trimmed;
}

/** PutObject into the user's own folder; returns the key. */
export async function upload(outputs: PrivateFolderOutputs, file: File): Promise<string> {
  const key = `${await privateFolder(outputs)}${objectName(file.name)}`;
  const { sdk, client } = await s3(outputs);
  await client.send(
    new sdk.PutObjectCommand({
      Bucket: outputs.BucketName,
      Key: key,
      Body: new Uint8Array(await file.arrayBuffer()),
      ContentType: file.type || 'application/octet-stream',
    }),
  );
  return key;
}

/** The owner tags of an object (only OWNER_TAGS; the user's own tags are theirs). */
export async function ownerTags(outputs: PrivateFolderOutputs, key: string): Promise<Record<string, string>> {
  const { sdk, client } = await s3(outputs);
  const { TagSet = [] } = await client.send(new sdk.GetObjectTaggingCommand({ Bucket: outputs.BucketName, Key: key }));
  const tags: Record<string, string> = {};
  for (const name of OWNER_TAGS) {
    const tag = TagSet.find((t) => t.Key === name);
    if (tag?.Value !== undefined) tags[name] = tag.Value;
  }
  return tags;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Waits until object-owner has tagged the object (S3 event -> queue -> function, so
 * shortly after the upload), polling every 500 ms; throws after `timeoutMs`.
 */
export async function waitForOwnerTags(
  outputs: PrivateFolderOutputs,
  key: string,
  timeoutMs = 20_000,
): Promise<Record<string, string>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const tags = await ownerTags(outputs, key);
    if (tags['owner-sub'] || tags['owner-identity-id']) return tags;
    if (Date.now() >= deadline) {
      throw new Error(
        `object-owner has not tagged ${key} within ${Math.round(timeoutMs / 1000)} s: the object is stored, ` +
          'but its owner is not recorded yet (is the object pipeline running?)',
      );
    }
    await sleep(500);
  }
}

/** Reads any key of the bucket with the user's credentials: their role allows their own folder only. */
export async function readObject(outputs: PrivateFolderOutputs, key: string): Promise<{ bytes: number; text: string }> {
  const { sdk, client } = await s3(outputs);
  const answer = await client.send(new sdk.GetObjectCommand({ Bucket: outputs.BucketName, Key: key }));
  const body = (await answer.Body?.transformToByteArray()) ?? new Uint8Array();
  return { bytes: body.length, text: new TextDecoder().decode(body.slice(0, 200)) };
}

/**
 * The usage counters of the user's own `identity#<IdentityId>` item of the identity
 * directory: one strongly consistent GetItem, the only directory read the role allows.
 * Absent counters (or no item yet) are zero.
 */
export async function usage(outputs: PrivateFolderOutputs): Promise<Usage> {
  const sdk = await import('@aws-sdk/client-dynamodb');
  const client = new sdk.DynamoDBClient({
    region: outputs.Region,
    credentials,
    ...(outputs.AwsEndpoint && { endpoint: outputs.AwsEndpoint }),
  });
  const { Item } = await client.send(
    new sdk.GetItemCommand({
      TableName: outputs.DirectoryTableName,
      Key: { pk: { S: `identity#${await identityId()}` } },
      ConsistentRead: true,
    }),
  );
  return { objects: Number(Item?.objects?.N ?? 0), bytes: Number(Item?.bytes?.N ?? 0) };
}

/** Polls usage until it counts more than `before` objects; the last reading after `timeoutMs`. */
export async function waitForUsage(outputs: PrivateFolderOutputs, before: Usage, timeoutMs = 10_000): Promise<Usage> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const now = await usage(outputs);
    if (now.objects > before.objects || Date.now() >= deadline) return now;
    await sleep(500);
  }
}
