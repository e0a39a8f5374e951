/**
 * Starts a fresh emulator, deploys the real stack to it, and sets a known admin token. Tests run
 * the same handlers in-process against the deployed table, queues and keys, and call the deployed
 * API over HTTP. Everything started here is stopped after the run.
 */
import type { TestProject } from 'vitest/node';
import { deployStack, type StackOutputs } from '../../scripts/local/deploy.js';
import { startEmulator } from '../../scripts/local/emulator.js';
import { setAdminToken } from '../../scripts/local/seed.js';

interface LocalStackContext {
  awsEnv: Record<string, string>;
  outputs: StackOutputs;
  apiUrl: string;
  adminToken: string;
}

declare module 'vitest' {
  export interface ProvidedContext {
    localStack: LocalStackContext;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const log = (line: string) => process.stderr.write(`[local-stack] ${line}\n`);
  const emulator = await startEmulator({ log });
  try {
    const deployed = await deployStack(emulator.env, { stage: 'test', log });
    const adminToken = await setAdminToken(emulator.env, deployed.outputs.AdminTokenSecretArn);
    project.provide('localStack', { awsEnv: emulator.env, outputs: deployed.outputs, apiUrl: deployed.apiUrl, adminToken });
  } catch (error) {
    await emulator.stop();
    throw error;
  }
  return () => emulator.stop();
}

export type { LocalStackContext };
