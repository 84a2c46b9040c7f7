import { type ReactNode, useEffect, useId, useRef, useState } from 'react';
import { Button } from './button';
import { ChevronDown } from './icons';

/** A button that opens a panel below it; Escape or a click outside closes it and focus goes back. */
export function Menu({ label, icon, children }: { label: string; icon?: ReactNode; children: ReactNode }) {
  const [open, setOpen] = useState(false);
  const root = useRef<HTMLDivElement>(null);
  const button = useRef<HTMLButtonElement>(null);
  const panelId = useId();

  useEffect(() => {
    if (!open) return;
    const onKey = (event: KeyboardEvent) => {
      if (event.key === 'Escape') {
        setOpen(false);
        button.current?.focus();
      }
    };
    const onClick = (event: MouseEvent) => {
      if (!root.current?.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('keydown', onKey);
    document.addEventListener('mousedown', onClick);
    return () => {
      document.removeEventListener('keydown', onKey);
      document.removeEventListener('mousedown', onClick);
    };
  }, [open]);

  return (
    <div className="menu" ref={root}>
      <Button ref={button} aria-expanded={open} aria-controls={panelId} onClick={() => setOpen(!open)}>
        {icon}
        {label}
        <ChevronDown />
      </Button>
      {open ? (
        <section id={panelId} className="menu-panel" aria-label={label}>
          {children}
        </section>
      ) : null}
    </div>
  );
}
