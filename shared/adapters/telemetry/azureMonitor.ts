/**
 * Sends the app's traces (tracing.ts) to Application Insights through Azure Monitor's
 * OpenTelemetry distro, when the platform gives a connection string. Why a managed identity
 * credential: infra/ turns local (key) auth off on Application Insights, so the exporter must
 * sign in with the app's user-assigned identity (AZURE_CLIENT_ID). Without a connection string
 * (devhost, tests) nothing is loaded and the tracing API stays a no-op.
 */
export interface TelemetrySettings {
  connectionString: string | undefined;
  clientId: string | undefined;
}

export function telemetrySettings(env: Record<string, string | undefined> = process.env): TelemetrySettings {
  return { connectionString: env.APPLICATIONINSIGHTS_CONNECTION_STRING || undefined, clientId: env.AZURE_CLIENT_ID || undefined };
}

/** Starts the exporter when configured; resolves to whether it did. */
export async function startAzureMonitor(settings: TelemetrySettings = telemetrySettings()): Promise<boolean> {
  if (!settings.connectionString) return false;
  // Loaded only here: the distro is large, and only a deployment with Application Insights needs it.
  const [{ useAzureMonitor }, { ManagedIdentityCredential }] = await Promise.all([import('@azure/monitor-opentelemetry'), import('@azure/identity')]);
  const credential = settings.clientId ? new ManagedIdentityCredential({ clientId: settings.clientId }) : new ManagedIdentityCredential();
  useAzureMonitor({ azureMonitorExporterOptions: { connectionString: settings.connectionString, credential } });
  return true;
}
