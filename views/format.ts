/**
 * @module format
 * How numbers, durations and instants read on the dashboard. Pure functions
 * of their arguments (the current time is passed in), so views stay testable.
 */

/** `1,234` below 10 000, then `12.3k`, `4.5M`, `1.2B`. */
export function formatCount(n: number): string {
  const abs = Math.abs(n);
  if (abs < 10_000) return Math.round(n).toLocaleString("en-US");
  for (const [unit, size] of [["B", 1e9], ["M", 1e6], ["k", 1e3]] as const) {
    if (abs >= size) {
      const v = n / size;
      return `${Math.abs(v) >= 100 ? Math.round(v) : v.toFixed(1).replace(/\.0$/, "")}${unit}`;
    }
  }
  return String(n);
}

/**
 * `$12.34` from a dollar up, `$0.0412` from a cent, below that three
 * significant digits (`$0.0000200` reads `$0.00002`); `—` for no cost.
 */
export function formatUsd(usd: number | null): string {
  if (usd === null || !Number.isFinite(usd)) return "—";
  if (usd === 0) return "$0";
  const abs = Math.abs(usd);
  if (abs >= 1) {
    return `$${
      usd.toLocaleString("en-US", { minimumFractionDigits: 2, maximumFractionDigits: 2 })
    }`;
  }
  if (abs >= 0.01) return `$${usd.toFixed(4)}`;
  const digits = Math.min(10, 2 - Math.floor(Math.log10(abs)));
  return `$${usd.toFixed(digits).replace(/0+$/, "")}`;
}

/** `412 ms`, `1.2 s`, `2m 03s`. */
export function formatMs(ms: number | null): string {
  if (ms === null || !Number.isFinite(ms)) return "—";
  if (ms < 1000) return `${Math.round(ms)} ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(ms < 10_000 ? 2 : 1)} s`;
  return formatRemaining(ms);
}

/** `27s`, `4m 05s`, `1h 02m`, `3d 4h` (static/app.js ticks with the same format). */
export function formatRemaining(ms: number): string {
  const s = Math.max(0, Math.ceil(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${String(s % 60).padStart(2, "0")}s`;
  const h = Math.floor(m / 60);
  if (h < 48) return `${h}h ${String(m % 60).padStart(2, "0")}m`;
  return `${Math.floor(h / 24)}d ${h % 24}h`;
}

/** A length in seconds for humans: `300 s` reads as `5 min`. */
export function formatSeconds(seconds: number): string {
  if (seconds < 120) return `${seconds} s`;
  if (seconds < 7200) return `${round1(seconds / 60)} min`;
  if (seconds < 172_800) return `${round1(seconds / 3600)} h`;
  return `${round1(seconds / 86_400)} days`;
}

/** Bytes with binary units: `32 MiB`. */
export function formatBytes(bytes: number): string {
  const units = ["bytes", "KiB", "MiB", "GiB"];
  let v = bytes;
  let i = 0;
  while (v >= 1024 && i < units.length - 1) {
    v /= 1024;
    i++;
  }
  return `${round1(v)} ${units[i]}`;
}

/** `98.5%`; `—` when there is nothing to divide. */
export function formatPercent(part: number, whole: number): string {
  if (whole <= 0) return "—";
  const p = (part / whole) * 100;
  return `${p >= 99.95 || p === 0 ? p.toFixed(0) : round1(p)}%`;
}

/** `2026-11-27 16:05:09` (UTC): the dashboard shows every instant in UTC. */
export function formatInstant(at: string | number): string {
  const iso = new Date(at).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}`;
}

/** `16:05:09` when `at` is the same UTC day as `now`, else the full instant. */
export function formatTimeOfDay(at: string | number, now: number): string {
  const iso = new Date(at).toISOString();
  return iso.slice(0, 10) === new Date(now).toISOString().slice(0, 10)
    ? iso.slice(11, 19)
    : formatInstant(at);
}

/** `just now`, `42s ago`, `5 min ago`, `3 h ago`, `2 days ago`. */
export function formatAgo(at: string | number, now: number): string {
  const s = Math.round((now - new Date(at).getTime()) / 1000);
  if (s < 5) return "just now";
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)} min ago`;
  if (s < 172_800) return `${Math.floor(s / 3600)} h ago`;
  return `${Math.floor(s / 86_400)} days ago`;
}

/** Axis label of a bucket start: `16:05` within a day's buckets, `11-27` for day buckets. */
export function formatBucket(start: number, bucketMs: number): string {
  const iso = new Date(start).toISOString();
  return bucketMs >= 86_400_000 ? iso.slice(5, 10) : iso.slice(11, 16);
}

/** A bar width: `1 min`, `15 min`, `3 h`, `1 day`. */
export function formatBucketSize(ms: number): string {
  if (ms % 86_400_000 === 0) return `${ms / 86_400_000} day${ms === 86_400_000 ? "" : "s"}`;
  if (ms % 3_600_000 === 0) return `${ms / 3_600_000} h`;
  return `${round1(ms / 60_000)} min`;
}

/** `1 error`, `3 errors`. */
export function plural(n: number, word: string): string {
  return `${formatCount(n)} ${word}${n === 1 ? "" : "s"}`;
}

function round1(v: number): string {
  return v.toFixed(1).replace(/\.0$/, "");
}
