import { formatExact } from '../format';

export interface BarDatum {
  label: string;
  value: number;
}

/**
 * Horizontal bars in plain SVG, one per item, with the numbers in a table for screen readers and for
 * anyone who wants them exact.
 */
export function BarChart({
  title,
  data,
  format,
  max = 10,
}: {
  title: string;
  data: readonly BarDatum[];
  format: (value: number) => string;
  max?: number;
}) {
  const shown = [...data].sort((a, b) => b.value - a.value).slice(0, max);
  const largest = Math.max(1, ...shown.map((d) => d.value));
  const rowHeight = 24;
  const labelWidth = 36; // percent of the width for labels
  const height = shown.length * rowHeight;
  return (
    <figure className="stack" aria-label={title} style={{ margin: 0, gap: 'var(--space-2)' }}>
      <figcaption className="field-label">{title}</figcaption>
      <svg
        className="chart"
        viewBox={`0 0 100 ${height}`}
        preserveAspectRatio="none"
        height={height}
        aria-hidden="true"
      >
        {shown.map((d, index) => {
          const width = Math.max(0.5, (d.value / largest) * (100 - labelWidth - 14));
          return (
            <rect
              key={d.label}
              className="bar"
              x={labelWidth}
              y={index * rowHeight + 5}
              width={width}
              height={rowHeight - 10}
              rx="0.6"
            />
          );
        })}
      </svg>
      {/* Text drawn in HTML over the bars: SVG text would be stretched by the fluid width. */}
      <ol className="bar-labels" aria-hidden="true" style={{ marginTop: -height - 8, height }}>
        {shown.map((d) => {
          const width = Math.max(0.5, (d.value / largest) * (100 - labelWidth - 14));
          return (
            <li key={d.label} style={{ height: rowHeight }}>
              <span className="bar-label truncate" style={{ width: `${labelWidth - 1}%` }} title={d.label}>
                {d.label}
              </span>
              <span className="bar-value" style={{ left: `${labelWidth + width + 1}%` }}>
                {format(d.value)}
              </span>
            </li>
          );
        })}
      </ol>
      <details className="chart-table">
        <summary>Show as table</summary>
        <table className="table">
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col" className="num">
                Value
              </th>
            </tr>
          </thead>
          <tbody>
            {data.map((d) => (
              <tr key={d.label}>
                <td>{d.label}</td>
                <td className="num">{format(d.value)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}

export interface TimelinePoint {
  key: string;
  label: string;
  date: string;
  marked: boolean;
}

/** Points on a time axis, marked ones in the danger colour; the same data as a table behind it. */
export function Timeline({
  title,
  points,
  markedLabel,
  unmarkedLabel,
  now = new Date(),
}: {
  title: string;
  points: readonly TimelinePoint[];
  markedLabel: string;
  unmarkedLabel: string;
  now?: Date;
}) {
  const times = points.map((p) => new Date(p.date).getTime()).filter(Number.isFinite);
  const end = now.getTime();
  const start = Math.min(end - 86_400_000, ...times);
  const span = Math.max(1, end - start);
  const width = 1000;
  const height = 56;
  const x = (time: number) => 10 + ((time - start) / span) * (width - 20);
  return (
    <figure className="stack" aria-label={title} style={{ margin: 0, gap: 'var(--space-2)' }}>
      <figcaption className="field-label">{title}</figcaption>
      <svg className="chart" viewBox={`0 0 ${width} ${height}`} aria-hidden="true">
        <line className="axis" x1="0" x2={width} y1={height / 2} y2={height / 2} strokeWidth="1.5" />
        {points.map((p, index) => (
          <circle
            key={p.key}
            className={p.marked ? 'deleted' : 'kept'}
            cx={x(new Date(p.date).getTime())}
            cy={height / 2 + ((index % 3) - 1) * 9}
            r="5"
          >
            <title>{`${p.label} — ${formatExact(new Date(p.date))}`}</title>
          </circle>
        ))}
      </svg>
      <div className="row" style={{ justifyContent: 'space-between' }}>
        <span className="muted field-hint">{new Date(start).toISOString().slice(0, 10)}</span>
        <div className="chart-legend">
          <span>
            <span className="swatch deleted" />
            {markedLabel}
          </span>
          <span>
            <span className="swatch kept" />
            {unmarkedLabel}
          </span>
        </div>
        <span className="muted field-hint">now</span>
      </div>
      <details className="chart-table">
        <summary>Show as table</summary>
        <table className="table">
          <caption className="visually-hidden">{title}</caption>
          <thead>
            <tr>
              <th scope="col">Tag</th>
              <th scope="col">Published</th>
              <th scope="col">Outcome</th>
            </tr>
          </thead>
          <tbody>
            {points.map((p) => (
              <tr key={p.key}>
                <td>{p.label}</td>
                <td>{formatExact(new Date(p.date))}</td>
                <td>{p.marked ? markedLabel : unmarkedLabel}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </details>
    </figure>
  );
}
