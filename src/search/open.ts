/**
 * The search index as the configuration describes it: its embedder, optional reranker and expansion sources, then
 * the LanceDB index itself. One recipe for the process that serves and for the thread that searches (worker.ts).
 */
import type { IndexSettings } from '../config.js';
import { demoted, type Logger } from '../kernel/log.js';
import { createEmbedder } from './embedder.js';
import { handwrittenLexicon } from './lexicons.js';
import { createReranker } from './reranker.js';
import { WordnetLexicon } from './wordnet-lexicon.js';
import { bundledWordnetDir, WordNet } from './wordnet.js';
import type { SearchIndex } from './types.js';

/**
 * @param how.quiet what loading the models has to say is told at debug level: the search thread said it already
 * (the main thread's own index beside it, search/threaded.ts).
 */
export async function openConfiguredIndex(s: IndexSettings, logger: Logger, how: { quiet?: boolean } = {}): Promise<SearchIndex> {
  const say = how.quiet ? demoted(logger) : logger;
  const embedder = await createEmbedder({
    model: s.model,
    modelDir: s.modelDir,
    cacheDir: s.modelCacheDir,
    allowRemote: s.allowRemoteModels,
    logger: say,
  });
  // Loaded after the embedder: both set transformers.js's process-wide paths before their load.
  const reranker = s.reranker
    ? await createReranker({
        model: s.reranker.model,
        modelDir: s.modelDir,
        cacheDir: s.modelCacheDir,
        allowRemote: s.allowRemoteModels,
        logger: say,
      })
    : null;
  // WordNet is only read when the ranking gives it a weight (expansion.sources); its files open on first use.
  const lexicons = [handwrittenLexicon, new WordnetLexicon(new WordNet(bundledWordnetDir()))];
  // LanceDB's native module loads here, not with the app: a server answers tools/list before it is needed.
  const { openIndex } = await import('./store.js');
  return openIndex({
    dir: s.indexDir,
    cacheBytes: s.indexCacheMb * 2 ** 20,
    embedder,
    logger,
    lexicons,
    showDemos: s.showDemos,
    reranker,
    rerankTop: s.reranker?.top,
  });
}
