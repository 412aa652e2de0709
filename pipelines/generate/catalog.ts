import type { Random } from './random.js';

export interface Product {
  productId: string;
  name: string;
  category: string;
  listPriceCny: number;
  unitCostCny: number;
}

const CATEGORIES = [
  ['护肤', ['精华液', '面霜', '爽肤水', '眼霜', '面膜']],
  ['彩妆', ['口红', '粉底液', '眼影盘', '腮红']],
  ['香水', ['淡香水', '香氛礼盒']],
  ['个护', ['洗发水', '身体乳', '护手霜']],
  ['礼盒', ['节日礼盒', '旅行套装']],
] as const;

/** A product range with list prices from ¥39 to ¥1,299 and unit costs of 35–60% of price. */
export function makeCatalog(random: Random, size = 120): Product[] {
  const products: Product[] = [];
  for (let i = 1; i <= size; i++) {
    const [category, kinds] = random.pick(CATEGORIES);
    const listPriceCny = Math.round(Math.exp(random.next() * (Math.log(1299) - Math.log(39)) + Math.log(39)));
    products.push({
      productId: `P${String(i).padStart(4, '0')}`,
      name: `${random.pick(kinds)} ${random.int(1, 9)}号`,
      category,
      listPriceCny,
      unitCostCny: Math.round(listPriceCny * (0.35 + random.next() * 0.25) * 100) / 100,
    });
  }
  return products.sort((a, b) => a.listPriceCny - b.listPriceCny);
}
