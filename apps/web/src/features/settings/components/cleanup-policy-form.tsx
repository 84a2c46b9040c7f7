import type { ContainerExpirationPolicy, ContainerExpirationPolicyAttributes } from '@berth/contract';
import { type FormEvent, useEffect, useId, useMemo, useState } from 'react';
import type { ProjectWithPolicy } from '../../../shared/api/get-project';
import { formatRelative } from '../../../shared/format';
import { ErrorPanel } from '../../../shared/ui/states';
import { usePreviewCleanupPolicy } from '../api/preview-cleanup-policy';
import { useUpdateProjectRegistrySettings } from '../api/update-project-registry-settings';
import { CleanupPreview } from './cleanup-preview';
import { SaveRow } from './save-row';

export const CADENCES = [
  ['1d', 'Every day'],
  ['7d', 'Every week'],
  ['14d', 'Every two weeks'],
  ['1month', 'Every month'],
  ['3month', 'Every three months'],
] as const;
export const KEEP_N = [
  [1, '1 tag per image name'],
  [5, '5 tags per image name'],
  [10, '10 tags per image name'],
  [25, '25 tags per image name'],
  [50, '50 tags per image name'],
  [100, '100 tags per image name'],
] as const;
export const OLDER_THAN = [
  ['7d', '7 days'],
  ['14d', '14 days'],
  ['30d', '30 days'],
  ['90d', '90 days'],
] as const;

type FormState = {
  enabled: boolean;
  cadence: ContainerExpirationPolicy['cadence'];
  keep_n: string;
  older_than: string;
  name_regex: string;
  name_regex_keep: string;
};

const DEFAULT_POLICY: FormState = {
  enabled: false,
  cadence: '1d',
  keep_n: '10',
  older_than: '90d',
  name_regex: '.*',
  name_regex_keep: '',
};

function fromPolicy(policy: ContainerExpirationPolicy | null | undefined): FormState {
  if (!policy) return DEFAULT_POLICY;
  return {
    enabled: policy.enabled,
    cadence: policy.cadence,
    keep_n: policy.keep_n === null ? '' : String(policy.keep_n),
    older_than: policy.older_than ?? '',
    name_regex: policy.name_regex ?? '',
    name_regex_keep: policy.name_regex_keep ?? '',
  };
}

export function toAttributes(form: FormState): ContainerExpirationPolicyAttributes {
  return {
    enabled: form.enabled,
    cadence: form.cadence,
    keep_n:
      form.keep_n === '' ? null : (Number(form.keep_n) as ContainerExpirationPolicyAttributes['keep_n']),
    older_than:
      form.older_than === '' ? null : (form.older_than as ContainerExpirationPolicyAttributes['older_than']),
    name_regex: form.name_regex === '' ? null : form.name_regex,
    name_regex_keep: form.name_regex_keep === '' ? null : form.name_regex_keep,
  };
}

/** A pattern the browser cannot compile is caught before the server is asked (RE2 is stricter still). */
function regexProblem(value: string): string | null {
  if (!value) return null;
  try {
    new RegExp(value);
    return null;
  } catch {
    return 'This is not a valid regular expression.';
  }
}

function useDebounced<T>(value: T, delay: number): T {
  const [debounced, setDebounced] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setDebounced(value), delay);
    return () => clearTimeout(timer);
  }, [value, delay]);
  return debounced;
}

function Select({
  label,
  value,
  onChange,
  options,
  disabled,
  hint,
  allowNone,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  options: readonly (readonly [string | number, string])[];
  disabled: boolean;
  hint?: string;
  allowNone?: string;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        className="select"
        value={value}
        disabled={disabled}
        onChange={(event) => onChange(event.target.value)}
      >
        {allowNone ? <option value="">{allowNone}</option> : null}
        {options.map(([optionValue, optionLabel]) => (
          <option key={optionValue} value={String(optionValue)}>
            {optionLabel}
          </option>
        ))}
      </select>
      {hint ? <span className="field-hint">{hint}</span> : null}
    </div>
  );
}

function RegexField({
  label,
  value,
  onChange,
  disabled,
  hint,
  placeholder,
}: {
  label: string;
  value: string;
  onChange: (value: string) => void;
  disabled: boolean;
  hint: string;
  placeholder?: string;
}) {
  const id = useId();
  const problem = regexProblem(value);
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        className="input mono"
        value={value}
        placeholder={placeholder}
        disabled={disabled}
        spellCheck={false}
        aria-invalid={problem ? true : undefined}
        aria-describedby={`${id}-hint`}
        onChange={(event) => onChange(event.target.value)}
      />
      <span id={`${id}-hint`} className={problem ? 'field-error' : 'field-hint'}>
        {problem ?? hint}
      </span>
    </div>
  );
}

/** GitLab's cleanup policy fields with their allowed values, and a live preview of what goes now. */
export function CleanupPolicyForm({ project }: { project: ProjectWithPolicy }) {
  const savedPolicy = project.container_expiration_policy;
  const [form, setForm] = useState<FormState>(() => fromPolicy(savedPolicy));
  const update = useUpdateProjectRegistrySettings();
  const set =
    <K extends keyof FormState>(key: K) =>
    (value: FormState[K]) =>
      setForm((current) => ({ ...current, [key]: value }));
  const attributes = useMemo(() => toAttributes(form), [form]);
  const debounced = useDebounced(attributes, 300);
  const invalid = Boolean(regexProblem(form.name_regex) || regexProblem(form.name_regex_keep));
  const preview = usePreviewCleanupPolicy(project.path_with_namespace, debounced, !invalid);
  const dirty = JSON.stringify(attributes) !== JSON.stringify(toAttributes(fromPolicy(savedPolicy)));
  const enabledId = useId();

  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({
      project: project.path_with_namespace,
      container_expiration_policy_attributes: attributes,
    });
  };

  return (
    <form className="panel settings-section stack" onSubmit={submit} aria-labelledby={`${enabledId}-title`}>
      <div>
        <h2 id={`${enabledId}-title`}>Cleanup policy</h2>
        <p className="muted field-hint">
          Delete tags on a schedule. The most recent tags of each image and those matching the keep pattern
          always stay.
          {savedPolicy?.enabled && savedPolicy.next_run_at
            ? ` Next run ${formatRelative(new Date(savedPolicy.next_run_at))}.`
            : ''}
        </p>
      </div>
      <label className="switch-row" htmlFor={enabledId}>
        <input
          id={enabledId}
          type="checkbox"
          role="switch"
          aria-checked={form.enabled}
          className="switch"
          checked={form.enabled}
          onChange={(event) => set('enabled')(event.target.checked)}
        />
        <span>{form.enabled ? 'Enabled' : 'Disabled'} — run the cleanup policy</span>
      </label>
      <div className="form-grid">
        <Select
          label="Run cleanup"
          value={form.cadence}
          options={CADENCES}
          disabled={false}
          onChange={(value) => set('cadence')(value as FormState['cadence'])}
        />
        <Select
          label="Keep the most recent"
          value={form.keep_n}
          options={KEEP_N}
          disabled={false}
          allowNone="No limit"
          onChange={set('keep_n')}
        />
        <Select
          label="Remove tags older than"
          value={form.older_than}
          options={OLDER_THAN}
          disabled={false}
          allowNone="Any age"
          onChange={set('older_than')}
        />
        <span />
        <RegexField
          label="Remove tags matching"
          value={form.name_regex}
          onChange={set('name_regex')}
          disabled={false}
          placeholder=".*"
          hint="A regular expression matched against the whole tag name; .* matches every tag."
        />
        <RegexField
          label="Keep tags matching"
          value={form.name_regex_keep}
          onChange={set('name_regex_keep')}
          disabled={false}
          placeholder="v\d+\.\d+\.\d+"
          hint="Tags matching this are never removed."
        />
      </div>
      <div className="preview-box">
        {invalid ? (
          <p className="muted" style={{ margin: 0 }}>
            Fix the patterns above to see a preview.
          </p>
        ) : preview.isError && !preview.data ? (
          <ErrorPanel error={preview.error} onRetry={() => preview.refetch()} what="Preview" />
        ) : preview.data ? (
          <CleanupPreview preview={preview.data} fetching={preview.isFetching} />
        ) : (
          <div className="stack" aria-busy="true">
            <span className="visually-hidden">Loading the preview</span>
            <span className="skeleton" style={{ width: '45%' }} />
            <span className="skeleton" style={{ width: '100%', height: 40 }} />
          </div>
        )}
      </div>
      <SaveRow label="Save cleanup policy" disabled={!dirty || invalid} save={update} dirty={dirty} />
    </form>
  );
}
