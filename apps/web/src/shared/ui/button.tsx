import type { ComponentProps } from 'react';

type Variant = 'default' | 'primary' | 'danger' | 'danger-outline' | 'ghost' | 'icon';

export interface ButtonProps extends ComponentProps<'button'> {
  variant?: Variant;
  size?: 'md' | 'sm';
}

/** The one button: real `<button type="button">` unless told otherwise, so it never submits by accident. */
export function Button({
  variant = 'default',
  size = 'md',
  className,
  type = 'button',
  ...props
}: ButtonProps) {
  const classes = [
    'btn',
    variant === 'default' ? '' : `btn-${variant}`,
    size === 'sm' ? 'btn-sm' : '',
    className,
  ]
    .filter(Boolean)
    .join(' ');
  return <button type={type} className={classes} {...props} />;
}
