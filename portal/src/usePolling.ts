import { useEffect, useRef } from 'preact/hooks';

/** How often list pages re-read the API: modest, since a human is waiting on another human. */
export const POLL_MS = 10_000;

/**
 * Calls `refresh` every `ms` while the tab is visible, and once at once when it becomes visible
 * again; nothing while it is hidden (no calls nobody would see). The page keeps its rows keyed,
 * so a refresh changes text in place and never takes focus or selection away.
 */
export function usePolling(refresh: () => unknown, ms = POLL_MS): void {
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => {
    let timer: ReturnType<typeof setInterval> | undefined;
    const start = () => {
      if (timer === undefined) timer = setInterval(() => void latest.current(), ms);
    };
    const stop = () => {
      if (timer !== undefined) clearInterval(timer);
      timer = undefined;
    };
    const onVisibility = () => {
      if (document.hidden) return stop();
      void latest.current();
      start();
    };
    if (!document.hidden) start();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stop();
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [ms]);
}
