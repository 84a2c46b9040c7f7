import { containerRepositorySchema, sessionResponseSchema } from '@berth/contract';
import { HttpResponse, http } from 'msw';
import { describe, expect, it } from 'vitest';
import { server } from '../../test/server';
import { ApiError, apiCommand, apiPage, apiRequest } from '../api-client';

const API = 'http://berth.test/api/v4';

describe('api client', () => {
  it('echoes the CSRF cookie on unsafe requests only', async () => {
    const seen: Record<string, string | null> = {};
    server.use(
      http.get(`${API}/thing`, ({ request }) => {
        seen.get = request.headers.get('X-CSRF-Token');
        return HttpResponse.json({ message: 'x' }, { status: 404 });
      }),
      http.delete(`${API}/thing`, ({ request }) => {
        seen.delete = request.headers.get('X-CSRF-Token');
        return new HttpResponse(null, { status: 204 });
      }),
    );
    // biome-ignore lint/suspicious/noDocumentCookie: the BFF sets this readable cookie at sign-in.
    document.cookie = 'berth_csrf=abc123; path=/';
    await apiRequest(sessionResponseSchema, '/thing').catch(() => undefined);
    await apiCommand('/thing', { method: 'DELETE' });
    expect(seen).toEqual({ get: null, delete: 'abc123' });
  });

  it('turns GitLab error bodies into typed errors with their words', async () => {
    server.use(
      http.get(`${API}/forbidden`, () =>
        HttpResponse.json({ message: '403 Forbidden - not yours' }, { status: 403 }),
      ),
      http.post(`${API}/invalid`, () =>
        HttpResponse.json({ message: { name: ['has already been taken'] } }, { status: 400 }),
      ),
    );
    const forbidden = await apiRequest(sessionResponseSchema, '/forbidden').catch((error: unknown) => error);
    expect(forbidden).toBeInstanceOf(ApiError);
    expect(forbidden).toMatchObject({ kind: 'forbidden', status: 403, message: 'Forbidden - not yours' });
    const invalid = await apiRequest(sessionResponseSchema, '/invalid', { method: 'POST', body: {} }).catch(
      (e: unknown) => e,
    );
    expect(invalid).toMatchObject({ kind: 'bad_request', message: 'name has already been taken' });
  });

  it('refuses an answer that does not match the contract', async () => {
    server.use(http.get(`${API}/session`, () => HttpResponse.json({ user: { id: 'x' } })));
    await expect(apiRequest(sessionResponseSchema, '/session')).rejects.toMatchObject({
      kind: 'invalid_response',
    });
  });

  it('reads the offset pagination headers', async () => {
    server.use(
      http.get(`${API}/projects/1/registry/repositories`, ({ request }) => {
        expect(new URL(request.url).searchParams.getAll('tags[]')).toEqual(['a', 'b']);
        return HttpResponse.json([], {
          headers: { 'X-Total': '41', 'X-Total-Pages': '3', 'X-Page': '2', 'X-Per-Page': '20' },
        });
      }),
    );
    const page = await apiPage(containerRepositorySchema, '/projects/1/registry/repositories', {
      query: { tags: ['a', 'b'], empty: '' },
    });
    expect(page).toEqual({ items: [], total: 41, totalPages: 3, page: 2, perPage: 20 });
  });
});
