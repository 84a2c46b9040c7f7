/**
 * GitLab's duration grammar for `older_than` and `cadence` (its ChronicDuration): one or more
 * `<number> <unit>` parts, spaces optional (`1h`, `7d`, `1month`, `3 months`, `1d 12h`, `2 weeks and 1 day`).
 * A month is 30 days and a year 365.25 days, as there. Unlike GitLab, an unknown word is an error rather
 * than silently ignored, so a typo never turns into "delete everything older than 0 seconds".
 */
const SECOND = 1000;
const MINUTE = 60 * SECOND;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;

const UNIT_MS: Record<string, number> = {
  s: SECOND,
  sec: SECOND,
  secs: SECOND,
  second: SECOND,
  seconds: SECOND,
  m: MINUTE,
  min: MINUTE,
  mins: MINUTE,
  minute: MINUTE,
  minutes: MINUTE,
  h: HOUR,
  hr: HOUR,
  hrs: HOUR,
  hour: HOUR,
  hours: HOUR,
  d: DAY,
  dy: DAY,
  day: DAY,
  days: DAY,
  w: 7 * DAY,
  wk: 7 * DAY,
  wks: 7 * DAY,
  week: 7 * DAY,
  weeks: 7 * DAY,
  mo: 30 * DAY,
  mos: 30 * DAY,
  month: 30 * DAY,
  months: 30 * DAY,
  y: 365.25 * DAY,
  yr: 365.25 * DAY,
  yrs: 365.25 * DAY,
  year: 365.25 * DAY,
  years: 365.25 * DAY,
};
const JOIN_WORDS = new Set(['and', 'with', 'plus']);
const TOKEN = /(\d*\.?\d+)|([a-z]+)|(,)|(\s+)|(.)/gy;

/** Milliseconds of a GitLab duration, or undefined when the text is not one (or is zero). */
export function parseDuration(text: string): number | undefined {
  let total = 0;
  let pending: number | undefined;
  let parts = 0;
  TOKEN.lastIndex = 0;
  const input = text.trim().toLowerCase();
  if (input.length === 0 || input.length > 100) return undefined;
  for (let match = TOKEN.exec(input); match; match = TOKEN.exec(input)) {
    const [, number, word, , , other] = match;
    if (other !== undefined) return undefined;
    if (number !== undefined) {
      // Two numbers in a row: the first one has no unit; GitLab reads it as seconds.
      if (pending !== undefined) total += pending * SECOND;
      pending = Number(number);
      parts += 1;
    } else if (word !== undefined) {
      if (JOIN_WORDS.has(word)) continue;
      const unit = UNIT_MS[word];
      if (unit === undefined) return undefined;
      total += (pending ?? 1) * unit;
      if (pending === undefined) parts += 1;
      pending = undefined;
    }
  }
  if (pending !== undefined) total += pending * SECOND;
  return parts > 0 && total > 0 && Number.isFinite(total) ? total : undefined;
}
