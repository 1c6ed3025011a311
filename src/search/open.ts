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
 * @param how.forSync the index only syncs (beside a search thread, search/threaded.ts): no reranker, and what loading
 * the embedder has to say is told at debug level, as the search thread has said it.
 */
export async function openConfiguredIndex(s: IndexSettings, logger: Logger, how: { forSync?: boolean } = {}): Promise<SearchIndex> {
  const embedder = await createEmbedder({
    model: s.model,
    modelDir: s.modelDir,
    cacheDir: s.modelCacheDir,
    allowRemote: s.allowRemoteModels,
    logger: how.forSync ? demoted(logger) : logger,
  });
  // Loaded after the embedder: both set transformers.js's process-wide paths before their load.
  const reranker = s.reranker && !how.forSync
    ? await createReranker({
        model: s.reranker.model,
        modelDir: s.modelDir,
        cacheDir: s.modelCacheDir,
        allowRemote: s.allowRemoteModels,
        logger,
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
