/**
 * `npm start`: runs this app's functions locally the way `func start` would, on a machine
 * without Azure Functions Core Tools. Starts its own Azurite (data kept in .devhost-data/),
 * the Durable runtime stand-in, the in-process Service Bus, timers and a local OpenID issuer.
 */
import { join, resolve } from 'node:path';
import { eventSubscriptionFilters } from '../shared/adapters/servicebus/bus';
import { ArmStandInExtension } from './arm';
import { type AzuriteHandle, startAzurite } from './core/azurite';
import type { HostExtension } from './core/extension';
import { DevHost } from './core/host';
import { loadApp } from './core/loadApp';
import { Logger } from './core/logger';
import { portInUse } from './core/ports';
import { loadLocalSettings, readSettings } from './core/settings';
import { DurableExtension } from './durable';
import { GraphStandInExtension } from './graph';
import { OidcIssuerExtension } from './oidc';
import { ServiceBusExtension } from './servicebus';
import { TimerExtension } from './timers';

const root = resolve(__dirname, '..');

async function main(): Promise<void> {
  const settingsFile = loadLocalSettings(root);
  const settings = readSettings(root);
  const logger = new Logger(settings.logLevel);
  let azurite: AzuriteHandle | undefined;
  let host: DevHost | undefined;
  let stopping = false;

  const shutdown = async (signal: string) => {
    if (stopping) {
      logger.warn(`${signal} again: exiting now.`);
      process.exit(1);
    }
    stopping = true;
    logger.info(`${signal}: stopping devhost...`);
    await host?.stop().catch((e) => logger.error(String(e)));
    await azurite?.stop().catch((e) => logger.error(String(e)));
    process.exit(0);
  };
  process.on('SIGINT', () => void shutdown('SIGINT'));
  process.on('SIGTERM', () => void shutdown('SIGTERM'));

  try {
    // Checked first so a taken port fails fast, before Azurite starts.
    if (
      settings.port !== 0 &&
      (await portInUse(settings.port, settings.bindAddress === '0.0.0.0' ? '127.0.0.1' : settings.bindAddress))
    ) {
      throw new Error(
        `Port ${settings.port} is already in use (devhost HTTP); set DEVHOST_PORT or stop what holds it.`,
      );
    }
    let storage = settings.externalStorage;
    if (!storage) {
      azurite = await startAzurite({
        location: join(settings.dataDir, 'azurite'),
        blobPort: settings.blobPort,
        queuePort: settings.queuePort,
        tablePort: settings.tablePort,
        logger,
      });
      storage = azurite.connectionString;
    }
    // The app reads its storage like under the host: from AzureWebJobsStorage.
    process.env.AzureWebJobsStorage = storage;
    process.env.WEBSITE_HOSTNAME ??= `localhost:${settings.port}`;
    process.env.PIM_DEVHOST = 'true';
    // The app's ARM is this devhost's stand-in unless the settings name another (as the sample's Graph and bus URLs do).
    if (settings.port !== 0) process.env.PIM_ARM_BASE_URL ??= `http://localhost:${settings.port}/.devhost/arm`;

    const issuer = new OidcIssuerExtension({
      keyDir: join(settings.dataDir, 'oidc'),
      tenantId: process.env.PIM_TENANT_ID ?? '00000000-0000-0000-0000-000000000000',
      audience: process.env.PIM_OIDC_AUDIENCE ?? 'api://pim',
    });
    const extensions: HostExtension[] = [
      issuer,
      new GraphStandInExtension({ issuer }),
      new ArmStandInExtension(),
      new DurableExtension({ hubName: settings.hubName }),
      // The subscriptions' rules, as infra declares them (the topic's name as config.ts defaults it).
      new ServiceBusExtension({ filters: eventSubscriptionFilters(process.env.PIM_EVENTS_TOPIC || 'pim-events') }),
      new TimerExtension(),
    ];
    process.env.PIM_DURABLE_BACKEND = `devhost Durable runtime (task hub ${settings.hubName}, Azure Table Storage)`;
    const files = loadApp(root, settings.appPaths);
    host = new DevHost({
      port: settings.port,
      bindAddress: settings.bindAddress,
      storageConnectionString: storage,
      tablePrefix: settings.tablePrefix,
      routePrefix: settings.routePrefix,
      extensions,
      logger,
    });
    await host.start();
    process.env.PIM_ARM_BASE_URL ??= `${host.url}/.devhost/arm`;
    printBanner(host, logger, files.length, settingsFile);
  } catch (error) {
    logger.error(error instanceof Error ? error.message : String(error));
    await host?.stop().catch(() => undefined);
    await azurite?.stop().catch(() => undefined);
    process.exit(1);
  }
}

function printBanner(host: DevHost, logger: Logger, fileCount: number, settingsFile: string | undefined): void {
  logger.info(
    `devhost: loaded ${host.functions().length} function(s) from ${fileCount} file(s); settings from ${settingsFile ?? 'the environment'}.`,
  );
  for (const [what, description] of Object.entries(host.describe())) logger.info(`  ${what}: ${description}`);
  for (const route of host.httpRoutes()) logger.info(`  ${route.name}: [${route.methods.join(',')}] ${route.url}`);
  logger.info(`devhost listening on ${host.url} (Ctrl-C to stop)`);
}

void main();
