import { formatExact } from '../format';

export interface BarDatum {
  label: string;
  value: number;
}

/**
 * Horizontal bars, one small SVG per item so it scales with the page, with the numbers in a table for
 * screen readers and for anyone who wants them exact.
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
  return (
    <figure className="bar-chart" aria-label={title}>
      <figcaption className="field-label">{title}</figcaption>
      <ol className="bar-rows" aria-hidden="true">
        {shown.map((d) => (
          <li key={d.label}>
            <span className="bar-label truncate" title={d.label}>
              {d.label}
            </span>
            <svg className="bar-track" viewBox="0 0 100 10" preserveAspectRatio="none" aria-hidden="true">
              <rect
                className="bar"
                x="0"
                y="0"
                height="10"
                width={Math.max(0.5, (d.value / largest) * 100)}
                rx="0"
              />
            </svg>
            <span className="bar-value">{format(d.value)}</span>
          </li>
        ))}
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
      {/* Stretched to the width; ticks keep their stroke whatever the scale, so phones show them too. */}
      <svg
        className="chart timeline"
        viewBox={`0 0 ${width} ${height}`}
        preserveAspectRatio="none"
        aria-hidden="true"
      >
        <line
          className="axis"
          x1="0"
          x2={width}
          y1={height / 2}
          y2={height / 2}
          vectorEffect="non-scaling-stroke"
        />
        {points.map((p) => {
          const at = x(new Date(p.date).getTime());
          return (
            <line
              key={p.key}
              className={p.marked ? 'tick deleted' : 'tick kept'}
              x1={at}
              x2={at}
              y1={p.marked ? 8 : 16}
              y2={p.marked ? height - 8 : height - 16}
              vectorEffect="non-scaling-stroke"
            >
              <title>{`${p.label} — ${formatExact(new Date(p.date))}`}</title>
            </line>
          );
        })}
      </svg>
      <div className="row timeline-axis">
        <span>{new Date(start).toISOString().slice(0, 10)}</span>
        <span className="spacer" />
        <span>now</span>
      </div>
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
