/** The name a library gets when the request gives none: the repository's last path segment, as a slug. */

export function libraryNameFor(repo: string): string {
  const last = repo.split('/').filter(Boolean).pop() ?? 'library';
  const slug = last.toLowerCase().replace(/\.git$/, '').replace(/[^a-z0-9._-]+/g, '-').replace(/^[^a-z0-9]+/, '');
  return (slug || 'library').slice(0, 64);
}
