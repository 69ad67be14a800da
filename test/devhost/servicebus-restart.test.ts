import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { app, type InvocationContext } from '@azure/functions';
import { afterEach, describe, expect, it } from 'vitest';
import { invoke } from '../../devhost/core/invoker';
import { Logger } from '../../devhost/core/logger';
import { ServiceBusExtension } from '../../devhost/servicebus';
import { eventually, testStorage, uniquePrefix } from './helpers';

const root = resolve(__dirname, '../..');
const seen: Array<{ fn: string; body: unknown; deliveryCount: unknown }> = [];
const record = (fn: string) => (body: unknown, context: InvocationContext) => {
  seen.push({ fn, body, deliveryCount: context.triggerMetadata?.deliveryCount });
};
app.serviceBusQueue('SbCrashWork', { queueName: 'work', connection: 'Bus', handler: record('SbCrashWork') });
app.serviceBusQueue('SbCrashLater', { queueName: 'later', connection: 'Bus', handler: record('SbCrashLater') });

let bus: ServiceBusExtension | undefined;
let killChild: () => void = () => undefined;
afterEach(async () => {
  killChild();
  await bus?.stop();
});

/** Runs the crash fixture until it has a message in flight and one stored, then kills it with SIGKILL. */
async function runAndKill(tablePrefix: string): Promise<void> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/devhost/fixtures/servicebus-crash.ts'], {
    cwd: root,
    env: { ...process.env, SB_TEST_STORAGE: testStorage(), SB_TEST_PREFIX: tablePrefix },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  killChild = () => child.kill('SIGKILL');
  let output = '';
  child.stdout.on('data', (d) => (output += String(d)));
  child.stderr.on('data', (d) => (output += String(d)));
  const exited = new Promise<NodeJS.Signals | null>((done) => child.once('exit', (_code, signal) => done(signal)));
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`the fixture exited early:\n${output}`);
    return output.includes('ready to be killed') ? true : undefined;
  }, 20_000);
  child.kill('SIGKILL');
  expect(await exited).toBe('SIGKILL');
}

describe('devhost Service Bus after kill -9', () => {
  it('delivers the stored message and the one that was in flight, counting the cut-off attempt', async () => {
    const tablePrefix = uniquePrefix('K');
    await runAndKill(tablePrefix);

    bus = new ServiceBusExtension();
    await bus.start({
      logger: new Logger('warn'),
      baseUrl: 'http://127.0.0.1:0',
      storageConnectionString: testStorage(),
      tablePrefix,
      invoke,
    });
    await eventually(async () => (seen.length === 2 ? true : undefined));
    expect(seen).toEqual(
      expect.arrayContaining([
        { fn: 'SbCrashWork', body: { job: 1 }, deliveryCount: 2 },
        { fn: 'SbCrashLater', body: { job: 2 }, deliveryCount: 1 },
      ]),
    );
  }, 60_000);
});
