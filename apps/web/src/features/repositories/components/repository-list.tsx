import type { ContainerRepository } from '@berth/contract';
import type { UseQueryResult } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import type { Page } from '../../../shared/api-client';
import { formatBytes, plural } from '../../../shared/format';
import { Button } from '../../../shared/ui/button';
import { BarChart } from '../../../shared/ui/charts';
import { Pagination } from '../../../shared/ui/pagination';
import { SearchInput } from '../../../shared/ui/search-input';
import { SortControl } from '../../../shared/ui/sort-control';
import { EmptyState, ErrorPanel } from '../../../shared/ui/states';
import { useSearchState } from '../../../shared/use-search-state';
import {
  PER_PAGE_OPTIONS,
  repositoryListParams,
  repositoryListSearchSchema,
} from '../repository-list-search';
import { RepositoryTable } from './repository-table';

const SORT_OPTIONS = [
  { value: 'name', label: 'Name' },
  { value: 'created_at', label: 'Created' },
  { value: 'updated_at', label: 'Updated' },
] as const;

export function useRepositoryListState() {
  const [state, setState] = useSearchState(repositoryListSearchSchema);
  return { state, setState, params: repositoryListParams(state) };
}

/** Search, sort, table, chart and pagination of a repository list; the page supplies the query. */
export function RepositoryList({
  list,
  query,
  showProject,
  onDelete,
  emptyState,
}: {
  list: ReturnType<typeof useRepositoryListState>;
  query: UseQueryResult<Page<ContainerRepository>>;
  showProject?: boolean;
  onDelete?: (repository: ContainerRepository) => void;
  emptyState: ReactNode;
}) {
  const { state, setState } = list;
  const data = query.data;
  const noImagesAtAll = data && data.total === 0 && !state.search;
  if (noImagesAtAll && !query.isPlaceholderData) return <>{emptyState}</>;
  const sized = (data?.items ?? []).filter((repository) => repository.size !== undefined);

  return (
    <div className="stack" style={{ gap: 'var(--space-3)' }}>
      <div className="toolbar">
        <SearchInput
          label="Filter by name"
          value={state.search}
          onChange={(search) => setState({ search })}
        />
        <span className="spacer" />
        <SortControl
          value={state.orderBy}
          options={SORT_OPTIONS}
          direction={state.sort}
          onChange={(orderBy) => setState({ orderBy })}
          onDirection={(sort) => setState({ sort })}
        />
      </div>
      {query.isError && !data ? (
        <ErrorPanel error={query.error} onRetry={() => query.refetch()} what="Image repositories" />
      ) : data && data.items.length === 0 ? (
        <EmptyState
          title={state.search ? `No images match “${state.search}”` : 'No image repositories on this page'}
          actions={
            state.search ? (
              <Button onClick={() => setState({ search: '' })}>Clear filter</Button>
            ) : (
              <Button onClick={() => setState({ page: 1 })}>Go to the first page</Button>
            )
          }
        >
          <p>Try a shorter or different part of the image path.</p>
        </EmptyState>
      ) : (
        <RepositoryTable
          repositories={data?.items}
          showProject={showProject}
          onDelete={onDelete}
          fetching={query.isPlaceholderData}
        />
      )}
      {query.isError && data ? (
        <ErrorPanel
          error={query.error}
          onRetry={() => query.refetch()}
          what="The list could not be refreshed"
        />
      ) : null}
      {data && data.items.length > 0 ? (
        <div className="row">
          <span className="muted field-hint">
            {plural(data.total, 'image repository', 'image repositories')}
          </span>
          <span className="spacer" />
          <Pagination
            page={state.page}
            totalPages={data.totalPages}
            onPage={(page) => setState({ page })}
            perPage={state.per_page}
            perPageOptions={PER_PAGE_OPTIONS}
            onPerPage={(per_page) => setState({ per_page: per_page as (typeof PER_PAGE_OPTIONS)[number] })}
          />
        </div>
      ) : null}
      {sized.length > 1 ? (
        <div className="panel chart-panel">
          <BarChart
            title="Storage by repository (this page, deduplicated per repository)"
            data={sized.map((repository) => ({ label: repository.path, value: repository.size ?? 0 }))}
            format={formatBytes}
          />
        </div>
      ) : null}
    </div>
  );
}
