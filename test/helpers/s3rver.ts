import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// s3rver ships no types; this is the part of its API the tests use.
interface S3rverInstance {
  run(): Promise<{ address: string; port: number }>;
  close(): Promise<void>;
}
type S3rverConstructor = new (options: Record<string, unknown>) => S3rverInstance;

/** s3rver's fixed credentials: it checks every request's signature against them. */
export const S3RVER_CREDENTIALS = { accessKeyId: 'S3RVER', secretAccessKey: 'S3RVER' } as const;

/** A real S3-compatible server on 127.0.0.1 with the buckets given, its files in a fresh temp folder. */
export interface RunningS3rver {
  /** `http://127.0.0.1:<port>`, for `S3_ENDPOINT`. */
  endpoint: string;
  close(): Promise<void>;
}

/**
 * Starts s3rver (an npm package: it needs nothing installed, so these tests never skip) on a free port. Run
 * in-process, or in its own process by test/helpers/s3rver-process.ts for the multi-process tests.
 */
export async function startS3rver(buckets: readonly string[]): Promise<RunningS3rver> {
  // Imported by a name TypeScript cannot follow: s3rver has no type declarations to find.
  const name = 's3rver';
  const { default: S3rver } = (await import(name)) as { default: S3rverConstructor };
  const directory = await mkdtemp(join(tmpdir(), 'inbetween-s3rver-'));
  const server = new S3rver({
    address: '127.0.0.1',
    port: 0,
    silent: true,
    directory,
    configureBuckets: buckets.map((name) => ({ name })),
  });
  const { port } = await server.run();
  return {
    endpoint: `http://127.0.0.1:${port}`,
    close: async () => {
      await server.close();
      await rm(directory, { recursive: true, force: true });
    },
  };
}
