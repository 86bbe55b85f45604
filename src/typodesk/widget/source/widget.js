/* typodesk widget: select a mistake, press Ctrl+Enter (Cmd+Enter on a Mac) or tap "Report a mistake". */
/* <script src="https://DESK/widget.js" data-site="KEY" [data-root="CSS"] [data-lang="en"] [data-hint="…{keys}…"]
 *   [data-mobile="off"] [data-strings='{"key": "text"}'] [data-corrections="on"] defer></script>   docs/widget.md
 *
 * This is the loader, the only part a page loads up front. It reads its attributes and listens
 * (keydown, selectionchange, pointer up and down); it fills the hint line and takes over a legacy
 * Orphus badge once the DOM is there. Nothing else runs until the reader asks for the dialog:
 * then dialog.js (canonical text, capture, dialog, sending, the strings of the page's language)
 * is imported from a content-hashed URL that the build writes in place of __CHUNK__. The build (typodesk.widget.build,
 * output committed in ../served) minifies this file, so comments and names cost nothing. */
(() => {
  'use strict';
  if (window.typodesk) return; // embedded twice
  const me = document.currentScript, doc = document, nav = navigator;
  const cfg = n => ((me && me.getAttribute('data-' + n)) || '').trim();
  const url = p => new URL(p, (me && me.src) || location.href).href; // works under a path prefix too
  const SITE = cfg('site'), ROOT = cfg('root'), LANG = cfg('lang') || (doc.documentElement.lang || '').trim();
  let own = {};
  try { own = JSON.parse(cfg('strings') || '{}'); } catch (e) { /* a broken attribute keeps the defaults */ }
  if (cfg('hint')) own.hint = cfg('hint');

  /* ---- the page's language: the strings the loader itself shows ---- */
  // {language: 'text|text|…'} in the order of the names below; written in by the build from
  // strings.json (btn: the button and the dialog's title; hint, tap: the hint line; net).
  const L = __STRINGS__;
  const sub = LANG.toLowerCase().split(/[-_]/)[0], CODE = L[sub] ? sub : 'en';
  const T = {};
  L[CODE].split('|').forEach((s, i) => { T['__NAMES__'.split(' ')[i]] = s; });
  Object.assign(T, own);
  const KEYS = /Mac|iPhone|iPad|iPod/.test(nav.platform) ? 'Cmd+Enter' : 'Ctrl+Enter';
  const fill = s => s.replace('{keys}', KEYS).replace('{btn}', T.btn);
  // The button is for devices with a touch screen (however the selection was made); "tap"
  // wording only where touch is the primary pointer, a laptop's touch screen keeps the keys.
  const BTN = cfg('mobile') != 'off' && nav.maxTouchPoints > 0;
  const touch = () => matchMedia('(pointer: coarse)').matches;
  const howTo = () => fill(touch() && BTN ? T.tap : T.hint); // how to report, on this device

  /* ---- where the article is: shared with the dialog chunk ---- */
  // The roots: data-root matches (outermost only), else article, main, body (canonical.py rule 1).
  const roots = arg => {
    let r = [];
    if (arg && typeof arg != 'string') r = arg.nodeType ? [arg] : [...arg];
    else if (arg || ROOT) try { r = [...doc.querySelectorAll(arg || ROOT)]; } catch (e) { /* invalid */ }
    r = r.filter(el => !r.some(o => o != el && o.contains(el)));
    return r.length ? r : [doc.querySelector('article') || doc.querySelector('main') || doc.body || doc.documentElement];
  };
  // Text a reader cannot report: form fields, editable regions, the widget's own elements.
  const editable = n => {
    const e = n && (n.nodeType == 1 ? n : n.parentElement);
    return !e || e.isContentEditable || !!e.closest('input,textarea,select,[data-typodesk-ui]');
  };
  const inArticle = n => !editable(n) && roots().some(r => r.contains(n));
  const sel = () => { // a copy of the reader's selection, safe from what happens to the live one
    const s = getSelection();
    return s && s.rangeCount ? s.getRangeAt(0).cloneRange() : null;
  };

  /* ---- the widget's own element: a shadow root that the page's CSS cannot reach ---- */
  // Constructed style sheets are not subject to CSP style-src, so a strict policy is fine; a
  // <style> element only for browsers without them. Returns the sheet (its rules stay editable).
  let host, sr, pos; // pos: the button's CSS rule; moving it is a CSSOM edit, never a style attribute
  const css = text => {
    try {
      const s = new CSSStyleSheet();
      s.replaceSync(text);
      sr.adoptedStyleSheets = [...sr.adoptedStyleSheets, s];
      return s;
    } catch (e) {
      const el = doc.createElement('style');
      el.textContent = text;
      sr.append(el);
      return el.sheet;
    }
  };
  const ui = () => {
    if (!host) {
      host = doc.createElement('typodesk-widget');
      host.setAttribute('data-typodesk-ui', '');
      sr = host.attachShadow({ mode: 'open' });
    }
    if (!host.isConnected) (doc.body || doc.documentElement).append(host);
    if (!pos) pos = css(__CSS__).cssRules[0]; // widget.css (written in by the build): :host, focus ring, button
    return sr;
  };

  /* ---- the dialog chunk, imported on first use ---- */
  let chunk;
  const X = { SITE, LANG, CODE, T, own, KEYS, howTo, roots, editable, ui, css, api: url('api/v1/reports') };
  const load = () => chunk || (chunk = Promise.all([
    import(url('widget/dialog.' + __CHUNK__[CODE] + '.js')), // {language: hash}: one dialog per language
    // Site options (may readers leave an e-mail?); without an answer the dialog does without them.
    fetch(url('widget/site/' + encodeURIComponent(SITE)), { credentials: 'omit' })
      .then(r => r.ok ? r.json() : {}).catch(() => ({})),
  ]).then(([m, site]) => m.default(Object.assign(X, { site })), e => { chunk = null; throw e; }));

  let btn, saved, tm, down, tapping;
  const hideBtn = () => { clearTimeout(tm); if (btn) btn.hidden = true; };
  const open = r => {
    const f = doc.activeElement; // read now: the dialog moves the focus, and gives it back to this
    hideBtn();
    // Without the chunk there is no dialog to speak in: alert() is the one honest fallback.
    load().then(d => d.open(r, f), () => alert(T.net));
  };

  addEventListener('keydown', e => {
    const t = e.target; // Ctrl+Enter in the page's own fields is the page's
    if (e.key != 'Enter' || !(e.ctrlKey || e.metaKey) || e.isComposing || e.defaultPrevented || (X.shown && X.shown()) ||
      (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName)))) return;
    e.preventDefault();
    open(sel());
  });

  /* ---- phones and tablets: a "Report a mistake" button next to a finished selection ---- */
  const place = () => {
    const s = getSelection(), r = s && s.rangeCount && !s.isCollapsed && s.getRangeAt(0);
    const rs = r && inArticle(s.focusNode) && r.toString().trim() ? r.getClientRects() : [];
    if (!rs.length || (X.shown && X.shown())) return hideBtn();
    saved = r.cloneRange(); // a tap may collapse the live selection before the click arrives
    if (!btn) {
      ui();
      btn = doc.createElement('button');
      btn.type = 'button';
      btn.className = 'b';
      btn.textContent = T.btn;
      btn.onpointerdown = e => { tapping = 1; e.preventDefault(); }; // keeps the selection (mouse)
      btn.onclick = () => { tapping = 0; open(saved); };
      sr.append(btn);
    }
    btn.hidden = false;
    // Below the end of the selection, clear of the selection handles; above its start when there
    // is no room below; always inside the visible part of the page.
    const v = window.visualViewport || { offsetLeft: 0, offsetTop: 0, width: innerWidth, height: innerHeight };
    const o = host.getBoundingClientRect(), b = btn.getBoundingClientRect(), first = rs[0], last = rs[rs.length - 1];
    const fit = (x, lo, size, span) => Math.max(lo + 8, Math.min(x, lo + span - size - 8));
    let y = last.bottom + 28;
    if (y + b.height > v.offsetTop + v.height - 8) y = first.top - 16 - b.height;
    pos.style.left = fit(last.right - b.width, v.offsetLeft, b.width, v.width) - o.left + 'px';
    pos.style.top = fit(y, v.offsetTop, b.height, v.height) - o.top + 'px';
  };
  if (BTN) {
    const later = ms => { clearTimeout(tm); tm = setTimeout(place, ms); };
    doc.addEventListener('selectionchange', () => {
      const s = getSelection();
      if (tapping) return;
      if (!s || s.isCollapsed) hideBtn();
      else if (!down) later(300); // handles dragged by touch send no pointer events: wait for a pause
    });
    addEventListener('pointerdown', e => { if (e.target != host) { down = 1; tapping = 0; } }, true);
    for (const t of ['pointerup', 'pointercancel']) addEventListener(t, () => { if (down) { down = 0; later(50); } }, true);
  }

  /* ---- once the DOM is there: the hint line and a legacy Orphus badge ---- */
  const init = () => {
    // On a touch screen without the button there is no way to report: no hint rather than a wrong one.
    const els = doc.querySelectorAll('[data-typodesk-hint]'), text = els.length && !(touch() && !BTN) && howTo();
    // The hint is drawn in the element's shadow root: the page's text (and so the canonical text,
    // which the server computes from the HTML) stays what the site wrote.
    if (text) for (const el of els) {
      try {
        const s = el.shadowRoot || el.attachShadow({ mode: 'open' }), span = doc.createElement('span');
        span.lang = CODE;
        span.textContent = text;
        s.replaceChildren(span);
      } catch (e) { /* an element that cannot have a shadow root (or has a closed one) */ }
    }
    // <a id="orphus"><img alt="…Orphus…"></a>: the old badge becomes a "how to report" link that
    // opens the dialog (a report of the selection, if there is one; else how to make one).
    const a = doc.getElementById('orphus'), img = a && a.querySelector('img');
    if (img && /orphus/i.test(img.alt)) {
      let r0;
      a.title = howTo();
      a.addEventListener('pointerdown', () => { r0 = sel(); }); // before the click collapses it
      a.addEventListener('click', e => {
        const r = sel();
        e.preventDefault();
        open(r && !r.collapsed ? r : r0);
      });
    }
    // data-corrections="on": the note of the article's published corrections, a module of its own
    // (corrections.js, content-hashed like the dialog) that only such pages load.
    if (cfg('corrections') == 'on') import(url('__NOTE__')).then(m => m.default(X), () => 0);
  };
  if (doc.readyState == 'loading') doc.addEventListener('DOMContentLoaded', init);
  else init();

  // A report that could not be sent is kept in localStorage: send it again once the page has
  // loaded and the browser is idle (so never at load time), and whenever the browser gets online.
  const flush = () => {
    try { if (localStorage.getItem('typodesk-queue')) load().then(d => d.flush(), () => 0); } catch (e) { /* no storage */ }
  };
  const idle = () => window.requestIdleCallback ? requestIdleCallback(flush, { timeout: 5000 }) : setTimeout(flush, 1000);
  if (doc.readyState == 'complete') idle();
  else addEventListener('load', idle);
  addEventListener('online', flush);

  window.typodesk = Object.freeze({
    version: '0.2.0',
    // Opens the dialog for the current selection, as Ctrl+Enter does.
    open: () => open(sel()),
    // Promises: the canonical text of the configured root(s), or of rootEl (an element, a list
    // or a selector); the quote of the current selection, {exact, prefix, suffix, start, end} or
    // {error: 'empty' | 'outside' | 'blank' | 'long'}. Both load the dialog chunk.
    canonicalText: rootEl => load().then(d => d.canonicalText(rootEl)),
    capture: () => { const r = sel(); return load().then(d => d.capture(r)); },
  });
})();
