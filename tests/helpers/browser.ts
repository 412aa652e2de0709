import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium, headless, with no background traffic (the machines have no network). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium',
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
}

/**
 * The text labels drawn in a page's SVG charts that overlap another label of the same chart, as
 * "a ∩ b" pairs: on a readable chart, there are none. Boxes touching by under a pixel do not count.
 */
export function overlappingChartLabels(page: Page): Promise<string[]> {
  // A string, not a function: the tests compile without the DOM's types.
  return page.evaluate(`(() => {
    const pairs = [];
    for (const chart of document.querySelectorAll('[_echarts_instance_]')) {
      const boxes = [...chart.querySelectorAll('svg text')]
        .map((text) => ({ text: text.textContent ?? '', box: text.getBoundingClientRect() }))
        .filter(({ text, box }) => text.trim() !== '' && box.width > 0 && box.height > 0);
      for (let i = 0; i < boxes.length; i += 1) {
        for (let j = i + 1; j < boxes.length; j += 1) {
          const a = boxes[i].box;
          const b = boxes[j].box;
          const overlapX = Math.min(a.right, b.right) - Math.max(a.left, b.left);
          const overlapY = Math.min(a.bottom, b.bottom) - Math.max(a.top, b.top);
          if (overlapX > 1 && overlapY > 1) pairs.push(boxes[i].text + ' ∩ ' + boxes[j].text);
        }
      }
    }
    return pairs;
  })()`);
}
