import { TableClient } from '@azure/data-tables';

/** Table clients by name (with the app's prefix), each table created once on first use. */
export class TableAccess {
  private readonly clients = new Map<string, { client: TableClient; ready: Promise<void> }>();

  constructor(
    private readonly connectionString: string,
    private readonly prefix: string,
  ) {}

  async table(name: string): Promise<TableClient> {
    let entry = this.clients.get(name);
    if (!entry) {
      const client = TableClient.fromConnectionString(this.connectionString, `${this.prefix}${name}`, {
        allowInsecureConnection: true,
      });
      entry = { client, ready: client.createTable().then(() => undefined) };
      this.clients.set(name, entry);
    }
    await entry.ready;
    return entry.client;
  }
}

export function statusCodeOf(error: unknown): number | undefined {
  return typeof error === 'object' && error !== null && 'statusCode' in error
    ? Number((error as { statusCode: unknown }).statusCode)
    : undefined;
}
