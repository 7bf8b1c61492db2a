// WCAG contrast ratio of each visible text element against its first opaque background:
// [class or tag, text, ratio]. Run by tests/web/test_compliance_page.py.
(() => {
  const rgb = (c) => c.match(/[\d.]+/g).slice(0, 3).map(Number);
  const lum = (c) => {
    const [r, g, b] = rgb(c).map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4; });
    return 0.2126 * r + 0.7152 * g + 0.0722 * b;
  };
  const background = (el) => {
    for (let e = el; e; e = e.parentElement) {
      const c = getComputedStyle(e).backgroundColor;
      if (!/rgba\(.*, 0\)$/.test(c) && c !== "transparent") return c;
    }
    return "rgb(255, 255, 255)";
  };
  const out = [];
  for (const el of document.querySelectorAll(
      ".badge, .pill, .muted, .hint, a, .verdict-word, .allowlisted, .mark, dt, th, button, label")) {
    if (!el.offsetParent && getComputedStyle(el).position !== "fixed") continue;
    const [a, b] = [lum(getComputedStyle(el).color), lum(background(el))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    out.push([el.className || el.tagName, el.textContent.trim().slice(0, 30), Math.round(ratio * 100) / 100]);
  }
  return out;
})
