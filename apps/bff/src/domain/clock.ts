/** The current time as stored: ISO-8601 UTC with milliseconds, so string order is time order. */
export function isoNow(now: Date = new Date()): string {
  return now.toISOString();
}

/** Whether a `YYYY-MM-DD` expiry (GitLab: expires at the start of that day, UTC) has passed. */
export function isExpiredDate(expiresAt: string | null, now: Date): boolean {
  return expiresAt !== null && now.toISOString().slice(0, 10) >= expiresAt.slice(0, 10);
}
