import type { Logger } from '../core/logger';
import { functionsWithTrigger, type RegisteredFunction, triggerOf } from '../core/registry';
import { type MessageSource, queueEntity, subscriptionEntity } from './entities';

/** A function that takes messages from a queue or subscription. */
export interface Consumer {
  fn: RegisteredFunction;
  /** Name of its trigger binding: the invocation's input data goes under it. */
  triggerName: string;
  /** cardinality 'many': the function takes an array of messages. */
  many: boolean;
}

export interface TriggerSource {
  source: MessageSource;
  consumer: Consumer;
}

/**
 * The app's Service Bus triggers and the queue or subscription each reads. Names written as
 * %Setting% are read from the environment, as the host resolves them from app settings; a
 * trigger that cannot be resolved is reported and left out, and the others still run.
 */
export function serviceBusTriggers(logger: Logger): TriggerSource[] {
  const out: TriggerSource[] = [];
  for (const fn of functionsWithTrigger('serviceBusTrigger')) {
    const [triggerName, binding] = triggerOf(fn);
    const consumer: Consumer = { fn, triggerName, many: binding.cardinality === 'many' };
    try {
      const queue = resolveSetting(binding.queueName);
      const topic = resolveSetting(binding.topicName);
      const subscription = resolveSetting(binding.subscriptionName);
      if (queue) out.push({ source: queueEntity(queue), consumer });
      else if (topic && subscription) out.push({ source: subscriptionEntity(topic, subscription), consumer });
      else throw new Error('it names neither a queueName nor a topicName with a subscriptionName');
      if (binding.isSessionsEnabled) {
        logger.warn(`Service Bus: '${fn.metadata.name}' asks for sessions; devhost delivers without session ordering.`);
      }
    } catch (error) {
      logger.error(
        `Service Bus trigger '${fn.metadata.name}' is not listening: ${error instanceof Error ? error.message : String(error)}`,
      );
    }
  }
  return out;
}

function resolveSetting(value: unknown): string | undefined {
  if (typeof value !== 'string' || value === '') return undefined;
  return value.replace(/%([^%]+)%/g, (_, setting: string) => {
    const resolved = process.env[setting];
    if (resolved === undefined || resolved === '') throw new Error(`the app setting '${setting}' is not set`);
    return resolved;
  });
}
