import { AccountsStore } from './accounts.js';
import { CardsStore } from './cards.js';
import type { StoreContext } from './context.js';
import { DatasetsStore } from './datasets.js';
import { ExportsStore } from './exports.js';
import { PdpStore } from './pdp.js';
import { RowService } from './rows.js';
import { StreamsStore } from './streams.js';

/**
 * The stores of the datasets family, wired together (streams work through datasets; exports, like every
 * reader of dataset rows, through the row service).
 */
export function datasetFamilyStores(ctx: StoreContext) {
  const datasets = new DatasetsStore(ctx);
  const accounts = new AccountsStore(ctx);
  const pdp = new PdpStore(ctx, datasets);
  const rows = new RowService(ctx, datasets, pdp);
  return {
    datasets,
    rows,
    accounts,
    pdp,
    cards: new CardsStore(ctx),
    streams: new StreamsStore(ctx, datasets, accounts),
    exports: new ExportsStore(ctx, datasets, rows),
  };
}
