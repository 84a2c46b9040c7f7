export const MediaTypes = {
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerManifestList: 'application/vnd.docker.distribution.manifest.list.v2+json',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
} as const;

export const IMAGE_MANIFEST_TYPES: ReadonlySet<string> = new Set([
  MediaTypes.ociManifest,
  MediaTypes.dockerManifest,
]);
export const INDEX_TYPES: ReadonlySet<string> = new Set([MediaTypes.ociIndex, MediaTypes.dockerManifestList]);
export const MANIFEST_TYPES: ReadonlySet<string> = new Set([...IMAGE_MANIFEST_TYPES, ...INDEX_TYPES]);

/** Manifests larger than this are refused (the spec lets registries set a limit; 4 MiB is common). */
export const MANIFEST_MAX_BYTES = 4 * 1024 * 1024;
