/**
 * codedistill's command line (main.ts starts it): `serve` runs the MCP server over stdio; the other commands call
 * the same core services as the tools, for people and scripts.
 */
import type { DistillReport, DistillRequest } from '../domain/distill.js';
import { shortCommit } from '../domain/library.js';
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { parseArgs } from 'node:util';
import type { Worker } from 'node:worker_threads';
import { indexSettings, loadConfig, prepareProcessEnv, type Config } from '../config.js';
import { CodedistillError, describeError, errorMessage, quoteInput, zodIssues } from '../kernel/errors.js';
import type { JobOptions } from '../domain/job.js';
import { createLogger, type Logger } from '../kernel/log.js';
import { patternAnswer } from '../server/pattern-answer.js';
import { forCli } from './surface.js';
import { progressBar, type ProgressBar } from './progress-bar.js';
import { STAGE_PLANS, type StagePlan } from '../server/progress.js';
import { patternText } from '../server/getPattern.js';
import { defaultOutputDir, outputsText, writeOutputs } from './outputs.js';

const USAGE = `codedistill: distill scientific repositories into validated building blocks for coding agents

Usage:
  codedistill serve                         MCP server over stdio (what mcp.json starts)
  codedistill serve --http [--port N] [--host H] [--allow-remote]
                                            MCP over Streamable HTTP at http://127.0.0.1:8765/mcp, bearer token
                                            required (CODEDISTILL_HTTP_TOKEN, or the file it names on stderr)
  codedistill distill <source> [options]    folder, GitHub URL or owner/name -> a library
      --name <name>   library name          --ref <ref>     branch, tag or commit (GitHub)
      --no-validate   do not run examples   --force         redo an already distilled commit
      --out <dir>     write the library under <dir> instead of $CODEDISTILL_HOME/libraries
      --python <cmd>  base interpreter of the library's environment (remembered; never one inside a repository)
      --extra <group> optional-dependency group to install too (repeatable, remembered)
      --no-env        no environment: run the examples with the base interpreter and the snapshot
      --gen-blocks N, --gen-tokens N, --gen-usd X, --gen-repairs N
                      with a language model configured: the budget of generated examples (see README.md)
  codedistill search <query> [--limit N] [--library L] [--kind K] [--validated] [--checked]
      --validated     examples ran cleanly  --checked       and matched an output the repository states
      --kind K        function, class, method, workflow or pattern
  codedistill get <id> [--full]             a block: usage (default), or everything with --full
  codedistill validate <file|-> [--library L] [--timeout MS] [--out DIR]
      --out DIR       where the files it writes (plots, CSV) go (default: ./<file>-outputs)
  codedistill revalidate <library> [--id ID ...] [--timeout MS] [--rebuild|--upgrade]
  codedistill env <library> [--rebuild|--upgrade] [--python <cmd>] [--extra <group> ...]
                                            make the library's environment; print what is installed or missing
  codedistill env --prune [--dry-run]       remove the environments no library needs (older than an hour, not being built)
  codedistill libraries                     the libraries, with counts and environment state
  codedistill remove <library>              delete one of your libraries (not a shipped one)
  codedistill doctor                        what this machine gives: Node, Python, bubblewrap and the limits a run
                                            gets here, the embedding model, leftovers; and what to fix
  codedistill report <library> [--out FILE] one static HTML page: purpose, licence, validation chart, lock, blocks,
                                            and a Domain section per summary in $CODEDISTILL_HOME/domains
                                            (default FILE: ./<library>-report.html)
  codedistill patterns --name <field> [--libraries a,b,c] [--min-repos N] [--max-patterns N]
                                            the idioms several libraries share -> the library <field>-patterns
                                            (default: all your libraries; a pattern needs N repositories, default 2)
  codedistill discover [keywords...] [--topic T ...] [--language L] [--licence SPDX ...] [--stars N]
                   [--pushed-since YYYY-MM-DD] [--limit N] [--out FILE]
                                            search GitHub (needs GITHUB_TOKEN); writes a repository list to edit
  codedistill batch <list> [--workers N] [--retry-failed] [--no-validate] [--queue redis://host:port]
                                            distill every repository of a list (one owner/name[@commit] a line);
                                            a rerun resumes; --queue enqueues on Redis for codedistill worker
  codedistill domain <name> [keywords...] [discover's options] [--workers N]
                                            discover -> batch -> a domain summary in $CODEDISTILL_HOME/domains/<name>.json
  codedistill batch-status [id]             the batches of this home and their repositories' states
  codedistill worker --queue redis://host:port [--workers N]
                                            distill the jobs of a Redis batch queue until stopped
  codedistill export-skills <library> [--out DIR]
                                            the validated blocks as Agent Skills folders (default DIR: ./<library>-skills)
Add --json to any command for machine-readable output. Environment variables: see README.md.`;

/** Largest snippet file read (bytes): the tool takes at most 200,000 characters of code anyway. */
const MAX_SNIPPET_BYTES = 1024 * 1024;

/** A snippet from a file (read up to the cap: /dev/zero or a FIFO must not hang the command) or standard input. */
function readSnippet(file: string): string {
  if (file === '-') return readFileSync(0, 'utf8');
  const st = statSync(file);
  if (!st.isFile()) throw new CodedistillError('invalid_input', `${quoteInput(file)} is not a regular file.`, 'Pass a Python file, or - to read standard input.');
  if (st.size > MAX_SNIPPET_BYTES) throw new CodedistillError('invalid_input', `${quoteInput(file)} is over ${MAX_SNIPPET_BYTES} bytes.`, 'Run a smaller piece.');
  const fd = openSync(file, 'r');
  try {
    const buf = Buffer.alloc(MAX_SNIPPET_BYTES);
    let got = 0;
    for (let n = -1; n !== 0 && got < buf.length; got += n) n = readSync(fd, buf, got, buf.length - got, null);
    return buf.subarray(0, got).toString('utf8');
  } finally {
    closeSync(fd);
  }
}

/** What main.ts started before the commands loaded. */
export interface Early {
  /** A server's search thread, already opening the index (search/threaded.ts). */
  searchWorker?: Worker;
}

async function main(argv: string[], early: Early): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      ref: { type: 'string' },
      python: { type: 'string' },
      'no-validate': { type: 'boolean', default: false },
      'no-env': { type: 'boolean', default: false },
      extra: { type: 'string', multiple: true },
      'gen-blocks': { type: 'string' },
      'gen-tokens': { type: 'string' },
      'gen-usd': { type: 'string' },
      'gen-repairs': { type: 'string' },
      rebuild: { type: 'boolean', default: false },
      prune: { type: 'boolean', default: false },
      'dry-run': { type: 'boolean', default: false },
      upgrade: { type: 'boolean', default: false },
      force: { type: 'boolean', default: false },
      out: { type: 'string' },
      limit: { type: 'string' },
      library: { type: 'string' },
      validated: { type: 'boolean', default: false },
      checked: { type: 'boolean', default: false },
      timeout: { type: 'string' },
      id: { type: 'string', multiple: true },
      json: { type: 'boolean', default: false },
      full: { type: 'boolean', default: false },
      http: { type: 'boolean', default: false },
      port: { type: 'string' },
      host: { type: 'string' },
      'allow-remote': { type: 'boolean', default: false },
      libraries: { type: 'string' },
      'min-repos': { type: 'string' },
      'max-patterns': { type: 'string' },
      kind: { type: 'string' },
      workers: { type: 'string' },
      queue: { type: 'string' },
      'retry-failed': { type: 'boolean', default: false },
      keyword: { type: 'string', multiple: true },
      topic: { type: 'string', multiple: true },
      language: { type: 'string' },
      licence: { type: 'string', multiple: true },
      stars: { type: 'string' },
      'pushed-since': { type: 'string' },
      help: { type: 'boolean', short: 'h', default: false },
      version: { type: 'boolean', default: false },
    },
  });
  const [cmd, ...rest] = positionals;
  prepareProcessEnv();
  let config: Config = loadConfig();
  if (values.version) {
    console.log(config.version);
    return 0;
  }
  if (values.help || !cmd) {
    (cmd ? console.log : console.error)(USAGE);
    return cmd || values.help ? 0 : 2;
  }
  // --out is where distill writes libraries; report and export-skills name their own output with it.
  if (values.out && cmd === 'distill') {
    const { resolve } = await import('node:path');
    config = { ...config, userLibrariesDir: resolve(values.out) };
  }
  const logger = createLogger(config.logLevel);
  // A server searches on a thread of its own, started before the app loads so that it opens and warms the index
  // while this thread loads the server and answers the handshake.
  const given = cmd === 'serve' ? { index: await searchThread(config, logger, early.searchWorker) } : {};
  const { createApp, defaultServices } = await import('../app.js');
  const app = createApp(config, logger, defaultServices(config, logger, given));
  // One progress bar per command, stopped before the answer is printed (and on failure).
  let shown: ProgressBar | null = null;
  const bar = (plan: StagePlan) => (shown = progressBar(plan)).onProgress;
  const stopBar = () => shown?.stop();
  const print = (data: unknown, text: string) => {
    stopBar();
    console.log(values.json ? JSON.stringify(data, null, 2) : text);
  };

  try {
    switch (cmd) {
      case 'serve': {
        if (values.http) {
          const { serveHttp } = await import('../server/http.js');
          const port = values.port === undefined ? config.http.port : Number(values.port);
          if (!Number.isInteger(port) || port < 0 || port > 65535) throw usage(`--port must be a port number (0-65535), got "${values.port}"`);
          await serveHttp({ app, logger }, config.version, config.http, config.home, { host: values.host ?? '127.0.0.1', port, allowRemote: values['allow-remote'] });
          return 0;
        }
        const { serveStdio } = await import('../server/server.js');
        await serveStdio({ app, logger }, config.version);
        return 0;
      }
      case 'doctor': {
        const { renderChecks, runDoctor } = await import('./doctor.js');
        const checks = await runDoctor(config);
        print(checks, renderChecks(checks));
        return checks.some((c) => c.status === 'fail') ? 1 : 0;
      }
      case 'distill': {
        if (!rest[0]) throw usage('distill needs a source: a folder, a GitHub URL or owner/name');
        const { orphanSignal } = await import('./orphan.js');
        const orphan = orphanSignal(config.batchParentPid);
        const report = await app.distill(
          {
            source: rest[0],
            name: values.name,
            ref: values.ref,
            validate: !values['no-validate'],
            force: values.force,
            python: values.python,
            extras: values.extra,
            environment: values['no-env'] ? 'none' : values.upgrade ? 'upgrade' : values.rebuild ? 'rebuild' : 'auto',
            generate: generationBudget(values),
          },
          { onProgress: bar(STAGE_PLANS.distill), signal: orphan.signal },
          // The next search (this CLI's, a server's) brings the index up to date from the library files.
          { index: false },
        ).finally(orphan.dispose);
        const c = report.counts;
        print(
          report,
          `${report.unchanged ? 'unchanged' : 'distilled'} ${report.repo}@${shortCommit(report.commit)} -> ${report.libraryPath}\n` +
            `blocks ${c.blocks}, examples ${c.examples}, validated ${c.validated}; files ${c.filesParsed}/${c.filesSeen} parsed, ` +
            `${c.filesSkipped} skipped, ${c.parseErrors} with syntax errors; licence ${report.licence}; ${(report.durationMs / 1000).toFixed(1)} s` +
            exampleLines(report) +
            (report.environment ? `\nenvironment: ${report.environment.message} (${report.environment.seconds} s)` : '') +
            (report.warnings.length ? `\nwarnings:\n  ${report.warnings.join('\n  ')}` : ''),
        );
        return 0;
      }
      case 'patterns': {
        if (!values.name) throw usage('patterns needs --name <field>: the library written is <field>-patterns');
        const r = await app.minePatterns(
          {
            name: values.name,
            libraries: values.libraries ? values.libraries.split(',').map((x) => x.trim()).filter(Boolean) : undefined,
            minRepos: values['min-repos'] ? Number(values['min-repos']) : undefined,
            maxPatterns: values['max-patterns'] ? Number(values['max-patterns']) : undefined,
          },
          { onProgress: bar(STAGE_PLANS.patterns) },
        );
        print(
          r,
          `${r.library}: ${r.patterns} patterns from ${r.sources.length} libraries (${r.units} pieces of code read), ${r.withRun} with an example that ran; ` +
            `${r.libraryPath ? `written to ${r.libraryPath}` : 'nothing written'}; ${(r.durationMs / 1000).toFixed(1)} s` +
            r.top.map((t, i) => `\n${i + 1}. ${t.id}  [${t.repos} repositories, ${t.blocks} blocks${t.ran ? ', ran' : ''}]\n   ${t.template.split('\n').filter((l) => !l.startsWith('import ')).join('\n   ')}`).join('') +
            (r.warnings.length ? `\nwarnings:\n  ${r.warnings.join('\n  ')}` : ''),
        );
        return r.patterns > 0 ? 0 : 1;
      }
      case 'search': {
        const query = rest.join(' ');
        const res = await app.search({
          query,
          limit: values.limit ? Number(values.limit) : undefined,
          library: values.library,
          kind: values.kind,
          validatedOnly: values.validated || undefined,
          checkedOnly: values.checked || undefined,
        });
        print(
          res,
          res.results.length
            ? res.results
                .map((r, i) => `${i + 1}. ${r.id}  [${r.level ?? r.validation}, ${r.confidence}, ${r.score.toFixed(2)}]\n   ${r.signature}\n   ${r.summary}`)
                .join('\n')
            : 'no results',
        );
        return 0;
      }
      case 'get': {
        if (!rest[0]) throw usage('get needs a block id (from search)');
        const res = await app.getPattern(rest[0]);
        const answer = patternAnswer(res, values.full ? 'full' : 'usage', res.library.demo === true);
        print(answer, patternText(answer, res.block.validation, true));
        return 0;
      }
      case 'validate': {
        if (!rest[0]) throw usage('validate needs a file, or - for standard input');
        let code: string;
        try {
          code = readSnippet(rest[0]);
        } catch (e) {
          if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
          console.error(`cannot read ${rest[0]}: there is no such file. Give a Python file, or - to read the code from standard input.`);
          return 2;
        }
        const res = await app.validateSnippet({
          code,
          library: values.library,
          timeoutMs: values.timeout ? Number(values.timeout) : undefined,
        });
        // The files go to disk, not into the printed answer: the JSON names them and says where they are.
        const files = res.outputs?.files.length || res.outputs?.leftCount ? res.outputs : null;
        const written = files ? await writeOutputs(files, values.out ?? defaultOutputDir(rest[0])) : null;
        const shown = res.outputs ? { ...res, outputs: { ...res.outputs, files: res.outputs.files.map(({ name, mimeType, bytes }) => ({ name, mimeType, bytes })) } } : res;
        print(
          written ? { ...shown, written } : shown,
          `${res.status}: ${forCli(res.message)}${res.stdout ? `\n${res.stdout}` : ''}${res.status !== 'passed' && res.stderr ? `\n${res.stderr}` : ''}` +
            (written && files ? `\n${outputsText(written, files)}` : ''),
        );
        return res.status === 'passed' ? 0 : 1;
      }
      case 'revalidate': {
        if (!rest[0]) throw usage('revalidate needs a library name (see: codedistill libraries)');
        const r = await app.revalidate(
          {
            library: rest[0],
            ids: values.id,
            timeoutMs: values.timeout ? Number(values.timeout) : undefined,
            environment: values.upgrade ? 'upgrade' : values.rebuild ? 'rebuild' : 'auto',
          },
          { onProgress: bar(STAGE_PLANS.revalidate) },
        );
        const c = r.counts;
        print(
          r,
          `${r.library}: ${c.runs} runs, ${c.passed} passed, ${c.failed} failed, ${c.skipped} skipped, ${c.timeout} timed out, ${c.error} errors; ` +
            `${r.changed.length} changed${r.libraryPath ? `; written to ${r.libraryPath}` : ''}` +
            (r.environment ? `\nenvironment: ${r.environment.message}` : '') +
            (r.environment?.changes.length ? `\nversions changed: ${r.environment.changes.map((x) => `${x.name} ${x.before ?? 'absent'} -> ${x.after ?? 'absent'}`).join(', ')}` : '') +
            r.changed.map((ch) => `\n  ${ch.id}: ${ch.before ?? 'none'}${ch.levelBefore ? ` (${ch.levelBefore})` : ''} -> ${ch.after}${ch.levelAfter ? ` (${ch.levelAfter})` : ''}  ${ch.message}`).join('') +
            (r.warnings.length ? `\nwarnings:\n  ${r.warnings.join('\n  ')}` : ''),
        );
        return r.changed.some((ch) => ch.before === 'passed' && ch.after !== 'passed') ? 1 : 0;
      }
      case 'env': {
        if (values.prune || values['dry-run']) {
          const r = await app.pruneEnvironments({ dryRun: values['dry-run'] });
          const mb = (b: number) => `${(b / 1048576).toFixed(1)} MB`;
          const total = r.unused.reduce((a, u) => a + u.bytes, 0);
          print(
            r,
            `${r.unused.length} environments no library needs (${mb(total)})${r.dryRun ? ', not removed (--dry-run)' : `, ${r.removed.length} removed`}; ${r.kept} kept` +
              r.unused.map((u) => `\n  ${u.key}  ${mb(u.bytes)}  made ${u.madeAt}`).join('') +
              r.failed.map((f) => `\n  could not remove ${f.key}: ${f.reason}`).join(''),
          );
          return r.failed.length ? 1 : 0;
        }
        if (!rest[0]) throw usage('env needs a library name (see: codedistill libraries), or --prune');
        const r = await app.environment(
          { library: rest[0], mode: values.upgrade ? 'upgrade' : values.rebuild ? 'rebuild' : 'auto', python: values.python, extras: values.extra },
          { onProgress: bar(STAGE_PLANS.environment) },
        );
        const e = r.environment;
        print(
          r,
          `${r.library}: ${e.message} in ${e.seconds} s` +
            (r.python ? `\npython: ${r.python}` : '') +
            (r.lockPath ? `\nlock: ${r.lockPath}` : '') +
            (e.changes.length ? `\nversions changed: ${e.changes.map((x) => `${x.name} ${x.before ?? 'absent'} -> ${x.after ?? 'absent'}`).join(', ')}` : '') +
            (e.installCommand ? `\nto install what is missing: ${e.installCommand}` : ''),
        );
        return e.status === 'failed' ? 1 : 0;
      }
      case 'libraries': {
        const libs = await app.listLibraries();
        // --json keeps every field it had (scripts read source.location) and adds the summary's.
        const infos = new Map((await app.libraries()).map((l) => [l.name, l]));
        print(
          libs.map((l) => ({ ...infos.get(l.name), ...l })),
          libs
            .map((l) => `${l.name}\t${l.blocks} blocks\t${Math.round(l.validatedShare * 100)}% validated\t${l.licence}\t${l.repository}@${l.commit}\tenvironment ${l.environment}${l.demo ? '\tdemo' : ''}${l.readOnly ? '\tread-only' : ''}`)
            .join('\n') || 'no libraries: create one with `codedistill distill <folder|owner/name>`',
        );
        return 0;
      }
      case 'remove': {
        if (!rest[0]) throw usage('remove needs a library name (see: codedistill libraries)');
        const r = await app.removeLibrary(rest[0]);
        print(r, `removed ${r.library} (${r.blocks} blocks) from ${r.path}`);
        return 0;
      }
      case 'report': {
        if (!rest[0]) throw usage('report needs a library name (see: codedistill libraries)');
        const { library, lock } = await app.openLibrary(rest[0]);
        const { reportPage } = await import('../report/page.js');
        // The home's domain summaries (codedistill domain) are shown on the page, a Domain section each.
        const { readDomainSummaries } = await import('../jobs/domain.js');
        const domains = await readDomainSummaries(config.home, logger);
        const html = reportPage({ library, lock, generator: config.version, generatedAt: new Date(), domains });
        const { resolve } = await import('node:path');
        const file = resolve(values.out ?? `${library.name}-report.html`);
        const { mkdir, writeFile } = await import('node:fs/promises');
        await mkdir((await import('node:path')).dirname(file), { recursive: true });
        await writeFile(file, html, 'utf8');
        print(
          { library: library.name, path: file, bytes: Buffer.byteLength(html), blocks: library.blocks.length, domains: domains.map((d) => d.name) },
          `wrote ${file} (${library.blocks.length} blocks${domains.length ? `, ${domains.length} domain${domains.length === 1 ? '' : 's'}` : ''}, ${Math.round(Buffer.byteLength(html) / 1024)} KB)`,
        );
        return 0;
      }
      case 'export-skills': {
        if (!rest[0]) throw usage('export-skills needs a library name (see: codedistill libraries)');
        const { library } = await app.openLibrary(rest[0]);
        const { exportSkills } = await import('../report/skills.js');
        const out = exportSkills(library, { generator: config.version });
        const path = await import('node:path');
        const { mkdir, rm, writeFile } = await import('node:fs/promises');
        const dir = path.resolve(values.out ?? `${library.name}-skills`);
        for (const skill of out.skills) {
          // Only the folders of this export are replaced; anything else in the folder stays.
          const skillDir = path.join(dir, skill.name);
          await rm(skillDir, { recursive: true, force: true });
          for (const [file, content] of skill.files) {
            await mkdir(path.dirname(path.join(skillDir, file)), { recursive: true });
            await writeFile(path.join(skillDir, file), content, 'utf8');
          }
        }
        print(
          { library: library.name, path: dir, skills: out.skills.map((s) => ({ name: s.name, blocks: s.blocks, files: s.files.size })), exported: out.exported, notValidated: out.notValidated },
          out.skills.length
            ? `wrote ${out.skills.length} skills (${out.exported} validated blocks; ${out.notValidated} without an example that ran left out) to ${dir}`
            : `no skills written: ${library.name} has no block with an example that ran (see: codedistill report ${library.name})`,
        );
        return out.skills.length ? 0 : 1;
      }
      case 'discover': {
        const { discoverCommand } = await import('./batch-commands.js');
        return await discoverCommand([...rest, ...(values.keyword ?? [])], values, config, print);
      }
      case 'batch': {
        if (!rest[0]) throw usage('batch needs a repository list file (one owner/name[@commit] per line; see: codedistill discover)');
        const { batchCommand } = await import('./batch-commands.js');
        return await batchCommand(rest[0], values, config, logger, print);
      }
      case 'domain': {
        if (!rest[0]) throw usage('domain needs a name (e.g. signal-processing) and search words or --topic');
        const { domainCommand } = await import('./batch-commands.js');
        const field = rest[0];
        // The domain's patterns: the idioms its libraries share, written as the library <name>-patterns.
        const patterns = async (libraries: string[], opts: JobOptions) => {
          if (libraries.length < 2) return [];
          try {
            return (await app.minePatterns({ name: field, libraries }, opts)).top;
          } catch (e) {
            logger.warn(`patterns of ${field} not mined: ${errorMessage(e)}`);
            return [];
          }
        };
        return await domainCommand(field, [...rest.slice(1), ...(values.keyword ?? [])], values, config, logger, print, patterns);
      }
      case 'batch-status': {
        const { batchStatusCommand } = await import('./batch-commands.js');
        return await batchStatusCommand(rest[0], config, print);
      }
      case 'worker': {
        if (!values.queue) throw usage('worker needs --queue redis://host:port');
        const { workerCommand } = await import('./batch-commands.js');
        return await workerCommand(values, config, logger);
      }
      default:
        throw usage(`unknown command "${cmd}"`);
    }
  } catch (e) {
    stopBar();
    if (e instanceof UsageError) {
      console.error(`${e.message}\n\n${USAGE}`);
      return 2;
    }
    if (e && typeof e === 'object' && 'issues' in e) {
      console.error(`invalid input: ${zodIssues(e as Parameters<typeof zodIssues>[0])}`);
      return 2;
    }
    console.error(forCli(describeError(e)));
    // With --json a script (a batch worker) gets the failure's cause too, as the last line of stdout.
    if (values.json) console.log(JSON.stringify({ error: { code: e instanceof CodedistillError ? e.code : 'internal', message: forCli(describeError(e)) } }));
    return 1;
  } finally {
    stopBar();
    if (cmd !== 'serve') await app.close();
  }
}

/** The --gen-* flags as distill's `generate` (checked by its schema); undefined when none is given. */
function generationBudget(values: Record<string, unknown>): DistillRequest['generate'] {
  const num = (flag: string) => (typeof values[flag] === 'string' ? Number(values[flag]) : undefined);
  const budget = { blocks: num('gen-blocks'), tokens: num('gen-tokens'), usd: num('gen-usd'), repairs: num('gen-repairs') };
  return Object.values(budget).some((v) => v !== undefined) ? budget : undefined;
}

/** The example figures of a distill report, for people: per source and the coverage of public documented blocks. */
function exampleLines(report: DistillReport): string {
  const c = report.counts;
  const pct = (n: number, of: number) => `${of ? Math.round((n * 100) / of) : 0}%`;
  const sources = Object.entries(c.bySource ?? {}).map(([s, n]) => `${s} ${n.examples}/${n.ran}/${n.checked}`);
  let out = sources.length ? `\nexamples by source (examples/ran/checked): ${sources.join(', ')}` : '';
  if (c.coverage) {
    const v = c.coverage;
    out += `\npublic documented blocks ${v.blocks}: with an example that ran ${v.ran} (${pct(v.ran, v.blocks)}), checked ${v.checked} (${pct(v.checked, v.blocks)})`;
  }
  const g = report.generation;
  if (g) {
    const cost = g.costUsd === null ? '' : `, $${g.costUsd.toFixed(4)}`;
    out +=
      `\ngenerated with ${g.model}: ${g.kept} of ${g.attempted} blocks kept; ${g.requests} requests, ${g.runs} runs, ` +
      `${g.inputTokens + g.outputTokens} tokens${cost}; stopped by ${g.stoppedBy}`;
  }
  return out;
}

class UsageError extends Error {}
const usage = (m: string) => new UsageError(m);

/** Run the command line and set the exit status; `early` is what main.ts started before these modules loaded. */
export function run(argv: string[], early: Early = {}): Promise<void> {
  return main(argv, early).then(
    (code) => {
      process.exitCode = code;
    },
    (e) => {
      console.error(describeError(e));
      process.exitCode = 1;
    },
  );
}

async function searchThread(config: Config, logger: Logger, worker?: Worker) {
  const { ThreadedSearchIndex } = await import('../search/threaded.js');
  // The main thread's own index beside the thread: the thread has said what loading the models had to say.
  const openWriter = async () => (await import('../app.js')).openHere(config, logger, { quiet: true });
  return new ThreadedSearchIndex(indexSettings(config), logger, openWriter, worker);
}
