#!/usr/bin/env node
/**
 * codedistill's entry point; the command line itself is commands.ts. A server's search thread starts here, before
 * the commands' modules load (a quarter of a second on two cores), so that it opens and warms the search index
 * while this thread loads the server and answers the client's handshake (search/threaded.ts).
 */
const argv = process.argv.slice(2);
const searchWorker = argv[0] === 'serve' ? (await import('../search/threaded.js')).spawnSearchWorker() : undefined;
const { run } = await import('./commands.js');
await run(argv, { searchWorker });
