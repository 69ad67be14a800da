import type { HostContext, HostExtension, RawRequest, RawResponse } from '../core/extension';
import type { BindingInfo, RpcTypedData } from '../core/registry';
import { DurableClientApi } from './clientApi';
import { DurableEngine, type EngineOptions } from './engine';
import { DurableStore } from './store';

export interface DurableOptions extends EngineOptions {
  /** Task hub name (host.json extensions.durableTask.hubName). */
  hubName: string;
}

/** The Durable Functions runtime stand-in: orchestration replay, activities, timers, client API. */
export class DurableExtension implements HostExtension {
  readonly name = 'durable';
  private engine?: DurableEngine;
  private api?: DurableClientApi;
  private store?: DurableStore;

  constructor(private readonly options: DurableOptions) {}

  async start(host: HostContext): Promise<void> {
    const tableName = `${host.tablePrefix}${this.options.hubName}Durable`.replace(/[^A-Za-z0-9]/g, '');
    this.store = new DurableStore(host.storageConnectionString, tableName);
    this.engine = new DurableEngine(this.store, host, this.options);
    this.api = new DurableClientApi(this.store, this.engine, this.options.hubName, () => host.baseUrl);
    await this.engine.start();
  }

  async stop(): Promise<void> {
    await this.engine?.stop();
  }

  /** Resolves once nothing is running (used by tests to wait for quiescence). */
  async idle(): Promise<void> {
    await this.engine?.idle();
  }

  async handleHttp(req: RawRequest): Promise<RawResponse | undefined> {
    return this.api?.handle(req);
  }

  inputFor(binding: BindingInfo): RpcTypedData | undefined {
    if (binding.type !== 'durableClient' && binding.type !== 'orchestrationClient') return undefined;
    if (!this.api) throw new Error('The Durable extension is not started.');
    return { string: JSON.stringify(this.api.clientBindingData()) };
  }

  describe(): Record<string, string> {
    return {
      durable: `devhost Durable runtime (task hub ${this.options.hubName}, Azure Table Storage ${this.store?.tableName ?? ''})`,
    };
  }
}
