import { AccountsStore } from './accounts.js';
import { BeastModesStore } from './beast-modes.js';
import { CardsStore } from './cards.js';
import { CertifiedContentStore } from './certified-content.js';
import type { StoreContext } from './context.js';
import { DatasetsStore } from './datasets/index.js';
import { ExportsStore } from './exports.js';
import { PdpStore } from './pdp.js';
import { RowService } from './rows.js';
import { StreamsStore } from './streams.js';

/**
 * The stores of the datasets family, wired together (streams work through datasets; exports, like every
 * reader of dataset rows, through the row service).
 */
export function datasetFamilyStores(ctx: StoreContext) {
  const beastModes = new BeastModesStore(ctx);
  const certifiedContent = new CertifiedContentStore(ctx);
  const datasets = new DatasetsStore(ctx, { datasetFormulas: (id) => beastModes.datasetFormulas(id), badge: (type, id) => certifiedContent.badge(type, id) });
  const accounts = new AccountsStore(ctx);
  const pdp = new PdpStore(ctx, datasets);
  const rows = new RowService(ctx, datasets, pdp, beastModes);
  return {
    datasets,
    beastModes,
    rows,
    accounts,
    pdp,
    certifiedContent,
    cards: new CardsStore(ctx, certifiedContent),
    streams: new StreamsStore(ctx, datasets, accounts),
    exports: new ExportsStore(ctx, datasets, rows),
  };
}
