import type { Random } from './random.js';

const SURNAMES = [
  ['王', 'wang'], ['李', 'li'], ['张', 'zhang'], ['刘', 'liu'], ['陈', 'chen'], ['杨', 'yang'], ['黄', 'huang'],
  ['赵', 'zhao'], ['吴', 'wu'], ['周', 'zhou'], ['徐', 'xu'], ['孙', 'sun'], ['马', 'ma'], ['朱', 'zhu'],
  ['胡', 'hu'], ['郭', 'guo'], ['何', 'he'], ['林', 'lin'], ['罗', 'luo'], ['高', 'gao'], ['欧阳', 'ouyang'],
] as const;
const GIVEN = [
  ['伟', 'wei'], ['芳', 'fang'], ['娜', 'na'], ['敏', 'min'], ['静', 'jing'], ['丽', 'li'], ['强', 'qiang'],
  ['磊', 'lei'], ['洋', 'yang'], ['艳', 'yan'], ['勇', 'yong'], ['军', 'jun'], ['杰', 'jie'], ['娟', 'juan'],
  ['涛', 'tao'], ['明', 'ming'], ['超', 'chao'], ['秀英', 'xiuying'], ['霞', 'xia'], ['平', 'ping'],
  ['子涵', 'zihan'], ['欣怡', 'xinyi'], ['浩然', 'haoran'], ['雨桐', 'yutong'], ['思远', 'siyuan'],
] as const;
const FIRST = ['James', 'Emma', 'Oliver', 'Sophia', 'Lucas', 'Mia', 'Ethan', 'Grace', 'Daniel', 'Chloe', 'Ryan', 'Lily'] as const;
const LAST = ['Smith', 'Brown', 'Wilson', 'Taylor', 'Clarke', 'Walker', 'Wright', 'Hall', 'Young', 'King'] as const;
const DOMAINS = ['qq.com', '163.com', '126.com', 'gmail.com', 'outlook.com', 'sina.com', 'foxmail.com'] as const;
export const CITIES = ['上海', '北京', '深圳', '广州', '杭州', '成都', '南京', '武汉', '西安', '苏州', 'Hong Kong', 'Singapore'] as const;
const MOBILE_PREFIXES = ['130', '131', '135', '136', '137', '138', '139', '150', '151', '158', '159', '177', '186', '188', '199'] as const;

export interface Person {
  name: string;
  email: string;
  /** 11 digits, the canonical form. */
  mobile: string;
  city: string;
}

/** A person with a Chinese (about 75%) or English name, a mailbox and a mainland mobile number. */
export function makePerson(random: Random, index: number): Person {
  const city = random.pick(CITIES);
  const mobile = random.pick(MOBILE_PREFIXES) + String(random.int(0, 99_999_999)).padStart(8, '0');
  if (random.chance(0.75)) {
    const [surname, surnamePinyin] = random.pick(SURNAMES);
    const [given, givenPinyin] = random.pick(GIVEN);
    const second = random.chance(0.4) ? random.pick(GIVEN) : undefined;
    return {
      name: surname + given + (second?.[0] ?? ''),
      email: `${givenPinyin}${second?.[1] ?? ''}.${surnamePinyin}${index}@${random.pick(DOMAINS)}`,
      mobile,
      city,
    };
  }
  const first = random.pick(FIRST);
  const last = random.pick(LAST);
  return { name: `${first} ${last}`, email: `${first}.${last}${index}@${random.pick(DOMAINS)}`.toLowerCase(), mobile, city };
}

/** The same number as an extract might spell it: `+86 138-0013-8000`, `13800138000`, `138 0013 8000`, … */
export function messyMobile(random: Random, mobile: string): string {
  const [a, b, c] = [mobile.slice(0, 3), mobile.slice(3, 7), mobile.slice(7)];
  return random.weighted([
    [mobile, 5],
    [`+86 ${a}-${b}-${c}`, 2],
    [`${a} ${b} ${c}`, 1],
    [`+86${mobile}`, 1],
    [`0086-${mobile}`, 1],
  ]);
}

/** The same address as another system might keep it: other case, stray spaces. */
export function messyEmail(random: Random, email: string): string {
  return random.weighted([
    [email, 6],
    [email.toUpperCase(), 1],
    [` ${email} `, 1],
    [email.replace(/^./, (ch) => ch.toUpperCase()), 1],
  ]);
}
