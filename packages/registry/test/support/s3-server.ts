import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import S3rver from 's3rver';

/** s3rver's built-in account. */
export const S3_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' };

export interface RunningS3Server {
  /** e.g. http://127.0.0.1:40123 */
  endpoint: string;
  bucket: string;
  /** The registry's settings for this server and bucket. */
  registryEnv: Record<string, string>;
  stop(): Promise<void>;
}

/**
 * A real S3-protocol server (s3rver) on 127.0.0.1 and a free port, keeping its
 * objects in `directory` (a fresh temp folder, removed on stop, when not given), so
 * a server started again on the same folder finds the same objects.
 */
export async function startS3Server(
  options: { directory?: string; bucket?: string } = {},
): Promise<RunningS3Server> {
  const directory = options.directory ?? mkdtempSync(join(tmpdir(), 'berth-s3-'));
  const bucket = options.bucket ?? 'berth';
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: [{ name: bucket }],
  });
  const { port } = await server.run();
  const endpoint = `http://127.0.0.1:${port}`;
  return {
    endpoint,
    bucket,
    registryEnv: {
      REGISTRY_STORAGE: 's3',
      REGISTRY_S3_ENDPOINT: endpoint,
      REGISTRY_S3_BUCKET: bucket,
      REGISTRY_S3_REGION: 'us-east-1',
      REGISTRY_S3_ACCESS_KEY_ID: S3_CREDENTIALS.accessKeyId,
      REGISTRY_S3_SECRET_ACCESS_KEY: S3_CREDENTIALS.secretAccessKey,
      REGISTRY_S3_PATH_STYLE: 'true',
    },
    stop: async () => {
      // The SDK keeps connections alive; close() alone would wait for them to idle out.
      server.httpServer.closeAllConnections();
      await server.close();
      if (!options.directory) rmSync(directory, { recursive: true, force: true });
    },
  };
}
