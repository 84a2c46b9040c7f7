import { formatExact, formatRelative } from '../format';

/** "3 hours ago" with the exact UTC time on hover and for assistive technology. */
export function RelativeTime({ value, prefix }: { value: string | null | undefined; prefix?: string }) {
  if (!value) return <span className="muted">—</span>;
  const date = new Date(value);
  if (Number.isNaN(date.getTime())) return <span className="muted">—</span>;
  const text = formatRelative(date);
  return (
    <time dateTime={date.toISOString()} title={formatExact(date)}>
      {prefix ? <span className="time-prefix">{prefix} </span> : null}
      {text}
    </time>
  );
}
