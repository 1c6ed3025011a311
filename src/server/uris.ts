/** The resource addresses of libraries and blocks: `library://<name>`, `block://<library>/<qualified name>`. */

export const libraryUri = (name: string): string => `library://${name}`;

/** A block id "<library>:<qualified name>" as its resource address. */
export function blockUri(id: string): string {
  const i = id.indexOf(':');
  return i < 0 ? `block://${id}` : `block://${id.slice(0, i)}/${id.slice(i + 1)}`;
}

/** A block's resource address back to its id; anything else unchanged (get_pattern takes either). */
export function idFromBlockUri(idOrUri: string): string {
  const m = /^block:\/\/([^/]+)\/(.+)$/.exec(idOrUri.trim());
  return m ? `${m[1]}:${m[2]}` : idOrUri;
}
