import type { Settings } from '../config.js';

/**
 * What the pages call the codes the marts hold (`at_risk`, `wechat`, `email_sent`), in each locale
 * the project supports. A code this list does not know (a channel of some company's own) is shown
 * humanised: `live_stream` → "Live stream". Add a code here to give it a proper name.
 */
export type LabelKind = 'stage' | 'risk_band' | 'channel' | 'touchpoint' | 'funnel' | 'segment';

type Vocabulary = Record<LabelKind, Record<string, { en: string; zh: string }>>;

export const LABELS: Vocabulary = {
  stage: {
    prospect: { en: 'Prospect', zh: '潜在客户' },
    new: { en: 'New', zh: '新客户' },
    active: { en: 'Active', zh: '活跃客户' },
    loyal: { en: 'Loyal', zh: '忠诚客户' },
    at_risk: { en: 'At risk', zh: '风险客户' },
    dormant: { en: 'Dormant', zh: '沉睡客户' },
    churned: { en: 'Churned', zh: '已流失' },
    won_back: { en: 'Won back', zh: '已赢回' },
  },
  risk_band: {
    high: { en: 'High', zh: '高' },
    medium: { en: 'Medium', zh: '中' },
    low: { en: 'Low', zh: '低' },
  },
  channel: {
    unknown: { en: 'Unknown', zh: '未知' },
    online: { en: 'Online', zh: '线上' },
    store: { en: 'Store', zh: '门店' },
    search: { en: 'Search', zh: '搜索' },
    referral: { en: 'Referral', zh: '推荐' },
    email: { en: 'E-mail', zh: '邮件' },
    wechat: { en: 'WeChat', zh: '微信' },
    douyin: { en: 'Douyin', zh: '抖音' },
    weibo: { en: 'Weibo', zh: '微博' },
    xiaohongshu: { en: 'Xiaohongshu', zh: '小红书' },
    tmall: { en: 'Tmall', zh: '天猫' },
    taobao: { en: 'Taobao', zh: '淘宝' },
    jd: { en: 'JD.com', zh: '京东' },
    mini_program: { en: 'Mini program', zh: '小程序' },
    app: { en: 'App', zh: 'App' },
    web: { en: 'Website', zh: '网站' },
    direct: { en: 'Direct', zh: '直接访问' },
    social: { en: 'Social', zh: '社交媒体' },
    phone: { en: 'Phone', zh: '电话' },
    sales: { en: 'Sales team', zh: '销售' },
    partner: { en: 'Partner', zh: '合作伙伴' },
  },
  touchpoint: {
    campaign: { en: 'Campaign', zh: '营销活动' },
    email_sent: { en: 'E-mail sent', zh: '邮件发送' },
    email_opened: { en: 'E-mail opened', zh: '邮件打开' },
    web_visit: { en: 'Web visit', zh: '网站访问' },
    visit: { en: 'Visit', zh: '拜访' },
    meeting: { en: 'Meeting', zh: '会面' },
    call: { en: 'Call', zh: '电话' },
    support_ticket: { en: 'Support ticket', zh: '服务工单' },
    survey: { en: 'Survey', zh: '调查' },
    purchase: { en: 'Purchase', zh: '购买' },
  },
  funnel: {
    awareness: { en: 'Awareness', zh: '认知' },
    consideration: { en: 'Consideration', zh: '考虑' },
    purchase: { en: 'Purchase', zh: '购买' },
    loyalty: { en: 'Loyalty', zh: '忠诚' },
    advocacy: { en: 'Advocacy', zh: '推荐' },
    service: { en: 'Service', zh: '服务' },
  },
  segment: {
    Champions: { en: 'Champions', zh: '冠军客户' },
    Loyal: { en: 'Loyal', zh: '忠诚客户' },
    'Potential loyalist': { en: 'Potential loyalist', zh: '潜力客户' },
    New: { en: 'New', zh: '新客户' },
    Promising: { en: 'Promising', zh: '有望客户' },
    'Need attention': { en: 'Need attention', zh: '需关注客户' },
    'About to sleep': { en: 'About to sleep', zh: '即将休眠' },
    'At risk': { en: 'At risk', zh: '风险客户' },
    "Can't lose them": { en: "Can't lose them", zh: '不能失去的客户' },
    Hibernating: { en: 'Hibernating', zh: '休眠客户' },
    Lost: { en: 'Lost', zh: '流失客户' },
  },
};

/** The order the stages and segments are listed in, best first, so every chart and table agrees. */
export const STAGE_ORDER = ['prospect', 'new', 'active', 'loyal', 'won_back', 'at_risk', 'dormant', 'churned'];
export const SEGMENT_ORDER = Object.keys(LABELS.segment);

/** The rows of the `report_labels` table the publish step joins codes to: one per known code. */
export function labelRows(settings: Settings): { kind: string; code: string; label: string; sort: number }[] {
  const language = settings.locale === 'zh-CN' ? 'zh' : 'en';
  const order: Partial<Record<LabelKind, string[]>> = { stage: STAGE_ORDER, segment: SEGMENT_ORDER };
  return Object.entries(LABELS).flatMap(([kind, codes]) =>
    Object.entries(codes).map(([code, names], index) => ({
      kind,
      code,
      label: names[language],
      sort: order[kind as LabelKind]?.indexOf(code) ?? index,
    })),
  );
}
