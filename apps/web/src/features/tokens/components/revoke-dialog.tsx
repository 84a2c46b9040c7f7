import { Button } from '../../../shared/ui/button';
import { Dialog } from '../../../shared/ui/dialog';

export function RevokeDialog({
  name,
  pending,
  error,
  onConfirm,
  onClose,
}: {
  name: string;
  pending: boolean;
  error: string | null;
  onConfirm: () => void;
  onClose: () => void;
}) {
  return (
    <Dialog
      open
      title="Revoke token?"
      onClose={onClose}
      footer={
        <>
          <Button onClick={onClose}>Cancel</Button>
          <Button variant="danger" onClick={onConfirm} disabled={pending}>
            {pending ? 'Revoking…' : `Revoke ${name}`}
          </Button>
        </>
      }
    >
      <p style={{ margin: 0 }}>
        <strong>{name}</strong> stops working at once, for every script and machine that uses it. This cannot
        be undone.
      </p>
      {error ? (
        <p className="notice danger" role="alert" style={{ margin: 0 }}>
          {error}
        </p>
      ) : null}
    </Dialog>
  );
}
