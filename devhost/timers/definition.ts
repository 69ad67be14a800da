import { type RegisteredFunction, triggerOf } from '../core/registry';
import { InvalidScheduleError, parseSchedule, resolveAppSettings, type Schedule } from './schedule';

/** A registered timer function with its schedule read and its options settled as the host settles them. */
export interface TimerDefinition {
  fn: RegisteredFunction;
  triggerName: string;
  schedule: Schedule;
  /** Whether its status is persisted so an occurrence missed while devhost is down runs at start. */
  monitored: boolean;
  runOnStartup: boolean;
}

/**
 * Reads a timer function's binding. An unusable schedule fails with the function's name and the
 * schedule as written, so `npm start` says exactly which registration to fix.
 */
export function defineTimer(fn: RegisteredFunction, timeZone: string): TimerDefinition {
  const [triggerName, binding] = triggerOf(fn);
  const written = typeof binding.schedule === 'string' ? binding.schedule : '';
  let schedule: Schedule;
  try {
    schedule = parseSchedule(resolveAppSettings(written), timeZone);
  } catch (error) {
    if (!(error instanceof InvalidScheduleError)) throw error;
    throw new Error(`Timer function '${fn.metadata.name}' has an invalid schedule '${written}': ${error.message}.`, {
      cause: error,
    });
  }
  return {
    fn,
    triggerName,
    schedule,
    // The host never monitors a schedule that fires more than once a minute, whatever useMonitor
    // says, and monitors every other one unless useMonitor is false.
    monitored: !schedule.subMinute && binding.useMonitor !== false,
    runOnStartup: binding.runOnStartup === true,
  };
}
