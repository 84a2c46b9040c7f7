import { Fragment } from 'react';
import { Link } from 'react-router';

export interface Crumb {
  label: string;
  to?: string;
}

export function Breadcrumb({ items }: { items: readonly Crumb[] }) {
  return (
    <nav aria-label="Breadcrumb" className="breadcrumb">
      {items.map((item, index) => (
        <Fragment key={`${item.to ?? ''}:${item.label}`}>
          {index > 0 ? <span aria-hidden="true">/</span> : null}
          {item.to && index < items.length - 1 ? (
            <Link to={item.to}>{item.label}</Link>
          ) : (
            <span aria-current={index === items.length - 1 ? 'page' : undefined}>{item.label}</span>
          )}
        </Fragment>
      ))}
    </nav>
  );
}

/** Crumbs for each namespace of a full path: `acme/tools/shop` → acme / tools / shop. */
export function namespaceCrumbs(
  fullPath: string,
  linkFor: (prefix: string, isLast: boolean) => string,
): Crumb[] {
  const segments = fullPath.split('/');
  return segments.map((segment, index) => {
    const prefix = segments.slice(0, index + 1).join('/');
    return { label: segment, to: linkFor(prefix, index === segments.length - 1) };
  });
}
