/** JSON answers; journeys check their shape with assertions. */
// biome-ignore lint/suspicious/noExplicitAny: answers are checked by the journeys' assertions, not by types
type Json = any;

/** The public API as scripts use it (`PRIVATE-TOKEN`), for seeding and for checking what the UI did. */
export class Api {
  constructor(
    readonly webUrl: string,
    private readonly token?: string,
  ) {}

  withToken(token: string): Api {
    return new Api(this.webUrl, token);
  }

  async request(method: string, path: string, body?: unknown): Promise<{ status: number; body: Json }> {
    const response = await fetch(`${this.webUrl}/api/v4${path}`, {
      method,
      headers: {
        ...(this.token && { 'PRIVATE-TOKEN': this.token }),
        ...(body !== undefined && { 'content-type': 'application/json' }),
      },
      ...(body !== undefined && { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : undefined };
  }

  /** Like `request`, but throws unless the answer has the expected status. */
  async expect(status: number, method: string, path: string, body?: unknown): Promise<Json> {
    const answer = await this.request(method, path, body);
    if (answer.status !== status) {
      throw new Error(
        `${method} ${path}: expected ${status}, got ${answer.status} ${JSON.stringify(answer.body)}`,
      );
    }
    return answer.body;
  }

  /** Signs in with a password (`/oauth/token`) and returns an API client holding a new `api` token. */
  static async signIn(webUrl: string, username: string, password: string): Promise<Api> {
    const oauth = await fetch(`${webUrl}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'password', username, password }),
    });
    if (!oauth.ok) throw new Error(`sign-in of ${username} failed: ${oauth.status}`);
    const { access_token: accessToken } = (await oauth.json()) as { access_token: string };
    const bearer = await fetch(`${webUrl}/api/v4/user/personal_access_tokens`, {
      method: 'POST',
      headers: { authorization: `Bearer ${accessToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'e2e', scopes: ['api'] }),
    });
    if (bearer.status !== 201)
      throw new Error(`token for ${username}: ${bearer.status} ${await bearer.text()}`);
    return new Api(webUrl, ((await bearer.json()) as { token: string }).token);
  }
}
