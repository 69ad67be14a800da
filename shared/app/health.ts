import type { StorageHealth } from '../ports/storageHealth';

export interface HealthReport {
  status: 'Healthy' | 'Unhealthy';
  storage: {
    backend: string;
    endpoint: string;
    emulator: boolean;
    reachable: boolean;
    latencyMs?: number;
    error?: string;
  };
  durable: { backend: string; taskHub: string };
}

export interface HealthDeps {
  storage: StorageHealth;
  durableBackend: string;
  taskHub: string;
}

/** Reports the backends in use and whether storage answers; never throws. */
export async function checkHealth(deps: HealthDeps): Promise<HealthReport> {
  const { storage } = deps;
  const base = { backend: storage.backend, endpoint: storage.endpoint, emulator: storage.emulator };
  const durable = { backend: deps.durableBackend, taskHub: deps.taskHub };
  try {
    const latencyMs = await storage.probe();
    return { status: 'Healthy', storage: { ...base, reachable: true, latencyMs }, durable };
  } catch (error) {
    const message = error instanceof Error ? error.message.split('\n')[0] : 'no answer';
    return { status: 'Unhealthy', storage: { ...base, reachable: false, error: message }, durable };
  }
}
