import type { ProjectRegistryCi } from '@berth/contract';
import { CopyButton } from '../../../shared/ui/copy-button';
import { TerminalIcon } from '../../../shared/ui/icons';
import { Menu } from '../../../shared/ui/menu';

type Commands = ProjectRegistryCi['commands'];

/** The BFF builds the commands from the host clients use; the UI never guesses a host. */
export function cliCommands(commands: Commands) {
  return [
    { label: 'Log in to the container registry', command: commands.login },
    { label: 'Build an image', command: commands.build },
    { label: 'Push the image', command: commands.push },
  ];
}

export function CommandList({ commands }: { commands: Commands }) {
  return (
    <div className="command-list">
      {cliCommands(commands).map(({ label, command }) => (
        <div key={label}>
          <div className="command-label">{label}</div>
          <div className="command">
            <code className="command-text">{command}</code>
            <CopyButton text={command} label={`Copy command: ${label.toLowerCase()}`} />
          </div>
        </div>
      ))}
    </div>
  );
}

export function CliCommandsMenu({ commands }: { commands: Commands }) {
  return (
    <Menu label="CLI commands" icon={<TerminalIcon />}>
      <CommandList commands={commands} />
    </Menu>
  );
}
