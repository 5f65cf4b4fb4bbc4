import { AccountsStore } from './accounts.js';
import { CardsStore } from './cards.js';
import type { StoreContext } from './context.js';
import { DatasetsStore } from './datasets.js';
import { ExportsStore } from './exports.js';
import { PdpStore } from './pdp.js';
import { StreamsStore } from './streams.js';

/** The stores of the datasets family, wired together (streams and exports work through datasets). */
export function datasetFamilyStores(ctx: StoreContext) {
  const datasets = new DatasetsStore(ctx);
  const accounts = new AccountsStore(ctx);
  return {
    datasets,
    accounts,
    pdp: new PdpStore(ctx, datasets),
    cards: new CardsStore(ctx),
    streams: new StreamsStore(ctx, datasets, accounts),
    exports: new ExportsStore(ctx, datasets),
  };
}
