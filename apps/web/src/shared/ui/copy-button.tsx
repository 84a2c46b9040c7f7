import { useEffect, useState } from 'react';
import { Button } from './button';
import { CheckIcon, CopyIcon } from './icons';

/** Copies `text`; the accessible name says what, and "Copied" is announced once done. */
export function CopyButton({ text, label, withText }: { text: string; label: string; withText?: boolean }) {
  const [copied, setCopied] = useState(false);
  useEffect(() => {
    if (!copied) return;
    const timer = setTimeout(() => setCopied(false), 1500);
    return () => clearTimeout(timer);
  }, [copied]);
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(true);
    } catch {
      // Without clipboard permission the text stays selectable on the page.
    }
  };
  return (
    <Button
      variant={withText ? 'default' : 'icon'}
      size={withText ? 'sm' : 'md'}
      onClick={copy}
      aria-label={label}
      title={copied ? 'Copied' : label}
      data-copy={text}
    >
      {copied ? <CheckIcon /> : <CopyIcon />}
      {withText ? <span>{copied ? 'Copied' : label}</span> : null}
      <span className="visually-hidden" aria-live="polite">
        {copied ? 'Copied' : ''}
      </span>
    </Button>
  );
}
