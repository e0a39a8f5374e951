/**
 * The local stack under DynamoDB's conflict rules: ministack with the conflict front
 * (dynamodb-conflict-front.ts) between every DynamoDB client and the emulator's DynamoDB.
 *
 * The front listens first, aimed at the port the emulator is about to take; ministack then starts with
 * `AWS_ENDPOINT_URL_DYNAMODB` = the front in the environment it hands its Lambda processes (the AWS SDK
 * v3 takes the service-specific endpoint over `AWS_ENDPOINT_URL`), so every deployed function's DynamoDB
 * calls pass the front, from the first invocation on. The same variable in `env` routes the caller's own
 * clients (seeding, in-process handlers) through it too. Everything else still goes to the emulator.
 */

import type { LatencySetting } from './conflict-front/latency.js';
import { type ConflictFront, startConflictFront } from './dynamodb-conflict-front.js';
import { type Emulator, freePort, startEmulator } from './emulator.js';

/** How the local stack's transactions meet: one at a time (the emulator alone) or as on DynamoDB. */
type Contention = 'emulator' | 'aws-conflicts';

interface EmulatorBehindFront extends Emulator {
  front: ConflictFront;
}

async function startEmulatorBehindConflictFront(
  options: { log?: (line: string) => void; port?: number; latency?: LatencySetting; seed?: number } = {},
): Promise<EmulatorBehindFront> {
  const log = options.log ?? (() => {});
  const port = options.port ?? (await freePort());
  const front = await startConflictFront({
    upstream: `http://127.0.0.1:${port}`,
    latency: options.latency ?? 'aws',
    ...(options.seed === undefined ? {} : { seed: options.seed }),
  });
  const routed = { AWS_ENDPOINT_URL_DYNAMODB: front.url };
  let emulator: Emulator;
  try {
    emulator = await startEmulator({ log, port, lambdaEnv: routed });
  } catch (error) {
    await front.stop();
    throw error;
  }
  log(
    `DynamoDB calls go through the conflict front at ${front.url} (latency: ${typeof options.latency === 'object' ? 'custom' : (options.latency ?? 'aws')})`,
  );
  return {
    ...emulator,
    env: { ...emulator.env, ...routed },
    front,
    stop: async () => {
      await emulator.stop();
      await front.stop();
    },
  };
}

export type { Contention, EmulatorBehindFront };
export { startEmulatorBehindConflictFront };
