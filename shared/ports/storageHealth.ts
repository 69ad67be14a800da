import type { DependencyHealth } from './dependencyHealth';

/** Whether the app's storage answers, and what it is (for /healthz). */
export type StorageHealth = DependencyHealth;
