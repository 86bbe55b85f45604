/* typodesk widget, dialog part: loaded by widget.js on first use, from a content-hashed URL.
 * An ES module: its default export takes the loader's context X (see `X` in widget.js) and
 * returns {open, capture, canonicalText, flush}. Keep that interface across versions: a loader
 * cached before an upgrade is sent today's dialog (typodesk.widget.views.dialog_js).
 * Canonical text: keep in step with src/typodesk/text/canonical.py (vectors.json tests both). */
export default X => {
  const doc = document;

  /* ---- canonical text ---- */
  const BLOCK = new Set(('p div li ul ol dl dt dd h1 h2 h3 h4 h5 h6 blockquote pre table tr td th section ' +
    'article aside header footer nav figure figcaption main').split(' '));
  const SKIP = new Set(['script', 'style', 'noscript', 'template']);
  // Ignorables go before NFC (removing one can join a letter and its mark); white space is
  // exactly Unicode White_Space, spelled out because JS \s differs from it.
  const collapse = s => s.replace(/[\xad\u200b\u2060\ufeff]/g, '').normalize('NFC')
    .replace(/[\t-\r \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/g, ' ');
  const canon = s => collapse(s).replace(/^ | $/g, '');
  const skip = el => SKIP.has(el.localName) || el.hasAttribute('hidden') || el.hasAttribute('data-typodesk-ui') ||
    /^[\t\n\f\r ]*true[\t\n\f\r ]*$/i.test(el.getAttribute('aria-hidden'));

  // Raw text of the roots and, for a range rg, the raw offsets a, b of its start and end
  // (clamped to the roots). Blocks and line breaks are marked with U+2029, white space like the
  // rest (so the canonical text is the same) but findable: excerpts stop there. An explicit
  // stack: deep pages can't overflow it.
  const walk = (rs, rg) => {
    let raw = '', a = 0, b = 0, past = !rg;
    // Where point (n, o) is: -1 before the range, 0 in it, 1 after it (then so is all the rest).
    const cmp = (n, o) => {
      if (past) return 1;
      const c = rg.comparePoint(n, o);
      past = c > 0;
      return c;
    };
    const space = (n, o) => {
      raw += '\u2029';
      const c = cmp(n, o);
      if (c < 0) a = raw.length;
      if (c <= 0) b = raw.length;
    };
    for (const root of rs) {
      const st = [root];
      while (st.length) {
        const n = st.pop();
        if (Array.isArray(n)) space(n[0], n[0].childNodes.length); // end of a block
        else if (n.nodeType == 3) {
          const L = n.length, at = raw.length;
          raw += n.data;
          if (!past && L) {
            const s = n == rg.startContainer ? rg.startOffset : cmp(n, 0) < 0 ? L : 0;
            const e = n == rg.endContainer ? rg.endOffset : cmp(n, L) > 0 ? 0 : L;
            if (s) a = at + s;
            if (e) b = at + e;
          }
        } else if (n.nodeType == 1 && !skip(n)) {
          if (n.localName == 'br' || n.localName == 'hr') space(n, 0);
          else {
            if (n == root || BLOCK.has(n.localName)) { space(n, 0); st.push([n]); }
            for (let c = n.lastChild; c; c = c.previousSibling) st.push(c);
          }
        }
      }
    }
    return [raw, a, b];
  };

  const cps = s => [...s].length;
  // About n code points of t beside the quote (t's end when back): extended outwards to a whole
  // word and the space before it (a side that starts with a space was cut between words, the
  // desk's excerpts rely on that), at most 2n, which the API allows. Never shorter than n where
  // the page has it: the server reads a shorter side as the page's edge (anchoring/engine.py).
  const side = (t, n, back) => {
    const c = [...t];
    if (back) c.reverse();
    let k = Math.min(n, c.length);
    while (k < c.length && k < 2 * n && c[k - 1] != ' ') k++;
    const r = c.slice(0, k);
    if (back) r.reverse();
    return r.join('');
  };
  // The range rg as {q: quote, text, s, e, bs, be} (UTF-16 offsets in text: s, e of the quote,
  // bs, be of the block around it) or {error}. Each boundary is found by normalizing the raw text
  // before (after) it: the result is a prefix (suffix) of the whole canonical text up to there.
  const quote = rg => {
    if (!rg || rg.collapsed) return { error: 'empty' };
    if (X.editable(rg.startContainer) || X.editable(rg.endContainer)) return { error: 'outside' };
    let raw, a, b;
    try { [raw, a, b] = walk(X.roots(), rg); } catch (err) { return { error: 'outside' }; }
    const pa = raw.slice(0, a), pb = raw.slice(b), k = pb.indexOf('\u2029');
    const text = canon(raw), pre = collapse(pa).replace(/^ /, ''), post = collapse(pb).replace(/ $/, '');
    let s = 0, e = text.length, i = post.length;
    while (s < e && text[s] == pre[s]) s++;
    while (e > 0 && text[e - 1] == post[--i]) e--;
    const part = k => /^[\p{M}\udc00-\udfff]/u.test(text.slice(k, k + 2)); // mark, low surrogate
    while (s > 0 && part(s)) s--; // never split a character
    while (e < text.length && part(e)) e++;
    while (text[s] == ' ') s++; // trimmed like Orphus did
    while (e > s && text[e - 1] == ' ') e--;
    if (e <= s) return { error: rg.toString().trim() ? 'outside' : 'blank' };
    const exact = text.slice(s, e), start = cps(text.slice(0, s)), end = start + cps(exact);
    if (end - start > 1000) return { error: 'long' };
    return {
      q: { exact, prefix: side(text.slice(Math.max(0, s - 130), s), 32, 1), suffix: side(text.slice(e, e + 130), 32), start, end },
      text, s, e,
      bs: Math.min(s, pre.length - collapse(pa.slice(pa.lastIndexOf('\u2029') + 1)).replace(/^ /, '').length),
      be: k < 0 ? text.length : Math.max(e, text.length - post.length + collapse(pb.slice(0, k)).length),
    };
  };

  /* ---- strings: the loader's, these (from strings.json, as in widget.js), then the site's own ---- */
  // This dialog is built for one language, CODE (the one the loader asked for).
  const [[CODE, S]] = Object.entries(__STRINGS__), T = Object.assign({}, X.T);
  S.split('|').forEach((s, i) => { T['__NAMES__'.split(' ')[i]] = s; });
  Object.assign(T, X.own);
  // A string with plural forms, 'one=…~few=…~other=…' (the categories of Intl.PluralRules), for n.
  const plural = (s, n) => {
    const f = { other: s };
    for (const x of s.split('~')) {
      const [k, v] = x.split(/=(.*)/);
      if (v != null) f[k] = v;
    }
    return (f[new Intl.PluralRules(CODE).select(n)] || f.other).replace('{n}', n);
  };

  /* ---- sending, and the reports kept for later ---- */
  // With a proof-of-work when the site asks for one (k: it just refused a report for want of
  // one, its options may be minutes old); solved afresh for every try, kept copies have none.
  // The solver (source/pow.js) comes with the dialog: `solve`, declared before this module.
  const post = async (p, k) => {
    if (k || X.site.pow) try {
      p = { ...p, pow: await solve(X) };
    } catch (e) { return []; }
    const a = await fetch(X.api, {
      method: 'POST', headers: { 'Content-Type': 'text/plain' }, body: JSON.stringify(p), // no CORS preflight
      credentials: 'omit', mode: 'cors', keepalive: true,
    }).then(r => r.json().catch(() => ({})).then(j => [r, j]), () => []);
    return !k && a[1]?.field == 'pow' ? post(p, 1) : a;
  };
  // Worth sending again later: no answer (network failure), a server error, or "too many".
  const again = r => !r || r.status >= 500 || r.status == 429;
  const Q = 'typodesk-queue', DAY = 864e5;
  // Edit the kept reports with f (list -> list); false when there is no storage (private modes).
  const edit = f => {
    try {
      const q = f(JSON.parse(localStorage.getItem(Q) || '[]').filter(i => Date.now() - i.t < 30 * DAY));
      if (q.length) localStorage.setItem(Q, JSON.stringify(q));
      else localStorage.removeItem(Q);
      return true;
    } catch (e) { return false; }
  };
  const keep = (id, p) => edit(q => [...q.filter(i => i.id != id), { id, t: Date.now(), p }].slice(-20));
  const drop = id => edit(q => q.filter(i => i.id != id));
  // Send the kept reports again. Each is marked while in flight, so that tabs restored together
  // don't all send it; any answer but those worth trying `again` ends its life.
  const flush = async () => {
    let todo = [];
    const now = Date.now();
    edit(q => q.map(i => {
      if (now - (i.s || 0) < 6e4) return i;
      todo.push(i);
      return Object.assign({}, i, { s: now });
    }));
    for (const i of todo) {
      const [r] = await post(i.p);
      edit(q => q.flatMap(x => x.id != i.id ? [x] : again(r) ? [Object.assign({}, x, { s: 0 })] : []));
    }
  };

  /* ---- the dialog: Shadow DOM, no inline style, no innerHTML, so a strict CSP is fine ---- */
  const h = (tag, attrs, ...kids) => {
    const el = doc.createElement(tag);
    for (const k in attrs) el.setAttribute(k, attrs[k]);
    el.append(...kids); // strings become text nodes, never markup
    return el;
  };
  const button = (label, fn, cls) => {
    const el = h('button', { type: 'button', class: cls || '' }, label);
    el.onclick = fn;
    return el;
  };
  let dlg, prev, prevRange, primary, sent, stash, seq = 0;
  const drafts = {}, ids = {}; // what the reader typed, by selection, kept when they close without sending

  // Closing is synchronous, and so is giving back the focus and (unless the report was sent) the
  // selection: a new selection the reader makes right after closing is theirs to keep. The focus
  // goes back where the reader was: the element that had it, else the selected text's element
  // (focusable until it loses the focus), so that keyboard and screen reader go on from there.
  const close = () => {
    if (!dlg.open) return;
    seq++;
    if (stash) stash();
    dlg.close();
    let f = prev && prev.isConnected && prev != doc.body && prev, n = prevRange && prevRange.startContainer;
    if (!f && n && (f = n.nodeType == 1 ? n : n.parentElement) && !f.hasAttribute('tabindex')) {
      f.tabIndex = -1;
      f.addEventListener('blur', () => f.removeAttribute('tabindex'), { once: true });
    }
    if (f) f.focus({ preventScroll: true });
    const a = X.ui().activeElement; // left in the closed dialog, it would take the page's keys
    if (a) a.blur();
    const s = getSelection();
    if (prevRange && !sent && s) { s.removeAllRanges(); s.addRange(prevRange); }
  };

  const setup = () => {
    X.ui().append(dlg = h('dialog', { 'aria-labelledby': 'td-t', tabindex: -1 }));
    X.css(__CSS__); // dialog.css, written in by the build
    X.shown = () => dlg.open;
    for (const t of ['keydown', 'keyup', 'keypress']) dlg.addEventListener(t, e => e.stopPropagation()); // keep page shortcuts out
    dlg.addEventListener('keydown', e => {
      if (e.key == 'Enter' && (e.ctrlKey || e.metaKey) && !e.isComposing) { e.preventDefault(); primary(); }
      if (e.key != 'Tab') return;
      // Tab and Shift+Tab go round the dialog's controls, never out to the (inert) page.
      const f = [...dlg.querySelectorAll('textarea,input,button')].filter(el => el.getClientRects().length);
      const cur = X.ui().activeElement, [a, z] = e.shiftKey ? [f[0], f[f.length - 1]] : [f[f.length - 1], f[0]];
      if (cur == a || !f.includes(cur)) { e.preventDefault(); z.focus(); }
    });
    dlg.addEventListener('cancel', e => { e.preventDefault(); close(); }); // Esc, Android's back
  };

  // One view in the dialog: the status line `st`, the dialog described by the element with id
  // `desc`, `focus` focused (the dialog itself when null), `act` run by Ctrl+Enter. Right to left
  // as the article is, or as its language is written when the page does not say (lang="he").
  const show = (kids, st, focus, act, desc) => {
    if (!dlg) setup();
    const r = X.roots()[0];
    dlg.dir = getComputedStyle(r).direction == 'rtl' ||
      (!r.closest('[dir]') && /^(ar|he|iw|fa|ur|yi|ps|sd|ug|ckb|dv)\b/i.test(X.LANG)) ? 'rtl' : 'ltr';
    dlg.lang = CODE;
    st.id = 'td-m';
    st.setAttribute('role', 'status');
    st.className = 'st';
    dlg.replaceChildren(h('h2', { id: 'td-t' }, T.btn), ...kids);
    dlg.setAttribute('aria-describedby', desc);
    primary = act;
    if (!dlg.open) dlg.showModal();
    (focus || dlg).focus();
  };
  // The closing view: the message and a single Close, for the focus.
  const last = row => {
    dlg.setAttribute('aria-describedby', 'td-m');
    const ok = button(T.close, close, 'p');
    row.replaceChildren(ok);
    primary = close;
    ok.focus();
  };

  const message = msg => {
    seq++;
    stash = 0;
    const st = h('p', {}, msg), row = h('div', { class: 'row' });
    show([st, row], st, 0, close, 'td-m');
    last(row);
  };

  const report = ({ q, text, s, e, bs, be }) => {
    const my = ++seq, t0 = Date.now(), key = q.start + q.exact, d = drafts[key] || [q.exact, '', ''];
    // id names the kept copy: the same selection sent again replaces it.
    const id = ids[key] = ids[key] || Math.random().toString(36).slice(2);
    const field = (tag, id, label, attrs) => {
      const el = h(tag, Object.assign({ id, maxlength: 2000 }, attrs)); // the API's limits
      return [h('label', { for: id }, label), el];
    };
    const [l1, sug] = field('textarea', 'td-s', T.sug, { rows: 2, dir: 'auto' });
    const [l2, com] = field('textarea', 'td-c', T.com, { rows: 2, dir: 'auto' });
    // The honeypot: off screen, out of the tab order and of the accessibility tree; people
    // never fill it, robots filling every field do (docs/abuse.md).
    const hp = h('input', { name: 'website', tabindex: -1, autocomplete: 'off' });
    const [l3, mail] = X.site.email ? field('input', 'td-e', T.mail,
      { type: 'email', autocomplete: 'email', maxlength: 254, dir: 'ltr', 'aria-describedby': 'td-n' }) : [];
    [sug.value, com.value] = d;
    if (mail) mail.value = d[2];
    stash = () => { drafts[key] = [sug.value, com.value, mail ? mail.value : '']; };
    // Enter sends from the one-line correction (Ctrl+Enter, from any field, is the dialog's).
    sug.setAttribute('aria-describedby', 'td-k');
    sug.addEventListener('keydown', ev => {
      if (ev.key == 'Enter' && !ev.shiftKey && !ev.ctrlKey && !ev.metaKey && !ev.isComposing) { ev.preventDefault(); send(); }
    });
    // The sentence around the selection, as far as punctuation tells, within its paragraph (or
    // heading, list item…), in whole words.
    const b0 = Math.max(bs, s - 120), e0 = Math.min(be, e + 120);
    let before = text.slice(b0, s).replace(/^[^]*[.!?…。؟] /, ''), after = text.slice(e, e0).match(/^[^]*?([.!?…。؟](?= |$)|$)/)[0];
    if (b0 > bs && before.length == s - b0) before = before.replace(/^\S* ?/, '…');
    if (e0 < be && after.length == e0 - e) after = after.replace(/ ?\S*$/, '…');
    const form = h('div', {}, h('p', { class: 'q', id: 'td-q', dir: 'auto' }, before, h('mark', {}, q.exact), after),
      l1, sug, h('p', { id: 'td-k', class: 'n' }, T.keys.replace('{keys}', X.KEYS || 'Ctrl+Enter')),
      l2, com, h('div', { class: 'hp', 'aria-hidden': 'true' }, hp),
      ...(mail ? [l3, mail, h('p', { id: 'td-n', class: 'n' }, T.note)] : []));
    const st = h('p', { 'aria-live': 'polite' });
    const say = (msg, err) => { st.textContent = msg; st.className = err ? 'st err' : 'st'; };
    let busy;
    const send = async () => {
      if (busy || (mail && !mail.reportValidity())) return; // the browser says what is wrong, in its language
      const p = { site: X.SITE, url: location.href, title: [...doc.title].slice(0, 500).join(''), lang: X.LANG || undefined, quote: q };
      const sg = sug.value.trim(), cm = com.value.trim(), em = mail && mail.value.trim();
      if (sg != q.exact) p.suggestion = sg;
      if (cm) p.comment = cm;
      if (em) p.email = em;
      p.website = hp.value;
      busy = 1;
      sendBtn.setAttribute('aria-disabled', 'true'); // not `disabled`: that would drop the focus
      say(T.sending);
      // Not sooner than the site's minimum time after the dialog opened (robots are quicker).
      await new Promise(r => setTimeout(r, X.site.wait - Date.now() + t0 || 0));
      p.elapsed = Date.now() - t0;
      const [res, j = {}] = await post(p);
      // Kept for later only without an answer from the typodesk application (a 429 is told to the
      // reader instead); done even when the reader has closed the dialog meanwhile.
      const failed = !res || res.status >= 500, kept = failed && keep(id, p);
      if (!failed) drop(id);
      if (kept || !failed && res.status == 201) delete drafts[key];
      if (my != seq) return;
      busy = 0;
      sendBtn.removeAttribute('aria-disabled');
      if (failed && !kept) return say(T.net, 1);
      if (failed || res.status == 201) { // sent, or saved for the next visit: nothing left to do here
        sent = true;
        stash = 0;
        form.hidden = true;
        say(failed ? T.queued : T.thanks);
        return last(row); // no timed close: the reader closes it when they have read it
      }
      // The reader's language, not the server's English (but its words where they are the
      // reader's): the answer's code and wait (Retry-After is readable cross-origin only with
      // Access-Control-Expose-Headers).
      const n = j.retry_after || parseInt(res.headers.get('Retry-After'));
      say(res.status == 429 && n > 0 ? T.wait.replace('{n}', plural(T.sec, n)) :
        j.code == 'blocked' ? T.blocked : (CODE == 'en' && j.error) || T.fail + ' (' + (j.code || res.status) + ')', 1);
    };
    const sendBtn = button(T.send, send, 'p');
    sendBtn.setAttribute('aria-keyshortcuts', 'Control+Enter Meta+Enter');
    const row = h('div', { class: 'row' }, sendBtn, button(T.cancel, close));
    // On a touch screen no field is focused: the keyboard would cover the dialog and Send.
    const touch = matchMedia('(pointer: coarse)').matches;
    show([form, st, row], st, !touch && sug, send, 'td-q');
    if (!touch && !drafts[key]) sug.select(); // the quote selected, as Orphus had it: typing replaces it
  };

  return {
    // The dialog for range r (a report, or why there is none); f had the focus before.
    open: (r, f) => {
      prev = f;
      prevRange = r;
      sent = false;
      const c = quote(r);
      if (c.error) message(c.error == 'empty' ? X.howTo() : T[c.error]); // long, outside, blank
      else report(c);
    },
    capture: r => { const c = quote(r); return c.error ? { error: c.error } : c.q; },
    canonicalText: rootEl => canon(walk(X.roots(rootEl))[0]),
    flush,
  };
};
