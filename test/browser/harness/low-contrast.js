// Runs inside the page (frame.evaluate of this file's text, so that no
// bundler helper such as esbuild's __name ends up in it): the texts whose WCAG
// contrast against what is really behind them is under `minimum`. Elements
// that are disabled are left out (PatternFly dims them on purpose).
// `fallback` is the colour behind the page's iframe, from the shell.
// eslint-disable-next-line @typescript-eslint/no-unused-expressions -- the file's value is this expression
(([fallback, minimum]) => {
    const parse = c => {
        const m = (c.match(/[\d.]+/g) || []).map(Number);
        return m.length < 3 ? [0, 0, 0, 0] : [m[0], m[1], m[2], m.length > 3 ? m[3] : 1];
    };
    const over = (top, bottom) => [0, 1, 2].map(i => top[i] * top[3] + bottom[i] * (1 - top[3])).concat(1);
    const luminance = c => {
        const [r, g, b] = c.slice(0, 3).map(v => {
            const s = v / 255;
            return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
        });
        return 0.2126 * r + 0.7152 * g + 0.0722 * b;
    };
    const background = e => {
        const layers = [];
        for (; e; e = e.parentElement) {
            const bg = parse(getComputedStyle(e).backgroundColor);
            if (bg[3] > 0)
                layers.push(bg);
            if (bg[3] >= 1)
                break;
        }
        let color = layers.length && layers[layers.length - 1][3] >= 1 ? layers.pop() : fallback;
        for (const layer of layers.reverse())
            color = over(layer, color);
        return color;
    };
    const bad = [];
    for (const e of document.body.querySelectorAll("*")) {
        const text = Array.from(e.childNodes).filter(n => n.nodeType === Node.TEXT_NODE)
                .map(n => n.textContent.trim()).join(" ").trim();
        if (!text || !e.getClientRects().length || e.closest("[aria-disabled=true], :disabled"))
            continue;
        const bg = background(e);
        const fg = over(parse(getComputedStyle(e).color), bg);
        const [l1, l2] = [luminance(fg), luminance(bg)].sort((a, b) => b - a);
        const ratio = (l1 + 0.05) / (l2 + 0.05);
        if (ratio < minimum)
            bad.push(`${ratio.toFixed(2)} "${text.slice(0, 40)}" (${getComputedStyle(e).color} on rgb(${bg.slice(0, 3).map(Math.round).join(",")}))`);
    }
    return bad;
})
