/**
 * The command line's wording of the errors the core throws for the tools: a hint that says "create it with
 * distill_repo" reads "create it with `codedistill distill`" here, so a person is pointed at a command they can type.
 */
const COMMANDS: Record<string, string> = {
  distill_repo: 'codedistill distill',
  search_library: 'codedistill search',
  get_pattern: 'codedistill get',
  validate_snippet: 'codedistill validate',
  revalidate: 'codedistill revalidate',
  build_environment: 'codedistill env',
  list_libraries: 'codedistill libraries',
  remove_library: 'codedistill remove',
};

const TOOL_NAME = new RegExp(`\\b(${Object.keys(COMMANDS).join('|')})\\b`, 'g');

/** Tool parameters a hint names that have an option of their own here. */
const OPTIONS: Record<string, string> = { timeoutMs: '--timeout' };
const PARAMETER = new RegExp(`\\b(${Object.keys(OPTIONS).join('|')})\\b`, 'g');

export function forCli(message: string): string {
  return message
    .replace(/\bvalidate_snippet with library "([^"]+)"/g, (_, lib: string) => `\`codedistill validate --library ${lib}\``)
    .replace(TOOL_NAME, (name) => `\`${COMMANDS[name]}\``)
    .replace(PARAMETER, (name) => OPTIONS[name]!);
}
