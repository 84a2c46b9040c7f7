import { Fragment } from 'react';

/**
 * A path a narrow screen may wrap after any slash, and inside a segment only when one is too long.
 * Some accessible-name algorithms put spaces around `<wbr>`: a link around it names itself with
 * `aria-label`.
 */
export function BreakablePath({ path }: { path: string }) {
  return (
    <>
      {path.split('/').map((segment, index) => (
        // Segments of one path never reorder: their position is their identity.
        // biome-ignore lint/suspicious/noArrayIndexKey: see above
        <Fragment key={index}>
          {index > 0 ? (
            <>
              /<wbr />
            </>
          ) : null}
          {segment}
        </Fragment>
      ))}
    </>
  );
}
