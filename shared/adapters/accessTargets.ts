import { notServed, type TargetKind } from '../domain/target';
import type { AccessTarget, AccessTargets } from '../ports/access';

/** The access targets this deployment serves, by kind; other kinds are refused (400) until their adapters land. */
export function accessTargets(adapters: Partial<Record<TargetKind, AccessTarget>>): AccessTargets {
  return {
    of(kind) {
      const adapter = adapters[kind];
      if (!adapter) throw notServed(kind);
      return adapter;
    },
  };
}
