import type { RegistryAccessLevel } from '@berth/contract';
import { type FormEvent, useId, useState } from 'react';
import type { ProjectWithPolicy } from '../../../shared/api/get-project';
import { useUpdateProjectRegistrySettings } from '../api/update-project-registry-settings';
import { SaveRow } from './save-row';

/** Registry on/off and who may pull: GitLab's `container_registry_access_level`. */
export function RegistryAccessForm({ project }: { project: ProjectWithPolicy }) {
  const saved = project.container_registry_access_level;
  const [enabled, setEnabled] = useState(saved !== 'disabled');
  const [visibility, setVisibility] = useState<'enabled' | 'private'>(
    saved === 'private' ? 'private' : 'enabled',
  );
  const update = useUpdateProjectRegistrySettings();
  const switchId = useId();
  const level: RegistryAccessLevel = enabled ? visibility : 'disabled';
  const dirty = level !== saved;

  const submit = (event: FormEvent) => {
    event.preventDefault();
    update.mutate({ project: project.path_with_namespace, container_registry_access_level: level });
  };

  return (
    <form className="panel settings-section stack" onSubmit={submit} aria-labelledby={`${switchId}-title`}>
      <div>
        <h2 id={`${switchId}-title`}>Container registry</h2>
        <p className="muted field-hint">Store and share container images for this project.</p>
      </div>
      <label className="switch-row" htmlFor={switchId}>
        <input
          id={switchId}
          type="checkbox"
          role="switch"
          aria-checked={enabled}
          className="switch"
          checked={enabled}
          onChange={(event) => setEnabled(event.target.checked)}
        />
        <span>{enabled ? 'On' : 'Off'} — the container registry for this project</span>
      </label>
      <fieldset className="choice-group" disabled={!enabled}>
        <legend className="field-label">Who can pull images</legend>
        <label>
          <input
            type="radio"
            name="registry-visibility"
            value="enabled"
            checked={visibility === 'enabled'}
            onChange={() => setVisibility('enabled')}
          />
          <span>
            Everyone with access
            <span className="field-hint muted"> — anyone who can see the project</span>
          </span>
        </label>
        <label>
          <input
            type="radio"
            name="registry-visibility"
            value="private"
            checked={visibility === 'private'}
            onChange={() => setVisibility('private')}
          />
          <span>
            Only project members
            <span className="field-hint muted"> — members of the project and its groups</span>
          </span>
        </label>
      </fieldset>
      {!enabled && saved !== 'disabled' ? (
        <p className="notice danger" style={{ margin: 0 }}>
          Turning the registry off stops every push and pull, for everyone, until it is turned on again.
          Images stay stored.
        </p>
      ) : null}
      <SaveRow label="Save changes" disabled={!dirty} save={update} dirty={dirty} />
    </form>
  );
}
