import { DomainError } from '../domain/errors';

/**
 * Runs `work` again when it lost a race (a conditional write answered ConcurrentModification):
 * each run re-reads what is stored and decides afresh, so the loser of a race between, say, an
 * approval and a cancellation ends up acting on the winner's state instead of failing.
 */
export async function retryOnConflict<T>(work: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (!(error instanceof DomainError && error.code === 'ConcurrentModification') || attempt >= attempts) throw error;
      // A little jitter, so two losers do not collide again in lockstep.
      await new Promise((r) => setTimeout(r, Math.random() * 20 * attempt));
    }
  }
}
