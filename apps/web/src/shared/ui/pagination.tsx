import { Button } from './button';

function pagesAround(page: number, totalPages: number): (number | 'gap')[] {
  const pages = new Set([1, totalPages, page - 1, page, page + 1]);
  const sorted = [...pages].filter((p) => p >= 1 && p <= totalPages).sort((a, b) => a - b);
  const result: (number | 'gap')[] = [];
  for (const [index, p] of sorted.entries()) {
    const previous = sorted[index - 1];
    if (previous !== undefined && p - previous > 1) result.push('gap');
    result.push(p);
  }
  return result;
}

interface PaginationProps {
  page: number;
  totalPages: number;
  onPage: (page: number) => void;
  perPage?: number;
  perPageOptions?: readonly number[];
  onPerPage?: (perPage: number) => void;
}

export function Pagination({
  page,
  totalPages,
  onPage,
  perPage,
  perPageOptions,
  onPerPage,
}: PaginationProps) {
  return (
    <nav className="pagination" aria-label="Pagination">
      {totalPages > 1 ? (
        <>
          <Button size="sm" disabled={page <= 1} onClick={() => onPage(page - 1)} aria-label="Previous page">
            ‹ Prev
          </Button>
          {pagesAround(page, totalPages).map((p, index) =>
            p === 'gap' ? (
              // biome-ignore lint/suspicious/noArrayIndexKey: gaps have no identity.
              <span key={`gap-${index}`} className="muted">
                …
              </span>
            ) : (
              <Button
                key={p}
                size="sm"
                className="page-btn"
                aria-current={p === page ? 'page' : undefined}
                aria-label={`Page ${p}`}
                onClick={() => onPage(p)}
              >
                {p}
              </Button>
            ),
          )}
          <Button
            size="sm"
            disabled={page >= totalPages}
            onClick={() => onPage(page + 1)}
            aria-label="Next page"
          >
            Next ›
          </Button>
        </>
      ) : null}
      {perPageOptions && onPerPage && perPage !== undefined ? (
        <label className="row muted">
          <select
            className="select"
            value={perPage}
            aria-label="Items per page"
            onChange={(event) => onPerPage(Number(event.target.value))}
          >
            {perPageOptions.map((option) => (
              <option key={option} value={option}>
                {option}
              </option>
            ))}
          </select>
          per page
        </label>
      ) : null}
    </nav>
  );
}
