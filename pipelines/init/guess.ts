/**
 * Guesses which contract column a file's header stands for, in English and Chinese. Each guess
 * says why, so the generated source file can comment it.
 */

/** Header spellings, compared without case, spaces, underscores and hyphens. */
const SPELLINGS: Record<string, readonly string[]> = {
  customer_id: ['customerid', 'custid', 'customerno', 'customernumber', 'customercode', 'clientid', 'memberid', 'userid', 'buyerid', 'masterid', '客户编号', '客户id', '客户代码', '客户号', '会员编号', '会员id', '用户id', '买家id'],
  order_id: ['orderid', 'orderno', 'ordernumber', 'invoiceno', 'invoiceid', 'invoice', 'invoicenumber', 'transactionid', 'receiptno', '订单编号', '订单号', '订单id', '单号', '单据编号', '发票号'],
  ordered_at: ['orderdate', 'invoicedate', 'transdate', 'transactiondate', 'purchasedate', 'orderedat', 'ordertime', 'date', 'createdat', '订单日期', '下单时间', '下单日期', '交易日期', '交易时间', '日期', '购买日期'],
  net_revenue: ['sales', 'amount', 'revenue', 'netrevenue', 'total', 'totalamount', 'tranamount', 'transactionamount', 'orderamount', 'payment', 'sale', '金额', '销售额', '实付金额', '订单金额', '总价', '成交金额', '实收金额'],
  quantity: ['quantity', 'qty', 'units', 'cds', '数量', '件数'],
  unit_price: ['unitprice', 'price', '单价'],
  cost: ['cost', 'cogs', 'totalcost', '成本', '成本金额'],
  profit: ['profit', 'margin', 'grossprofit', '利润', '毛利'],
  customer_name: ['customername', 'name', 'fullname', 'clientname', '客户名称', '客户姓名', '姓名', '名称'],
  email: ['email', 'emailaddress', 'mail', '电子邮箱', '邮箱'],
  mobile: ['mobile', 'phone', 'phonenumber', 'mobilephone', 'cellphone', 'tel', '手机', '手机号', '手机号码', '电话', '联系电话'],
  city: ['city', '城市'],
  region: ['region', 'state', 'province', '省份', '省', '地区', '区域'],
  country: ['country', '国家'],
  channel: ['channel', 'saleschannel', '渠道', '销售渠道'],
  status: ['status', 'orderstatus', '订单状态', '状态'],
  product_id: ['productid', 'stockcode', 'sku', 'productcode', 'itemid', '商品编号', '产品编号', '货号'],
  row_id: ['rowid', 'row', 'lineid', 'id', '序号', '行号'],
};

export type Role = keyof typeof SPELLINGS;

export interface Guess {
  role: Role;
  header: string;
}

/** The role of each header that has one (first header wins a role). */
export function guessRoles(headers: readonly string[]): Map<Role, string> {
  const roles = new Map<Role, string>();
  for (const header of headers) {
    const key = header.toLowerCase().replace(/[\s_\-.]/g, '');
    for (const [role, spellings] of Object.entries(SPELLINGS)) {
      if (!roles.has(role) && spellings.includes(key)) {
        roles.set(role, header);
        break;
      }
    }
  }
  return roles;
}
