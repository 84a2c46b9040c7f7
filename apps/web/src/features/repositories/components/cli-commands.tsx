import { registryHost } from '../../../shared/paths';
import { CopyButton } from '../../../shared/ui/copy-button';
import { TerminalIcon } from '../../../shared/ui/icons';
import { Menu } from '../../../shared/ui/menu';

export function cliCommands(imagePrefix: string) {
  return [
    { label: 'Log in to the container registry', command: `docker login ${registryHost(imagePrefix)}` },
    { label: 'Build an image', command: `docker build -t ${imagePrefix} .` },
    { label: 'Push the image', command: `docker push ${imagePrefix}` },
  ];
}

export function CommandList({ imagePrefix }: { imagePrefix: string }) {
  return (
    <div>
      {cliCommands(imagePrefix).map(({ label, command }) => (
        <div key={command}>
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

export function CliCommandsMenu({ imagePrefix }: { imagePrefix: string }) {
  return (
    <Menu label="CLI commands" icon={<TerminalIcon />}>
      <CommandList imagePrefix={imagePrefix} />
    </Menu>
  );
}
