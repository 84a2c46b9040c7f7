import { type FormEvent, useId, useState } from 'react';
import { Link, Navigate, useNavigate, useSearchParams } from 'react-router';
import { useSession } from '../../../shared/api/get-session';
import { isApiError } from '../../../shared/api-client';
import { paths } from '../../../shared/paths';
import { Button } from '../../../shared/ui/button';
import { AnchorIcon } from '../../../shared/ui/icons';
import { useSignIn } from '../api/sign-in';
import './sign-in.css';

/** Only same-site paths: a link must not send people elsewhere after signing in. */
export function safeRedirect(value: string | null): string {
  if (!value?.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return paths.home();
  return value;
}

export function SignInPage() {
  const [params] = useSearchParams();
  const redirectTo = safeRedirect(params.get('redirect_to'));
  const navigate = useNavigate();
  const session = useSession();
  const signIn = useSignIn();
  const [login, setLogin] = useState('');
  const [password, setPassword] = useState('');
  const loginId = useId();
  const passwordId = useId();
  const errorId = useId();

  if (session.data && !signIn.isPending && !signIn.isSuccess) return <Navigate replace to={redirectTo} />;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    signIn.mutate(
      { login: login.trim(), password },
      { onSuccess: () => navigate(redirectTo, { replace: true }) },
    );
  };
  const error = signIn.error;
  const message = !error
    ? null
    : isApiError(error, 'unauthorized')
      ? 'Invalid login or password.'
      : error.message;

  return (
    <main className="sign-in">
      <div className="sign-in-card">
        <div className="sign-in-brand">
          <AnchorIcon />
          <span>Berth</span>
        </div>
        <h1>Sign in</h1>
        <form className="stack" onSubmit={submit} aria-describedby={message ? errorId : undefined} noValidate>
          {message ? (
            <div id={errorId} className="notice danger" role="alert">
              {message}
            </div>
          ) : null}
          <div className="field">
            <label htmlFor={loginId}>Username or email</label>
            <input
              id={loginId}
              className="input"
              name="login"
              autoComplete="username"
              required
              // biome-ignore lint/a11y/noAutofocus: the sign-in form is the only thing on its page.
              autoFocus
              value={login}
              onChange={(event) => setLogin(event.target.value)}
            />
          </div>
          <div className="field">
            <label htmlFor={passwordId}>Password</label>
            <input
              id={passwordId}
              className="input"
              name="password"
              type="password"
              autoComplete="current-password"
              required
              value={password}
              onChange={(event) => setPassword(event.target.value)}
            />
          </div>
          <Button type="submit" variant="primary" disabled={signIn.isPending || !login || !password}>
            {signIn.isPending ? 'Signing in…' : 'Sign in'}
          </Button>
        </form>
        <p className="muted sign-in-foot">
          Or <Link to={paths.explore()}>explore public projects</Link> without signing in.
        </p>
      </div>
    </main>
  );
}
