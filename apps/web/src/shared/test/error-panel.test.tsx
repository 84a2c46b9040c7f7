import { render, screen } from '@testing-library/react';
import { describe, expect, it } from 'vitest';
import { ApiError } from '../api-client';
import { ErrorPanel } from '../ui/states';

describe('ErrorPanel', () => {
  it('asks an anonymous visitor to sign in when the BFF answers 401, without a pointless retry', () => {
    render(
      <ErrorPanel
        error={new ApiError('unauthorized', '401 Unauthorized', 401)}
        onRetry={() => {}}
        what="Image repositories"
      />,
    );
    expect(screen.getByRole('heading').textContent).toBe('Image repositories: sign in to see this');
    expect(screen.queryByRole('button', { name: 'Retry' })).toBeNull();
  });

  it('still offers a retry for a server error', () => {
    render(<ErrorPanel error={new ApiError('server', 'boom', 500)} onRetry={() => {}} />);
    expect(screen.getByRole('heading').textContent).toBe('Something went wrong');
    expect(screen.getByRole('button', { name: 'Retry' })).toBeTruthy();
  });
});
