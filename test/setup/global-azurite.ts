import type { TestProject } from 'vitest/node';
import { type AzuriteHandle, startAzurite } from '../../devhost/core/azurite';

declare module 'vitest' {
  export interface ProvidedContext {
    storageConnectionString: string;
  }
}

let azurite: AzuriteHandle | undefined;

/** One in-memory Azurite on free ports for the whole run; tests keep apart by table names. */
export async function setup(project: TestProject): Promise<void> {
  azurite = await startAzurite({});
  project.provide('storageConnectionString', azurite.connectionString);
  // Child processes (devhost started by tests) read it from the environment.
  process.env.PIM_TEST_STORAGE = azurite.connectionString;
}

export async function teardown(): Promise<void> {
  await azurite?.stop();
}
