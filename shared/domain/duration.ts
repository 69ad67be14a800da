/**
 * ISO 8601 durations as Graph uses them (PT8H, P365D, PT30M, P1Y). Years count 365 days and
 * months 30, as Entra does when comparing against a policy maximum.
 */
const PATTERN = /^P(?!$)(?:(\d+(?:\.\d+)?)Y)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)W)?(?:(\d+(?:\.\d+)?)D)?(?:T(?=\d)(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

const MS = { year: 365 * 86_400_000, month: 30 * 86_400_000, week: 7 * 86_400_000, day: 86_400_000, hour: 3_600_000, minute: 60_000, second: 1000 };

/** Milliseconds in the duration, or undefined when the text is not an ISO 8601 duration. */
export function parseDuration(text: string): number | undefined {
  const m = PATTERN.exec(text.trim().toUpperCase());
  if (!m) return undefined;
  const n = (i: number) => Number(m[i] ?? 0);
  return Math.round(
    n(1) * MS.year + n(2) * MS.month + n(3) * MS.week + n(4) * MS.day + n(5) * MS.hour + n(6) * MS.minute + n(7) * MS.second,
  );
}

/** A duration for messages: "8 hours", "30 minutes", "365 days". */
export function describeDuration(ms: number): string {
  const units: Array<[number, string]> = [
    [MS.day, 'day'],
    [MS.hour, 'hour'],
    [MS.minute, 'minute'],
    [MS.second, 'second'],
  ];
  for (const [size, name] of units) {
    if (ms >= size && ms % size === 0) {
      const count = ms / size;
      return `${count} ${name}${count === 1 ? '' : 's'}`;
    }
  }
  return `${Math.round(ms / 1000)} seconds`;
}
