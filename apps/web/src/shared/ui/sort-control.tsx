import { useId } from 'react';
import { Button } from './button';
import { ArrowDown, ArrowUp } from './icons';

interface SortControlProps<T extends string> {
  value: T;
  options: readonly { value: T; label: string }[];
  direction: 'asc' | 'desc';
  onChange: (value: T) => void;
  onDirection: (direction: 'asc' | 'desc') => void;
}

export function SortControl<T extends string>({
  value,
  options,
  direction,
  onChange,
  onDirection,
}: SortControlProps<T>) {
  const id = useId();
  const ascending = direction === 'asc';
  return (
    <div className="sort-control">
      <label htmlFor={id}>Sort by</label>
      <select
        id={id}
        className="select"
        value={value}
        onChange={(event) => onChange(event.target.value as T)}
      >
        {options.map((option) => (
          <option key={option.value} value={option.value}>
            {option.label}
          </option>
        ))}
      </select>
      <Button
        variant="default"
        aria-label={`Sort direction: ${ascending ? 'ascending' : 'descending'}`}
        title={ascending ? 'Ascending' : 'Descending'}
        onClick={() => onDirection(ascending ? 'desc' : 'asc')}
      >
        {ascending ? <ArrowUp /> : <ArrowDown />}
      </Button>
    </div>
  );
}
