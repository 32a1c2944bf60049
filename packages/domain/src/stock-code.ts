/**
 * Stock codes that are not products: postage, manual entries, discounts, fees and the like. Listed from the
 * data set (see shared data README, quirk 5); matching is exact because codes are case-sensitive
 * (85123A and 85123a are different codes), except `M`/`m` which both mean Manual.
 */
export type StockCodeKind =
  | 'product'
  | 'postage'
  | 'manual'
  | 'discount'
  | 'samples'
  | 'bank-charges'
  | 'marketplace-fee'
  | 'charity-commission'
  | 'bad-debt-adjustment'
  | 'gift-voucher';

const NON_PRODUCT_CODES: Readonly<Record<string, StockCodeKind>> = {
  POST: 'postage',
  DOT: 'postage',
  C2: 'postage',
  M: 'manual',
  m: 'manual',
  D: 'discount',
  S: 'samples',
  'BANK CHARGES': 'bank-charges',
  AMAZONFEE: 'marketplace-fee',
  CRUK: 'charity-commission',
  B: 'bad-debt-adjustment',
};

export function stockCodeKindOf(stockCode: string): StockCodeKind {
  if (stockCode.startsWith('gift_')) return 'gift-voucher';
  return NON_PRODUCT_CODES[stockCode] ?? 'product';
}
