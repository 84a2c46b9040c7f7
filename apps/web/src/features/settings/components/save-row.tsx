import { Button } from '../../../shared/ui/button';

/** A settings form's save button with what became of the last save: saved, or why not. */
export function SaveRow({
  label,
  disabled,
  save,
  dirty,
}: {
  label: string;
  disabled: boolean;
  /** The form's mutation: pending, succeeded or failed. */
  save: { isPending: boolean; isSuccess: boolean; isError: boolean; error: Error | null };
  dirty: boolean;
}) {
  return (
    <div className="row">
      <Button type="submit" variant="primary" disabled={disabled || save.isPending}>
        {save.isPending ? 'Saving…' : label}
      </Button>
      {save.isSuccess && !dirty ? (
        <span role="status" className="muted">
          Saved.
        </span>
      ) : null}
      {save.isError ? (
        <span role="alert" className="field-error">
          Not saved: {save.error?.message}
        </span>
      ) : null}
    </div>
  );
}
