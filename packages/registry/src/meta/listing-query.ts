/**
 * The shape of a sorted, filtered, paged listing, as the `/berth/v1/` parameters parse into it
 * and the listing queries (listings.ts) read it. Types only.
 */

/**
 * A keyset position: the sort value and the name that breaks ties (names are unique in their
 * scope, so the pair is a total order and pages never skip or repeat rows).
 */
export interface Marker {
  time?: number;
  name: string;
}

export type Direction = 'asc' | 'desc';

export interface ListQuery<Field extends string> {
  n: number;
  sort: { field: Field; direction: Direction };
  /** `after`: the page starts after the marker (`last`); `before`: it ends before it. */
  marker?: { at: Marker; side: 'after' | 'before' };
  /** Rows to skip (`offset`), instead of a marker: lets a caller jump to page N. */
  offset?: number;
  filter?: string;
}

export type TagSortField = 'name' | 'published_at';
export type RepositorySortField = 'name' | 'created_at' | 'updated_at';

/** A page in the requested order, with the anchors for the neighbouring pages when they exist. */
export interface KeysetPage<Row> {
  rows: Row[];
  next: Marker | undefined;
  previous: Marker | undefined;
}

/** Project paths whose repositories (at or below each) a scoped list keeps, or leaves out. */
export type PathScope = { include: string[] } | { exclude: string[] };
