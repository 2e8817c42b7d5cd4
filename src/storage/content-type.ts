const CONTENT_TYPES: Readonly<Record<string, string>> = {
  mp4: 'video/mp4',
  jpg: 'image/jpeg',
  jpeg: 'image/jpeg',
  png: 'image/png',
  webp: 'image/webp',
};

/** The media type a blob is served with, from its key's extension; `application/octet-stream` otherwise. */
export function contentTypeForKey(key: string): string {
  const dot = key.lastIndexOf('.');
  const slash = key.lastIndexOf('/');
  if (dot <= slash) return 'application/octet-stream';
  return CONTENT_TYPES[key.slice(dot + 1).toLowerCase()] ?? 'application/octet-stream';
}
